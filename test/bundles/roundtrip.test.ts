import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { exportBundle } from '../../feed-service/bundles/export.ts';
import { importBundle } from '../../feed-service/bundles/import.ts';
import { sha256 } from '../../bundles/manifest.ts';
import { readBase, readManifest, verifyBundle } from '../../bundles/verify.ts';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { alpine } from '../../drivers/alpine/index.ts';
import { listBundleImports } from '../../feed-service/storage/bundles.ts';
import type { Sql } from '../../feed-service/storage/db.ts';
import { listGroups } from '../../feed-service/storage/groups.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { type MirrorSpec, tempDir, writeMirror } from '../helpers/mirror.ts';
import { haveCommand, skipUnless } from '../helpers/skip.ts';
import { dbState, liveRecords, makeKey, resetDb, type TestKey } from './helpers.ts';

let A: TestDb;
let B: TestDb;
let C: TestDb;
let home: string;
let mirror: string;
let key: TestKey;
const T1 = new Date('2025-01-01T00:00:00Z');
const T2 = new Date('2025-01-02T00:00:00Z');

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

async function sync(sql: Sql): Promise<void> {
  const report = await syncDriver(sql, alpine, { home, http: new HttpClient(), log: silentLogger, source: mirror });
  expect(report.status).not.toBe('failed');
}

function bundlePath(name: string): string {
  return path.join(home, `${name}.tar`);
}

beforeAll(async () => {
  [A, B, C] = await Promise.all([createTestDb(), createTestDb(), createTestDb()]);
  home = await tempDir('airfeed-bundles-');
  key = await makeKey(path.join(home, 'keys'));
});
afterAll(async () => {
  await Promise.all([A.drop(), B.drop(), C.drop()]);
  await fs.rm(home, { recursive: true, force: true });
});
beforeEach(async () => {
  await Promise.all([resetDb(A.sql), resetDb(B.sql), resetDb(C.sql)]);
  mirror = await writeMirror(path.join(home, 'mirror'), spec);
  await fs.rm(path.join(home, 'workspaces'), { recursive: true, force: true });
  await sync(A.sql);
});

