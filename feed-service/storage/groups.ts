/** Feeds, groups and driver state: the catalogue around the records. */
import type postgres from 'postgres';
import type { Feed } from '../../drivers/_framework/types.ts';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { compareStrings } from '../../drivers/_framework/strings.ts';
import type { Sql, Tx } from './db.ts';

export interface GroupRow {
  name: string;
  feed: string;
  driver: string;
  description: string;
  enabled: boolean;
  feedEnabled: boolean;
  lastSync: Date | null;
  lastSuccess: Date | null;
  recordCount: number;
  maxSeq: number;
  /** When the driver stopped listing the group (its input vanished upstream); null while present. */
  vanishedAt: Date | null;
  state: Record<string, unknown>;
}

export interface FeedRow {
  name: string;
  description: string;
  enabled: boolean;
  groupCount: number;
}

/** Lists groups with their feed, sorted by feed then name. */
export async function listGroups(sql: Sql, filter: { driver?: string; feed?: string } = {}): Promise<GroupRow[]> {
  const rows = await sql<GroupRow[]>`
    select g.name, g.feed, g.driver, g.description, g.enabled, f.enabled as "feedEnabled",
           g.last_sync as "lastSync", g.last_success as "lastSuccess", g.record_count as "recordCount",
           g.max_seq as "maxSeq", g.vanished_at as "vanishedAt", g.state
    from groups g join feeds f on f.name = g.feed
    where (${filter.driver ?? null}::text is null or g.driver = ${filter.driver ?? null})
      and (${filter.feed ?? null}::text is null or g.feed = ${filter.feed ?? null})
    order by g.feed, g.name`;
  return rows;
}

/** One group by name, or undefined. */
export async function getGroup(sql: Sql, name: string): Promise<GroupRow | undefined> {
  const rows = await sql<GroupRow[]>`
    select g.name, g.feed, g.driver, g.description, g.enabled, f.enabled as "feedEnabled",
           g.last_sync as "lastSync", g.last_success as "lastSuccess", g.record_count as "recordCount",
           g.max_seq as "maxSeq", g.vanished_at as "vanishedAt", g.state
    from groups g join feeds f on f.name = g.feed where g.name = ${name}`;
  return rows[0];
}

/** Lists feeds with how many groups each has. */
export async function listFeeds(sql: Sql): Promise<FeedRow[]> {
  return sql<FeedRow[]>`
    select f.name, f.description, f.enabled, count(g.name)::int as "groupCount"
    from feeds f left join groups g on g.feed = f.name group by f.name order by f.name`;
}

/**
 * Creates the feeds of the driver registry, or updates their descriptions; an operator's enabled
 * flag is kept. Feeds come from the drivers that declare them (and from imported bundles), not from
 * a migration, so a driver bringing a new feed touches only its own folder.
 */
export async function upsertFeeds(sql: Sql, feeds: readonly Feed[]): Promise<void> {
  const byName = new Map(feeds.map((f) => [f.name, f]));
  for (const f of [...byName.values()].sort((a, b) => compareStrings(a.name, b.name))) {
    await sql`insert into feeds (name, description) values (${f.name}, ${f.description})
      on conflict (name) do update set description = excluded.description
      where feeds.description is distinct from excluded.description`;
  }
}

/**
 * Creates groups a driver discovered (enabled unless a default says otherwise); keeps existing ones.
 * The feed is created (without a description) when it does not exist yet.
 */
export async function registerGroups(
  sql: Sql | Tx,
  driver: string,
  feed: string,
  groups: readonly { name: string; description: string }[],
  enabledByDefault = true,
): Promise<void> {
  if (groups.length > 0) await sql`insert into feeds (name) values (${feed}) on conflict (name) do nothing`;
  for (const g of groups) {
    await sql`
      insert into groups (name, feed, driver, description, enabled)
      values (${g.name}, ${feed}, ${driver}, ${g.description}, ${enabledByDefault})
      on conflict (name) do update set description = excluded.description
      where groups.driver = excluded.driver`;
  }
}

/**
 * Enables or disables a group or a whole feed by name. Returns what changed; throws GROUP_UNKNOWN
 * when the name is neither.
 */
export async function setEnabled(sql: Sql, name: string, enabled: boolean): Promise<{ kind: 'feed' | 'group'; name: string }> {
  const feed = await sql`update feeds set enabled = ${enabled} where name = ${name} returning name`;
  if (feed.count > 0) return { kind: 'feed', name };
  const group = await sql`update groups set enabled = ${enabled} where name = ${name} returning name`;
  if (group.count > 0) return { kind: 'group', name };
  throw new AirfeedError('GROUP_UNKNOWN', `no feed or group named "${name}"`);
}

/** Reads a driver's fetch state. */
export async function getDriverState(sql: Sql, driver: string): Promise<Record<string, unknown>> {
  const rows = await sql<{ state: Record<string, unknown> }[]>`select state from drivers where id = ${driver}`;
  return rows[0]?.state ?? {};
}

/** Stores a driver's fetch state and run times after a run. */
export async function saveDriverRun(
  sql: Sql,
  driver: string,
  outcome: { state?: Record<string, unknown>; success: boolean },
): Promise<void> {
  const state = outcome.state ?? null;
  await sql`
    insert into drivers (id, state, last_sync, last_success)
    values (${driver}, ${sql.json((state ?? {}) as postgres.JSONValue)}, now(), ${outcome.success ? sql`now()` : null})
    on conflict (id) do update set
      state = coalesce(${state === null ? null : sql.json(state as postgres.JSONValue)}::jsonb, drivers.state),
      last_sync = now(),
      last_success = case when ${outcome.success} then now() else drivers.last_success end`;
}

/** Marks a group as synced now (and successful when `success`), without touching its records. */
export async function touchGroup(sql: Sql, name: string, success: boolean): Promise<void> {
  await sql`update groups set last_sync = now(),
    last_success = case when ${success} then now() else last_success end where name = ${name}`;
}
