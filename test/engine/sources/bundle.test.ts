import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportBundle } from '../../../feed-service/bundles/export.ts';
import { readBase, readManifest } from '../../../bundles/verify.ts';
import { isAirfeedError } from '../../../drivers/_framework/errors.ts';
import { HttpClient } from '../../../drivers/_framework/http.ts';
import { silentLogger } from '../../../drivers/_framework/log.ts';
import { importBundleIntoEngine } from '../../../engine-client/sources/bundle.ts';
import { syncFromService } from '../../../engine-client/sources/service.ts';
import { listGroups } from '../../../engine-client/store/status.ts';
import { makeKey, tamper, type TestKey } from '../../bundles/helpers.ts';
import type { TestDb } from '../../helpers/db.ts';
import { createEngineTestDb } from '../../helpers/engine-db.ts';
import { type MirrorSpec, tempDir } from '../../helpers/mirror.ts';
import { affectedSet, engineState, type LoopbackService, startService } from './helpers.ts';

const spec: MirrorSpec = {
  'v3.19': {
    main: { openssl: { '3.1.4-r1': ['CVE-2023-5678'], '3.1.4-r3': ['CVE-2023-6129'] }, musl: { '1.2.4-r2': ['CVE-2020-28928'] } },
    community: { go: { '1.21.5-r0': ['CVE-2023-39326', 'CVE-2023-45285'] } },
  },
  'v3.20': {
    main: { openssl: { '3.3.0-r2': ['CVE-2024-4603'] }, xen: { '4.18.2-r0': ['XSA-458'] } },
    community: { go: { '1.22.3-r0': ['CVE-2024-24787'] } },
  },
};
const T0 = new Date('2024-12-31T00:00:00Z');
const T1 = new Date('2025-01-01T00:00:00Z');
const T2 = new Date('2025-01-02T00:00:00Z');

let service: LoopbackService;
let online: TestDb;
let offline: TestDb;
let other: TestDb;
let dir: string;
let key: TestKey;
let full: { file: string; bundleId: string };
let delta: { file: string; bundleId: string };
const http = new HttpClient({ retries: 0 });

beforeAll(async () => {
  [service, online, offline, other] = await Promise.all([startService(spec), createEngineTestDb(), createEngineTestDb(), createEngineTestDb()]);
  dir = await tempDir('airfeed-engine-bundles-');
  key = await makeKey(path.join(dir, 'keys'));
});
afterAll(async () => {
  await Promise.all([service.close(), online.drop(), offline.drop(), other.drop()]);
  await fs.rm(dir, { recursive: true, force: true });
});

function code(err: unknown): string | undefined {
  return isAirfeedError(err) ? err.code : undefined;
}

