/**
 * The ubuntu driver on its fixture (test/fixtures/ubuntu/tree, hand-written in the shape of
 * Canonical's OSV, and the same tree packed as test/fixtures/drivers/ubuntu/osv-all.tar.xz): CVE and
 * USN documents, Ubuntu Pro fixes with their channel, withdrawn documents, variant builds and
 * ecosystems the driver does not know, and bad documents.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AirfeedError } from '../../drivers/_framework/errors.ts';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { type FixedIn, validateRecord, type VulnRecord } from '../../drivers/_framework/record.ts';
import { SettingValues } from '../../drivers/_framework/settings.ts';
import { placeEntry, proChannel } from '../../drivers/ubuntu/ecosystem.ts';
import { ubuntu } from '../../drivers/ubuntu/index.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { groupRows, useSyncTestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TREE = path.join(ROOT, 'test/fixtures/ubuntu/tree');
const TARBALL_MIRROR = path.join(ROOT, 'test/fixtures/drivers/ubuntu');
const noProgress = { phase: () => undefined, tick: () => undefined };

let tmp: string;
beforeEach(async () => {
  tmp = await tempDir('airfeed-ubuntu-');
});
afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

function captureLog(): { log: Logger; lines: () => Record<string, unknown>[] } {
  const out: string[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void out.push(s) });
  return { log, lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

async function fetchInto(source: string, workspace: string): Promise<void> {
  await ubuntu.fetch({ source, workspace, state: {}, settings: SettingValues.none('ubuntu'), http: new HttpClient(), log: silentLogger, progress: noProgress });
}

async function parseAll(workspace: string, log: Logger = silentLogger): Promise<Map<string, Map<string, VulnRecord>>> {
  const out = new Map<string, Map<string, VulnRecord>>();
  for await (const g of ubuntu.parse({ workspace, log })) {
    const records = new Map<string, VulnRecord>();
    for await (const r of g.records) records.set(r.id, validateRecord(r));
    out.set(g.name, records);
  }
  return out;
}

const fixedIn = (g: Map<string, Map<string, VulnRecord>>, group: string, id: string): FixedIn[] => g.get(group)?.get(id)?.fixedIn ?? [];

/** A copy of the fixture tree under `tmp/tree`, for a test to change. */
async function treeCopy(): Promise<string> {
  const dir = path.join(tmp, 'tree');
  await fs.cp(TREE, dir, { recursive: true });
  return dir;
}

