/**
 * What a grype build reads from airfeed's store, inside one read-only snapshot: the groups it covers
 * (enabled groups of enabled feeds that a mapping module covers, mappers.ts; their state and
 * freshness: ../state.ts) and their live records, streamed with a cursor in group then id order
 * (byte order, whatever the server's collation), so memory stays flat and two builds of the same
 * store see the same sequence.
 *
 * The database's `built` time is the newest freshness of the groups it holds, to the second, so
 * grype's own age check (`max-allowed-built-age`, 5 days by default) measures the data, not the
 * moment the file was written. Two changes within one second give two databases with the same
 * `built` (and archive name): grype, which updates only to a strictly later `built`, keeps the first
 * until the data time moves on (the next sync or import).
 */
import type { Sql, Tx } from '../../storage/db.ts';
import { readOutputState, type SourceState } from '../state.ts';
import { mappingFor } from './mappers.ts';

export type { SourceGroup, SourceState } from '../state.ts';

/** Reads which groups a build covers, and the state key that decides whether a rebuild is due. */
export async function readSourceState(sql: Sql | Tx): Promise<SourceState> {
  return readOutputState(sql, (group) => mappingFor(group) !== undefined);
}

export interface StoredRecord {
  group: string;
  id: string;
  doc: string;
  hash: string;
}

/** Streams the live records of `groups` in (group, id) byte order, `batch` rows per round trip. */
export async function* streamRecords(tx: Tx, groups: readonly string[], batch = 1000): AsyncGenerator<StoredRecord> {
  if (groups.length === 0) return;
  const cursor = tx<StoredRecord[]>`
    select group_name as "group", id, doc, hash from records
    where group_name in ${tx(groups)} and not deleted
    order by group_name collate "C", id collate "C"`.cursor(batch);
  for await (const rows of cursor) yield* rows;
}
