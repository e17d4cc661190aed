/**
 * The one-time upgrade of stored records from record schema 1 to 2: a database migrated up to the
 * migration before 006_record_schema_v2 and holding airfeed 0.1 documents is migrated; every document is upgraded,
 * re-canonicalized and re-hashed, live records get one new change sequence each, tombstones keep
 * theirs, and a second run changes nothing. The upgraded documents equal what the Alpine driver now
 * writes for the same input, byte for byte.
 */
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '../../drivers/_framework/canonical.ts';
import { isAirfeedError } from '../../drivers/_framework/errors.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { migrate as migrateWith } from '../../drivers/_framework/pg/migrate.ts';
import { validateRecord, type VulnRecord } from '../../drivers/_framework/record.ts';
import type { VulnRecordV1 } from '../../drivers/_framework/record-v1.ts';
import { migrate, MIGRATIONS_DIR } from '../../feed-service/storage/migrate.ts';
import { upgradeStoredRecords } from '../../feed-service/storage/upgrade-records.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { alpine } from '../../drivers/alpine/index.ts';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { toV1 } from '../helpers/record-v1.ts';

const MIRROR = path.resolve('test/fixtures/alpine/mirror');

interface Row {
  group: string;
  id: string;
  doc: string;
  hash: string;
  seq: number;
  deleted: boolean;
  updated: string;
  version: number;
}

/** The stored rows; before migration 005 there is no schema_version column, and every row is version 1. */
async function rows(db: TestDb): Promise<Row[]> {
  const hasVersion = (await db.sql`select 1 from information_schema.columns where table_name = 'records' and column_name = 'schema_version'`).length > 0;
  return db.sql<Row[]>`
    select group_name as group, id, doc, hash, seq::int as seq, deleted, updated_at::text as updated,
           ${hasVersion ? db.sql`schema_version` : db.sql`1`}::int as version
    from records order by group_name, id collate "C"`;
}

/** A database migrated up to (not including) the record schema migration: what airfeed 0.1 left behind. */
async function oldDatabase(tmp: string): Promise<TestDb> {
  const db = await createTestDb({ migrate: false });
  const dir = path.join(tmp, `migrations-${db.name}`);
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
  const v2 = (await readdir(dir)).find((f) => f.endsWith('_record_schema_v2.sql'));
  if (!v2) throw new Error('no record schema migration');
  for (const f of await readdir(dir)) if (f >= v2) await rm(path.join(dir, f));
  await migrateWith(db.sql, silentLogger, { dir, lockKey: 7_324_001 });
  return db;
}

/** Inserts version 1 documents as airfeed 0.1's apply did (canonical JSON, its sha256, one sequence value each). */
async function insertV1(db: TestDb, group: string, records: VulnRecordV1[], deleted: ReadonlySet<string> = new Set()): Promise<void> {
  await db.sql`insert into feeds (name, description) values ('vulnerabilities', 'OS packages') on conflict do nothing`;
  await db.sql`insert into groups (name, feed, driver, description) values (${group}, 'vulnerabilities', 'alpine', ${group}) on conflict do nothing`;
  for (const r of records) {
    const doc = canonicalJson(r);
    await db.sql`insert into records (group_name, id, doc, hash, seq, updated_at, deleted)
      values (${group}, ${r.id}, ${doc}, ${sha256Hex(doc)}, nextval('change_seq'), '2024-01-01T00:00:00Z', ${deleted.has(r.id)})`;
  }
  await db.sql`update groups set max_seq = (select max(seq) from records where group_name = ${group}),
    record_count = (select count(*) from records where group_name = ${group} and not deleted) where name = ${group}`;
}

