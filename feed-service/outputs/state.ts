/**
 * What an output built from the store (the grype database, the osv-scanner export) reads about the
 * groups it covers, inside its build's read-only snapshot: which enabled groups of enabled feeds it
 * holds, their highest change sequence and live record count, and their freshness; and the key that
 * changes whenever any of that moves, which decides whether a rebuild is due.
 *
 * A group's freshness is the last time its data was known current: the creation time of the bundle
 * it was imported from (the producer's clock) when that import was its last successful apply, else
 * its last successful sync. (An import applies through the same path as a sync, which stamps
 * `last_success` with the import transaction's time, the same `now()` as `bundle_installed.installed_at`:
 * a `last_success` after `installed_at` is a sync made here after the import.) The output's data
 * time is the newest freshness of the groups it holds, to the second.
 */
import { createHash } from 'node:crypto';
import type { Sql, Tx } from '../storage/db.ts';

export interface SourceGroup {
  name: string;
  driver: string;
  maxSeq: number;
  recordCount: number;
  /** Last known current (see module comment); null when the group never completed a sync or import. */
  fresh: Date | null;
}

export interface SourceState {
  /** Groups the output holds, by name. */
  groups: SourceGroup[];
  /** Enabled groups left out because the output does not cover them. */
  unmapped: string[];
  /** Highest change sequence among the groups held. */
  dataSeq: number;
  /** The newest freshness, truncated to whole seconds; null when no group has any. */
  built: Date | null;
  /** Changes whenever anything that goes into the output may have changed. */
  key: string;
}

/** Reads which groups an output covers (`covers` decides per group name), and its state key. */
export async function readOutputState(sql: Sql | Tx, covers: (group: string) => boolean): Promise<SourceState> {
  const rows = await sql<SourceGroup[]>`
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
    if (covers(r.name)) groups.push(r);
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
