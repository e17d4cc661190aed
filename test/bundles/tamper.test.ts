/**
 * The tamper matrix: every refusal import promises, each asserting the message and that database B
 * is exactly as it was (same groups, counts, highest sequence value, history, sequence counter).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExportResult, exportBundle } from '../../feed-service/bundles/export.ts';
import { importBundle, type ImportOptions } from '../../feed-service/bundles/import.ts';
import { loadTrust } from '../../bundles/keys.ts';
import { sha256 } from '../../bundles/manifest.ts';
import { readBase, verifyBundle } from '../../bundles/verify.ts';
import type { ErrorCode } from '../../drivers/_framework/errors.ts';
import { applyGroup } from '../../feed-service/storage/apply.ts';
import { registerGroups } from '../../feed-service/storage/groups.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { iterate, makeRecord } from '../helpers/records.ts';
import { dbState, type DbState, makeKey, type RawEntry, resign, tamper, type TestKey } from './helpers.ts';

let A: TestDb;
let B: TestDb;
let dir: string;
let key: TestKey;
let other: TestKey;
let first: ExportResult;
let good: ExportResult;
let stateB: DbState & { seq: unknown };
const G1 = 'alpine:3.19';
const G2 = 'alpine:3.20';
const T0 = new Date('2024-12-31T00:00:00Z');
const T1 = new Date('2025-01-01T00:00:00Z');
const T2 = new Date('2025-01-02T00:00:00Z');

async function state(): Promise<DbState & { seq: unknown }> {
  return { ...(await dbState(B.sql)), seq: await B.sql`select last_value, is_called from change_seq` };
}

async function load(ids: string[], version: string): Promise<void> {
  for (const g of [G1, G2]) {
    await applyGroup(A.sql, { group: g, complete: true, records: iterate(ids.map((id) => makeRecord(g, id, version))) });
  }
}

/** Imports `file` into B, expects a refusal with `code` and `message`, and B unchanged. */
async function refused(file: string, code: ErrorCode, message: RegExp, options: Partial<ImportOptions> = {}): Promise<void> {
  await expect(importBundle(B.sql, file, { trust: key.trust, ...options })).rejects.toMatchObject({ code, message: expect.stringMatching(message) as unknown });
  expect(await state()).toEqual(stateB);
}

function dataEntries(entries: RawEntry[]): RawEntry[] {
  return entries.filter((e) => e.name.startsWith('data/'));
}

beforeAll(async () => {
  [A, B] = await Promise.all([createTestDb(), createTestDb()]);
  dir = await tempDir('airfeed-tamper-');
  key = await makeKey(path.join(dir, 'keys'), 'trusted');
  other = await makeKey(path.join(dir, 'keys'), 'other');
  await registerGroups(A.sql, 'alpine', 'vulnerabilities', [
    { name: G1, description: 'first group' },
    { name: G2, description: 'second group' },
  ]);
  const ids = Array.from({ length: 40 }, (_, i) => `CVE-2024-${String(i).padStart(4, '0')}`);
  await load(ids, '1.0-r0');
  first = await exportBundle(A.sql, { privateKey: key.privateKey, out: path.join(dir, 'first.tar'), created: T1, chunkRecords: 15 });
  await importBundle(B.sql, first.file, { trust: key.trust });
  // A moves on: the good bundle below would import cleanly into B; each test breaks it one way.
  await load([...ids.slice(5), 'CVE-2025-0001'], '2.0-r0');
  good = await exportBundle(A.sql, { privateKey: key.privateKey, out: path.join(dir, 'good.tar'), created: T2, chunkRecords: 15 });
  stateB = await state();
  expect(stateB.live).toBe(80);
});
afterAll(async () => {
  await Promise.all([A.drop(), B.drop()]);
  await fs.rm(dir, { recursive: true, force: true });
});

