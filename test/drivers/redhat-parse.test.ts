/**
 * The Red Hat driver's document rules (drivers/redhat/records.ts, README.md "Records") on small
 * documents written in Red Hat's shape (test/helpers/redhat-vex.ts): states from product_status and
 * remediations, the main stream deciding over EUS, an EUS-only fix, module streams, severity and
 * CVSS, a document without RHEL products; and the two readers (whole and streamed) agreeing.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { type FixedIn, validateRecord, type VulnRecord } from '../../drivers/_framework/record.ts';
import { readDocument } from '../../drivers/redhat/documents.ts';
import { rhelPlatform } from '../../drivers/redhat/products.ts';
import { recordsOf } from '../../drivers/redhat/records.ts';
import { readVex } from '../../drivers/redhat/vex-read.ts';
import { modelOfParsed } from '../../drivers/redhat/model.ts';
import { BASH, CONTAINER_ONLY, CURL, KERNEL_EUS, NODEJS, OPENSSL } from '../helpers/redhat-fixture.ts';
import { type VexSpec, vexDocument } from '../helpers/redhat-vex.ts';

/** Chunks of 7 bytes: every boundary case of the streaming reader gets hit somewhere. */
function chunked(bytes: Buffer, size = 7): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return Readable.from(parts);
}

async function records(spec: VexSpec): Promise<Map<number, VulnRecord[]>> {
  const bytes = Buffer.from(JSON.stringify(vexDocument(spec)));
  const whole = recordsOf(await readDocument(Readable.from([bytes]), bytes.length, 'whole'), 'doc.json', silentLogger);
  const streamed = recordsOf(await readVex(chunked(bytes), 'streamed'), 'doc.json', silentLogger);
  expect(JSON.stringify([...streamed])).toEqual(JSON.stringify([...whole]));
  for (const list of whole.values()) for (const r of list) validateRecord(r);
  return whole;
}

const only = (m: Map<number, VulnRecord[]>, major: number): VulnRecord => {
  const list = m.get(major) ?? [];
  expect(list).toHaveLength(1);
  return list[0] as VulnRecord;
};
const entry = (r: VulnRecord, pkg: string, stream?: string): FixedIn | undefined => r.fixedIn.find((f) => f.package === pkg && f.moduleStream === stream);

describe('redhat: CPEs to majors and streams', () => {
  it('reads RHEL main and extended streams and leaves layered products out', () => {
    expect(rhelPlatform('cpe:/o:redhat:enterprise_linux:9::baseos')).toMatchObject({ major: 9, channel: null });
    expect(rhelPlatform('cpe:/a:redhat:enterprise_linux:8::appstream')).toMatchObject({ major: 8, channel: null });
    expect(rhelPlatform('cpe:/o:redhat:enterprise_linux:10')).toMatchObject({ major: 10, channel: null });
    expect(rhelPlatform('cpe:/o:redhat:enterprise_linux:9.4')).toMatchObject({ major: 9, channel: null });
    expect(rhelPlatform('cpe:/o:redhat:rhel_eus:9.0::baseos')).toMatchObject({ major: 9, channel: 'eus' });
    expect(rhelPlatform('cpe:/o:redhat:rhel_aus:7.7::server')).toMatchObject({ major: 7, channel: 'aus' });
    expect(rhelPlatform('cpe:/o:redhat:rhel_e4s:8.1::baseos')).toMatchObject({ major: 8, channel: 'e4s' });
    expect(rhelPlatform('cpe:/a:redhat:satellite:6.14::el8')).toBeNull();
    expect(rhelPlatform('cpe:/a:redhat:rhel_software_collections:3::el7')).toBeNull();
    expect(rhelPlatform('cpe:/a:redhat:openshift:4.15::el9')).toBeNull();
  });
});

