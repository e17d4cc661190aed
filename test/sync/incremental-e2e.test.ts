/**
 * An incremental driver (`complete: false` with deletions; test/helpers/fake-drivers.ts) end to end:
 * sync applies its changes and turns its deletions into tombstones without touching the records it
 * does not mention; /v2 serves the tombstones; a delta bundle carries them; a second feed service and
 * two engines (one importing the bundles, one syncing /v2 online) drop the deleted record.
 */
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBase } from '../../bundles/verify.ts';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { importBundleIntoEngine } from '../../engine-client/sources/bundle.ts';
import { syncFromService } from '../../engine-client/sources/service.ts';
import { exportBundle, type ExportResult } from '../../feed-service/bundles/export.ts';
import { importBundle } from '../../feed-service/bundles/import.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { makeApp } from '../service/service-helpers.ts';
import { makeKey, type TestKey } from '../bundles/helpers.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { createEngineTestDb } from '../helpers/engine-db.ts';
import { INCREMENTAL_GROUP as G, incrementalDriver, writeChange } from '../helpers/fake-drivers.ts';
import { tempDir } from '../helpers/mirror.ts';
import { affectedSet } from '../engine/sources/helpers.ts';

let service: TestDb;
let replica: TestDb;
let online: TestDb;
let offline: TestDb;
let key: TestKey;
let home: string;
let mirror: string;
let app: FastifyInstance;
let url: string;
const http = new HttpClient({ retries: 0 });
const driver = incrementalDriver();

const sync = () => syncDriver(service.sql, driver, { home, http, log: silentLogger, source: mirror });
const rows = async (sql: TestDb['sql']) =>
  (await sql<{ id: string; seq: number; deleted: boolean; hash: string }[]>`select id, seq, deleted, hash from records where group_name = ${G} order by id`);
const engineIds = async (sql: TestDb['sql']) => (await sql<{ id: string }[]>`select id from vulnerabilities where group_name = ${G} order by id`).map((r) => r.id);

beforeAll(async () => {
  home = await tempDir('airfeed-inc-');
  mirror = path.join(home, 'mirror');
  [service, replica, online, offline, key] = await Promise.all([createTestDb(), createTestDb(), createEngineTestDb(), createEngineTestDb(), makeKey(home)]);
  app = await makeApp(service.sql);
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await app.close();
  await Promise.all([service.drop(), replica.drop(), online.drop(), offline.drop()]);
});

describe('an incremental driver with deletions', () => {
  let full: ExportResult;
  let cursor: number;

  it('applies the first batch of changes', async () => {
    await writeChange(mirror, 1, {
      records: [
        { id: 'CVE-2024-0001', package: 'a', version: '1.0-r1' },
        { id: 'CVE-2024-0002', package: 'b', version: '2.0-r0' },
        { id: 'CVE-2024-0003', package: 'c', version: '3.0-r0' },
      ],
    });
    const report = await sync();
    expect(report.status).toBe('succeeded');
    expect(report.groups[G]).toMatchObject({ added: 3, changed: 0, removed: 0 });
    cursor = Math.max(...(await rows(service.sql)).map((r) => r.seq));
    full = await exportBundle(service.sql, { privateKey: key.privateKey, out: path.join(home, 'full.tar'), created: new Date('2026-01-01T00:00:00Z'), groups: [G] });
    await importBundle(replica.sql, full.file, { trust: key.trust });
    await importBundleIntoEngine(offline.sql, full.file, { trust: key.trust, now: new Date('2026-01-02T00:00:00Z') });
    await syncFromService(online.sql, { url, http, log: silentLogger });
    expect(await engineIds(online.sql)).toEqual(['CVE-2024-0001', 'CVE-2024-0002', 'CVE-2024-0003']);
  });

  it('changes, adds and deletes what the next batch says, and leaves the unmentioned record alone', async () => {
    const before = await rows(service.sql);
    await writeChange(mirror, 2, {
      records: [{ id: 'CVE-2024-0002', package: 'b', version: '2.0-r1' }, { id: 'CVE-2024-0004', package: 'd', version: '4.0-r0' }],
      // An id the group never had is ignored.
      deleted: ['CVE-2024-0001', 'CVE-2099-0001'],
    });
    const report = await sync();
    expect(report.groups[G]).toMatchObject({ added: 1, changed: 1, removed: 1, unchanged: 0, skipped: false });
    const after = await rows(service.sql);
    expect(after.map((r) => [r.id, r.deleted])).toEqual([
      ['CVE-2024-0001', true], ['CVE-2024-0002', false], ['CVE-2024-0003', false], ['CVE-2024-0004', false],
    ]);
    // Not a snapshot: the record the batch does not mention is untouched (no tombstone, same seq).
    expect(after[2]).toEqual(before[2]);
    const again = await sync();
    expect(again.status).toBe('unchanged');
    expect(await rows(service.sql)).toEqual(after);
  });

  it('serves the changes and the tombstone on /v2 after the cursor', async () => {
    const res = await app.inject({ method: 'GET', url: `/v2/groups/${G}/records?after=${cursor}` });
    const page = res.json<{ records: { id: string; deleted: boolean; record: { fixedIn: { version: string }[] } }[] }>();
    expect(page.records.map((r) => [r.id, r.deleted])).toEqual([['CVE-2024-0002', false], ['CVE-2024-0004', false], ['CVE-2024-0001', true]]);
    expect(page.records[0]?.record.fixedIn[0]?.version).toBe('2.0-r1');
  });

  it('carries the deletion in a delta bundle to another feed service and to an engine, and an online engine drops it too', async () => {
    const delta = await exportBundle(service.sql, {
      privateKey: key.privateKey, out: path.join(home, 'delta.tar'), created: new Date('2026-01-03T00:00:00Z'), base: await readBase(full.file),
    });
    expect(delta.manifest.groups).toEqual([expect.objectContaining({ name: G, feed: 'vulnerabilities', driver: 'fakeinc', records: 2, tombstones: 1 })]);
    await importBundle(replica.sql, delta.file, { trust: key.trust });
    const strip = (r: { id: string; deleted: boolean; hash: string }) => [r.id, r.deleted, r.hash];
    expect((await rows(replica.sql)).map(strip)).toEqual((await rows(service.sql)).map(strip));

    await importBundleIntoEngine(offline.sql, delta.file, { trust: key.trust, now: new Date('2026-01-04T00:00:00Z') });
    await syncFromService(online.sql, { url, http, log: silentLogger });
    const expected = ['CVE-2024-0002', 'CVE-2024-0003', 'CVE-2024-0004'];
    expect(await engineIds(offline.sql)).toEqual(expected);
    expect(await engineIds(online.sql)).toEqual(expected);
    expect(await affectedSet(online.sql)).toEqual(await affectedSet(offline.sql));
    expect(await affectedSet(online.sql)).toContain(`${G} CVE-2024-0002 b 2.0-r1`);
  });
});
