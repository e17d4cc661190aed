/**
 * What a grype build reads from airfeed's store, inside one read-only snapshot: the groups it covers
 * (enabled groups of enabled feeds that a mapping module covers, mappers.ts) and their live records, streamed
 * with a cursor in group then id order (byte order, whatever the server's collation), so memory
 * stays flat and two builds of the same store see the same sequence.
 *
 * A group's freshness is the last time its data was known current: the creation time of the bundle
 * it was imported from (the producer's clock) when that import was its last successful apply, else
 * its last successful sync. (An import applies through the same path as a sync, which stamps
 * `last_success` with the import transaction's time, the same `now()` as `bundle_installed.installed_at`:
 * a `last_success` after `installed_at` is a sync made here after the import.)
 * The database's `built` time is the newest freshness of the groups it holds, to the second, so
 * grype's own age check (`max-allowed-built-age`, 5 days by default) measures the data, not the
 * moment the file was written. Two changes within one second give two databases with the same
 * `built` (and archive name): grype, which updates only to a strictly later `built`, keeps the first
 * until the data time moves on (the next sync or import).
 */
import { createHash } from 'node:crypto';
import type { Sql, Tx } from '../../storage/db.ts';
import { mappingFor } from './mappers.ts';

export interface SourceGroup {
  name: string;
  driver: string;
  maxSeq: number;
  recordCount: number;
  /** Last known current (see module comment); null when the group never completed a sync or import. */
  fresh: Date | null;
}

export interface SourceState {
  /** Groups the database holds, by name. */
  groups: SourceGroup[];
  /** Enabled groups left out because no mapping covers their driver yet. */
  unmapped: string[];
  /** Highest change sequence among the groups held. */
  dataSeq: number;
  /** The newest freshness, truncated to whole seconds; null when no group has any. */
  built: Date | null;
  /** Changes whenever anything that goes into the database may have changed. */
  key: string;
}

interface GroupRow {
  name: string;
  driver: string;
  maxSeq: number;
  recordCount: number;
  fresh: Date | null;
}

/** Reads which groups a build covers, and the state key that decides whether a rebuild is due. */
export async function readSourceState(sql: Sql | Tx): Promise<SourceState> {
  const rows = await sql<GroupRow[]>`
    select g.name, g.driver, g.max_seq as "maxSeq", g.record_count as "recordCount",
           case when b.group_name is not null and b.installed_at >= coalesce(g.last_success, '-infinity'::timestamptz)
                then b.created else g.last_success end as fresh
    from groups g
    join feeds f on f.name = g.feed
    left join bundle_installed b on b.group_name = g.name
    where g.enabled and f.enabled
    order by g.name collate "C"`;
  const groups: SourceGroup[] = [];
  const unmapped: string[] = [];
  for (const r of rows) {
    if (mappingFor(r.name)) groups.push(r);
    else unmapped.push(r.name);
  }
  let built: Date | null = null;
  for (const g of groups) if (g.fresh && (built === null || g.fresh > built)) built = g.fresh;
  if (built) built = new Date(Math.floor(built.getTime() / 1000) * 1000);
  const dataSeq = groups.reduce((m, g) => Math.max(m, g.maxSeq), 0);
  const key = createHash('sha256')
    .update(JSON.stringify(groups.map((g) => [g.name, g.maxSeq, g.recordCount, g.fresh?.toISOString() ?? null])))
    .digest('hex');
  return { groups, unmapped, dataSeq, built, key };
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
