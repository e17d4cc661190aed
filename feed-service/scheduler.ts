/**
 * Scheduled delta syncs. One node-cron task per driver (UTC) starts a tick after a random jitter;
 * `tick()` does the work and is what tests call, so they never wait for the wall clock.
 *
 * A tick, in order:
 * 1. skips when this process is already syncing the driver (no overlap);
 * 2. takes the driver's schedule lock (storage/schedule.ts) without waiting: when another replica
 *    holds it, that replica has this tick, so skip quietly;
 * 3. under the lock, skips when the tick is already done: a run started since the tick time (any
 *    replica, any trigger), or for a start-up tick, nothing left that was never synced;
 * 4. syncs; a DRIVER_LOCKED from a CLI sync in progress is another quiet skip.
 *
 * A failed run (recorded as such in sync_runs by the sync itself) is retried after a backoff that
 * doubles with each consecutive failure; cron ticks inside the backoff window are skipped. The
 * timing rules (backoff, jitter, skew allowance) are schedule-timing.ts.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import { AirfeedError, isAirfeedError } from '../drivers/_framework/errors.ts';
import type { HttpClient } from '../drivers/_framework/http.ts';
import type { Driver, Progress } from '../drivers/_framework/types.ts';
import type { SyncControl } from './http/admin.ts';
import type { OutputsNotifier } from './outputs/notifier.ts';
import type { DriverSettings } from './settings.ts';
import type { Sql } from './storage/db.ts';
import { boundedMs, jitterMs, periodOf, retryDelayMs } from './schedule-timing.ts';
import { latestRun, needsFirstSync, runStartedSince, tryScheduleLock } from './storage/schedule.ts';
import { type SyncOptions, type SyncReport, syncDriver } from './sync.ts';

export type TickReason = 'schedule' | 'startup' | 'retry';
export type TickOutcome = SyncReport['status'] | 'busy' | 'locked' | 'done-elsewhere' | 'not-needed' | 'backoff' | 'stopped';

export interface SchedulerOptions {
  sql: Sql;
  log: Logger;
  home: string;
  http: HttpClient;
  drivers: readonly Driver[];
  /** Cron expression per driver id (null: not scheduled); absent ids use `driver.defaultSchedule`. */
  schedules?: Record<string, string | null>;
  /** Upstream per driver id, when not the driver's default. */
  sources?: Record<string, string>;
  /** The drivers' settings (none set when absent). */
  settings?: DriverSettings;
  jitterSeconds?: number;
  startupDelaySeconds?: number;
  backoffBaseSeconds?: number;
  backoffMaxSeconds?: number;
  /** Clock skew tolerated between replicas when deciding whether a tick was already done. */
  skewSeconds?: number;
  /** How long stop() waits for running syncs. */
  stopTimeoutSeconds?: number;
  now?: () => Date;
  random?: () => number;
  /** The sync itself; syncDriver unless a test substitutes one. */
  runSync?: (sql: Sql, driver: Driver, options: SyncOptions) => Promise<SyncReport>;
  /** Passed to every sync: told when a run changed what outputs are built from. */
  outputs?: OutputsNotifier;
  /** Called after every attempt (for metrics). */
  onSync?: (driver: string, outcome: 'succeeded' | 'unchanged' | 'failed' | 'skipped', seconds: number) => void;
}

export interface DriverStatus {
  driver: string;
  schedule: string | null;
  nextRun: Date | null;
  running: boolean;
  failures: number;
  retryAt: Date | null;
  lastOutcome: TickOutcome | null;
  lastAttemptAt: Date | null;
}

interface DriverState {
  driver: Driver;
  schedule: string | null;
  task?: ScheduledTask;
  /** Shortest gap between the schedule's next runs, once started; bounds jitter and skew. */
  periodMs?: number;
  running?: Promise<unknown> | undefined;
  failures: number;
  retryAt: Date | null;
  lastOutcome: TickOutcome | null;
  lastAttemptAt: Date | null;
}

interface Attempt {
  outcome: TickOutcome;
  error?: unknown;
}

/** Runs the drivers' syncs on their schedules; see the module comment. */
export class Scheduler implements SyncControl {
  private readonly states = new Map<string, DriverState>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private readonly now: () => Date;
  private readonly random: () => number;

  constructor(private readonly opts: SchedulerOptions) {
    this.now = opts.now ?? (() => new Date());
    this.random = opts.random ?? Math.random;
    for (const driver of opts.drivers) {
      const schedule = opts.schedules && driver.id in opts.schedules ? (opts.schedules[driver.id] ?? null) : driver.defaultSchedule;
      if (schedule !== null && !cron.validate(schedule)) throw new AirfeedError('CONFIG_INVALID', `schedule of driver ${driver.id}: "${schedule}" is not a cron expression`);
      this.states.set(driver.id, { driver, schedule, failures: 0, retryAt: null, lastOutcome: null, lastAttemptAt: null });
    }
  }