describe('ubuntu parse of the fixture archive', () => {
  it('makes one record per CVE and release, with Canonical\'s priority, scored vectors and the USNs that fixed it', async () => {
    const ws = path.join(tmp, 'ws');
    await fetchInto(TARBALL_MIRROR, ws);
    const g = await parseAll(ws);
    expect([...g.keys()]).toEqual(['ubuntu:16.04', 'ubuntu:18.04', 'ubuntu:20.04', 'ubuntu:22.04', 'ubuntu:24.04', 'ubuntu:25.10']);
    expect([...(g.get('ubuntu:22.04')?.keys() ?? [])]).toEqual(['CVE-2021-3782', 'CVE-2022-24823', 'CVE-2023-45853', 'CVE-2024-0727', 'USN-6990-1']);
    const r = g.get('ubuntu:18.04')?.get('CVE-2021-3782');
    expect(r).toMatchObject({
      severity: 'Medium',
      vendorSeverities: [{ source: 'Ubuntu', value: 'medium' }],
      aliases: ['UBUNTU-CVE-2021-3782'],
      related: ['USN-5614-1', 'USN-5614-2'],
      link: 'https://ubuntu.com/security/CVE-2021-3782',
      published: '2022-08-30T20:51:00Z',
      provenance: { driver: 'ubuntu', source: 'osv-all.tar.xz:osv/cve/2021/UBUNTU-CVE-2021-3782.json' },
    });
    expect(r?.cvss).toEqual([{
      version: '3.1', vector: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:H', baseScore: 6.6, baseSeverity: 'MEDIUM',
      exploitabilityScore: 1.8, impactScore: 4.7, source: null, type: null,
    }]);
    // The usual range becomes a version; `versions` inside it and `binaries` go; the USN is an advisory.
    expect(r?.fixedIn).toEqual([{
      package: 'wayland', versionScheme: 'dpkg', state: 'fixed', version: '1.16.0-1ubuntu1.1~18.04.4',
      purl: 'pkg:deb/ubuntu/wayland@1.16.0-1ubuntu1.1~18.04.4?arch=source&distro=bionic',
      vendorAdvisory: { noAdvisory: false, advisories: [{ id: 'USN-5614-1', link: 'https://ubuntu.com/security/notices/USN-5614-1' }] },
      ecosystemSpecific: { availability: 'No subscription required' },
    }]);
    expect(fixedIn(g, 'ubuntu:22.04', 'CVE-2024-0727')[0]?.vendorAdvisory?.advisories.map((a) => a.id)).toEqual(['USN-6622-1']);
  });

  it('keeps an Ubuntu Pro fix on its release with its channel, and leaves variant builds out', async () => {
    const ws = path.join(tmp, 'ws');
    await fetchInto(TARBALL_MIRROR, ws);
    const { log, lines } = captureLog();
    const g = await parseAll(ws, log);
    expect(fixedIn(g, 'ubuntu:16.04', 'CVE-2021-3782')).toEqual([{
      package: 'wayland', versionScheme: 'dpkg', state: 'fixed', version: '1.12.0-1~ubuntu16.04.3+esm1',
      purl: 'pkg:deb/ubuntu/wayland@1.12.0-1~ubuntu16.04.3+esm1?arch=source&distro=esm-infra/xenial', channel: 'esm-infra',
      ecosystemSpecific: { availability: 'Available with Ubuntu Pro (Infra-only): https://ubuntu.com/pro' },
    }]);
    // netty on jammy: the Pro fix only; the FIPS-updates build is not jammy's own package.
    expect(fixedIn(g, 'ubuntu:22.04', 'CVE-2022-24823').map((f) => [f.state, f.version, f.channel])).toEqual([['fixed', '1:4.1.48-4+deb11u2ubuntu0.1~esm1', 'esm-apps']]);
    // No fix yet (introduced 0 only): affected, every version.
    expect(fixedIn(g, 'ubuntu:25.10', 'CVE-2022-24823')).toEqual([{
      package: 'netty', versionScheme: 'dpkg', state: 'affected', purl: 'pkg:deb/ubuntu/netty@1:4.1.48-10?arch=source&distro=questing',
    }]);
    const info = lines().map((l) => JSON.stringify(l));
    expect(info.some((l) => l.includes('Ubuntu:Pro:FIPS-updates:22.04:LTS'))).toBe(true);
  });

  it('reports ecosystems it does not know and leaves them out; keeps ranges and versions only when they say more', async () => {
    const ws = path.join(tmp, 'ws');
    await fetchInto(TARBALL_MIRROR, ws);
    const { log, lines } = captureLog();
    const g = await parseAll(ws, log);
    const warned = lines().filter((l) => (l['level'] as number) >= 40).map((l) => String(l['msg']));
    expect(warned).toEqual([expect.stringContaining('Debian:12, Ubuntu:99.04')]);
    // A range that does not start at 0 stays a range; versions beyond the fix stay (OSV: listed versions are affected).
    expect(fixedIn(g, 'ubuntu:20.04', 'CVE-2024-0727')[0]).toMatchObject({
      state: 'fixed', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '1.1.1f-1ubuntu2' }, { fixed: '1.1.1f-1ubuntu2.21' }] }],
      versions: ['1.1.1f-1ubuntu2', '1.1.1f-1ubuntu2.20', '1.1.1f-1ubuntu2.22'],
    });
    expect(fixedIn(g, 'ubuntu:20.04', 'CVE-2024-0727')[0]?.version).toBeUndefined();
    expect(fixedIn(g, 'ubuntu:24.04', 'CVE-2023-45853')[0]).toMatchObject({ version: '1:1.3.dfsg-3.1ubuntu2.1', versions: ['1:1.3.dfsg-3.1ubuntu2', '1:1.3.dfsg-3.1ubuntu2.2'] });
    expect(fixedIn(g, 'ubuntu:22.04', 'CVE-2023-45853')[0]?.versions).toBeUndefined();
  });

  it('makes a USN that names no CVE a record of its own; leaves withdrawn documents out', async () => {
    const ws = path.join(tmp, 'ws');
    await fetchInto(TARBALL_MIRROR, ws);
    const g = await parseAll(ws);
    expect(g.get('ubuntu:22.04')?.get('USN-6990-1')).toMatchObject({
      title: 'tzdata update', link: 'https://ubuntu.com/security/notices/USN-6990-1', severity: 'Unknown',
      fixedIn: [{ package: 'tzdata', state: 'fixed', version: '2024a-0ubuntu0.22.04.1' }],
    });
    // UBUNTU-CVE-2013-2208 is withdrawn: no record, and no trusty group (it was trusty's only one).
    for (const records of g.values()) expect(records.has('CVE-2013-2208')).toBe(false);
    expect(g.has('ubuntu:14.04')).toBe(false);
  });

  it('reads the extracted osv/ tree to the same records as the archive', async () => {
    const a = path.join(tmp, 'ws-tar');
    await fetchInto(TARBALL_MIRROR, a);
    const b = path.join(tmp, 'ws-tree');
    await fetchInto(TREE, b);
    const strip = (m: Map<string, Map<string, VulnRecord>>) => [...m].map(([k, v]) => [k, [...v.values()].map((r) => ({ ...r, provenance: r.provenance.source.replace(/^osv-all\.tar\.xz:/, '') }))]);
    expect(strip(await parseAll(b))).toEqual(strip(await parseAll(a)));
  });
});