describe('bundle round trip', () => {
  it('exports a full bundle from A and imports it into an empty B: same records, same hashes', async () => {
    const out = await exportBundle(A.sql, { privateKey: key.privateKey, out: bundlePath('full'), created: T1 });
    expect(out.manifest).toMatchObject({ kind: 'full', base: null, formatVersion: 2, producer: { name: 'airfeed', keyId: key.keyId } });
    expect(out.manifest.groups.map((g) => [g.name, g.records, g.tombstones, g.fromSeq])).toEqual([
      ['alpine:3.19', 5, 0, 0],
      ['alpine:3.20', 3, 0, 0],
    ]);
    const result = await importBundle(B.sql, out.file, { trust: key.trust });
    expect(result).toMatchObject({ status: 'imported', bundleId: out.manifest.bundleId, kind: 'full', keyId: key.keyId });
    expect(await liveRecords(B.sql)).toEqual(await liveRecords(A.sql));
    // Documents are stored byte for byte.
    const docs = async (sql: Sql): Promise<unknown[]> => [...(await sql`select group_name, id, doc from records order by group_name, id`)];
    expect(await docs(B.sql)).toEqual(await docs(A.sql));
    const groupsA = (await listGroups(A.sql)).map((g) => [g.name, g.feed, g.driver, g.description, g.recordCount]);
    expect((await listGroups(B.sql)).map((g) => [g.name, g.feed, g.driver, g.description, g.recordCount])).toEqual(groupsA);
    const [history] = await listBundleImports(B.sql);
    expect(history).toMatchObject({ bundleId: out.manifest.bundleId, kind: 'full', keyId: key.keyId, file: out.file });
    expect(history?.groups.map((g) => g.name)).toEqual(['alpine:3.19', 'alpine:3.20']);
  });

  it('says so and changes nothing when the same bundle is imported again', async () => {
    const out = await exportBundle(A.sql, { privateKey: key.privateKey, out: bundlePath('again'), created: T1 });
    await importBundle(B.sql, out.file, { trust: key.trust });
    const before = await dbState(B.sql);
    const seq = await B.sql`select last_value from change_seq`;
    const again = await importBundle(B.sql, out.file, { trust: key.trust });
    expect(again.status).toBe('unchanged');
    expect(again.message).toMatch(/already installed for all its 2 groups.*nothing to do/);
    expect(await dbState(B.sql)).toEqual(before);
    expect(await B.sql`select last_value from change_seq`).toEqual(seq);
  });

  it('carries changes, additions and removals as a delta on the first bundle', async () => {
    const first = await exportBundle(A.sql, { privateKey: key.privateKey, out: bundlePath('first'), created: T1 });
    await importBundle(B.sql, first.file, { trust: key.trust });
    const bBefore = await dbState(B.sql);

    const changed = structuredClone(spec);
    changed['v3.19']!['main']!['musl'] = { '1.2.4-r3': ['CVE-2020-28928'] }; // changed
    changed['v3.20']!['main']!['curl'] = { '8.8.0-r0': ['CVE-2024-2398'] }; // added
    delete changed['v3.20']!['main']!['xen']; // removed
    await writeMirror(mirror, changed);
    await sync(A.sql);

    const delta = await exportBundle(A.sql, { privateKey: key.privateKey, out: bundlePath('delta'), created: T2, base: await readBase(first.file) });
    const m = delta.manifest;
    expect(m).toMatchObject({ kind: 'delta', base: { bundleId: first.manifest.bundleId, manifestSha256: first.manifestSha256 } });
    expect(m.groups.map((g) => [g.name, g.records, g.tombstones])).toEqual([
      ['alpine:3.19', 1, 0],
      ['alpine:3.20', 1, 1],
    ]);
    expect(m.groups.map((g) => g.fromSeq)).toEqual(first.manifest.groups.map((g) => g.toSeq));

    const result = await importBundle(B.sql, delta.file, { trust: key.trust });
    expect(result.groups.map((g) => [g.name, g.added, g.changed, g.removed])).toEqual([
      ['alpine:3.19', 0, 1, 0],
      ['alpine:3.20', 1, 0, 1],
    ]);
    expect(await liveRecords(B.sql)).toEqual(await liveRecords(A.sql));
    // B assigned its own, newer sequence values, so engines syncing from B see a delta too.
    const tomb = await B.sql<{ deleted: boolean; seq: number }[]>`select deleted, seq from records where id = 'XSA-458'`;
    expect(tomb[0]?.deleted).toBe(true);
    expect(tomb[0]?.seq).toBeGreaterThan(bBefore.maxSeq);
    const moved = await B.sql<{ id: string }[]>`select id from records where seq > ${bBefore.maxSeq} order by id`;
    expect(moved.map((r) => r.id)).toEqual(['CVE-2020-28928', 'CVE-2024-2398', 'XSA-458']);

    // A database that never got the first bundle refuses the delta, naming the bundle it needs.
    const cBefore = await dbState(C.sql);
    await expect(importBundle(C.sql, delta.file, { trust: key.trust })).rejects.toThrow(
      new RegExp(`is a delta on bundle ${first.manifest.bundleId}, but for group alpine:3.19 no bundle is installed: import bundle ${first.manifest.bundleId} first`),
    );
    expect(await dbState(C.sql)).toEqual(cBefore);
    // … and accepts it after the first bundle.
    await importBundle(C.sql, first.file, { trust: key.trust });
    await importBundle(C.sql, delta.file, { trust: key.trust });
    expect(await liveRecords(C.sql)).toEqual(await liveRecords(A.sql));
    expect((await listBundleImports(C.sql)).map((h) => h.kind)).toEqual(['delta', 'full']);
  });

  it('takes the base from a manifest.json file, even pretty-printed', async () => {
    const first = await exportBundle(A.sql, { privateKey: key.privateKey, out: bundlePath('first'), created: T1 });
    const json = path.join(home, 'base-manifest.json');
    await fs.writeFile(json, JSON.stringify((await readManifest(first.file)).manifest, null, 2));
    const base = await readBase(json);
    expect(base.manifestSha256).toBe(first.manifestSha256);
    const delta = await exportBundle(A.sql, { privateKey: key.privateKey, out: bundlePath('delta'), created: T2, base });
    expect(delta.manifest.groups.every((g) => g.records === 0 && g.tombstones === 0)).toBe(true);
    await importBundle(B.sql, first.file, { trust: key.trust });
    expect((await importBundle(B.sql, delta.file, { trust: key.trust })).status).toBe('imported');
  });

  it('writes byte-identical bundles for the same state and creation time', async () => {
    const a = await exportBundle(A.sql, { privateKey: key.privateKey, out: bundlePath('one'), created: T1, expires: T2 });
    const b = await exportBundle(A.sql, { privateKey: key.privateKey, out: bundlePath('two'), created: T1, expires: T2 });
    const [bytesA, bytesB] = await Promise.all([fs.readFile(a.file), fs.readFile(b.file)]);
    expect(sha256(bytesA)).toBe(sha256(bytesB));
    expect(a.manifest.bundleId).toBe(b.manifest.bundleId);
    const c = await exportBundle(A.sql, { privateKey: key.privateKey, out: bundlePath('three'), created: T2 });
    expect(c.manifest.bundleId).not.toBe(a.manifest.bundleId);
    // Nothing but the bundle is left behind.
    expect((await fs.readdir(home)).filter((f) => f.includes('.partial') || f.includes('.parts-'))).toEqual([]);
  });

  it('only exports enabled groups, or the ones named', async () => {
    await A.sql`update groups set enabled = false where name = 'alpine:3.19'`;
    const all = await exportBundle(A.sql, { privateKey: key.privateKey, out: bundlePath('enabled'), created: T1 });
    expect(all.manifest.groups.map((g) => g.name)).toEqual(['alpine:3.20']);
    await expect(exportBundle(A.sql, { privateKey: key.privateKey, out: bundlePath('x'), created: T1, groups: ['alpine:3.19'] })).rejects.toThrow(
      /alpine:3.19: it is disabled/,
    );
    await expect(exportBundle(A.sql, { privateKey: key.privateKey, out: bundlePath('x'), created: T1, groups: ['alpine:9.9'] })).rejects.toThrow(
      /no such group/,
    );
  });

  it('splits large groups into several members and still imports them whole', async () => {
    const out = await exportBundle(A.sql, { privateKey: key.privateKey, out: bundlePath('chunks'), created: T1, chunkRecords: 2 });
    expect(out.manifest.members.map((m) => [m.path, m.records])).toEqual([
      ['data/alpine%3A3.19/records-000000.ndjson.gz', 2],
      ['data/alpine%3A3.19/records-000001.ndjson.gz', 2],
      ['data/alpine%3A3.19/records-000002.ndjson.gz', 1],
      ['data/alpine%3A3.20/records-000000.ndjson.gz', 2],
      ['data/alpine%3A3.20/records-000001.ndjson.gz', 1],
    ]);
    expect((await verifyBundle(out.file, { trust: key.trust })).uncompressedBytes).toBeGreaterThan(0);
    await importBundle(B.sql, out.file, { trust: key.trust });
    expect(await liveRecords(B.sql)).toEqual(await liveRecords(A.sql));
  });
});

