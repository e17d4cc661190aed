/**
 * The engine store's first-sync path (engine-client/store/write-first.ts) against the staged one,
 * on real PostgreSQL: the same changes give the same rows either way; the first path is taken only
 * for a whole group into an empty one from a source that sends each id once; a repeated id fails
 * cleanly (nothing written); a /v2 answer that breaks off midway is rolled back and synced again.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isAirfeedError } from '../../../drivers/_framework/errors.ts';
import { HttpClient } from '../../../drivers/_framework/http.ts';
import { silentLogger } from '../../../drivers/_framework/log.ts';
import { validateRecord, type VulnRecord } from '../../../drivers/_framework/record.ts';
import { fromNormalized } from '../../../engine-client/sources/convert.ts';
import { syncFromService } from '../../../engine-client/sources/service.ts';
import type { Sql } from '../../../engine-client/store/db.ts';
import { lockGroups, setGroupState, type VulnChange, type WriteResult, writeGroup } from '../../../engine-client/store/write.ts';
import type { TestDb } from '../../helpers/db.ts';
import { createEngineTestDb } from '../../helpers/engine-db.ts';
import { makeRecord } from '../../helpers/records.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const NVD = (JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/engine/enrich/nvd-records.json'), 'utf8')) as unknown[]).map((r) => validateRecord(r));
const GROUP = 'alpine:3.20';

/** Records with every kind of affected entry the engine keeps: fixed, no fix, not affected, ranges, versions, channel. */
function distroRecords(): VulnRecord[] {
  const a = makeRecord(GROUP, 'CVE-2024-0001', '1.0-r1', 'zlib');
  const b: VulnRecord = {
    ...makeRecord(GROUP, 'CVE-2024-0002', '2.0-r0', 'openssl'),
    fixedIn: [
      { package: 'openssl', versionScheme: 'apk', state: 'fixed', version: '3.3.2-r1' },
      { package: 'openssl', versionScheme: 'apk', state: 'not_affected' },
      { package: 'libcrypto', versionScheme: 'apk', state: 'affected' },
      { package: 'py3-jinja2', versionScheme: 'apk', state: 'fixed', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.1.5-r0' }] }], versions: ['3.1.3-r0'] },
      { package: 'busybox', versionScheme: 'apk', state: 'fixed', version: '1.36.1-r29', channel: 'esm-infra' },
      { package: 'nodejs', versionScheme: 'rpm', state: 'fixed', version: '1:18.20.4-1.module+el9.4.0+22201+c5a2b5f9', moduleStream: 'nodejs:18' },
    ],
  };
  return [a, validateRecord(b), makeRecord(GROUP, 'CVE-2024-0003\ttab', '1.0-r0', 'pkg with spaces')];
}

async function* changesOf(group: string, records: VulnRecord[], deletions: string[] = []): AsyncGenerator<VulnChange> {
  for (const r of records) {
    const c = fromNormalized(r, group, r.id);
    if (typeof c === 'string') throw new Error(c);
    yield c;
  }
  for (const id of deletions) yield { id, deleted: true };
}

async function write(sql: Sql, group: string, records: VulnRecord[], opts: { unique?: boolean; mode?: 'replace' | 'changes'; deletions?: string[]; duplicate?: boolean } = {}): Promise<WriteResult> {
  return sql.begin(async (tx) => {
    await lockGroups(tx, [group]);
    const list = opts.duplicate && records[0] ? [...records, records[0]] : records;
    const written = await writeGroup(tx, {
      group, mode: opts.mode ?? 'replace', changes: changesOf(group, list, opts.deletions), ...(opts.unique ? { uniqueIds: () => true } : {}),
    });
    // As the sources do: a first sync's own counts are stored instead of a recount, and rows() below
    // compares them with the staged path's recount.
    await setGroupState(tx, group, { feed: 'test', source: 'test', ...(written.counts ? { counts: written.counts } : {}) });
    return written;
  });
}

/** Everything either path writes, in one comparable value. */
async function rows(sql: Sql): Promise<unknown> {
  const vulns = await sql`select group_name, id, severity, link, doc from vulnerabilities order by group_name, id`;
  const affected = await sql`select group_name, vuln_id, pos, package, package_key, scheme, state, fixed, ranges, versions, channel, module, severity, link
    from affected order by group_name, vuln_id, pos`;
  const cpes = await sql`select * from cpe_targets order by group_name, vuln_id, part, vendor, product`;
  const groups = await sql`select name, record_count, affected_count from groups order by name`;
  return { vulns: [...vulns], affected: [...affected], cpes: [...cpes], groups: [...groups] };
}

let first: TestDb;
let staged: TestDb;

beforeAll(async () => {
  [first, staged] = await Promise.all([createEngineTestDb(), createEngineTestDb()]);
});
afterAll(async () => {
  await Promise.all([first.drop(), staged.drop()]);
});
beforeEach(async () => {
  for (const db of [first, staged]) await db.sql`truncate groups, vulnerabilities, affected, cpe_targets`;
});

describe('the store (migration 005)', () => {
  it('compresses documents with lz4 where the server has it, else stores them uncompressed (never pglz)', async () => {
    const [col] = await first.sql<{ compression: string; storage: string }[]>`
      select attcompression::text as compression, attstorage::text as storage from pg_attribute
      where attrelid = 'vulnerabilities'::regclass and attname = 'doc'`;
    expect([['l', 'x'], ['', 'e']]).toContainEqual([col?.compression, col?.storage]);
  });
});

describe('the first sync of a group', () => {
  it('writes exactly what the staged path writes, tombstones of the snapshot left out', async () => {
    const w1 = await write(first.sql, GROUP, distroRecords(), { unique: true, deletions: ['CVE-2023-9999'] });
    const w2 = await write(staged.sql, GROUP, distroRecords(), { deletions: ['CVE-2023-9999'] });
    expect(w1).toEqual({ received: 4, upserts: 3, deletions: 0, path: 'first', counts: { records: 3, affected: 8 } });
    expect(w2).toEqual({ received: 4, upserts: 3, deletions: 0, path: 'staged' });
    const n1 = await write(first.sql, 'nvdv2:cves', NVD, { unique: true });
    const n2 = await write(staged.sql, 'nvdv2:cves', NVD);
    expect([n1.path, n2.path]).toEqual(['first', 'staged']);
    expect(await rows(first.sql)).toEqual(await rows(staged.sql));
    const counts = await first.sql<{ n: number }[]>`select count(*)::int as n from affected where group_name = ${GROUP}`;
    expect(counts[0]?.n).toBe(8);
  });

  it('is taken only for a whole group into an empty one from a source with unique ids', async () => {
    await write(first.sql, GROUP, distroRecords(), { unique: true });
    // The group holds rows now: staged, and an identical snapshot changes nothing.
    expect(await write(first.sql, GROUP, distroRecords(), { unique: true })).toEqual({ received: 3, upserts: 0, deletions: 0, path: 'staged' });
    expect((await write(first.sql, 'alpine:3.19', distroRecords().map((r) => ({ ...r, namespace: 'alpine:3.19' })), { unique: true, mode: 'changes' })).path).toBe('staged');
    expect((await write(first.sql, 'alpine:edge', distroRecords().map((r) => ({ ...r, namespace: 'alpine:edge' })))).path).toBe('staged');
  });

  it('leaves a group written the first way to the staged path afterwards, with the same result', async () => {
    for (const [db, unique] of [[first, true], [staged, false]] as const) {
      await write(db.sql, 'nvdv2:cves', NVD, { unique });
      const [a, b] = NVD;
      if (!a || !b) throw new Error('fixture');
      // CVE-2024-8096 changes, CVE-2024-9681 is withdrawn (its CPE targets go with it).
      const changed = { ...a, severity: 'Low' as const, description: 'changed' };
      await write(db.sql, 'nvdv2:cves', [changed], { mode: 'changes', deletions: [b.id] });
    }
    expect(await rows(first.sql)).toEqual(await rows(staged.sql));
    expect((await first.sql`select 1 from cpe_targets where vuln_id = 'CVE-2024-9681'`).length).toBe(0);
  });

  it('fails on an id that comes twice, naming it, and writes nothing', async () => {
    const err = await write(first.sql, GROUP, distroRecords(), { unique: true, duplicate: true }).catch((e: unknown) => e);
    expect(isAirfeedError(err, 'ENGINE_SOURCE_INVALID')).toBe(true);
    expect((err as Error).message).toBe('group alpine:3.20: record CVE-2024-0001 comes more than once in one full snapshot');
    expect(await rows(first.sql)).toEqual({ vulns: [], affected: [], cpes: [], groups: [] });
  });
});

describe('a /v2 answer that breaks off midway', () => {
  const records = distroRecords();
  const body = records.map((r, i) => `${JSON.stringify({ seq: i + 1, id: r.id, deleted: false, updatedAt: '2025-01-01T00:00:00.000000Z', record: r })}\n`).join('');
  let requests = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/v2/groups') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ groups: [{ name: GROUP, feed: 'vulnerabilities', maxSeq: records.length }] }));
      return;
    }
    requests++;
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    // The first answer stops after a line and a half, then the connection drops.
    if (requests === 1) res.write(body.slice(0, body.indexOf('\n') + 40), () => res.socket?.destroy());
    else res.end(body);
  });
  let base = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('is rolled back and synced again from the start: the group ends complete', async () => {
    const result = await syncFromService(first.sql, { url: base, http: new HttpClient({ retries: 0 }), log: silentLogger });
    expect(requests).toBe(2);
    expect(result.groups.map((g) => [g.group, g.transferred, g.upserts, g.records, g.cursor])).toEqual([[GROUP, 3, 3, 3, 3]]);
    await write(staged.sql, GROUP, records);
    const [a, b] = await Promise.all([rows(first.sql), rows(staged.sql)]);
    expect((a as { affected: unknown }).affected).toEqual((b as { affected: unknown }).affected);
  });
});
