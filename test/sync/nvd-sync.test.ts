/**
 * The nvd driver end to end on PostgreSQL: a first sync from the fixture mirror; an incremental API
 * window on top (a changed CVE, a Rejected one that becomes a tombstone, a new one; the others
 * untouched); /v1 (Anchore nvdv2) and /v2 serving it, tombstone included; a bundle carrying it to
 * another feed service; and a bad page failing the group while the previous data stays served.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { MockAgent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { nvd } from '../../drivers/nvd/index.ts';
import { readBase } from '../../bundles/verify.ts';
import { exportBundle, type ExportResult } from '../../feed-service/bundles/export.ts';
import { importBundle } from '../../feed-service/bundles/import.ts';
import { getDriverState, listGroups } from '../../feed-service/storage/groups.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { makeKey, type TestKey } from '../bundles/helpers.ts';
import { createTestDb, groupRows, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { makeApp } from '../service/service-helpers.ts';

const MIRROR = path.resolve(import.meta.dirname, '../fixtures/drivers/nvd');
const G = 'nvdv2:cves';
const API = 'https://services.nvd.test/rest/json/cves/2.0';

let db: TestDb;
let replica: TestDb;
let home: string;
let key: TestKey;
let app: FastifyInstance;
let agent: MockAgent;
let full: ExportResult;

/** The changes the mock API returns for any window. */
const changes = [
  {
    cve: {
      id: 'CVE-2016-0008', sourceIdentifier: 'secure@microsoft.com', published: '2016-01-13T05:59:00.917', lastModified: '2024-11-20T10:00:00.000', vulnStatus: 'Modified',
      descriptions: [{ lang: 'en', value: 'The graphics device interface in Microsoft Windows allows remote attackers to bypass the ASLR protection mechanism (reanalysed).' }],
      metrics: {}, references: [{ url: 'https://docs.microsoft.com/en-us/security-updates/securitybulletins/2016/ms16-005', source: 'secure@microsoft.com', tags: ['Patch', 'Vendor Advisory'] }],
    },
  },
  {
    cve: {
      id: 'CVE-2016-9999901', sourceIdentifier: 'cve@mitre.org', published: '2016-12-30T11:59:00.283', lastModified: '2024-11-21T10:00:00.000', vulnStatus: 'Rejected',
      descriptions: [{ lang: 'en', value: 'Rejected reason: test fixture withdrawn.' }], metrics: {}, references: [],
    },
  },
  {
    cve: {
      id: 'CVE-2024-9999001', sourceIdentifier: 'cna@example.org', published: '2024-11-21T11:00:00.000', lastModified: '2024-11-21T11:00:00.000', vulnStatus: 'Received',
      descriptions: [{ lang: 'en', value: '(Test fixture.) A CVE published in the window.' }], metrics: {}, references: [],
    },
  },
];

beforeAll(async () => {
  [db, replica] = await Promise.all([createTestDb(), createTestDb()]);
  home = await tempDir('airfeed-nvd-sync-');
  key = await makeKey(home);
  app = await makeApp(db.sql);
  agent = new MockAgent();
  agent.disableNetConnect();
  agent.get('https://services.nvd.test').intercept({ path: () => true, method: 'GET' }).reply((req) => {
    const start = Number(new URL(req.path, 'https://x').searchParams.get('startIndex'));
    const items = changes.slice(start, start + 2000);
    return {
      statusCode: 200, responseOptions: { headers: { 'content-type': 'application/json' } },
      data: JSON.stringify({ resultsPerPage: items.length, startIndex: start, totalResults: changes.length, format: 'NVD_CVE', version: '2.0', timestamp: '2024-11-22T00:00:00.000', vulnerabilities: items }),
    };
  }).persist();
});
afterAll(async () => {
  await app.close();
  await agent.close();
  await Promise.all([db.drop(), replica.drop()]);
  await fs.rm(home, { recursive: true, force: true });
});