describe('redhat: records from VEX documents', () => {
  it('takes the highest main-stream fix, with its RHSA, and ignores EUS fixes when the main stream speaks', async () => {
    const r = only(await records(CURL), 9);
    expect(r).toMatchObject({ id: 'CVE-2024-1001', namespace: 'rhel:9', severity: 'High', vendorSeverities: [{ source: 'Red Hat', value: 'Important' }] });
    expect(r.fixedIn).toEqual([{
      package: 'curl', versionScheme: 'rpm', state: 'fixed', version: '0:7.76.1-26.el9_3.2',
      product: { id: 'BaseOS-9.3.0.Z.MAIN', cpe: 'cpe:/o:redhat:enterprise_linux:9::baseos' },
      vendorAdvisory: { noAdvisory: false, advisories: [{ id: 'RHSA-2024:1001', link: 'https://access.redhat.com/errata/RHSA-2024:1001' }] },
    }]);
    expect(r.cvss).toEqual([{
      version: '3.1', vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: 8.1, baseSeverity: 'HIGH',
      exploitabilityScore: 2.2, impactScore: 5.9, source: 'secalert@redhat.com', type: null,
    }]);
    expect(r.weaknesses).toEqual([{ id: 'CWE-787', source: 'secalert@redhat.com', type: null }]);
    expect(r.link).toBe('https://access.redhat.com/security/cve/CVE-2024-1001');
    expect(r.references.map((x) => x.url)).toContain('https://access.redhat.com/errata/RHSA-2024:1001');
    expect(r.published).toBe('2024-01-10T00:00:00Z');
    expect(r.provenance).toEqual({ driver: 'redhat', source: 'doc.json' });
  });

  it('keeps binary packages out: records name source packages', async () => {
    const r = only(await records(CURL), 9);
    expect(r.fixedIn.map((f) => f.package)).toEqual(['curl']);
  });

  it('writes a record for a major where every product is not affected, and one under investigation', async () => {
    const m = await records(CURL);
    expect(only(m, 8).fixedIn).toEqual([{ package: 'curl', versionScheme: 'rpm', state: 'not_affected', product: { id: 'red_hat_enterprise_linux_8', cpe: 'cpe:/o:redhat:enterprise_linux:8' } }]);
    expect(only(m, 10).fixedIn[0]).toMatchObject({ package: 'curl', state: 'under_investigation' });
    expect([...m.keys()].sort()).toEqual([10, 8, 9]);
    const bash = await records(BASH);
    expect(only(bash, 10).fixedIn.map((f) => f.state)).toEqual(['not_affected']);
  });

  it('maps no_fix_planned to will_not_fix, none_available "Deferred" to deferred and "Affected" to affected', async () => {
    const m = await records(OPENSSL);
    expect(entry(only(m, 7), 'openssl')?.state).toBe('will_not_fix');
    expect(entry(only(m, 8), 'openssl')?.state).toBe('deferred');
    expect(entry(only(m, 9), 'openssl')?.state).toBe('affected');
    expect(only(m, 9).severity).toBe('Low');
    expect(only(m, 9).cvss).toEqual([]);
  });

  it('keeps module streams on the entries: a fixed nodejs:18, an affected nodejs:20, and a non-module nodejs beside', async () => {
    const m = await records(NODEJS);
    const el8 = only(m, 8);
    expect(entry(el8, 'nodejs', 'nodejs:18')).toMatchObject({ state: 'fixed', version: '1:18.19.1-1.module+el8.9.0+21378+e0b4bc3c', product: { id: 'AppStream-8.9.0.Z.MAIN' } });
    expect(entry(el8, 'nodejs', 'nodejs:20')).toMatchObject({ state: 'affected' });
    expect(el8.fixedIn).toHaveLength(2);
    expect(entry(only(m, 9), 'nodejs')).toMatchObject({ state: 'fixed', version: '1:16.20.2-4.el9_3' });
    expect(only(m, 9).fixedIn[0]?.moduleStream).toBeUndefined();
  });

  it('keeps an EUS-only fix with its channel', async () => {
    const r = only(await records(KERNEL_EUS), 8);
    expect(r.fixedIn).toEqual([{
      package: 'kernel', versionScheme: 'rpm', state: 'fixed', version: '0:4.18.0-372.91.1.el8_6', channel: 'eus',
      product: { id: 'BaseOS-8.6.0.Z.EUS', cpe: 'cpe:/o:redhat:rhel_eus:8.6::baseos' },
      vendorAdvisory: { noAdvisory: false, advisories: [{ id: 'RHSA-2024:1200', link: 'https://access.redhat.com/errata/RHSA-2024:1200' }] },
    }]);
  });

  it('a main-stream "affected" wins over an EUS fix of the same package', async () => {
    const m = await records({
      cve: 'CVE-2024-2001',
      fixed: [{ platform: 'BaseOS-9.2.0.Z.EUS', cpe: 'cpe:/o:redhat:rhel_eus:9.2::baseos', name: 'sudo', evr: '0:1.9.5p2-9.el9_2.1', advisory: 'RHSA-2024:2001' }],
      unfixed: [{ platform: 'red_hat_enterprise_linux_9', cpe: 'cpe:/o:redhat:enterprise_linux:9', name: 'sudo', status: 'known_affected', remediation: { category: 'none_available', details: 'Affected' } }],
    });
    expect(only(m, 9).fixedIn).toEqual([{ package: 'sudo', versionScheme: 'rpm', state: 'affected', product: { id: 'red_hat_enterprise_linux_9', cpe: 'cpe:/o:redhat:enterprise_linux:9' } }]);
  });

  it('gives no record for a document without RHEL products', async () => {
    expect((await records(CONTAINER_ONLY)).size).toBe(0);
  });

  it('falls back to the document aggregate severity without threats', async () => {
    const doc = vexDocument({ cve: 'CVE-2024-2002', impact: 'Critical', unfixed: [{ platform: 'red_hat_enterprise_linux_9', cpe: 'cpe:/o:redhat:enterprise_linux:9', name: 'x', status: 'known_affected' }] });
    delete (doc['vulnerabilities'] as Record<string, unknown>[])[0]?.['threats'];
    const m = recordsOf(modelOfParsed(doc), 'd', silentLogger);
    expect(only(m, 9).severity).toBe('Critical');
  });
});

