/**
 * Bundles of format 1 (airfeed 0.1: records of schema 1) are upgraded on import, in the feed service
 * and in the engine; one whose record cannot be upgraded is refused, naming it, and changes nothing.
 * The old bundles are made as airfeed 0.1 made them: schema 1 documents exported and signed with
 * `formatVersion: 1`.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '../../drivers/_framework/canonical.ts';
import { isAirfeedError } from '../../drivers/_framework/errors.ts';
import { validateRecord } from '../../drivers/_framework/record.ts';
import { upgradeV1Record, type VulnRecordV1 } from '../../drivers/_framework/record-v1.ts';
import { importBundleIntoEngine } from '../../engine-client/sources/bundle.ts';
import { lookupAffected } from '../../engine-client/store/status.ts';
import { exportBundle } from '../../feed-service/bundles/export.ts';
import { importBundle } from '../../feed-service/bundles/import.ts';
import { registerGroups } from '../../feed-service/storage/groups.ts';
import type { Sql } from '../../feed-service/storage/db.ts';
import { createEngineTestDb } from '../helpers/engine-db.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { makeKey, resign, tamper, type TestKey } from './helpers.ts';

const G = 'alpine:3.20';
const CREATED = new Date('2025-01-01T00:00:00Z');

function v1(id: string, fixedIn: [string, string][]): VulnRecordV1 {
  return {
    id, namespace: G, severity: 'Unknown', description: '', link: `https://nvd.nist.gov/vuln/detail/${id}`, aliases: [], cvss: [],
    fixedIn: fixedIn.map(([pkg, version]) => ({ package: pkg, version, versionScheme: 'apk' })),
    references: [], published: null, modified: null, withdrawn: null, metadata: {}, provenance: { driver: 'alpine', source: 'v3.20/main.json' },
  };
}

const OLD = [v1('CVE-2024-0001', [['musl', '1.2.4-r3'], ['zlib', '0']]), v1('CVE-2024-0002', [['openssl', 'None']])];

/** A producer database holding `docs` as airfeed 0.1 stored them, exported as a format 1 bundle. */
async function oldBundle(producer: TestDb, docs: string[], name: string, key: TestKey, dir: string): Promise<string> {
  await producer.sql`truncate records, groups cascade`;
  await registerGroups(producer.sql, 'alpine', 'vulnerabilities', [{ name: G, description: 'Alpine 3.20' }]);
  for (const doc of docs) {
    const id = (JSON.parse(doc) as { id: string }).id;
    await producer.sql`insert into records (group_name, id, doc, hash, seq, updated_at, deleted, schema_version)
      values (${G}, ${id}, ${doc}, ${sha256Hex(doc)}, nextval('change_seq'), now(), false, 1)`;
  }
  await producer.sql`update groups set record_count = ${docs.length}, max_seq = (select max(seq) from records) where name = ${G}`;
  const out = await exportBundle(producer.sql, { privateKey: key.privateKey, out: path.join(dir, `${name}-v2.tar`), created: CREATED });
  return tamper(out.file, name, (es) => resign(es, key.privateKey, (m) => ((m as Record<string, unknown>)['formatVersion'] = 1)));
}

async function stored(sql: Sql): Promise<{ id: string; doc: string; hash: string; version: number }[]> {
  return sql<{ id: string; doc: string; hash: string; version: number }[]>`
    select id, doc, hash, schema_version::int as version from records where group_name = ${G} order by id`;
}

let producer: TestDb;
let home: TestDb;
let engine: TestDb;
let dir: string;
let key: TestKey;
beforeAll(async () => {
  [producer, home, engine] = await Promise.all([createTestDb(), createTestDb(), createEngineTestDb()]);
  dir = await tempDir('airfeed-bundle-v1-');
  key = await makeKey(path.join(dir, 'keys'));
});
afterAll(async () => {
  await Promise.all([producer.drop(), home.drop(), engine.drop()]);
  await fs.rm(dir, { recursive: true, force: true });
});

describe('a format 1 bundle', () => {
  it('is upgraded on import into the feed service: schema 2 documents, re-hashed', async () => {
    const file = await oldBundle(producer, OLD.map((r) => canonicalJson(r)), 'old', key, dir);
    const result = await importBundle(home.sql, file, { trust: key.trust });
    expect(result).toMatchObject({ status: 'imported', groups: [{ name: G, added: 2 }] });
    const rows = await stored(home.sql);
    expect(rows.map((r) => r.id)).toEqual(['CVE-2024-0001', 'CVE-2024-0002']);
    for (const [i, r] of rows.entries()) {
      const expected = canonicalJson(upgradeV1Record(OLD[i] ?? OLD[0]!));
      expect([r.doc, r.hash, r.version]).toEqual([expected, sha256Hex(expected), 2]);
      validateRecord(JSON.parse(r.doc));
    }
    // The same bundle again changes nothing.
    expect((await importBundle(home.sql, file, { trust: key.trust })).status).toBe('unchanged');
  });

  it('is upgraded on import into the engine: a secdb "0" is a not_affected row', async () => {
    const file = await oldBundle(producer, OLD.map((r) => canonicalJson(r)), 'old-engine', key, dir);
    const result = await importBundleIntoEngine(engine.sql, file, { trust: key.trust });
    expect(result.status).toBe('imported');
    const rows = await lookupAffected(engine.sql, G, ['musl', 'zlib', 'openssl']);
    expect(rows.map((r) => [r.vulnId, r.package, r.state, r.fixed])).toEqual([
      ['CVE-2024-0001', 'musl', 'fixed', '1.2.4-r3'],
      ['CVE-2024-0002', 'openssl', 'affected', null],
      ['CVE-2024-0001', 'zlib', 'not_affected', null],
    ]);
    const docs = await engine.sql<{ doc: string }[]>`select doc from vulnerabilities where group_name = ${G} order by id`;
    expect(docs.map((d) => validateRecord(JSON.parse(d.doc)).schemaVersion)).toEqual([2, 2]);
  });

  it('is refused when a record cannot be upgraded, naming it, and nothing is imported', async () => {
    const bad = { ...OLD[0], fixedIn: [{ package: 'musl', versionScheme: 'apk' }] };
    const file = await oldBundle(producer, [canonicalJson(bad)], 'bad', key, dir);
    const fresh = await createTestDb();
    try {
      const err = await importBundle(fresh.sql, file, { trust: key.trust }).catch((e: unknown) => e);
      expect(isAirfeedError(err, 'BUNDLE_INVALID')).toBe(true);
      expect((err as Error).message).toMatch(/bad\.tar: group alpine:3\.20: record CVE-2024-0001: not a valid version 1 record: fixedIn\[0\]\.version: .*\(a format 1 bundle's records are upgraded on import\)/);
      expect(await fresh.sql`select * from records`).toEqual([]);
      const engineErr = await importBundleIntoEngine(engine.sql, file, { trust: key.trust }).catch((e: unknown) => e);
      expect(isAirfeedError(engineErr, 'BUNDLE_INVALID')).toBe(true);
      expect((engineErr as Error).message).toMatch(/record CVE-2024-0001: not a valid version 1 record: fixedIn\[0\]\.version/);
    } finally {
      await fresh.drop();
    }
  });
});
