/** Deletions given with an apply: the ids of an incremental input's tombstones (apply.ts, apply-first.ts). */
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { ChunkWriter, copyEscape } from '../../drivers/_framework/pg/copy.ts';
import type { Tx } from './db.ts';

/** Reads `deletions` into the temp table `deletion`. */
export async function copyDeletions(tx: Tx, deletions: AsyncIterable<string>): Promise<void> {
  await tx`create temp table deletion (id text not null) on commit drop`;
  const copy = new ChunkWriter(await tx`copy deletion (id) from stdin`.writable());
  try {
    for await (const id of deletions) await copy.write(`${copyEscape(id)}\n`);
  } catch (err) {
    await copy.end().catch(() => undefined);
    throw err;
  }
  await copy.end();
}

/** The refusal of an id that is both a record and a deletion. */
export function bothError(group: string, id: string): AirfeedError {
  return new AirfeedError('SOURCE_INVALID', `${group}: record id ${id} is both among the records and among the deletions`);
}

/** For a first apply: the deletions must not name a record the same input carries. */
export async function refuseDeletedRecords(tx: Tx, group: string, deletions: AsyncIterable<string>): Promise<void> {
  await copyDeletions(tx, deletions);
  const both = await tx<{ id: string }[]>`select d.id from deletion d join records r on r.group_name = ${group} and r.id = d.id limit 1`;
  if (both[0]) throw bothError(group, both[0].id);
}

/** Pass 4a: ids listed as deleted become tombstones (when live); an id also staged is refused. */
export async function applyDeletions(tx: Tx, group: string, deletions: AsyncIterable<string>): Promise<{ removed: number; tombMax: number }> {
  await copyDeletions(tx, deletions);
  const both = await tx<{ id: string }[]>`select d.id from deletion d join stage s on s.id = d.id limit 1`;
  if (both[0]) throw bothError(group, both[0].id);
  const rows = await tx<{ removed: number; tombMax: number | null }[]>`
    with gone as (
      select distinct r.id from records r join deletion d on d.id = r.id
      where r.group_name = ${group} and not r.deleted
      order by r.id
    ), marked as (
      update records r set deleted = true, seq = nextval('change_seq'), updated_at = now()
      from gone where r.group_name = ${group} and r.id = gone.id returning r.seq
    )
    select count(*)::int as removed, max(seq) as "tombMax" from marked`;
  return { removed: rows[0]?.removed ?? 0, tombMax: rows[0]?.tombMax ?? 0 };
}