async function v1Ids(): Promise<string[]> {
  const ids: string[] = [];
  let token = '';
  do {
    const res = await app.inject({ method: 'GET', url: `/v1/service/feeds/nvdv2/${G}${token ? `?next_token=${token}` : ''}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    const page = res.json<{ data: { cve: { CVE_data_meta: { ID: string } }; vulnerable_cpes: string[] }[]; next_token: string }>();
    ids.push(...page.data.map((d) => d.cve.CVE_data_meta.ID));
    token = page.next_token;
  } while (token !== '');
  return ids.sort();
}

describe('nvd sync', () => {
  it('syncs the fixture mirror: one record per CVE at its latest, the Rejected one left out', async () => {
    const report = await syncDriver(db.sql, nvd, { home, http: new HttpClient(), log: silentLogger, source: MIRROR });
    expect(report.status, report.error).toBe('succeeded');
    expect(report.groups[G]).toMatchObject({ added: 5, changed: 0, removed: 0 });
    const groups = await listGroups(db.sql, { driver: 'nvd' });
    expect(groups.map((g) => [g.name, g.feed, g.recordCount])).toEqual([[G, 'nvdv2', 5]]);
    expect(await v1Ids()).toEqual(['CVE-2005-10003', 'CVE-2016-0008', 'CVE-2016-2183', 'CVE-2016-9999901', 'CVE-2024-3094']);
    const again = await syncDriver(db.sql, nvd, { home, http: new HttpClient(), log: silentLogger, source: MIRROR });
    expect(again.status).toBe('unchanged');
    full = await exportBundle(db.sql, { privateKey: key.privateKey, out: path.join(home, 'full.tar'), created: new Date('2024-11-01T00:00:00Z'), groups: [G] });
    expect(full.manifest.groups).toEqual([expect.objectContaining({ name: G, feed: 'nvdv2', driver: 'nvd', records: 5, tombstones: 0 })]);
    await importBundle(replica.sql, full.file, { trust: key.trust });
  });

  it('applies an incremental API window on top: the changed CVE changes, the Rejected one becomes a tombstone, the new one is added, nothing else moves', async () => {
    const before = await groupRows(db.sql, G);
    // As if the last API run had ended a day ago (the fixture mirror was synced instead): one window.
    const through = new Date(Date.now() - 24 * 3600_000).toISOString();
    await db.sql`update drivers set state = ${db.sql.json({ mode: 'api', api: API, through })} where id = 'nvd'`;
    const report = await syncDriver(db.sql, nvd, { home, http: new HttpClient({ dispatcher: agent }), log: silentLogger, source: API });
    expect(report.status, report.error).toBe('succeeded');
    expect(report.groups[G]).toMatchObject({ added: 1, changed: 1, removed: 1, unchanged: 0 });
    const after = await groupRows(db.sql, G);
    expect(after.map((r) => [r.id, r.deleted])).toEqual([
      ['CVE-2005-10003', false], ['CVE-2016-0008', false], ['CVE-2016-2183', false], ['CVE-2016-9999901', true], ['CVE-2024-3094', false], ['CVE-2024-9999001', false],
    ]);
    for (const id of ['CVE-2005-10003', 'CVE-2016-2183', 'CVE-2024-3094']) expect(after.find((r) => r.id === id)).toEqual(before.find((r) => r.id === id));
    const state = await getDriverState(db.sql, 'nvd');
    expect(state).toMatchObject({ mode: 'api', api: API, windows: [{ start: new Date(Date.parse(through) - 10 * 60_000).toISOString() }] });
    expect(Date.parse(String(state['through']))).toBeGreaterThan(Date.parse(through));
  });

  it('serves the group on /v2 (the tombstone included) and /v1 (tombstones are not Anchore records)', async () => {
    const v2 = (await app.inject({ method: 'GET', url: `/v2/groups/${G}/records?limit=100` })).json<{ records: { id: string; deleted: boolean; record: { description: string } | null }[] }>();
    expect(v2.records.map((r) => [r.id, r.deleted]).sort()).toEqual([
      ['CVE-2005-10003', false], ['CVE-2016-0008', false], ['CVE-2016-2183', false], ['CVE-2016-9999901', true], ['CVE-2024-3094', false], ['CVE-2024-9999001', false],
    ]);
    expect(v2.records.find((r) => r.id === 'CVE-2016-0008')?.record?.description).toMatch(/\(reanalysed\)\.$/);
    const one = (await app.inject({ method: 'GET', url: `/v1/service/feeds/nvdv2/${G}` })).json<{ data: Record<string, unknown>[] }>();
    const xz = one.data.find((d) => (d['cve'] as { CVE_data_meta: { ID: string } }).CVE_data_meta.ID === 'CVE-2024-3094');
    expect(xz).toMatchObject({
      severity: 'Critical', cvss_v3: { version: '3.1', base_metrics: { base_score: 10, base_severity: 'Critical', scope: 'CHANGED' } }, cvss_v2: null,
      vulnerable_cpes: ['cpe:2.3:a:tukaani:xz:5.6.0:*:*:*:*:*:*:*', 'cpe:2.3:a:tukaani:xz:5.6.1:*:*:*:*:*:*:*'], publishedDate: '2024-03-29T17:15Z',
    });
  });

  it('carries the window, tombstone included, in a delta bundle to another feed service that had the full one', async () => {
    const delta = await exportBundle(db.sql, { privateKey: key.privateKey, out: path.join(home, 'delta.tar'), created: new Date('2024-11-22T00:00:00Z'), base: await readBase(full.file) });
    expect(delta.manifest.groups).toEqual([expect.objectContaining({ name: G, feed: 'nvdv2', driver: 'nvd', records: 2, tombstones: 1 })]);
    await importBundle(replica.sql, delta.file, { trust: key.trust });
    const strip = (r: { id: string; deleted: boolean; hash: string }): unknown[] => [r.id, r.deleted, r.hash];
    expect((await groupRows(replica.sql, G)).map(strip)).toEqual((await groupRows(db.sql, G)).map(strip));
    expect((await listGroups(replica.sql, {})).map((g) => [g.name, g.feed, g.recordCount])).toEqual([[G, 'nvdv2', 5]]);
  });

  it('fails the group on a bad page, naming the file and where, and keeps serving the previous data', async () => {
    const before = await groupRows(db.sql, G);
    const bad = path.join(home, 'bad-mirror');
    await fs.mkdir(bad, { recursive: true });
    await fs.copyFile(path.join(MIRROR, 'nvdcve-2016.json'), path.join(bad, 'nvdcve-2016.json'));
    const text = await fs.readFile(path.join(MIRROR, 'nvdcve-modified.json'), 'utf8');
    await fs.writeFile(path.join(bad, 'nvdcve-modified.json'), text.replace('"id":"CVE-2024-3094"', '"id":"CVE-2024-3094",,'));
    const report = await syncDriver(db.sql, nvd, { home, http: new HttpClient(), log: silentLogger, source: bad });
    expect(report.status).toBe('failed');
    expect(report.errorCode).toBe('SOURCE_INVALID');
    expect(report.groups[G]?.error).toMatch(/^nvd: nvdcve-modified\.json: the JSON is malformed at byte \d+ \(near vulnerabilities\[3\]\): vulnerabilities\[3\] is not valid JSON: /);
    expect(await groupRows(db.sql, G)).toEqual(before);
    expect((await app.inject({ method: 'GET', url: `/v2/groups/${G}/records?limit=100` })).json<{ records: unknown[] }>().records).toHaveLength(6);
  });
});