describe('checking a bundle with stock tools', () => {
  it('openssl verifies the signature and sha256sum the members, as the README shows', skipUnless(haveCommand('openssl'), 'openssl is not installed'), async () => {
    const out = await exportBundle(A.sql, { privateKey: key.privateKey, out: bundlePath('stock'), created: T1 });
    const dir = await tempDir('airfeed-stock-');
    const sh = (script: string): { status: number | null; stdout: string; stderr: string } =>
      spawnSync('sh', ['-c', script], { cwd: dir, encoding: 'utf8' });
    const verify = sh(
      `tar -xf ${out.file} manifest.json manifest.json.sig && openssl pkeyutl -verify -pubin -inkey ${key.publicFile} -rawin -in manifest.json -sigfile manifest.json.sig`,
    );
    expect(verify.stdout).toMatch(/Signature Verified Successfully/);
    expect(verify.status).toBe(0);
    const sums = sh(
      `tar -xf ${out.file} && grep -o '"path":"[^"]*","records":[0-9]*,"sha256":"[0-9a-f]*"' manifest.json | sed -E 's/^"path":"([^"]*)".*"sha256":"([0-9a-f]*)"$/\\2  \\1/' | sha256sum -c`,
    );
    expect(sums.status).toBe(0);
    expect(sums.stdout.trim().split('\n')).toEqual(out.manifest.members.map((m) => `${m.path}: OK`));
    // A changed manifest no longer verifies.
    await fs.appendFile(path.join(dir, 'manifest.json'), ' ');
    expect(sh(`openssl pkeyutl -verify -pubin -inkey ${key.publicFile} -rawin -in manifest.json -sigfile manifest.json.sig`).status).not.toBe(0);
    // GNU tar sees fixed metadata: owner 0/0, mode 0644, the creation time.
    const list = sh(`TZ=UTC tar -tvf ${out.file}`);
    expect(list.stdout.split('\n')[0]).toMatch(/^-rw-r--r-- 0\/0 +\d+ 2025-01-01 00:00 manifest\.json$/);
    await fs.rm(dir, { recursive: true, force: true });
  });
});
