/**
 * Sync: fetch → parse → apply for one driver, under the driver's advisory lock, recorded as a sync
 * run with Anchore-style events. Each group is applied in its own transaction; a failing group is
 * rolled back (its previous data stays served) and the run is marked failed.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import { AirfeedError, type ErrorCode } from '../drivers/_framework/errors.ts';
import type { HttpClient } from '../drivers/_framework/http.ts';
import type { Driver, Progress } from '../drivers/_framework/types.ts';
import { applyGroup } from './storage/apply.ts';
import type { Sql } from './storage/db.ts';
import { getDriverState, listGroups, registerGroups, saveDriverRun, touchGroup } from './storage/groups.ts';
import { lockDriver } from './storage/locks.ts';
import { failAbandonedRuns, finishRun, type GroupCounts, recordEvent, startRun } from './storage/runs.ts';

export interface SyncOptions {
  /** URL or local mirror directory; defaults to the driver's upstream. */
  source?: string;
  /** AIRFEED_HOME: workspaces live in `<home>/workspaces/<driver>`. */
  home: string;
  http: HttpClient;
  log: Logger;
  progress?: Progress;
  trigger?: string;
  /** Wait for another process's sync of the same driver instead of refusing. */
  wait?: boolean;
  /** Re-apply every group even when the inputs have not changed. */
  force?: boolean;
}

export interface GroupReport extends GroupCounts {
  error?: string;
}

export interface SyncReport {
  driver: string;
  runId: number;
  status: 'succeeded' | 'unchanged' | 'failed';
  groups: Record<string, GroupReport>;
  error?: string;
  /** Catalogue code of the error that failed the run, when it had one. */
  errorCode?: ErrorCode;
}

const noProgress: Progress = { phase: () => undefined, tick: () => undefined };

/** Syncs one driver; resolves with a report (status `failed` included) and throws only when it could not start. */
export async function syncDriver(sql: Sql, driver: Driver, options: SyncOptions): Promise<SyncReport> {
  const lock = await lockDriver(sql, driver.id, { wait: options.wait ?? false });
  const log = options.log.child({ driver: driver.id });
  const progress = options.progress ?? noProgress;
  try {
    // Holding the lock, any run still marked running belongs to a process that died.
    await failAbandonedRuns(sql, driver.id);
    const runId = await startRun(sql, driver.id, options.trigger ?? 'manual');
    await recordEvent(sql, { type: 'feeds.sync.started', driver: driver.id, runId });
    const report: SyncReport = { driver: driver.id, runId, status: 'succeeded', groups: {} };
    try {
      await runSync(sql, driver, options, report, log, progress);
    } catch (err) {
      report.status = 'failed';
      report.error = (err as Error).message;
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
    return report;
  } finally {
    await lock.release();
  }
}

async function runSync(sql: Sql, driver: Driver, options: SyncOptions, report: SyncReport, log: Logger, progress: Progress): Promise<void> {
  const workspace = path.join(options.home, 'workspaces', driver.id);
  const source = options.source ?? driver.defaultSource;
  progress.phase(`fetch ${source}`);
  let fetched;
  try {
    fetched = await driver.fetch({ source, workspace, state: await getDriverState(sql, driver.id), http: options.http, log, progress });
  } catch (err) {
    await saveDriverRun(sql, driver.id, { success: false });
    throw err;
  }
  log.info({ unchanged: fetched.unchanged, source }, 'fetch finished');

  await registerGroups(sql, driver.id, driver.feed, await driver.groups(workspace));
  const groups = await listGroups(sql, { driver: driver.id });
  const enabled = new Map(groups.filter((g) => g.enabled && g.feedEnabled).map((g) => [g.name, g]));

  // Even when the upstream did not move, parse still runs: it yields each group's input digest
  // before reading records, so groups whose digest matches the last apply are skipped cheaply,
  // while a group re-enabled after missing changes (or one that failed last time) catches up.
  let failed = 0;
  for await (const parsed of driver.parse({ workspace, groups: new Set(enabled.keys()), log })) {
    const group = enabled.get(parsed.name);
    if (!group) continue; // disabled: not synced, data kept
    await recordEvent(sql, { type: 'feeds.sync.group_started', driver: driver.id, group: parsed.name, runId: report.runId });
    if (!options.force && group.state['fingerprint'] === parsed.fingerprint) {
      await touchGroup(sql, parsed.name, true);
      report.groups[parsed.name] = { added: 0, changed: 0, removed: 0, unchanged: group.recordCount, skipped: true };
      await recordEvent(sql, {
        type: 'feeds.sync.group_completed', driver: driver.id, group: parsed.name, runId: report.runId, details: { skipped: true },
      });
      continue;
    }
    progress.phase(`apply ${parsed.name}`);
    let seen = 0;
    try {
      const result = await applyGroup(
        sql,
        { group: parsed.name, complete: parsed.complete, records: parsed.records, fingerprint: parsed.fingerprint },
        { spoolDir: path.join(options.home, 'tmp'), onProgress: (n) => { progress.tick(n - seen); seen = n; } },
      );
      const { recordCount: _c, maxSeq: _m, ...counts } = result;
      report.groups[parsed.name] = counts;
      await recordEvent(sql, {
        type: 'feeds.sync.group_completed', driver: driver.id, group: parsed.name, runId: report.runId, details: { ...counts },
      });
    } catch (err) {
      failed++;
      if (err instanceof AirfeedError) report.errorCode ??= err.code;
      const message = err instanceof AirfeedError ? err.message : `${parsed.name}: ${(err as Error).message}`;
      report.groups[parsed.name] = { added: 0, changed: 0, removed: 0, unchanged: 0, skipped: false, error: message };
      log.error({ err, group: parsed.name }, 'group sync failed');
      await touchGroup(sql, parsed.name, false);
      await recordEvent(sql, {
        type: 'feeds.sync.group_failed', level: 'error', driver: driver.id, group: parsed.name, runId: report.runId, details: { error: message },
      });
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