describe('importBundleIntoEngine', () => {
  it('imports a full bundle: the same affected rows and docs as a /v2 sync of the same data', async () => {
    const out = await exportBundle(service.db.sql, { privateKey: key.privateKey, out: path.join(dir, 'full.tar'), created: T1 });
    full = { file: out.file, bundleId: out.manifest.bundleId };
    const result = await importBundleIntoEngine(offline.sql, full.file, { trust: key.trust, log: silentLogger });
    expect(result).toMatchObject({ status: 'imported', kind: 'full', bundleId: full.bundleId, keyId: key.keyId, created: T1.toISOString() });
    expect(result.groups.map((g) => [g.name, g.feed, g.records, g.tombstones, g.upserts, g.deletions, g.total, g.affected])).toEqual([
      ['alpine:3.19', 'vulnerabilities', 5, 0, 5, 0, 5, 5],
      ['alpine:3.20', 'vulnerabilities', 3, 0, 3, 0, 3, 3],
    ]);

    await syncFromService(online.sql, { url: service.url, http, log: silentLogger });
    const rows = await affectedSet(offline.sql);
    expect(rows).toHaveLength(8);
    expect(rows).toContain('alpine:3.20 XSA-458 xen 4.18.2-r0');
    expect(rows).toEqual(await affectedSet(online.sql));
    const docs = async (db: TestDb): Promise<unknown[]> => [...(await db.sql`select group_name, id, severity, link, doc from vulnerabilities order by group_name, id`)];
    expect(await docs(offline)).toEqual(await docs(online));

    const groups = await listGroups(offline.sql);
    expect(groups.map((g) => [g.name, g.source, g.bundleId, g.bundleToSeq, g.dataAsOf.toISOString(), g.v2Cursor])).toEqual([
      ['alpine:3.19', `bundle ${full.bundleId}`, full.bundleId, out.manifest.groups[0]?.toSeq, T1.toISOString(), null],
      ['alpine:3.20', `bundle ${full.bundleId}`, full.bundleId, out.manifest.groups[1]?.toSeq, T1.toISOString(), null],
    ]);
  });

  it('says so and changes nothing when the installed bundle is imported again', async () => {
    const before = await engineState(offline.sql);
    const again = await importBundleIntoEngine(offline.sql, full.file, { trust: key.trust });
    expect(again.status).toBe('unchanged');
    expect(again.message).toBe(`bundle ${full.bundleId} is already installed for all its 2 groups; nothing to do`);
    expect(await engineState(offline.sql)).toEqual(before);
  });

  it('applies a delta: changes, additions and removals, equal to a /v2 sync of the same change', async () => {
    const changed = structuredClone(spec);
    changed['v3.19']!['main']!['musl'] = { '1.2.4-r3': ['CVE-2020-28928'] };
    changed['v3.20']!['main']!['curl'] = { '8.8.0-r0': ['CVE-2024-2398'] };
    delete changed['v3.20']!['main']!['xen'];
    await service.alpine.write(changed);
    await service.alpine.sync();
    const out = await exportBundle(service.db.sql, { privateKey: key.privateKey, out: path.join(dir, 'delta.tar'), created: T2, base: await readBase(full.file) });
    delta = { file: out.file, bundleId: out.manifest.bundleId };

    const result = await importBundleIntoEngine(offline.sql, delta.file, { trust: key.trust });
    expect(result).toMatchObject({ status: 'imported', kind: 'delta', bundleId: delta.bundleId });
    expect(result.groups.map((g) => [g.name, g.records, g.tombstones, g.upserts, g.deletions, g.total])).toEqual([
      ['alpine:3.19', 1, 0, 1, 0, 5],
      ['alpine:3.20', 1, 1, 1, 1, 3],
    ]);
    await syncFromService(online.sql, { url: service.url, http, log: silentLogger });
    const rows = await affectedSet(offline.sql);
    expect(rows).toContain('alpine:3.19 CVE-2020-28928 musl 1.2.4-r3');
    expect(rows).toContain('alpine:3.20 CVE-2024-2398 curl 8.8.0-r0');
    expect(rows.filter((r) => r.includes('XSA-458'))).toEqual([]);
    expect(rows).toEqual(await affectedSet(online.sql));
    expect((await listGroups(offline.sql)).map((g) => [g.bundleId, g.dataAsOf.toISOString()])).toEqual([
      [delta.bundleId, T2.toISOString()],
      [delta.bundleId, T2.toISOString()],
    ]);
  });

  it('refuses a delta whose base is not installed, naming the bundle needed, and changes nothing', async () => {
    // `online` holds the same groups, synced from the service: no bundle installed.
    const before = await engineState(online.sql);
    const err = await importBundleIntoEngine(online.sql, delta.file, { trust: key.trust }).catch((e: unknown) => e);
    expect(code(err)).toBe('BUNDLE_OUT_OF_ORDER');
    expect((err as Error).message).toContain(`is a delta on bundle ${full.bundleId}, but for group alpine:3.19 no bundle is installed: import bundle ${full.bundleId} first`);
    expect(await engineState(online.sql)).toEqual(before);
    const empty = await engineState(other.sql);
    expect(code(await importBundleIntoEngine(other.sql, delta.file, { trust: key.trust }).catch((e: unknown) => e))).toBe('BUNDLE_OUT_OF_ORDER');
    expect(await engineState(other.sql)).toEqual(empty);
  });

  it('refuses a tampered bundle (one byte of a data member flipped) and changes nothing', async () => {
    const member = 'data/alpine%3A3.20/records-000000.ndjson.gz';
    expect((await readManifest(full.file)).manifest.members.map((m) => m.path)).toContain(member);
    const bad = await tamper(full.file, 'flipped', (entries) =>
      entries.map((e) => {
        if (e.name !== member) return e;
        const data = Buffer.from(e.data);
        const at = Math.floor(data.length / 2);
        data[at] = (data[at] ?? 0) ^ 0x01;
        return { ...e, data };
      }),
    );
    const before = await engineState(other.sql);
    const err = await importBundleIntoEngine(other.sql, bad, { trust: key.trust }).catch((e: unknown) => e);
    expect(code(err)).toBe('BUNDLE_INVALID');
    expect((err as Error).message).toMatch(/member data\/alpine%3A3\.20\/records-000000\.ndjson\.gz has sha256 [0-9a-f]{64} but the manifest says/);
    expect(await engineState(other.sql)).toEqual(before);
  });

  it('refuses an older full bundle over a newer one unless a downgrade is asked for', async () => {
    const older = await exportBundle(service.db.sql, { privateKey: key.privateKey, out: path.join(dir, 'older.tar'), created: T0 });
    const before = await engineState(offline.sql);
    const err = await importBundleIntoEngine(offline.sql, older.file, { trust: key.trust }).catch((e: unknown) => e);
    expect(code(err)).toBe('BUNDLE_OUT_OF_ORDER');
    expect((err as Error).message).toContain(`is older than bundle ${delta.bundleId}`);
    expect(await engineState(offline.sql)).toEqual(before);
    const forced = await importBundleIntoEngine(offline.sql, older.file, { trust: key.trust, allowDowngrade: true });
    expect(forced.status).toBe('imported');
    expect((await listGroups(offline.sql)).map((g) => g.bundleId)).toEqual([older.manifest.bundleId, older.manifest.bundleId]);
  });

  it('refuses an expired bundle unless allowed, judged at the given time', async () => {
    const expiring = await exportBundle(service.db.sql, {
      privateKey: key.privateKey, out: path.join(dir, 'expiring.tar'), created: T2, expires: new Date('2025-01-03T00:00:00Z'),
    });
    const late = new Date('2025-02-01T00:00:00Z');
    const err = await importBundleIntoEngine(other.sql, expiring.file, { trust: key.trust, now: late }).catch((e: unknown) => e);
    expect(code(err)).toBe('BUNDLE_EXPIRED');
    expect(await listGroups(other.sql)).toEqual([]);
    const allowed = await importBundleIntoEngine(other.sql, expiring.file, { trust: key.trust, now: late, allowExpired: true });
    expect(allowed.status).toBe('imported');
  });
});