function v1(group: string, id: string, fixedIn: [string, string][]): VulnRecordV1 {
  return {
    id, namespace: group, severity: 'Unknown', description: '', link: `https://nvd.nist.gov/vuln/detail/${id}`, aliases: [], cvss: [],
    fixedIn: fixedIn.map(([pkg, version]) => ({ package: pkg, version, versionScheme: 'apk' })),
    references: [], published: null, modified: null, withdrawn: null, metadata: {}, provenance: { driver: 'alpine', source: 'v3.20/main.json' },
  };
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'airfeed-upgrade-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('upgrading stored records to record schema 2', () => {
  let db: TestDb;
  afterAll(async () => db.drop());

  it('upgrades every document once: new hash, one new sequence per live record, tombstones keep theirs', async () => {
    db = await oldDatabase(tmp);
    await insertV1(db, 'alpine:3.20', [
      v1('alpine:3.20', 'CVE-2024-0001', [['musl', '1.2.4-r3'], ['zlib', '0']]),
      v1('alpine:3.20', 'CVE-2024-0002', [['openssl', 'None']]),
      v1('alpine:3.20', 'CVE-2024-0003', [['busybox', '1.36.1-r29']]),
    ], new Set(['CVE-2024-0003']));
    await insertV1(db, 'alpine:3.19', [v1('alpine:3.19', 'CVE-2024-0001', [['musl', '1.2.4-r2']])]);
    const before = await rows(db);
    const maxBefore = Math.max(...before.map((r) => r.seq));

    await migrate(db.sql, silentLogger);
    const after = await rows(db);
    expect(after.map((r) => [r.group, r.id, r.version])).toEqual(before.map((r) => [r.group, r.id, 2]));
    for (const [i, r] of after.entries()) {
      const old = before[i];
      if (!old) throw new Error('row missing');
      const record = validateRecord(JSON.parse(r.doc));
      expect(r.doc).toBe(canonicalJson(record));
      expect(r.hash).toBe(sha256Hex(r.doc));
      expect(r.hash).not.toBe(old.hash);
      if (r.deleted) {
        expect([r.seq, r.updated]).toEqual([old.seq, old.updated]);
      } else {
        expect(r.seq).toBeGreaterThan(maxBefore);
        expect(r.updated).not.toBe(old.updated);
      }
    }
    // New sequence values in id order within a group; the group's max_seq follows.
    const live320 = after.filter((r) => r.group === 'alpine:3.20' && !r.deleted).map((r) => r.seq);
    expect(live320).toEqual([...live320].sort((a, b) => a - b));
    const groups = await db.sql<{ name: string; maxSeq: number }[]>`select name, max_seq::int as "maxSeq" from groups order by name`;
    for (const g of groups) expect(g.maxSeq).toBe(Math.max(...after.filter((r) => r.group === g.name).map((r) => r.seq)));

    const first = JSON.parse(after.find((r) => r.id === 'CVE-2024-0001' && r.group === 'alpine:3.20')?.doc ?? '{}') as VulnRecord;
    expect(first.fixedIn).toEqual([
      { package: 'musl', versionScheme: 'apk', state: 'fixed', version: '1.2.4-r3' },
      { package: 'zlib', versionScheme: 'apk', state: 'not_affected' },
    ]);
    const second = JSON.parse(after.find((r) => r.id === 'CVE-2024-0002')?.doc ?? '{}') as VulnRecord;
    expect(second.fixedIn).toEqual([{ package: 'openssl', versionScheme: 'apk', state: 'affected' }]);

    // A second run (every start runs it) finds nothing.
    const again = await upgradeStoredRecords(db.sql, silentLogger);
    expect(again).toMatchObject({ groups: 0, records: 0, tombstones: 0 });
    await migrate(db.sql, silentLogger);
    expect(await rows(db)).toEqual(after);
  });

  it('refuses a document it cannot read, naming group and record, and leaves that group as it was', async () => {
    const bad = await oldDatabase(tmp);
    try {
      await insertV1(bad, 'alpine:3.20', [v1('alpine:3.20', 'CVE-2024-0001', [['musl', '1.2.4-r3']])]);
      await bad.sql`update records set doc = '{"id":"CVE-2024-0001","fixedIn":[]}' where id = 'CVE-2024-0001'`;
      const columns = (sql: TestDb['sql']) => sql`select group_name, id, doc, hash, seq, updated_at, deleted from records`;
      const before = await columns(bad.sql);
      const err = await migrate(bad.sql, silentLogger).catch((e: unknown) => e);
      expect(isAirfeedError(err, 'DB_MIGRATION_FAILED')).toBe(true);
      expect((err as Error).message).toMatch(/group alpine:3\.20 record CVE-2024-0001: not a valid version 1 record: namespace: /);
      expect(await columns(bad.sql)).toEqual(before);
      expect(await bad.sql`select schema_version from records`).toEqual([{ schema_version: 1 }]);
    } finally {
      await bad.drop();
    }
  });
});

describe('the upgrade equals what the driver now writes', () => {
  it('for the Alpine fixture mirror: version 1 documents upgrade to the new parse, byte for byte, and a re-sync changes nothing', async () => {
    const db = await createTestDb();
    try {
      const home = path.join(tmp, 'home');
      const http = new HttpClient();
      const sync = (force = false) => syncDriver(db.sql, alpine, { source: MIRROR, home, http, log: silentLogger, ...(force ? { force } : {}) });
      expect((await sync()).status).toBe('succeeded');
      const current = await rows(db);
      expect(current.length).toBeGreaterThan(5);
      // Rewrite every stored document as airfeed 0.1 wrote it, then upgrade.
      for (const r of current) {
        const doc = canonicalJson(toV1(validateRecord(JSON.parse(r.doc))));
        await db.sql`update records set doc = ${doc}, hash = ${sha256Hex(doc)}, schema_version = 1 where group_name = ${r.group} and id = ${r.id}`;
      }
      const result = await upgradeStoredRecords(db.sql, silentLogger);
      expect(result.records).toBe(current.filter((r) => !r.deleted).length);
      const upgraded = await rows(db);
      expect(upgraded.map((r) => [r.group, r.id, r.doc, r.hash])).toEqual(current.map((r) => [r.group, r.id, r.doc, r.hash]));
      // Re-applying the same input finds every record unchanged.
      const run = await sync(true);
      expect(run.status).toBe('succeeded');
      expect(Object.values(run.groups).map((g) => [g.added, g.changed, g.removed])).toEqual(Object.values(run.groups).map(() => [0, 0, 0]));
      expect(Object.values(run.groups).length).toBeGreaterThan(1);
    } finally {
      await db.drop();
    }
  });
});
