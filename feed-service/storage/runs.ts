/** Sync runs and events: the record of what every sync did. */
import type postgres from 'postgres';
import type { Sql } from './db.ts';

export type RunStatus = 'running' | 'succeeded' | 'unchanged' | 'failed';
export type EventType =
  | 'feeds.sync.started'
  | 'feeds.sync.completed'
  | 'feeds.sync.failed'
  | 'feeds.sync.group_started'
  | 'feeds.sync.group_completed'
  | 'feeds.sync.group_failed'
  /** A group listed for the first time, or again after it had vanished (`details.returned`). */
  | 'feeds.sync.group_appeared'
  /** A group the driver no longer lists: its input vanished upstream; data kept, group stale. */
  | 'feeds.sync.group_vanished';

export interface GroupCounts {
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
  /** True when the group's inputs had not changed and apply was skipped. */
  skipped: boolean;
}

export interface SyncRun {
  id: number;
  driver: string;
  trigger: string;
  status: RunStatus;
  startedAt: Date;
  endedAt: Date | null;
  counts: Record<string, GroupCounts>;
  error: string | null;
}

export interface EventRow {
  id: number;
  type: EventType;
  level: 'info' | 'warn' | 'error';
  driver: string | null;
  groupName: string | null;
  runId: number | null;
  details: Record<string, unknown>;
  createdAt: Date;
}

/** Opens a sync run; returns its id. */
export async function startRun(sql: Sql, driver: string, trigger: string): Promise<number> {
  const rows = await sql<{ id: number }[]>`insert into sync_runs (driver, trigger) values (${driver}, ${trigger}) returning id`;
  const id = rows[0]?.id;
  if (id === undefined) throw new Error('insert into sync_runs returned no id');
  return id;
}

/** Closes a sync run with its outcome. */
export async function finishRun(
  sql: Sql,
  id: number,
  outcome: { status: Exclude<RunStatus, 'running'>; counts: Record<string, GroupCounts>; error?: string },
): Promise<void> {
  await sql`update sync_runs set status = ${outcome.status}, ended_at = clock_timestamp(),
    counts = ${sql.json(outcome.counts as unknown as postgres.JSONValue)}, error = ${outcome.error ?? null}
    where id = ${id}`;
}

/** Appends an event. */
export async function recordEvent(
  sql: Sql,
  event: { type: EventType; level?: EventRow['level']; driver?: string; group?: string; runId?: number; details?: Record<string, unknown> },
): Promise<void> {
  await sql`insert into events (type, level, driver, group_name, run_id, details) values (
    ${event.type}, ${event.level ?? 'info'}, ${event.driver ?? null}, ${event.group ?? null}, ${event.runId ?? null},
    ${sql.json((event.details ?? {}) as postgres.JSONValue)})`;
}

/** Lists sync runs, newest first. */
export async function listRuns(sql: Sql, options: { driver?: string; limit?: number } = {}): Promise<SyncRun[]> {
  return sql<SyncRun[]>`
    select id, driver, trigger, status, started_at as "startedAt", ended_at as "endedAt", counts, error
    from sync_runs where (${options.driver ?? null}::text is null or driver = ${options.driver ?? null})
    order by id desc limit ${options.limit ?? 50}`;
}

/** Lists events, newest first. */
export async function listEvents(sql: Sql, options: { runId?: number; limit?: number } = {}): Promise<EventRow[]> {
  return sql<EventRow[]>`
    select id, type, level, driver, group_name as "groupName", run_id as "runId", details, created_at as "createdAt"
    from events where (${options.runId ?? null}::bigint is null or run_id = ${options.runId ?? null})
    order by id desc limit ${options.limit ?? 100}`;
}

/** Marks runs left `running` by a process that died as failed, so listings tell the truth. */
export async function failAbandonedRuns(sql: Sql, driver: string): Promise<void> {
  await sql`update sync_runs set status = 'failed', ended_at = clock_timestamp(),
    error = 'abandoned: the process running it stopped before it finished'
    where driver = ${driver} and status = 'running'`;
}