describe('redhat: bad documents', () => {
  const good = Buffer.from(JSON.stringify(vexDocument(CURL)));

  it('a truncated document is SOURCE_INVALID naming it, in both readers', async () => {
    const cut = good.subarray(0, Math.floor(good.length / 2));
    for (const read of [() => readDocument(Readable.from([cut]), cut.length, 'redhat: 2024/cve-2024-1001.json'), () => readVex(chunked(cut, 4096), 'redhat: 2024/cve-2024-1001.json')]) {
      const err = await read().then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(AirfeedError);
      expect((err as AirfeedError).code).toBe('SOURCE_INVALID');
      expect((err as AirfeedError).message).toContain('redhat: 2024/cve-2024-1001.json');
    }
  });

  it('a piece of the wrong shape names the JSON path', async () => {
    const doc = vexDocument(CURL);
    ((doc['product_tree'] as { relationships: Record<string, unknown>[] }).relationships[0] as Record<string, unknown>)['product_reference'] = 42;
    const bytes = Buffer.from(JSON.stringify(doc));
    const err = await readVex(chunked(bytes, 1024), 'redhat: x.json').then(() => null, (e: unknown) => e as AirfeedError);
    expect(err?.code).toBe('SOURCE_INVALID');
    expect(err?.message).toMatch(/redhat: x\.json: not a CSAF VEX document: product_tree\.relationships\[0\]: product_reference/);
  });

  it('invalid UTF-8 is SOURCE_INVALID with the byte offset', async () => {
    const bytes = Buffer.concat([good.subarray(0, 100), Buffer.from([0xff]), good.subarray(101)]);
    const err = await readVex(chunked(bytes, 64), 'redhat: y.json').then(() => null, (e: unknown) => e as AirfeedError);
    expect(err?.code).toBe('SOURCE_INVALID');
    expect(err?.message).toContain('byte 100');
  });
});