  /** Starts the cron tasks and the start-up syncs of drivers that have never synced. */
  start(): void {
    const cronLog = this.opts.log.child({ component: 'node-cron' });
    const logger = {
      info: (m: string) => cronLog.debug({ detail: m }, 'node-cron info'),
      warn: (m: string) => cronLog.warn({ detail: m }, 'node-cron warning'),
      error: (m: string | Error, err?: Error) => cronLog.error({ err: err ?? m }, 'node-cron error'),
      debug: (m: string | Error) => cronLog.debug({ detail: String(m) }, 'node-cron debug'),
    };
    for (const state of this.states.values()) {
      if (state.schedule === null) continue;
      const id = state.driver.id;
      const onTick = (ctx: { date: Date }): void => this.later(this.jitterMs(state), () => this.tick(id, { at: ctx.date, reason: 'schedule' }));
      state.task = cron.createTask(state.schedule, onTick, { timezone: 'UTC', name: `airfeed-sync-${id}`, logger });
      const next = state.task.getNextRuns(6).map((d) => d.getTime());
      state.periodMs = periodOf(next);
      void state.task.start();
      const delay = (this.opts.startupDelaySeconds ?? 5) * 1000 + this.jitterMs(state);
      this.later(delay, () => this.tick(id, { reason: 'startup' }));
    }
    this.opts.log.info({ drivers: [...this.states.values()].map((s) => ({ driver: s.driver.id, schedule: s.schedule })) }, 'scheduler started');
  }

  /** One tick for `driverId` now (no jitter): see the module comment. `at` is the tick's nominal time. */
  async tick(driverId: string, options: { at?: Date; reason?: TickReason } = {}): Promise<TickOutcome> {
    const state = this.state(driverId);
    const reason = options.reason ?? 'schedule';
    if (this.stopped) return 'stopped';
    if (state.running) return this.skip(state, 'busy', reason);
    if (reason === 'schedule' && state.retryAt && this.now() < state.retryAt) return this.skip(state, 'backoff', reason);
    const at = new Date(Math.floor((options.at ?? this.now()).getTime() / 1000) * 1000);
    const run = this.guarded(state, at, reason);
    state.running = run;
    try {
      return (await run).outcome;
    } finally {
      state.running = undefined;
    }
  }

  /** Starts a sync now (admin API): resolves with the run id once the run is recorded. */
  async startSync(driverId: string): Promise<{ runId: number }> {
    const state = this.states.get(driverId);
    if (!state) throw new AirfeedError('DRIVER_UNKNOWN', `unknown driver "${driverId}"; known drivers: ${[...this.states.keys()].join(', ')}`);
    if (this.stopped) throw new AirfeedError('UNAVAILABLE', 'the service is shutting down');
    if (state.running) throw new AirfeedError('DRIVER_LOCKED', `driver ${driverId} is already being synced by this service`);
    let announced = false;
    let resolveRun: (id: number) => void = () => undefined;
    let rejectRun: (err: unknown) => void = () => undefined;
    const runId = new Promise<number>((resolve, reject) => ((resolveRun = resolve), (rejectRun = reject)));
    // syncDriver reports its first phase right after recording the run while it holds the driver
    // lock, so the newest run of the driver is this one.
    const progress: Progress = {
      phase: () => {
        if (announced) return;
        announced = true;
        latestRun(this.opts.sql, driverId).then((r) => (r ? resolveRun(r.id) : rejectRun(new Error('the sync run was not recorded'))), rejectRun);
      },
      tick: () => undefined,
    };
    const run = this.attempt(state, 'api', progress);
    state.running = run;
    void run.then((a) => {
      state.running = undefined;
      if (!announced) rejectRun(a.error ?? new Error(`sync of ${driverId} ended before it started (${a.outcome})`));
    });
    return { runId: await runId };
  }

  /** Schedule and state of every driver. */
  status(): DriverStatus[] {
    return [...this.states.values()].map((s) => ({
      driver: s.driver.id,
      schedule: s.schedule,
      nextRun: s.task?.getNextRun() ?? null,
      running: s.running !== undefined,
      failures: s.failures,
      retryAt: s.retryAt,
      lastOutcome: s.lastOutcome,
      lastAttemptAt: s.lastAttemptAt,
    }));
  }

