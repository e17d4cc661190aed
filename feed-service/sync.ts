/**
 * Sync: fetch → parse → apply for one driver, under the driver's advisory lock, recorded as a sync
 * run with Anchore-style events. Each group is applied in its own transaction (sync-group.ts); a
 * failing group is rolled back (its previous data stays served) and the run is marked failed.
 *
 * Around the driver (drivers/_framework/types.ts says what a driver may rely on):
 * - its feed is created or updated from the registry entry before anything else;
 * - its settings go to `fetch` only; everything that leaves the run (log lines, the report, run
 *   and event rows) passes through `settings.redact`, and a state holding a secret is refused;
 * - after a successful fetch, groups the driver no longer lists are marked stale (vanished) and
 *   reported, never emptied; new or returning groups are reported as appeared (storage/presence.ts).
 */
import path from 'node:path';
import type { Logger } from 'pino';
import { AirfeedError, type ErrorCode } from '../drivers/_framework/errors.ts';
import type { HttpClient } from '../drivers/_framework/http.ts';
import { redactingLogger } from '../drivers/_framework/log.ts';
import { SettingValues } from '../drivers/_framework/settings.ts';
import type { Driver, Progress } from '../drivers/_framework/types.ts';
import type { OutputsNotifier } from './outputs/notifier.ts';
import type { Sql } from './storage/db.ts';
import { getDriverState, type GroupRow, listGroups, saveDriverRun, upsertFeeds } from './storage/groups.ts';
import { lockDriver } from './storage/locks.ts';
import { type AppearedGroup, reconcileGroups, type VanishedGroup } from './storage/presence.ts';
import { failAbandonedRuns, finishRun, recordEvent, startRun } from './storage/runs.ts';
import { type GroupReport, syncGroup } from './sync-group.ts';

export type { GroupReport } from './sync-group.ts';

export interface SyncOptions {
  /** URL or local mirror directory; defaults to the driver's upstream. */
  source?: string;
  /** AIRFEED_HOME: workspaces live in `<home>/workspaces/<driver>`. */
  home: string;
  http: HttpClient;
  log: Logger;
  /** The driver's setting values (feed-service/settings.ts); none set when absent. */
  settings?: SettingValues;
  progress?: Progress;
  trigger?: string;
  /** Wait for another process's sync of the same driver instead of refusing. */
  wait?: boolean;
  /** Re-apply every group even when the inputs have not changed. */
  force?: boolean;
  /** Told once the run has finished, when any group was synced (outputs built from the store rebuild if their input moved). */
  outputs?: OutputsNotifier;
}

export interface SyncReport {
  driver: string;
  runId: number;
  status: 'succeeded' | 'unchanged' | 'failed';
  groups: Record<string, GroupReport>;
  /** Groups listed for the first time, or again after they had vanished. */
  appeared: AppearedGroup[];
  /** Groups of the driver whose input is gone upstream: kept, served, and stale. */
  vanished: VanishedGroup[];
  error?: string;
  /** Catalogue code of the error that failed the run, when it had one. */
  errorCode?: ErrorCode;
}

const noProgress: Progress = { phase: () => undefined, tick: () => undefined };

/** Syncs one driver; resolves with a report (status `failed` included) and throws only when it could not start. */
export async function syncDriver(sql: Sql, driver: Driver, options: SyncOptions): Promise<SyncReport> {
  const lock = await lockDriver(sql, driver.id, { wait: options.wait ?? false });
  const settings = options.settings ?? new SettingValues(driver.id, driver.settings ?? [], new Map());
  const log = redactingLogger(options.log.child({ driver: driver.id }), (line) => settings.redact(line));
  const progress = options.progress ?? noProgress;
  try {
    // Holding the lock, any run still marked running belongs to a process that died.
    await failAbandonedRuns(sql, driver.id);
    await upsertFeeds(sql, [driver.feed]);
    const runId = await startRun(sql, driver.id, options.trigger ?? 'manual');
    await recordEvent(sql, { type: 'feeds.sync.started', driver: driver.id, runId });
    const report: SyncReport = { driver: driver.id, runId, status: 'succeeded', groups: {}, appeared: [], vanished: [] };
    try {
      await runSync(sql, driver, { ...options, settings }, report, log, progress);
    } catch (err) {
      report.status = 'failed';
      report.error = settings.redact((err as Error).message);
      if (err instanceof AirfeedError) report.errorCode = err.code;
      log.error({ err }, 'sync failed');
    }
    // The closing event first: a reader that sees the run finished must also find its last event.
    await recordEvent(sql, {
      type: report.status === 'failed' ? 'feeds.sync.failed' : 'feeds.sync.completed',
      level: report.status === 'failed' ? 'error' : 'info',
      driver: driver.id,
      runId,
      details: report.error ? { error: report.error } : {},
    });
    await finishRun(sql, runId, { status: report.status, counts: report.groups, ...(report.error ? { error: report.error } : {}) });
    const synced = Object.entries(report.groups).filter(([, g]) => !g.error).map(([name]) => name);
    if (synced.length > 0) options.outputs?.({ source: 'sync', groups: synced });
    return report;
  } finally {
    await lock.release();
  }
}

