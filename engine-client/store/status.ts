/**
 * Reads of the engine's store: the matcher's lookup by (group, package), the group list, and the
 * status report (sizes, origin, freshness). A lookup for thousands of packages is one round trip.
 */
import type { Sql } from './db.ts';
import type { AffectedRow } from './types.ts';
import type { GroupState } from './write.ts';

export interface EngineGroupStatus {
  name: string;
  feed: string;
  /** `service <url>` or `bundle <bundle id>`. */
  source: string;
  records: number;
  affected: number;
  /** When the engine last refreshed the group. */
  lastUpdate: Date;
  /** How fresh the data is: the sync's time for a service, the bundle's creation time for a bundle. */
  dataAsOf: Date;
  /** `now - dataAsOf`, in ms. */
  ageMs: number;
  /** True when the data is older than the limit. */
  stale: boolean;
}

/** Every group the engine holds, by name, with origin, cursors and counts. */
export async function listGroups(sql: Sql): Promise<GroupState[]> {
  return sql<GroupState[]>`
    select name, feed, source, v2_cursor as "v2Cursor", v1_since as "v1Since", bundle_id as "bundleId",
           bundle_manifest_sha256 as "bundleManifestSha256", bundle_to_seq as "bundleToSeq", bundle_created as "bundleCreated",
           record_count as "recordCount", affected_count as "affectedCount", last_update as "lastUpdate", data_as_of as "dataAsOf"
    from groups order by name collate "C"`;
}

/** A group's status: origin, sizes, last update, age and whether it is stale (older than `maxAgeMs` at `now`). */
export function groupStatus(g: GroupState, options: { now: Date; maxAgeMs: number }): EngineGroupStatus {
  const ageMs = Math.max(0, options.now.getTime() - g.dataAsOf.getTime());
  return {
    name: g.name,
    feed: g.feed,
    source: g.source,
    records: g.recordCount,
    affected: g.affectedCount,
    lastUpdate: g.lastUpdate,
    dataAsOf: g.dataAsOf,
    ageMs,
    stale: ageMs > options.maxAgeMs,
  };
}

/** Every group's status (see groupStatus). */
export async function engineStatus(sql: Sql, options: { now: Date; maxAgeMs: number }): Promise<EngineGroupStatus[]> {
  return (await listGroups(sql)).map((g) => groupStatus(g, options));
}

/**
 * The affected rows of `group` for any of `packageNames`, in one query, sorted by package, then
 * vulnerability id, then the entry's place in its record.
 */
export async function lookupAffected(sql: Sql, group: string, packageNames: readonly string[]): Promise<AffectedRow[]> {
  if (packageNames.length === 0) return [];
  const names = [...new Set(packageNames)];
  const rows = await sql<AffectedRow[]>`
    select group_name as "group", vuln_id as "vulnId", package, scheme, state, fixed, ranges, versions, channel, module, severity, link
    from affected
    where group_name = ${group} and package_key = any(${sql.array(names)}::text[])
    order by package collate "C", vuln_id collate "C", pos`;
  // Rows outside modules (all but some Red Hat ones) leave `module` out rather than carry a null.
  return rows.map(({ module, ...rest }) => (module === null || module === undefined ? rest : { ...rest, module }));
}
