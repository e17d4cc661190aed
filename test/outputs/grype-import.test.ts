/**
 * On the air-gapped side: a bundle import tells the outputs notifier, and the grype database built
 * from imported data carries the bundle's creation time (the producer's clock) as `built`, so grype's
 * age check measures how old the carried-in data is, not when it was imported.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportBundle } from '../../feed-service/bundles/export.ts';
import { importBundle } from '../../feed-service/bundles/import.ts';
import { buildGrypeDatabase } from '../../feed-service/outputs/grype/build.ts';
import type { DataChange } from '../../feed-service/outputs/notifier.ts';
import { makeKey } from '../bundles/helpers.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { DEMO_MIRROR, openReadOnly, syncAlpine } from './grype-helpers.ts';

const CREATED = new Date('2025-01-02T03:04:05Z');

let connected: TestDb;
let gapped: TestDb;

beforeAll(async () => {
  connected = await createTestDb();
  gapped = await createTestDb();
  await syncAlpine(connected.sql, DEMO_MIRROR);
});
afterAll(async () => {
  await connected.drop();
  await gapped.drop();
});

describe('grype database from imported bundles', () => {
  it('is told about the import, and built with the bundle creation time', async () => {
    const dir = await tempDir('airfeed-grype-import-');
    const key = await makeKey(dir);
    const bundle = await exportBundle(connected.sql, { privateKey: key.privateKey, out: path.join(dir, 'full.tar'), created: CREATED });
    const told: DataChange[] = [];
    const result = await importBundle(gapped.sql, bundle.file, { trust: key.trust, spoolDir: dir, outputs: (c) => told.push(c) });
    expect(result.status).toBe('imported');
    expect(told).toEqual([{ source: 'import', groups: ['alpine:3.19', 'alpine:3.20', 'alpine:edge'] }]);

    // The same bundle again changes nothing, and says nothing.
    expect((await importBundle(gapped.sql, bundle.file, { trust: key.trust, spoolDir: dir, outputs: (c) => told.push(c) })).status).toBe('unchanged');
    expect(told).toHaveLength(1);

    const out = await tempDir('airfeed-grype-import-out-');
    const built = await buildGrypeDatabase(gapped.sql, out);
    expect(built.latest.built).toBe('2025-01-02T03:04:05Z');
    const sqlite = openReadOnly(path.join(out, 'vulnerability.db'));
    try {
      expect(sqlite.prepare('select build_timestamp from db_metadata').get()).toEqual({ build_timestamp: '2025-01-02 03:04:05+00:00' });
    } finally {
      sqlite.close();
    }
    // The connected side's database holds the same vulnerabilities (its built time is its own syncs').
    const there = await buildGrypeDatabase(connected.sql, await tempDir('airfeed-grype-import-src-'));
    expect(built.counts).toEqual(there.counts);
  });
});
