/**
 * The OSV view (drivers/_framework/shapes/osv.ts) and its inverse (osv-in.ts): the view of Alpine
 * records written out, the OSV schema's verdict on the view of every real Alpine record (and of the
 * merged per-id views), and OSV in → record → OSV out on the real Go, RustSec and GHSA databases.
 * The parts that read ../shared skip, saying why, when it is absent.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { SettingValues } from '../../drivers/_framework/settings.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import type { VulnRecord } from '../../drivers/_framework/record.ts';
import { fromOsv } from '../../drivers/_framework/shapes/osv-in.ts';
import { mergeOsv, OSV_SCHEMA_VERSION, type OsvVulnerability, toOsv } from '../../drivers/_framework/shapes/osv.ts';
import { alpine } from '../../drivers/alpine/index.ts';
import { REALDATA_ABSENT, REALDATA_ALPINE, realdataPresent } from '../helpers/alpine-count.ts';
import { OSV_SCHEMA_ABSENT, osvSchemaPresent, osvValidator } from '../helpers/osv-schema.ts';
import { skipUnless } from '../helpers/skip.ts';
import { makeRecord } from '../helpers/records.ts';
import { normalizeOsv as normalize } from '../helpers/osv-normalize.ts';

const AT = '2025-01-02T03:04:05.123456Z';
const live = { deleted: false, updatedAt: AT };

function alpineRecord(id: string, group = 'alpine:3.20'): VulnRecord {
  return {
    ...makeRecord(group, id),
    description: '',
    link: `https://nvd.nist.gov/vuln/detail/${id}`,
    fixedIn: [
      { package: 'musl', versionScheme: 'apk', state: 'fixed', version: '1.2.4-r3' },
      { package: 'zlib', versionScheme: 'apk', state: 'not_affected' },
    ],
    provenance: { driver: 'alpine', source: 'v3.20/main.json' },
  };
}

describe('the OSV view of an Alpine record', () => {
  it('names the ecosystem as OSV does, writes ECOSYSTEM ranges, and lists not-affected packages apart', () => {
    expect(toOsv(alpineRecord('CVE-2024-0001'), live)).toEqual({
      schema_version: OSV_SCHEMA_VERSION,
      id: 'CVE-2024-0001',
      modified: AT,
      affected: [{ package: { ecosystem: 'Alpine:v3.20', name: 'musl' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.2.4-r3' }] }] }],
      references: [{ type: 'WEB', url: 'https://nvd.nist.gov/vuln/detail/CVE-2024-0001' }],
      database_specific: { airfeed: { not_affected: [{ ecosystem: 'Alpine:v3.20', name: 'zlib' }] } },
    });
  });

  it('prefixes an id OSV does not know, keeps it as an alias, and spells edge and other states', () => {
    const r: VulnRecord = {
      ...alpineRecord('XSA-204', 'alpine:edge'),
      aliases: ['CVE-2016-10013'],
      fixedIn: [
        { package: 'xen', versionScheme: 'apk', state: 'affected' },
        { package: 'qemu', versionScheme: 'apk', state: 'will_not_fix', vendorAdvisory: { noAdvisory: true, advisories: [] } },
      ],
    };
    const out = toOsv(r, live);
    expect(out.id).toBe('ALPINE-XSA-204');
    expect(out.aliases).toEqual(['XSA-204', 'CVE-2016-10013']);
    expect(out.affected).toEqual([
      { package: { ecosystem: 'Alpine:edge', name: 'xen' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }] },
      {
        package: { ecosystem: 'Alpine:edge', name: 'qemu' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }],
        database_specific: { airfeed: { state: 'will_not_fix', vendor_advisory: { noAdvisory: true, advisories: [] } } },
      },
    ]);
    expect(out.database_specific).toBeUndefined();
  });

  it('takes modified from the record when it has one, and withdraws a tombstone at its deletion', () => {
    const r = { ...alpineRecord('CVE-2024-0002'), modified: '2024-06-01T00:00:00Z', published: '2024-05-01T00:00:00Z' };
    expect(toOsv(r, live)).toMatchObject({ modified: '2024-06-01T00:00:00Z', published: '2024-05-01T00:00:00Z' });
    expect(toOsv(r, live).withdrawn).toBeUndefined();
    expect(toOsv(r, { deleted: true, updatedAt: AT }).withdrawn).toBe(AT);
  });

  it('carries the enrichment blocks in database_specific', () => {
    const kev = {
      dateAdded: '2021-12-10', dueDate: '2021-12-24', requiredAction: 'Apply updates.', knownRansomwareCampaignUse: 'Known' as const,
      vendorProject: 'Apache', product: 'Log4j2', vulnerabilityName: 'Log4Shell', notes: '', cwes: ['CWE-502'],
    };
    const r: VulnRecord = { ...makeRecord('kev:catalog', 'CVE-2021-44228'), fixedIn: [], kev, epss: { score: 0.9, percentile: 0.99, date: '2025-02-20' } };
    expect(toOsv(r, live).database_specific).toEqual({ airfeed: { kev, epss: { score: 0.9, percentile: 0.99, date: '2025-02-20' } } });
    expect(toOsv(r, live).affected).toBeUndefined();
    // Merged with a distro record of the same id, the KEV block stays beside the not-affected list.
    const merged = mergeOsv([toOsv(alpineRecord('CVE-2021-44228'), live), toOsv(r, live)]);
    expect(merged.database_specific).toEqual({ airfeed: { kev, epss: { score: 0.9, percentile: 0.99, date: '2025-02-20' }, not_affected: [{ ecosystem: 'Alpine:v3.20', name: 'zlib' }] } });
  });

  it('merges the views of one id across groups into one document', () => {
    const views = [toOsv(alpineRecord('CVE-2024-0001', 'alpine:3.19'), { deleted: false, updatedAt: '2024-01-01T00:00:00Z' }), toOsv(alpineRecord('CVE-2024-0001'), live)];
    const merged = mergeOsv(views);
    expect(merged.modified).toBe(AT);
    expect(merged.affected?.map((a) => a.package.ecosystem)).toEqual(['Alpine:v3.19', 'Alpine:v3.20']);
    expect(merged.references).toHaveLength(1);
    expect(merged.database_specific).toEqual({
      airfeed: { not_affected: [{ ecosystem: 'Alpine:v3.19', name: 'zlib' }, { ecosystem: 'Alpine:v3.20', name: 'zlib' }] },
    });
    expect(mergeOsv([toOsv(alpineRecord('CVE-2024-0001'), { deleted: true, updatedAt: AT })]).withdrawn).toBe(AT);
  });
});

describe('OSV in', () => {
  const ubuntu = {
    schema_version: '1.7.0',
    id: 'UBUNTU-CVE-2014-2901',
    details: "wolfssl before 3.2.0 does not properly issue certificates for a server's hostname.",
    aliases: [],
    upstream: ['CVE-2014-2901'],
    severity: [{ type: 'Ubuntu', score: 'medium' }, { type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N' }],
    published: '2019-11-21T23:15:00Z',
    modified: '2025-08-01T04:49:26Z',
    affected: [{
      package: { ecosystem: 'Ubuntu:Pro:16.04:LTS', name: 'wolfssl', purl: 'pkg:deb/ubuntu/wolfssl@3.4.8+dfsg-1?arch=source&distro=esm-apps/xenial' },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }],
      versions: ['3.4.8+dfsg-1'],
      ecosystem_specific: {},
    }],
    references: [{ type: 'REPORT', url: 'https://ubuntu.com/security/CVE-2014-2901' }],
  };

  it('keeps an Ubuntu Pro entry\'s ecosystem, its versions and vendor severity, and gives the document back normalized', () => {
    const r = fromOsv(ubuntu, { group: 'ubuntu:16.04', severity: 'Medium', provenance: { driver: 'test', source: 'x' } });
    expect(r.vendorSeverities).toEqual([{ source: 'Ubuntu', value: 'medium' }]);
    expect(r.cvss.map((c) => [c.version, c.baseScore])).toEqual([['3.1', null]]);
    expect(r.fixedIn).toEqual([{
      package: 'wolfssl', versionScheme: 'dpkg', state: 'affected', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }], versions: ['3.4.8+dfsg-1'],
      ecosystem: 'Ubuntu:Pro:16.04:LTS', purl: ubuntu.affected[0]?.package.purl,
    }]);
    expect(toOsv(r, { deleted: false, updatedAt: null })).toEqual(normalize(ubuntu));
  });

  it('refuses a per-package severity, which the record has no place for', () => {
    const doc = { ...ubuntu, affected: [{ ...ubuntu.affected[0], severity: [{ type: 'Ubuntu', score: 'low' }] }] };
    expect(() => fromOsv(doc, { group: 'ubuntu:16.04', provenance: { driver: 'test', source: 'x' } })).toThrow('fromOsv: UBUNTU-CVE-2014-2901: affected[].severity has no place in the record');
  });
});

describe('the OSV view of every real Alpine record', skipUnless(realdataPresent && osvSchemaPresent, realdataPresent ? OSV_SCHEMA_ABSENT : REALDATA_ABSENT), () => {
  let ws: string;
  beforeAll(async () => {
    ws = await fs.mkdtemp(path.join(os.tmpdir(), 'airfeed-osv-real-'));
  });
  afterAll(async () => {
    await fs.rm(ws, { recursive: true, force: true });
  });

  it('is valid against the OSV schema, per record and merged per id', async () => {
    await alpine.fetch({
      source: REALDATA_ALPINE, workspace: ws, state: {}, settings: SettingValues.none('alpine'), http: new HttpClient(), log: silentLogger,
      progress: { phase: () => undefined, tick: () => undefined },
    });
    const validate = osvValidator();
    const byId = new Map<string, OsvVulnerability[]>();
    const failures: string[] = [];
    let records = 0;
    let notAffected = 0;
    for await (const g of alpine.parse({ workspace: ws, log: silentLogger })) {
      for await (const r of g.records) {
        records++;
        const view = toOsv(r, live);
        const error = validate(view);
        if (error) failures.push(`${g.name} ${r.id}: ${error}`);
        notAffected += ((view.database_specific?.['airfeed'] as { not_affected?: unknown[] } | undefined)?.not_affected ?? []).length;
        expect(view.affected?.length ?? 0).toBe(r.fixedIn.filter((f) => f.state !== 'not_affected').length);
        const list = byId.get(r.id);
        if (list) list.push(view);
        else byId.set(r.id, [view]);
      }
    }
    expect(failures.slice(0, 5)).toEqual([]);
    expect(records).toBe(72_602);
    expect(notAffected).toBeGreaterThan(0);
    for (const [id, views] of byId) {
      const error = validate(mergeOsv(views));
      if (error) failures.push(`merged ${id}: ${error}`);
    }
    expect(failures.slice(0, 5)).toEqual([]);
  });
});

const OSV_DIR = path.resolve(import.meta.dirname, '../../../shared/realdata/osv');

describe('OSV in → record → OSV out on real databases', skipUnless(osvSchemaPresent, OSV_SCHEMA_ABSENT), () => {
  const corpora: { name: string; dir: string; group: string }[] = [
    { name: 'Go vulndb', dir: 'govulndb-osv/data', group: 'github:go' },
    { name: 'RustSec', dir: 'rustsec-osv/data/crates', group: 'github:rust' },
    { name: 'GHSA (Maven)', dir: 'ghsa-sample', group: 'github:java' },
  ];
  it.each(corpora)('$name: every document round-trips up to the documented normalization, and is valid', async ({ dir, group }) => {
    const validate = osvValidator();
    const files = (await fs.readdir(path.join(OSV_DIR, dir))).filter((f) => f.endsWith('.json')).sort();
    expect(files.length).toBeGreaterThan(0);
    const failures: string[] = [];
    for (const file of files) {
      const doc = JSON.parse(await fs.readFile(path.join(OSV_DIR, dir, file), 'utf8')) as Record<string, unknown>;
      const record = fromOsv(doc, { group, provenance: { driver: 'test', source: file } });
      const out = toOsv(record, { deleted: false, updatedAt: null });
      try {
        expect(out).toEqual(normalize(doc));
      } catch (err) {
        failures.push(`${file}: ${(err as Error).message.slice(0, 400)}`);
      }
      const error = validate(out);
      if (error) failures.push(`${file}: ${error}`);
    }
    expect(failures.slice(0, 3)).toEqual([]);
  });
});
