/**
 * The one-time upgrade of stored records to the current record schema (version 1 → 2), run after the
 * SQL migrations on every start (feed-service/storage/migrate.ts) and a no-op once done. It works on
 * the stored documents alone, because an air-gapped home has no driver workspace to re-parse: its
 * records came from bundles.
 *
 * Per group, in one transaction holding the group's write lock (so apply and other replicas wait):
 * the rows still at schema 1 are read in id order (the database's collation, so the partial index
 * records_old_schema serves each batch), in batches; each document is validated as version
 * 1, upgraded (drivers/_framework/record-v1.ts), serialized as canonical JSON and hashed again. A live
 * record whose document changed gets the next change-sequence value (in id order) and `updated_at =
 * now()`, so /v2 cursors, /v1 `since` and delta bundles carry it once more; a tombstone gets its new
 * document and hash but keeps its sequence (its deletion was already announced). A second run finds
 * nothing to do. A document that cannot be upgraded fails the start with DB_MIGRATION_FAILED naming
 * the group and record; its group is left as it was.
 */
import type { Logger } from 'pino';
import { canonicalJson, sha256Hex } from '../../drivers/_framework/canonical.ts';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { ChunkWriter, copyEscape } from '../../drivers/_framework/pg/copy.ts';
import { RECORD_SCHEMA_VERSION } from '../../drivers/_framework/record.ts';
import { readRecord } from '../../drivers/_framework/record-v1.ts';
import type { Sql, Tx } from './db.ts';
import { lockGroupInTransaction } from './locks.ts';

const BATCH = 5000;

export interface UpgradeResult {
  groups: number;
  /** Live records rewritten (each with a new change sequence). */
  records: number;
  tombstones: number;
  ms: number;
}

interface OldRow {
  id: string;
  doc: string;
  deleted: boolean;
}

/** The upgraded canonical document of a stored one; DB_MIGRATION_FAILED naming the record otherwise. */
function upgradeDoc(group: string, row: OldRow): string {
  const where = `group ${group} record ${row.id}`;
  try {
    return canonicalJson(readRecord(JSON.parse(row.doc) as unknown, where));
  } catch (err) {
    const why = err instanceof SyntaxError ? `${where}: the stored document is not JSON (${err.message})` : (err as Error).message;
    throw new AirfeedError('DB_MIGRATION_FAILED', `upgrading stored records to record schema ${RECORD_SCHEMA_VERSION}: ${why}`, { cause: err });
  }
}

/** Upgrades one group's old rows inside `tx`; returns how many live records and tombstones changed. */
async function upgradeGroup(tx: Tx, group: string): Promise<{ records: number; tombstones: number }> {
  await lockGroupInTransaction(tx, group);
  await tx`drop table if exists pg_temp.upgraded`;
  await tx`create temp table upgraded (id text primary key, doc text not null, hash text not null, seq bigint) on commit drop`;
  let records = 0;
  let tombstones = 0;
  let last = '';
  for (;;) {
    const rows = await tx<OldRow[]>`
      select id, doc, deleted from records
      where group_name = ${group} and schema_version < ${RECORD_SCHEMA_VERSION} and id > ${last}
      order by id limit ${BATCH}`;
    if (rows.length === 0) break;
    last = rows[rows.length - 1]?.id ?? last;
    const docs = rows.map((r) => upgradeDoc(group, r));
    const changedLive = rows.filter((r, i) => !r.deleted && docs[i] !== r.doc).length;
    const seqs = changedLive === 0 ? [] : (await tx<{ s: string }[]>`select nextval('change_seq')::text as s from generate_series(1, ${changedLive})`).map((r) => BigInt(r.s));
    seqs.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const copy = new ChunkWriter(await tx`copy upgraded (id, doc, hash, seq) from stdin`.writable());
    let k = 0;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      const doc = docs[i];
      if (!row || doc === undefined) continue;
      const newSeq = !row.deleted && doc !== row.doc ? seqs[k++] : undefined;
      if (newSeq !== undefined) records++;
      else if (row.deleted) tombstones++;
      await copy.write(`${copyEscape(row.id)}\t${copyEscape(doc)}\t${sha256Hex(doc)}\t${newSeq === undefined ? '\\N' : newSeq.toString()}\n`);
    }
    await copy.end();
  }
  if (records + tombstones === 0 && last === '') return { records, tombstones };
  // The `id > last` keyset ran over the same rows this update rewrites: it only starts once all were read.
  await tx`
    update records r set doc = u.doc, hash = u.hash, schema_version = ${RECORD_SCHEMA_VERSION},
      seq = coalesce(u.seq, r.seq), updated_at = case when u.seq is null then r.updated_at else now() end
    from upgraded u where r.group_name = ${group} and r.id = u.id`;
  await tx`update groups set max_seq = greatest(max_seq, coalesce((select max(seq) from upgraded), 0)) where name = ${group}`;
  return { records, tombstones };
}

/** Upgrades every stored record still below the current schema; see the module comment. */
export async function upgradeStoredRecords(sql: Sql, log: Logger): Promise<UpgradeResult> {
  const started = performance.now();
  const groups = await sql<{ g: string }[]>`
    select distinct group_name as g from records where schema_version < ${RECORD_SCHEMA_VERSION} order by 1`;
  const result: UpgradeResult = { groups: 0, records: 0, tombstones: 0, ms: 0 };
  for (const { g } of groups) {
    const counts = await sql.begin((tx) => upgradeGroup(tx, g));
    result.groups++;
    result.records += counts.records;
    result.tombstones += counts.tombstones;
    log.info({ group: g, ...counts }, `records of ${g} upgraded to record schema ${RECORD_SCHEMA_VERSION}`);
  }
  result.ms = Math.round(performance.now() - started);
  if (result.groups > 0) log.info(result, `stored records upgraded to record schema ${RECORD_SCHEMA_VERSION}`);
  return result;
}