describe('ubuntu ecosystems', () => {
  it.each([
    ['Ubuntu:22.04:LTS', undefined, { kind: 'release', group: 'ubuntu:22.04', release: '22.04' }],
    ['Ubuntu:25.10', undefined, { kind: 'release', group: 'ubuntu:25.10', release: '25.10' }],
    ['Ubuntu:Pro:16.04:LTS', 'pkg:deb/ubuntu/wayland@1?arch=source&distro=esm-infra/xenial', { kind: 'release', group: 'ubuntu:16.04', release: '16.04', channel: 'esm-infra' }],
    ['Ubuntu:Pro:14.04:LTS', 'pkg:deb/ubuntu/unzip@6.0-9ubuntu1.6?arch=source&distro=trusty/esm', { kind: 'release', group: 'ubuntu:14.04', release: '14.04', channel: 'esm' }],
    ['Ubuntu:Pro:14.04:LTS', 'pkg:deb/ubuntu/eglibc@2.19?arch=source&distro=esm-infra-legacy/trusty', { kind: 'release', group: 'ubuntu:14.04', release: '14.04', channel: 'esm-infra-legacy' }],
    ['Ubuntu:Pro:14.04:LTS', undefined, { kind: 'release', group: 'ubuntu:14.04', release: '14.04', channel: 'esm' }],
    ['Ubuntu:Pro:FIPS-updates:20.04:LTS', undefined, { kind: 'variant' }],
    ['Ubuntu:Pro:Realtime:22.04:LTS', undefined, { kind: 'variant' }],
    ['Ubuntu:Nvidia-BlueField:22.04:LTS', undefined, { kind: 'variant' }],
    ['Ubuntu:99.04', undefined, { kind: 'unknown-release', release: '99.04' }],
    ['Debian:12', undefined, { kind: 'unknown' }],
    ['Ubuntu', undefined, { kind: 'unknown' }],
  ])('%s', (ecosystem, purl, placement) => {
    expect(placeEntry(ecosystem, purl)).toEqual(placement);
  });

  it('takes the channel from the purl distro qualifier, percent-encoded or not', () => {
    expect(proChannel('16.04', 'pkg:deb/ubuntu/x@1?arch=source&distro=esm-apps%2Fxenial')).toBe('esm-apps');
    expect(proChannel('16.04', 'pkg:deb/ubuntu/x@1')).toBe('esm');
  });
});

