/**
 * What the scheduler asks the database. Several service replicas share one database, so "is this
 * tick already done?" must be answered under a lock that all replicas see: the schedule lock, a
 * session advisory lock per driver held around check-and-sync. The driver lock (locks.ts) alone is
 * not enough: it stops two syncs running at once, not a second replica from repeating a tick that a
 * faster replica already finished.
 */
import type { Sql } from './db.ts';
import { type SessionLock, sessionLock } from './locks.ts';

// Namespace for schedule locks among advisory locks (driver locks use 7_324_002).
const SCHEDULE_LOCK_SPACE = 7_324_004;

export type ScheduleLock = SessionLock;

/** Takes the driver's schedule lock without waiting; undefined when another session holds it. */
export async function tryScheduleLock(sql: Sql, driver: string): Promise<ScheduleLock | undefined> {
  return sessionLock(sql, SCHEDULE_LOCK_SPACE, driver, { wait: false });
}

/** True when some process started a run of `driver` at or after `since` (database clock). */
export async function runStartedSince(sql: Sql, driver: string, since: Date): Promise<boolean> {
  const rows = await sql`select 1 from sync_runs where driver = ${driver} and started_at >= ${since} limit 1`;
  return rows.length > 0;
}

/**
 * True when the driver has never completed a sync, or one of its enabled groups has never been
 * synced (a group enabled or discovered since): such drivers are synced soon after start.
 */
export async function needsFirstSync(sql: Sql, driver: string): Promise<boolean> {
  const rows = await sql<{ needed: boolean }[]>`
    select not exists (select 1 from drivers where id = ${driver} and last_sync is not null)
        or exists (
          select 1 from groups g join feeds f on f.name = g.feed
          where g.driver = ${driver} and g.enabled and f.enabled and g.last_sync is null
        ) as needed`;
  return rows[0]?.needed ?? true;
}

/** The newest run of `driver` (any process), or undefined. */
export async function latestRun(sql: Sql, driver: string): Promise<{ id: number; status: string } | undefined> {
  const rows = await sql<{ id: number; status: string }[]>`
    select id, status from sync_runs where driver = ${driver} order by id desc limit 1`;
  return rows[0];
}