type Resolved = SyncOptions & { settings: SettingValues };

async function runSync(sql: Sql, driver: Driver, options: Resolved, report: SyncReport, log: Logger, progress: Progress): Promise<void> {
  const workspace = path.join(options.home, 'workspaces', driver.id);
  const source = options.source ?? driver.defaultSource;
  const { settings } = options;
  progress.phase(`fetch ${source}`);
  let fetched;
  try {
    fetched = await driver.fetch({ source, workspace, state: await getDriverState(sql, driver.id), settings, http: options.http, log, progress });
  } catch (err) {
    await saveDriverRun(sql, driver.id, { success: false });
    throw err;
  }
  log.info({ unchanged: fetched.unchanged, source }, 'fetch finished');
  if (settings.leaks(JSON.stringify(fetched.state))) {
    await saveDriverRun(sql, driver.id, { success: false });
    throw new AirfeedError('DRIVER_CONTRACT', `${driver.id}: the driver put the value of a secret setting into its state; nothing was saved`);
  }

  await presence(sql, driver, await driver.groups(workspace), report);
  const groups = await listGroups(sql, { driver: driver.id });
  const enabled = new Map(groups.filter((g) => g.enabled && g.feedEnabled).map((g) => [g.name, g]));

  // Even when the upstream did not move, parse still runs: it yields each group's input digest
  // before reading records, so groups whose digest matches the last apply are skipped cheaply,
  // while a group re-enabled after missing changes (or one that failed last time) catches up.
  const ctx = {
    sql, driver, runId: report.runId, log, progress, settings, spoolDir: path.join(options.home, 'tmp'), force: options.force ?? false,
  };
  let failed = 0;
  for await (const parsed of driver.parse({ workspace, groups: new Set(enabled.keys()), applied: appliedFingerprints(driver, groups, ctx.force), log })) {
    const group = enabled.get(parsed.name);
    if (!group) continue; // disabled: not synced, data kept
    const result = await syncGroup(ctx, parsed, group);
    report.groups[parsed.name] = result;
    if (result.error !== undefined) {
      failed++;
      if (result.errorCode) report.errorCode ??= result.errorCode;
    }
  }
  if (failed > 0) {
    // Fetch state is not saved: the next run re-reads the inputs and retries the failed groups.
    await saveDriverRun(sql, driver.id, { success: false });
    report.status = 'failed';
    report.error = Object.values(report.groups).map((g) => g.error).filter(Boolean).join('; ');
    return;
  }
  await saveDriverRun(sql, driver.id, { state: fetched.state, success: true });
  const allSkipped = Object.values(report.groups).every((g) => g.skipped);
  if (fetched.unchanged && allSkipped) report.status = 'unchanged';
}

/**
 * What each group's last successful apply was parsed from, for incremental drivers (ParseContext.applied):
 * the stored fingerprint without the parser-version prefix, only when that prefix is the current one.
 */
function appliedFingerprints(driver: Driver, groups: readonly GroupRow[], force: boolean): Map<string, string> {
  const out = new Map<string, string>();
  if (force) return out;
  const prefix = `${driver.parserVersion}:`;
  for (const g of groups) {
    const fp = g.state['fingerprint'];
    if (typeof fp === 'string' && fp.startsWith(prefix)) out.set(g.name, fp.slice(prefix.length));
  }
  return out;
}

/** Registers the listed groups, marks the others vanished, and records what changed as events. */
async function presence(sql: Sql, driver: Driver, listed: Awaited<ReturnType<Driver['groups']>>, report: SyncReport): Promise<void> {
  const changes = await reconcileGroups(sql, driver.id, driver.feed.name, listed);
  report.appeared = changes.appeared;
  report.vanished = changes.vanished;
  for (const a of changes.appeared) {
    await recordEvent(sql, { type: 'feeds.sync.group_appeared', driver: driver.id, group: a.group, runId: report.runId, details: { returned: a.returned } });
  }
  for (const v of changes.vanished.filter((x) => x.newly)) {
    await recordEvent(sql, {
      type: 'feeds.sync.group_vanished', level: 'warn', driver: driver.id, group: v.group, runId: report.runId,
      details: { since: v.since, kept: true },
    });
  }
}
