/** apply's incremental deletions (tombstones from input) and pre-serialized canonical records. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '../../drivers/_framework/canonical.ts';
import { applyGroup, applyGroupInTransaction, type CanonicalRecord } from '../../feed-service/storage/apply.ts';
import { registerGroups } from '../../feed-service/storage/groups.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { iterate, makeRecord } from '../helpers/records.ts';

let db: TestDb;
const G = 'alpine:3.20';
const ids = ['CVE-2024-0001', 'CVE-2024-0002', 'CVE-2024-0003', 'CVE-2024-0004'];

beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.drop();
});
beforeEach(async () => {
  await db.sql`truncate records`;
  await db.sql`update groups set record_count = 0, max_seq = 0, state = '{}'`;
  await registerGroups(db.sql, 'test', 'vulnerabilities', [{ name: G, description: 'test group' }]);
  await applyGroup(db.sql, { group: G, complete: true, records: iterate(ids.map((id) => makeRecord(G, id))) });
});

async function rows(): Promise<Map<string, { seq: number; deleted: boolean; hash: string; doc: string }>> {
  const r = await db.sql<{ id: string; seq: number; deleted: boolean; hash: string; doc: string }[]>`
    select id, seq, deleted, hash, doc from records where group_name = ${G} order by id`;
  return new Map(r.map((x) => [x.id, x]));
}

async function maxSeq(): Promise<number> {
  const [r] = await db.sql<{ m: number }[]>`select max(seq) as m from records`;
  return r?.m ?? 0;
}

describe('apply with deletions', () => {
  it('turns listed live records into tombstones with new sequence values, next to incremental records', async () => {
    const before = await maxSeq();
    const r = await applyGroup(db.sql, {
      group: G,
      complete: false,
      records: iterate([makeRecord(G, 'CVE-2024-0009'), makeRecord(G, 'CVE-2024-0001', '2.0-r0')]),
      deletions: iterate(['CVE-2024-0002', 'CVE-2024-0003']),
    });
    expect(r).toMatchObject({ added: 1, changed: 1, removed: 2, unchanged: 0, recordCount: 3 });
    const after = await rows();
    expect([...after].filter(([, v]) => v.deleted).map(([id]) => id)).toEqual(['CVE-2024-0002', 'CVE-2024-0003']);
    for (const id of ['CVE-2024-0001', 'CVE-2024-0002', 'CVE-2024-0003', 'CVE-2024-0009']) expect(after.get(id)?.seq).toBeGreaterThan(before);
    expect(r.maxSeq).toBe(await maxSeq());
    expect(after.get('CVE-2024-0004')?.seq).toBeLessThanOrEqual(before);
  });

  it('ignores unknown and already deleted ids without taking a sequence value', async () => {
    await applyGroup(db.sql, { group: G, complete: false, records: iterate([]), deletions: iterate(['CVE-2024-0004']) });
    const before = await rows();
    const seq = await db.sql`select last_value from change_seq`;
    const r = await applyGroup(db.sql, { group: G, complete: false, records: iterate([]), deletions: iterate(['CVE-2024-0004', 'CVE-1999-0000', 'CVE-1999-0000']) });
    expect(r).toMatchObject({ added: 0, changed: 0, removed: 0, recordCount: 3 });
    expect(await rows()).toEqual(before);
    expect(await db.sql`select last_value from change_seq`).toEqual(seq);
  });

  it('refuses an id that is both a record and a deletion, and rolls the group back', async () => {
    const before = await rows();
    await expect(
      applyGroup(db.sql, { group: G, complete: false, records: iterate([makeRecord(G, 'CVE-2024-0001', '3.0-r0')]), deletions: iterate(['CVE-2024-0001']) }),
    ).rejects.toThrow(/record id CVE-2024-0001 is both among the records and among the deletions/);
    expect(await rows()).toEqual(before);
  });

  it('reads the deletions only after the records, so both can come from one stream', async () => {
    const order: string[] = [];
    let recordsDone = false;
    async function* records(): AsyncGenerator<ReturnType<typeof makeRecord>> {
      order.push('records');
      yield makeRecord(G, 'CVE-2024-0010');
      recordsDone = true;
    }
    async function* deletions(): AsyncGenerator<string> {
      order.push(recordsDone ? 'deletions after records' : 'deletions too early');
      yield 'CVE-2024-0004';
    }
    const r = await applyGroup(db.sql, { group: G, complete: false, records: records(), deletions: deletions() });
    expect(order).toEqual(['records', 'deletions after records']);
    expect(r).toMatchObject({ added: 1, removed: 1 });
  });

  it('combines with a complete snapshot: listed and missing records both become tombstones once', async () => {
    const r = await applyGroup(db.sql, {
      group: G,
      complete: true,
      records: iterate([makeRecord(G, 'CVE-2024-0001'), makeRecord(G, 'CVE-2024-0002')]),
      deletions: iterate(['CVE-2024-0003']),
    });
    expect(r).toMatchObject({ added: 0, changed: 0, removed: 2, unchanged: 2, recordCount: 2 });
    const after = await rows();
    expect([...after].filter(([, v]) => v.deleted).map(([id]) => id)).toEqual(['CVE-2024-0003', 'CVE-2024-0004']);
  });

  it('is undone with the caller transaction', async () => {
    const before = await rows();
    await expect(
      db.sql.begin(async (tx) => {
        await applyGroupInTransaction(tx, { group: G, complete: false, records: iterate([]), deletions: iterate(ids) });
        throw new Error('abort the import');
      }),
    ).rejects.toThrow('abort the import');
    expect(await rows()).toEqual(before);
  });
});

describe('apply with canonical records', () => {
  it('stores a given canonical document byte for byte, hashed as given', async () => {
    const rec = makeRecord(G, 'CVE-2024-0002', '9.9-r9');
    const doc = canonicalJson(rec);
    const input: CanonicalRecord = { id: rec.id, namespace: G, doc };
    const r = await applyGroup(db.sql, { group: G, complete: false, records: iterate([input]) });
    expect(r).toMatchObject({ changed: 1 });
    const row = (await rows()).get(rec.id);
    expect(row?.doc).toBe(doc);
    expect(row?.hash).toBe(sha256Hex(doc));
  });

  it('sees an unchanged canonical document as unchanged', async () => {
    const before = await rows();
    const docs = ids.map((id): CanonicalRecord => ({ id, namespace: G, doc: canonicalJson(makeRecord(G, id)) }));
    const r = await applyGroup(db.sql, { group: G, complete: true, records: iterate(docs) });
    expect(r).toMatchObject({ added: 0, changed: 0, removed: 0, unchanged: 4 });
    expect(await rows()).toEqual(before);
  });

  it('still refuses a record of another namespace', async () => {
    await expect(
      applyGroup(db.sql, { group: G, complete: false, records: iterate([{ id: 'X', namespace: 'alpine:3.19', doc: '{}' }]) }),
    ).rejects.toThrow(/namespace alpine:3.19 but was parsed into group alpine:3.20/);
  });
});

describe('the first apply of an empty group', () => {
  const E = 'alpine:3.21';
  beforeEach(async () => {
    await registerGroups(db.sql, 'test', 'vulnerabilities', [{ name: E, description: 'empty group' }]);
  });
  const count = async () => (await db.sql<{ n: number }[]>`select count(*)::int as n from records where group_name = ${E}`)[0]?.n;

  it('stores every record with consecutive new sequence values in input order, ignoring deletions of unknown ids', async () => {
    const before = await maxSeq();
    const input = ['CVE-2024-0003', 'CVE-2024-0001', 'CVE-2024-0002'];
    const r = await applyGroup(db.sql, { group: E, complete: true, records: iterate(input.map((id) => makeRecord(E, id))), deletions: iterate(['CVE-1999-0001']) });
    expect(r).toMatchObject({ added: 3, changed: 0, removed: 0, recordCount: 3 });
    const stored = await db.sql<{ id: string; seq: number; hash: string; doc: string }[]>`select id, seq, hash, doc from records where group_name = ${E} order by seq`;
    expect(stored.map((x) => x.id)).toEqual(input);
    expect(stored.map((x) => x.seq)).toEqual([before + 1, before + 2, before + 3]);
    expect(r.maxSeq).toBe(before + 3);
    for (const x of stored) expect(x.hash).toBe(sha256Hex(x.doc));
    const [g] = await db.sql<{ recordCount: number; maxSeq: number }[]>`select record_count as "recordCount", max_seq as "maxSeq" from groups where name = ${E}`;
    expect(g).toEqual({ recordCount: 3, maxSeq: before + 3 });
  });

  it('refuses an id that is both a record and a deletion, and writes nothing', async () => {
    await expect(
      applyGroup(db.sql, { group: E, complete: false, records: iterate([makeRecord(E, 'CVE-2024-0001')]), deletions: iterate(['CVE-2024-0001']) }),
    ).rejects.toThrow('alpine:3.21: record id CVE-2024-0001 is both among the records and among the deletions');
    expect(await count()).toBe(0);
  });
});
