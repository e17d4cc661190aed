import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { applyGroup } from '../../feed-service/storage/apply.ts';
import { registerGroups } from '../../feed-service/storage/groups.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { iterate, makeRecord } from '../helpers/records.ts';

let db: TestDb;
const G = 'alpine:3.20';

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
});

async function snapshot(): Promise<Map<string, { seq: number; hash: string; deleted: boolean; doc: string }>> {
  const rows = await db.sql<{ id: string; seq: number; hash: string; deleted: boolean; doc: string }[]>`
    select id, seq, hash, deleted, doc from records where group_name = ${G} order by id`;
  return new Map(rows.map((r) => [r.id, r]));
}

const base = ['CVE-2024-0001', 'CVE-2024-0002', 'CVE-2024-0003', 'ALPINE-13661'].map((id) => makeRecord(G, id));

describe('applyGroup', () => {
  it('adds every record of a first snapshot with increasing sequence values', async () => {
    const r = await applyGroup(db.sql, { group: G, complete: true, records: iterate(base) });
    expect(r).toMatchObject({ added: 4, changed: 0, removed: 0, unchanged: 0, recordCount: 4 });
    const snap = await snapshot();
    expect([...snap.keys()].sort()).toEqual(base.map((b) => b.id).sort());
    const seqs = [...snap.values()].map((v) => v.seq);
    expect(new Set(seqs).size).toBe(4);
    expect(r.maxSeq).toBe(Math.max(...seqs));
    // The stored document is the canonical JSON of the record, backslashes and tabs intact.
    expect(JSON.parse(snap.get('CVE-2024-0001')?.doc ?? '{}')).toEqual(base[0]);
  });

  it('writes nothing and takes no sequence value when nothing changed', async () => {
    await applyGroup(db.sql, { group: G, complete: true, records: iterate(base) });
    const before = await snapshot();
    const xmin = await db.sql`select id, xmin::text from records order by id`;
    const seqBefore = await db.sql<{ v: number }[]>`select last_value as v from change_seq`;
    const r = await applyGroup(db.sql, { group: G, complete: true, records: iterate(base) });
    expect(r).toMatchObject({ added: 0, changed: 0, removed: 0, unchanged: 4 });
    expect(await snapshot()).toEqual(before);
    // Same row versions: no row was rewritten, not even with equal values.
    expect(await db.sql`select id, xmin::text from records order by id`).toEqual(xmin);
    expect(await db.sql<{ v: number }[]>`select last_value as v from change_seq`).toEqual(seqBefore);
  });

  it('gives exactly the changed record a new sequence value', async () => {
    await applyGroup(db.sql, { group: G, complete: true, records: iterate(base) });
    const before = await snapshot();
    const changed = base.map((b) => (b.id === 'CVE-2024-0002' ? makeRecord(G, b.id, '2.0-r0') : b));
    const r = await applyGroup(db.sql, { group: G, complete: true, records: iterate(changed) });
    expect(r).toMatchObject({ added: 0, changed: 1, removed: 0, unchanged: 3, recordCount: 4 });
    const after = await snapshot();
    for (const [id, row] of after) {
      if (id === 'CVE-2024-0002') {
        expect(row.seq).toBeGreaterThan(Math.max(...[...before.values()].map((v) => v.seq)));
        expect(row.hash).not.toBe(before.get(id)?.hash);
      } else {
        expect(row).toEqual(before.get(id));
      }
    }
  });

  it('turns a record missing from a complete snapshot into a tombstone, and revives it', async () => {
    await applyGroup(db.sql, { group: G, complete: true, records: iterate(base) });
    const before = await snapshot();
    const r = await applyGroup(db.sql, { group: G, complete: true, records: iterate(base.slice(1)) });
    expect(r).toMatchObject({ added: 0, changed: 0, removed: 1, unchanged: 3, recordCount: 3 });
    const gone = (await snapshot()).get(base[0]?.id ?? '');
    expect(gone?.deleted).toBe(true);
    expect(gone?.seq).toBeGreaterThan(before.get(base[0]?.id ?? '')?.seq ?? Infinity);
    const back = await applyGroup(db.sql, { group: G, complete: true, records: iterate(base) });
    expect(back).toMatchObject({ added: 1, changed: 0, removed: 0, recordCount: 4 });
    expect((await snapshot()).get(base[0]?.id ?? '')?.deleted).toBe(false);
  });

  it('keeps missing records of an incomplete (incremental) input', async () => {
    await applyGroup(db.sql, { group: G, complete: true, records: iterate(base) });
    const r = await applyGroup(db.sql, { group: G, complete: false, records: iterate([makeRecord(G, 'CVE-2024-9999')]) });
    expect(r).toMatchObject({ added: 1, removed: 0, recordCount: 5 });
  });

  it('rolls the whole group back when the input fails midway', async () => {
    await applyGroup(db.sql, { group: G, complete: true, records: iterate(base) });
    const before = await snapshot();
    async function* failing(): AsyncGenerator<ReturnType<typeof makeRecord>> {
      yield makeRecord(G, 'CVE-2024-0001', '9.9-r9');
      yield makeRecord(G, 'CVE-2030-0001');
      throw new Error('v3.20/main.json: Unexpected end of JSON input');
    }
    await expect(applyGroup(db.sql, { group: G, complete: true, records: failing() })).rejects.toThrow(/Unexpected end of JSON/);
    expect(await snapshot()).toEqual(before);
    const [g] = await db.sql<{ recordCount: number }[]>`select record_count as "recordCount" from groups where name = ${G}`;
    expect(g?.recordCount).toBe(4);
  });

  it('refuses a snapshot that holds the same id twice, naming it', async () => {
    const twice = [...base, makeRecord(G, 'CVE-2024-0002', '3.0-r0')];
    await expect(applyGroup(db.sql, { group: G, complete: true, records: iterate(twice) })).rejects.toThrow(
      /CVE-2024-0002 appears more than once/,
    );
    expect((await snapshot()).size).toBe(0);
  });

  it('refuses a record of another namespace', async () => {
    await expect(
      applyGroup(db.sql, { group: G, complete: true, records: iterate([makeRecord('alpine:3.19', 'CVE-1')]) }),
    ).rejects.toThrow(/namespace alpine:3.19 but was parsed into group alpine:3.20/);
  });

  it('handles more records than one write batch', async () => {
    const many = Array.from({ length: 12_345 }, (_, i) => makeRecord(G, `CVE-2024-${String(i).padStart(6, '0')}`));
    const r = await applyGroup(db.sql, { group: G, complete: true, records: iterate(many) });
    expect(r).toMatchObject({ added: 12_345, recordCount: 12_345 });
    const [row] = await db.sql<{ n: number; d: number }[]>`
      select count(*)::int as n, count(distinct seq)::int as d from records where group_name = ${G}`;
    expect(row).toEqual({ n: 12_345, d: 12_345 });
    const sample = await db.sql<{ doc: string }[]>`select doc from records where id = 'CVE-2024-012344'`;
    expect(JSON.parse(sample[0]?.doc ?? '{}')).toEqual(many[12_344]);
  });
});

describe('applyGroupInTransaction', () => {
  it('applies several groups in one caller transaction, and a rollback undoes all of them', async () => {
    const { applyGroupInTransaction } = await import('../../feed-service/storage/apply.ts');
    const G2 = 'alpine:3.19';
    await registerGroups(db.sql, 'test', 'vulnerabilities', [{ name: G2, description: 'second group' }]);
    await db.sql`update groups set record_count = 0, max_seq = 0 where name = ${G2}`;
    await expect(
      db.sql.begin(async (tx) => {
        await applyGroupInTransaction(tx, { group: G, complete: true, records: iterate(base) });
        await applyGroupInTransaction(tx, { group: G2, complete: true, records: iterate([makeRecord(G2, 'CVE-1')]) });
        throw new Error('abort the import');
      }),
    ).rejects.toThrow('abort the import');
    expect((await snapshot()).size).toBe(0);
    const both = await db.sql.begin(async (tx) => [
      await applyGroupInTransaction(tx, { group: G, complete: true, records: iterate(base) }),
      await applyGroupInTransaction(tx, { group: G2, complete: true, records: iterate([makeRecord(G2, 'CVE-1')]) }),
    ]);
    expect(both.map((b) => b.added)).toEqual([4, 1]);
  });
});