describe('ubuntu: withdrawn records become tombstones; bad documents fail, naming them, previous data served', () => {
  const testDb = useSyncTestDb();

  it('a record withdrawn upstream is deleted at the next sync (a tombstone), the others untouched', async () => {
    const { sql } = testDb();
    const tree = await treeCopy();
    const home = path.join(tmp, 'home');
    expect((await syncDriver(sql, ubuntu, { home, http: new HttpClient(), log: silentLogger, source: tree })).status).toBe('succeeded');
    const before = await groupRows(sql, 'ubuntu:22.04');
    expect(before.map((r) => [r.id, r.deleted])).toEqual([
      ['CVE-2021-3782', false], ['CVE-2022-24823', false], ['CVE-2023-45853', false], ['CVE-2024-0727', false], ['USN-6990-1', false],
    ]);
    const file = path.join(tree, 'osv/cve/2023/UBUNTU-CVE-2023-45853.json');
    const doc = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
    await fs.writeFile(file, JSON.stringify({ ...doc, withdrawn: '2025-12-01T00:00:00Z' }));
    const report = await syncDriver(sql, ubuntu, { home, http: new HttpClient(), log: silentLogger, source: tree });
    expect(report.status).toBe('succeeded');
    expect(report.groups['ubuntu:22.04']).toMatchObject({ added: 0, changed: 0, removed: 1 });
    const after = await groupRows(sql, 'ubuntu:22.04');
    expect(after.map((r) => [r.id, r.deleted])).toEqual([
      ['CVE-2021-3782', false], ['CVE-2022-24823', false], ['CVE-2023-45853', true], ['CVE-2024-0727', false], ['USN-6990-1', false],
    ]);
    expect(after.filter((r) => r.id !== 'CVE-2023-45853')).toEqual(before.filter((r) => r.id !== 'CVE-2023-45853'));
  });

  it('a malformed document: SOURCE_INVALID naming it; the sync fails and serves the previous records', async () => {
    const { sql } = testDb();
    const tree = await treeCopy();
    const home = path.join(tmp, 'home');
    expect((await syncDriver(sql, ubuntu, { home, http: new HttpClient(), log: silentLogger, source: tree })).status).toBe('succeeded');
    const before = await groupRows(sql, 'ubuntu:22.04');
    await fs.writeFile(path.join(tree, 'osv/cve/2024/UBUNTU-CVE-2024-0727.json'), '{"id": "UBUNTU-CVE-2024-0727", "affected": [{"package": {"ecosystem": "Ubuntu:22.04:LTS"}}]}');
    const report = await syncDriver(sql, ubuntu, { home, http: new HttpClient(), log: silentLogger, source: tree });
    expect(report.status).toBe('failed');
    expect(report.errorCode).toBe('SOURCE_INVALID');
    expect(report.error).toMatch(/^ubuntu: osv\/cve\/2024\/UBUNTU-CVE-2024-0727\.json: not an OSV document: affected\[0\]\.package\.name: /);
    expect(await groupRows(sql, 'ubuntu:22.04')).toEqual(before);

    await fs.writeFile(path.join(tree, 'osv/cve/2024/UBUNTU-CVE-2024-0727.json'), '{"id": "UBUNTU-CVE-2024-07');
    const ws = path.join(tmp, 'ws-bad');
    await fetchInto(tree, ws);
    const err = await parseAll(ws).then(() => null, (e: unknown) => e as AirfeedError);
    expect(err?.code).toBe('SOURCE_INVALID');
    expect(err?.message).toMatch(/^ubuntu: osv\/cve\/2024\/UBUNTU-CVE-2024-0727\.json: malformed JSON: /);
  });

  it('a truncated archive: SOURCE_INVALID naming it', async () => {
    const bytes = await fs.readFile(path.join(TARBALL_MIRROR, 'osv-all.tar.xz'));
    const dir = path.join(tmp, 'cut');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'osv-all.tar.xz'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    const ws = path.join(tmp, 'ws-cut');
    await fetchInto(dir, ws);
    const err = await parseAll(ws).then(() => null, (e: unknown) => e as AirfeedError);
    expect(err?.code).toBe('SOURCE_INVALID');
    expect(err?.message).toMatch(/^ubuntu: osv-all\.tar\.xz/);
  });
});
