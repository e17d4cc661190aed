/**
 * Reads for the feed service (/v1, /v2): what is served, never written. Only enabled groups of
 * enabled feeds are served; callers get `undefined` for anything else, so a disabled group looks
 * exactly like an unknown one from outside.
 */
import type { Sql } from './db.ts';

export interface ServedFeed {
  name: string;
  description: string;
  /** Served (enabled) groups of the feed. */
  groupCount: number;
}

export interface ServedGroup {
  name: string;
  feed: string;
  driver: string;
  description: string;
  enabled: boolean;
  recordCount: number;
  maxSeq: number;
  lastSync: Date | null;
  lastSuccess: Date | null;
  /** When the group's input vanished upstream (the group is stale), else null. */
  vanishedAt: Date | null;
}

/** A row of a /v1 data page: the keyset position is (`us`, `id`), `us` = updated_at in µs since the epoch. */
export interface V1Row {
  id: string;
  doc: string;
  deleted: boolean;
  us: number;
}

/** A row of the /v2 change stream, in change-sequence order. */
export interface V2Row {
  seq: number;
  id: string;
  deleted: boolean;
  /** updated_at as an ISO UTC string with microseconds. */
  updatedAt: string;
  doc: string;
}

export interface GroupRecordRow extends V2Row {
  group: string;
  feed: string;
}

/**
 * µs since the epoch → an ISO timestamp PostgreSQL parses exactly (JS Dates stop at ms). Queries
 * pass it as `text` and cast in SQL: a parameter the server types as timestamptz would be
 * re-serialized by the client through a JS Date, losing the microseconds.
 */
export function microsToIso(us: number): string {
  const ms = Math.floor(us / 1000);
  const micro = String(us - ms * 1000).padStart(3, '0');
  return new Date(ms).toISOString().replace(/Z$/, `${micro}Z`);
}

/** Feeds that are enabled and have at least one served group, by name. */
export async function listServedFeeds(sql: Sql): Promise<ServedFeed[]> {
  return sql<ServedFeed[]>`
    select f.name, f.description, count(g.name)::int as "groupCount"
    from feeds f join groups g on g.feed = f.name and g.enabled
    where f.enabled
    group by f.name order by f.name`;
}

/** Served groups (enabled, in an enabled feed), optionally of one feed, sorted by feed then name. */
export async function listServedGroups(sql: Sql, feed?: string): Promise<ServedGroup[]> {
  return sql<ServedGroup[]>`
    select g.name, g.feed, g.driver, g.description, g.enabled, g.record_count as "recordCount",
           g.max_seq as "maxSeq", g.last_sync as "lastSync", g.last_success as "lastSuccess", g.vanished_at as "vanishedAt"
    from groups g join feeds f on f.name = g.feed
    where g.enabled and f.enabled and (${feed ?? null}::text is null or g.feed = ${feed ?? null})
    order by g.feed, g.name`;
}

/** One served group, or undefined when it is unknown or disabled (itself or its feed). */
export async function getServedGroup(sql: Sql, name: string): Promise<ServedGroup | undefined> {
  const rows = await sql<ServedGroup[]>`
    select g.name, g.feed, g.driver, g.description, g.enabled, g.record_count as "recordCount",
           g.max_seq as "maxSeq", g.last_sync as "lastSync", g.last_success as "lastSuccess", g.vanished_at as "vanishedAt"
    from groups g join feeds f on f.name = g.feed
    where g.name = ${name} and g.enabled and f.enabled`;
  return rows[0];
}

/**
 * One /v1 page: records of `group` in (updated_at, id) order, updated at or after `fromUs` (when
 * given) and strictly after the keyset position `after` (when given). Asks for `limit + 1` rows so
 * the caller knows whether another page follows without an empty last page.
 */
export async function v1Page(
  sql: Sql,
  group: string,
  options: { fromUs?: number | undefined; after?: { us: number; id: string } | undefined; limit: number },
): Promise<V1Row[]> {
  const { fromUs, after, limit } = options;
  return sql<V1Row[]>`
    select id, doc, deleted, (extract(epoch from updated_at) * 1000000)::bigint as us
    from records
    where group_name = ${group}
      ${fromUs === undefined ? sql`` : sql`and updated_at >= ${microsToIso(fromUs)}::text::timestamptz`}
      ${after === undefined ? sql`` : sql`and (updated_at, id) > (${microsToIso(after.us)}::text::timestamptz, ${after.id}::text)`}
    order by updated_at, id
    limit ${limit + 1}`;
}

/** One /v2 page: records of `group` with seq > `after`, in seq order, `limit + 1` rows at most. */
export async function v2Page(sql: Sql, group: string, after: number, limit: number): Promise<V2Row[]> {
  return sql<V2Row[]>`
    select seq, id, deleted, to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "updatedAt", doc
    from records where group_name = ${group} and seq > ${after}
    order by seq limit ${limit + 1}`;
}

/**
 * The change stream of `group` after `after`, in batches of `batch` rows from a server-side portal:
 * the next batch is fetched only when the consumer asks, so memory holds a batch or two however
 * large the group is; breaking out of the loop closes the portal. Rows are raw column bytes (seq,
 * id as a JSON string, deleted, updatedAt, doc), so the service copies documents into NDJSON lines
 * without decoding and re-encoding them.
 */
export function v2RawStream(sql: Sql, group: string, after: number, limit: number | undefined, batch = 1000): AsyncIterable<Buffer[][]> {
  return sql`
    select seq::text, to_json(id)::text, deleted::text,
           to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), doc
    from records where group_name = ${group} and seq > ${after}
    order by records.seq ${limit === undefined ? sql`` : sql`limit ${limit}`}`.raw().cursor(batch);
}

/** Every served record with this id, across groups, by group name. */
export async function recordsById(sql: Sql, id: string): Promise<GroupRecordRow[]> {
  return sql<GroupRecordRow[]>`
    select r.group_name as "group", g.feed, r.seq, r.id, r.deleted,
           to_char(r.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "updatedAt", r.doc
    from records r join groups g on g.name = r.group_name join feeds f on f.name = g.feed
    where r.id = ${id} and g.enabled and f.enabled
    order by r.group_name`;
}

/** One record (or tombstone) of a served group, or undefined. */
export async function recordInGroup(sql: Sql, group: string, id: string): Promise<GroupRecordRow | undefined> {
  const rows = await sql<GroupRecordRow[]>`
    select r.group_name as "group", g.feed, r.seq, r.id, r.deleted,
           to_char(r.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "updatedAt", r.doc
    from records r join groups g on g.name = r.group_name join feeds f on f.name = g.feed
    where r.group_name = ${group} and r.id = ${id} and g.enabled and f.enabled`;
  return rows[0];
}

/** Round trip to the database; throws when it does not answer. */
export async function ping(sql: Sql): Promise<void> {
  await sql`select 1`;
}
