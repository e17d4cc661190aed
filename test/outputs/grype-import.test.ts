/**
 * On the air-gapped side: a bundle import tells the outputs notifier (every output listening through
 * it), the grype database built from imported data carries the bundle's creation time (the
 * producer's clock) as `built`, so grype's age check measures how old the carried-in data is, not
 * when it was imported; and the osv-scanner export of the imported data holds the documents of the
 * connected side's, those with a modified time of their own byte for byte.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportBundle } from '../../feed-service/bundles/export.ts';
import { importBundle } from '../../feed-service/bundles/import.ts';
import { buildGrypeDatabase } from '../../feed-service/outputs/grype/build.ts';
import { type DataChange, fanOut } from '../../feed-service/outputs/notifier.ts';
import { buildOsvExport } from '../../feed-service/outputs/osv/build.ts';
import { makeKey } from '../bundles/helpers.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { DEMO_MIRROR, openReadOnly, syncAlpine } from './grype-helpers.ts';
import { LANGUAGE, putRecords } from './grype-records.ts';
import { readZip } from './osv-helpers.ts';

const CREATED = new Date('2025-01-02T03:04:05Z');

let connected: TestDb;
let gapped: TestDb;

beforeAll(async () => {
  connected = await createTestDb();
  gapped = await createTestDb();
  await syncAlpine(connected.sql, DEMO_MIRROR);
  await putRecords(connected.sql, 'osv', 'github', LANGUAGE);
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
    const alsoTold: DataChange[] = [];
    const result = await importBundle(gapped.sql, bundle.file, { trust: key.trust, spoolDir: dir, outputs: fanOut([(c) => told.push(c), (c) => alsoTold.push(c)]) });
    expect(result.status).toBe('imported');
    const groups = ['alpine:3.19', 'alpine:3.20', 'alpine:edge', 'github:go', 'github:java', 'github:npm', 'github:python'];
    expect(told).toEqual([{ source: 'import', groups }]);
    expect(alsoTold).toEqual(told);

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

  it('gives the same osv-scanner documents as the connected side', async () => {
    const here = await tempDir('airfeed-osv-import-here-');
    const there = await tempDir('airfeed-osv-import-there-');
    const a = await buildOsvExport(gapped.sql, here);
    const b = await buildOsvExport(connected.sql, there);
    expect(a.ecosystems).toEqual(b.ecosystems);
    for (const { name } of a.ecosystems) {
      const mine = await readZip(path.join(here, name, 'all.zip'));
      const theirs = await readZip(path.join(there, name, 'all.zip'));
      expect(mine.map((e) => e.name), name).toEqual(theirs.map((e) => e.name));
      for (const [i, e] of mine.entries()) {
        const doc = JSON.parse(e.data.toString()) as Record<string, unknown>;
        const other = JSON.parse(theirs[i]!.data.toString()) as Record<string, unknown>;
        // Alpine records carry no modified time: each side dates them by its own store's last change.
        if (name === 'Alpine') {
          delete doc['modified'];
          delete other['modified'];
          expect(doc, e.name).toEqual(other);
        } else {
          expect(e.data.equals(theirs[i]!.data), `${name}/${e.name}`).toBe(true);
        }
      }
    }
  });
});