describe('import refuses, naming the problem, and leaves the database untouched', () => {
  it('a bundle signed by an unknown key', async () => {
    const signed = await exportBundle(A.sql, { privateKey: other.privateKey, out: path.join(dir, 'other.tar'), created: T2 });
    await refused(signed.file, 'BUNDLE_UNTRUSTED', new RegExp(`other\\.tar is signed by key ${other.keyId}, which is unknown or not trusted here`));
  });

  it('a bundle signed by a key that is known but not trusted here', async () => {
    await refused(good.file, 'BUNDLE_UNTRUSTED', /is signed by key [0-9a-f]{64}, which is unknown or not trusted here \(1 trusted keys/, {
      trust: await loadTrust([other.publicFile]),
    });
  });

  it('a bad signature', async () => {
    const file = await tamper(good.file, 'badsig', (es) =>
      es.map((e) => (e.name === 'manifest.json.sig' ? { ...e, data: Buffer.from(e.data.map((b, i) => (i === 0 ? b ^ 1 : b))) } : e)),
    );
    await refused(file, 'BUNDLE_UNTRUSTED', /badsig\.tar: bad signature: manifest\.json\.sig does not verify manifest\.json with key/);
  });

  it('a manifest changed after signing', async () => {
    const file = await tamper(good.file, 'manifest-edit', (es) =>
      es.map((e) => (e.name === 'manifest.json' ? { ...e, data: Buffer.from(e.data.toString().replace('"records":15', '"records":14')) } : e)),
    );
    await refused(file, 'BUNDLE_UNTRUSTED', /bad signature/);
  });

  it('a member whose size differs', async () => {
    const file = await tamper(good.file, 'size', (es) => es.map((e, i) => (i === 2 ? { ...e, data: Buffer.concat([e.data, Buffer.from('extra')]) } : e)));
    await refused(file, 'BUNDLE_INVALID', /size\.tar: member data\/alpine%3A3\.19\/records-000000\.ndjson\.gz is \d+ bytes but the manifest says \d+/);
  });

  it('a member whose digest differs', async () => {
    const file = await tamper(good.file, 'digest', (es) =>
      es.map((e, i) => (i === 3 ? { ...e, data: Buffer.from(e.data.map((b, j) => (j === e.data.length - 9 ? b ^ 0xff : b))) } : e)),
    );
    await refused(file, 'BUNDLE_INVALID', /member data\/alpine%3A3\.19\/records-000001\.ndjson\.gz has sha256 [0-9a-f]{64} but the manifest says [0-9a-f]{64} \(altered or damaged\)/);
  });

  it('a record whose doc does not match its hash (re-signed by the producer)', async () => {
    const file = await tamper(good.file, 'record', async (es) => {
      const target = dataEntries(es)[0];
      if (!target) throw new Error('no data member');
      const text = zlib.gunzipSync(target.data).toString().replace('"severity":"Unknown"', '"severity":"Critical"');
      const data = zlib.gzipSync(text);
      const edited = es.map((e) => (e === target ? { ...e, data } : e));
      return resign(edited, key.privateKey, (m) => {
        const member = m.members[0];
        if (member) Object.assign(member, { size: data.length, sha256: sha256(data), uncompressedSize: Buffer.byteLength(text) });
      });
    });
    await refused(file, 'BUNDLE_INVALID', /member data\/alpine%3A3\.19\/records-000000\.ndjson\.gz line 1: record CVE-2024-\d+ does not match its hash/);
  });

  it('a record that is not valid UTF-8, even with a matching hash (re-signed by the producer)', async () => {
    const file = await tamper(good.file, 'utf8', async (es) => {
      const target = dataEntries(es)[0];
      if (!target) throw new Error('no data member');
      const text = zlib.gunzipSync(target.data);
      const nl = text.indexOf(0x0a);
      const line = JSON.parse(text.subarray(0, nl).toString()) as { id: string; doc: unknown };
      const doc = Buffer.concat([Buffer.from(JSON.stringify(line.doc).slice(0, -1)), Buffer.from(',"x":"\xff"}', 'latin1')]);
      const first = Buffer.concat([Buffer.from(`{"id":${JSON.stringify(line.id)},"hash":"${sha256(doc)}","doc":`), doc, Buffer.from('}')]);
      const raw = Buffer.concat([first, text.subarray(nl)]);
      const data = zlib.gzipSync(raw);
      return resign(
        es.map((e) => (e === target ? { ...e, data } : e)),
        key.privateKey,
        (m) => void (m.members[0] && Object.assign(m.members[0], { size: data.length, sha256: sha256(data), uncompressedSize: raw.length })),
      );
    });
    await refused(file, 'BUNDLE_INVALID', /member data\/alpine%3A3\.19\/records-000000\.ndjson\.gz line 1 is not valid UTF-8/);
  });

  it('a tar entry that is not in the manifest', async () => {
    const file = await tamper(good.file, 'extra', (es) => [...es, { name: 'data/extra.ndjson.gz', data: zlib.gzipSync('{}\n') }]);
    await refused(file, 'BUNDLE_INVALID', /tar entry data\/extra\.ndjson\.gz is not listed in the manifest/);
  });

  it('a manifest member missing from the archive', async () => {
    const file = await tamper(good.file, 'missing', (es) => es.filter((e) => e.name !== 'data/alpine%3A3.20/records-000001.ndjson.gz'));
    await refused(file, 'BUNDLE_INVALID', /manifest member data\/alpine%3A3\.20\/records-000001\.ndjson\.gz is missing from the archive/);
  });

  it('the last manifest member missing', async () => {
    const file = await tamper(good.file, 'missing-last', (es) => es.slice(0, -1));
    await refused(file, 'BUNDLE_INVALID', /manifest member data\/alpine%3A3\.20\/records-000002\.ndjson\.gz is missing from the archive/);
  });

  it('a path that escapes with ../', async () => {
    const file = await tamper(good.file, 'dotdot', (es) => [...es.slice(0, 2), { name: 'data/../../evil.sh', data: Buffer.from('boom') }, ...es.slice(2)]);
    await refused(file, 'BUNDLE_INVALID', /tar entry "data\/\.\.\/\.\.\/evil\.sh" escapes the bundle directory/);
  });

  it('an absolute path', async () => {
    const file = await tamper(good.file, 'absolute', (es) => [...es, { name: '/etc/cron.d/evil', data: Buffer.from('boom') }]);
    await refused(file, 'BUNDLE_INVALID', /tar entry "\/etc\/cron\.d\/evil" is an absolute path/);
  });

  it('a symbolic link', async () => {
    const file = await tamper(good.file, 'symlink', (es) => [...es.slice(0, 2), { name: 'data/link', data: Buffer.alloc(0), type: '2', linkname: '/etc/passwd' }, ...es.slice(2)]);
    await refused(file, 'BUNDLE_INVALID', /tar entry "data\/link" is a symbolic link; bundles hold regular files only \(to \/etc\/passwd\)/);
  });

  it('a hard link', async () => {
    const file = await tamper(good.file, 'hardlink', (es) => [...es, { name: 'data/hard', data: Buffer.alloc(0), type: '1', linkname: 'manifest.json' }]);
    await refused(file, 'BUNDLE_INVALID', /tar entry "data\/hard" is a hard link/);
  });

  it('a device', async () => {
    const file = await tamper(good.file, 'device', (es) => [...es, { name: 'data/null', data: Buffer.alloc(0), type: '3' }]);
    await refused(file, 'BUNDLE_INVALID', /tar entry "data\/null" is a character device/);
  });

  it('a duplicate entry', async () => {
    const file = await tamper(good.file, 'duplicate', (es) => [...es, ...dataEntries(es).slice(-1)]);
    await refused(file, 'BUNDLE_INVALID', /tar entry data\/alpine%3A3\.20\/records-000002\.ndjson\.gz appears more than once \(duplicate entry\)/);
  });

  it('data that decompresses beyond its declared size', async () => {
    const file = await tamper(good.file, 'bomb', (es) =>
      resign(es, key.privateKey, (m) => {
        const member = m.members[1];
        if (member) member.uncompressedSize = 1000;
      }),
    );
    await refused(file, 'BUNDLE_INVALID', /member data\/alpine%3A3\.19\/records-000001\.ndjson\.gz decompresses beyond its declared size of 1000 bytes/);
  });

  it('an unknown format version', async () => {
    const file = await tamper(good.file, 'version', (es) => resign(es, key.privateKey, (m) => ((m as Record<string, unknown>)['formatVersion'] = 3)));
    await refused(file, 'BUNDLE_UNSUPPORTED', /version\.tar: unknown format version 3 \(this airfeed [\d.]+ reads format versions 1 and 2\)/);
  });

  it('a full bundle older than the installed one (rollback)', async () => {
    const old = await exportBundle(A.sql, { privateKey: key.privateKey, out: path.join(dir, 'old.tar'), created: T0 });
    await refused(
      old.file,
      'BUNDLE_OUT_OF_ORDER',
      new RegExp(`old\\.tar \\(${old.manifest.bundleId}, created 2024-12-31T00:00:00.000Z\\) is older than bundle ${first.manifest.bundleId} \\(created 2025-01-01T00:00:00.000Z\\) installed for group alpine:3.19: importing it would roll the group back`),
    );
  });

  it('a delta whose base is not what is installed, naming the bundle needed', async () => {
    const delta = await exportBundle(A.sql, { privateKey: key.privateKey, out: path.join(dir, 'delta.tar'), created: T2, base: await readBase(good.file) });
    await refused(
      delta.file,
      'BUNDLE_OUT_OF_ORDER',
      new RegExp(`is a delta on bundle ${good.manifest.bundleId}, but for group alpine:3.19 bundle ${first.manifest.bundleId} is installed: import bundle ${good.manifest.bundleId} first`),
    );
  });

  it('an expired bundle', async () => {
    const expiring = await exportBundle(A.sql, { privateKey: key.privateKey, out: path.join(dir, 'expiring.tar'), created: T2, expires: new Date(T2.getTime() + 3600e3) });
    const now = new Date(T2.getTime() + 2 * 3600e3);
    await refused(expiring.file, 'BUNDLE_EXPIRED', /expiring\.tar \(full-20250102T000000Z-[0-9a-f]{16}\) expired at 2025-01-02T01:00:00.000Z \(it is now 2025-01-02T02:00:00.000Z\)/, { now });
    // Verification alone accepts it when told to, and says it is expired.
    expect((await verifyBundle(expiring.file, { trust: key.trust, now, allowExpired: true })).expired).toBe(true);
  });

  it('a truncated file', async () => {
    const bytes = await fs.readFile(good.file);
    const file = path.join(dir, 'truncated.tar');
    await fs.writeFile(file, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    await refused(file, 'BUNDLE_INVALID', /truncated\.tar: .*(truncated|cut short)/);
  });

  it('data after the end of the archive', async () => {
    const file = path.join(dir, 'trailing.tar');
    await fs.writeFile(file, Buffer.concat([await fs.readFile(good.file), Buffer.from('#!/bin/sh\n')]));
    await refused(file, 'BUNDLE_INVALID', /there is data after the end-of-archive marker/);
  });

  it('a manifest that is not the first entry', async () => {
    const file = await tamper(good.file, 'order', (es) => [...es.slice(2), ...es.slice(0, 2)]);
    await refused(file, 'BUNDLE_INVALID', /the first entry must be manifest\.json, found data\//);
  });

  it('a file that is not a tar archive', async () => {
    const file = path.join(dir, 'garbage.tar');
    await fs.writeFile(file, Buffer.alloc(4096, 'x'));
    await refused(file, 'BUNDLE_INVALID', /garbage\.tar: entry #1 \(at byte 0\) has a bad header checksum/);
  });
});

describe('after all those refusals', () => {
  it('the untampered bundle imports, and a rollback goes through when allowed', async () => {
    const result = await importBundle(B.sql, good.file, { trust: key.trust });
    expect(result.groups.map((g) => [g.name, g.added, g.changed, g.removed])).toEqual([
      [G1, 1, 35, 5],
      [G2, 1, 35, 5],
    ]);
    const old = await exportBundle(A.sql, { privateKey: key.privateKey, out: path.join(dir, 'old2.tar'), created: T0 });
    await expect(importBundle(B.sql, old.file, { trust: key.trust })).rejects.toThrow(/would roll the group back/);
    expect((await importBundle(B.sql, old.file, { trust: key.trust, allowDowngrade: true })).status).toBe('imported');
    const expiring = await exportBundle(A.sql, { privateKey: key.privateKey, out: path.join(dir, 'exp2.tar'), created: T2, expires: new Date(T2.getTime() + 1000) });
    expect((await importBundle(B.sql, expiring.file, { trust: key.trust, allowExpired: true })).status).toBe('imported');
  });
});