  /** Stops scheduling and waits (up to stopTimeoutSeconds) for running syncs to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const running: Promise<unknown>[] = [];
    for (const s of this.states.values()) {
      if (s.task) await s.task.destroy();
      if (s.running) running.push(s.running);
    }
    if (running.length === 0) return;
    this.opts.log.info({ running: running.length }, 'scheduler stopping: waiting for running syncs');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), (this.opts.stopTimeoutSeconds ?? 30) * 1000)));
    const result = await Promise.race([Promise.allSettled(running), timeout]);
    clearTimeout(timer);
    // The sync's transaction rolls back when the pool closes; the next start marks its run abandoned.
    if (result === 'timeout') this.opts.log.warn({ running: running.length }, 'scheduler stopped with syncs still running; they will be rolled back');
  }

  private state(driverId: string): DriverState {
    const state = this.states.get(driverId);
    if (!state) throw new AirfeedError('DRIVER_UNKNOWN', `unknown driver "${driverId}"`);
    return state;
  }

  private async guarded(state: DriverState, at: Date, reason: TickReason): Promise<Attempt> {
    const id = state.driver.id;
    const lock = await tryScheduleLock(this.opts.sql, id);
    if (!lock) return { outcome: this.skip(state, 'locked', reason) };
    try {
      if (reason === 'schedule') {
        const since = new Date(at.getTime() - boundedMs(this.opts.skewSeconds ?? 30, state.periodMs));
        if (await runStartedSince(this.opts.sql, id, since)) return { outcome: this.skip(state, 'done-elsewhere', reason) };
      } else if (reason === 'startup') {
        if (!(await needsFirstSync(this.opts.sql, id))) return { outcome: this.skip(state, 'not-needed', reason) };
      } else {
        const last = await latestRun(this.opts.sql, id);
        if (last && last.status !== 'failed') return { outcome: this.skip(state, 'done-elsewhere', reason) };
      }
      return await this.attempt(state, 'schedule');
    } finally {
      await lock.release();
    }
  }

  private async attempt(state: DriverState, trigger: string, progress?: Progress): Promise<Attempt> {
    const id = state.driver.id;
    const started = performance.now();
    const seconds = (): number => (performance.now() - started) / 1000;
    state.lastAttemptAt = this.now();
    const source = this.opts.sources?.[id];
    const settings = this.opts.settings?.for(state.driver);
    const options: SyncOptions = {
      home: this.opts.home, http: this.opts.http, log: this.opts.log, trigger,
      ...(settings ? { settings } : {}), ...(source ? { source } : {}), ...(progress ? { progress } : {}), ...(this.opts.outputs ? { outputs: this.opts.outputs } : {}),
    };
    let report: SyncReport;
    try {
      report = await (this.opts.runSync ?? syncDriver)(this.opts.sql, state.driver, options);
    } catch (err) {
      if (isAirfeedError(err, 'DRIVER_LOCKED')) return { outcome: this.skip(state, 'locked', trigger), error: err };
      this.opts.log.error({ err, driver: id }, 'sync could not run');
      this.failed(state);
      this.opts.onSync?.(id, 'failed', seconds());
      return { outcome: (state.lastOutcome = 'failed'), error: err };
    }
    state.lastOutcome = report.status;
    this.opts.onSync?.(id, report.status, seconds());
    if (report.status === 'failed') {
      this.opts.log.warn({ driver: id, runId: report.runId, error: report.error }, 'sync failed');
      this.failed(state);
    } else {
      this.opts.log.info({ driver: id, runId: report.runId, status: report.status, seconds: seconds() }, 'sync finished');
      state.failures = 0;
      state.retryAt = null;
    }
    return { outcome: report.status };
  }

  private failed(state: DriverState): void {
    state.failures++;
    const delay = retryDelayMs(state.failures, this.opts.backoffBaseSeconds ?? 60, this.opts.backoffMaxSeconds ?? 3600);
    state.retryAt = new Date(this.now().getTime() + delay);
    this.opts.log.info({ driver: state.driver.id, failures: state.failures, retryAt: state.retryAt }, 'sync retry scheduled');
    const id = state.driver.id;
    this.later(delay, () => this.tick(id, { reason: 'retry' }));
  }

  private skip(state: DriverState, outcome: TickOutcome, reason: string): TickOutcome {
    this.opts.log.debug({ driver: state.driver.id, outcome, reason }, 'sync tick skipped');
    state.lastOutcome = outcome;
    if (outcome === 'locked' || outcome === 'done-elsewhere') this.opts.onSync?.(state.driver.id, 'skipped', 0);
    return outcome;
  }

  private jitterMs(state: DriverState): number {
    return jitterMs(this.random(), this.opts.jitterSeconds ?? 60, state.periodMs);
  }

  private later(ms: number, fn: () => Promise<unknown>): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn().catch((err: unknown) => this.opts.log.error({ err }, 'scheduled sync tick failed'));
    }, ms);
    // Timers never keep the process alive on their own: the HTTP server does.
    t.unref();
    this.timers.add(t);
  }
}
