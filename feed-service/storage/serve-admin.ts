/** Administration and monitoring reads/writes for the feed service: enable flags and metric sources. */
import type { Sql } from './db.ts';

export interface FeedFlag {
  name: string;
  enabled: boolean;
}

export interface GroupFlag {
  name: string;
  feed: string;
  enabled: boolean;
  feedEnabled: boolean;
}

export interface GroupStat {
  name: string;
  feed: string;
  driver: string;
  recordCount: number;
  maxSeq: number;
  /** Seconds since the last successful sync (database clock), null when never. */
  sinceSuccess: number | null;
  /** The group's input vanished upstream: its data is kept but frozen. */
  stale: boolean;
}

export interface DriverStat {
  driver: string;
  /** Seconds since the driver's last successful sync, null when never. */
  sinceSuccess: number | null;
  lastStatus: string | null;
  lastDuration: number | null;
}

/** Sets a feed's enabled flag; undefined when there is no such feed. */
export async function setFeedEnabled(sql: Sql, name: string, enabled: boolean): Promise<FeedFlag | undefined> {
  const rows = await sql<FeedFlag[]>`update feeds set enabled = ${enabled} where name = ${name} returning name, enabled`;
  return rows[0];
}

/** Sets a group's enabled flag; undefined when there is no such group. */
export async function setGroupEnabled(sql: Sql, name: string, enabled: boolean): Promise<GroupFlag | undefined> {
  const rows = await sql<GroupFlag[]>`
    with u as (update groups set enabled = ${enabled} where name = ${name} returning name, feed, enabled)
    select u.name, u.feed, u.enabled, f.enabled as "feedEnabled" from u join feeds f on f.name = u.feed`;
  return rows[0];
}

/** Per-group figures for /metrics (every group, enabled or not). */
export async function groupStats(sql: Sql): Promise<(GroupStat & { enabled: boolean })[]> {
  return sql<(GroupStat & { enabled: boolean })[]>`
    select g.name, g.feed, g.driver, g.record_count as "recordCount", g.max_seq as "maxSeq",
           (g.enabled and f.enabled) as enabled, (g.vanished_at is not null) as stale,
           extract(epoch from now() - g.last_success)::float8 as "sinceSuccess"
    from groups g join feeds f on f.name = g.feed order by g.name`;
}

/** Per-driver figures for /metrics: age of the last success and the newest finished run. */
export async function driverStats(sql: Sql): Promise<DriverStat[]> {
  return sql<DriverStat[]>`
    select d.id as driver, extract(epoch from now() - d.last_success)::float8 as "sinceSuccess",
           r.status as "lastStatus", extract(epoch from r.ended_at - r.started_at)::float8 as "lastDuration"
    from drivers d
    left join lateral (
      select status, started_at, ended_at from sync_runs
      where driver = d.id and status <> 'running' order by id desc limit 1
    ) r on true
    order by d.id`;
}
