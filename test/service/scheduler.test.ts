/**
 * Scheduled syncs, driven by calling tick() (never the wall clock): one run per tick across replicas,
 * quiet skips when locked, no overlap, backoff after failure, first syncs soon after start.
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Driver } from '../../drivers/_framework/types.ts';
import type { Scheduler } from '../../feed-service/scheduler.ts';
import { createSql, type Sql } from '../../feed-service/storage/db.ts';
import { lockDriver } from '../../feed-service/storage/locks.ts';
import { type SyncOptions, syncDriver } from '../../feed-service/sync.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { type AlpineHome, alpineHome, eventually, makeApp, makeScheduler } from './service-helpers.ts';

let db: TestDb;
let env: AlpineHome;
const cleanup: (() => Promise<unknown>)[] = [];

const runCount = async (): Promise<number> => (await db.sql<{ n: number }[]>`select count(*)::int as n from sync_runs`)[0]?.n ?? 0;

function track(s: Scheduler): Scheduler {
  cleanup.push(() => s.stop());
  return s;
}

beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.drop();
});
beforeEach(async () => {
  await db.sql`truncate records, groups, drivers, events, sync_runs cascade`;
  env = await alpineHome(db.sql);
});
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

describe('two service replicas on one database', () => {
  it('run one sync per tick, not two, whether their ticks overlap or follow each other', async () => {
    // Two apps, each with its own pool and scheduler, as two processes would have.
    const replicas: { sql: Sql; app: FastifyInstance; scheduler: Scheduler }[] = [];
    for (let i = 0; i < 2; i++) {
      const sql = createSql(db.url, { max: 4 });
      // No clock-skew allowance, so that a tick 1.5 s later counts as a new tick.
      const scheduler = makeScheduler(sql, env, { skewSeconds: 0 });
      const app = await makeApp(sql, { sync: scheduler });
      replicas.push({ sql, app, scheduler });
      cleanup.push(async () => {
        await scheduler.stop();
        await app.close();
        await sql.end({ timeout: 5 });
      });
    }
    const [a, b] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
    // Runs are stamped with the database clock, which is this machine's.
    const tick1 = new Date();
    const outcomes = await Promise.all([a.scheduler.tick('alpine', { at: tick1 }), b.scheduler.tick('alpine', { at: tick1 })]);
    expect(outcomes.filter((o) => o === 'succeeded')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'locked' || o === 'done-elsewhere')).toHaveLength(1);
    expect(await runCount()).toBe(1);
    // A replica whose jitter made it late: the tick is already done.
    expect(await b.scheduler.tick('alpine', { at: tick1 })).toBe('done-elsewhere');
    expect(await a.scheduler.tick('alpine', { at: tick1 })).toBe('done-elsewhere');
    expect(await runCount()).toBe(1);
    // The next tick runs once again.
    await new Promise((r) => setTimeout(r, 1500));
    const tick2 = new Date();
    const second = await Promise.all([b.scheduler.tick('alpine', { at: tick2 }), a.scheduler.tick('alpine', { at: tick2 })]);
    expect(second.filter((o) => o === 'unchanged' || o === 'succeeded')).toHaveLength(1);
    expect(await runCount()).toBe(2);
  });
});

describe('one scheduler', () => {
  it('skips quietly while a CLI sync holds the driver lock, and records nothing', async () => {
    const scheduler = track(makeScheduler(db.sql, env));
    const held = await lockDriver(db.sql, 'alpine');
    try {
      expect(await scheduler.tick('alpine')).toBe('locked');
    } finally {
      await held.release();
    }
    expect(await runCount()).toBe(0);
    expect(scheduler.status()[0]).toMatchObject({ failures: 0, retryAt: null, lastOutcome: 'locked' });
    expect(await scheduler.tick('alpine')).toBe('succeeded');
  });

  it('does not overlap its own runs', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const slow = async (sql: Sql, driver: Driver, options: SyncOptions) => {
      await gate;
      return syncDriver(sql, driver, options);
    };
    const scheduler = track(makeScheduler(db.sql, env, { runSync: slow }));
    const first = scheduler.tick('alpine');
    expect(await scheduler.tick('alpine')).toBe('busy');
    expect(scheduler.status()[0]?.running).toBe(true);
    release();
    expect(await first).toBe('succeeded');
    expect(await runCount()).toBe(1);
  });

  it('records a failure and retries with a backoff that doubles, skipping ticks inside it, until a success resets it', async () => {
    let clock = new Date('2030-01-01T00:00:00Z').getTime();
    const scheduler = track(makeScheduler(db.sql, env, {
      sources: { alpine: path.join(env.home, 'no-such-mirror') },
      now: () => new Date(clock),
      backoffBaseSeconds: 600,
      backoffMaxSeconds: 1500,
    }));
    expect(await scheduler.tick('alpine')).toBe('failed');
    const runs = await db.sql<{ status: string; error: string }[]>`select status, error from sync_runs`;
    expect(runs.map((r) => r.status)).toEqual(['failed']);
    expect(runs[0]?.error).toMatch(/no-such-mirror/);
    expect(scheduler.status()[0]).toMatchObject({ failures: 1, retryAt: new Date(clock + 600_000) });
    clock += 300_000;
    expect(await scheduler.tick('alpine', { at: new Date(Date.now() + 1000) })).toBe('backoff');
    clock += 300_000;
    expect(await scheduler.tick('alpine', { reason: 'retry' })).toBe('failed');
    expect(scheduler.status()[0]).toMatchObject({ failures: 2, retryAt: new Date(clock + 1_200_000) });
    expect(await scheduler.tick('alpine', { reason: 'retry' })).toBe('failed');
    expect(scheduler.status()[0]).toMatchObject({ failures: 3, retryAt: new Date(clock + 1_500_000) });
    expect(await runCount()).toBe(3);
  });

  it('retries by itself after the backoff, and a success clears the failure count', async () => {
    const broken = path.join(env.home, 'later');
    const scheduler = track(makeScheduler(db.sql, env, { sources: { alpine: broken }, backoffBaseSeconds: 0.2 }));
    expect(await scheduler.tick('alpine')).toBe('failed');
    // The mirror appears; the retry timer syncs it without any tick from us.
    await (await import('node:fs/promises')).cp(env.mirror, broken, { recursive: true });
    await eventually(async () => (await db.sql`select 1 from sync_runs where status = 'succeeded'`).length > 0);
    await eventually(async () => scheduler.status()[0]?.failures === 0);
    expect(scheduler.status()[0]).toMatchObject({ failures: 0, retryAt: null });
  });

  it('syncs never-synced drivers soon after start, once, and not again on a restart', async () => {
    const far = { alpine: '0 0 1 1 *' };
    const first = track(makeScheduler(db.sql, env, { schedules: far }));
    first.start();
    await eventually(async () => (await runCount()) === 1 && !first.status()[0]?.running);
    expect(first.status()[0]?.nextRun).toEqual(new Date(`${new Date().getUTCFullYear() + 1}-01-01T00:00:00Z`));
    const restarted = track(makeScheduler(db.sql, env, { schedules: far }));
    restarted.start();
    await eventually(async () => restarted.status()[0]?.lastOutcome === 'not-needed');
    expect(await runCount()).toBe(1);
    // A schedule of "off" starts nothing at all.
    await db.sql`truncate records, groups, drivers, events, sync_runs cascade`;
    const off = track(makeScheduler(db.sql, env, { schedules: { alpine: null } }));
    off.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(off.status()[0]).toMatchObject({ schedule: null, nextRun: null, lastOutcome: null });
    expect(await runCount()).toBe(0);
  });

  it('bounds the skew allowance by the schedule, so a frequent schedule does not mistake the last run for this tick', async () => {
    await env.sync();
    // Every minute: allowance min(30 s, 60 s / 4) = 15 s.
    const scheduler = track(makeScheduler(db.sql, env, { schedules: { alpine: '* * * * *' }, skewSeconds: 30, startupDelaySeconds: 3600 }));
    scheduler.start();
    expect(await scheduler.tick('alpine', { at: new Date(Date.now() + 20_000) })).not.toBe('done-elsewhere');
    expect(await runCount()).toBe(2);
  });

  it('waits for a running sync on stop, then refuses new ticks', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let finished = false;
    const slow = async (sql: Sql, driver: Driver, options: SyncOptions) => {
      await gate;
      const report = await syncDriver(sql, driver, options);
      finished = true;
      return report;
    };
    const scheduler = makeScheduler(db.sql, env, { runSync: slow });
    const running = scheduler.tick('alpine');
    await new Promise((r) => setTimeout(r, 50));
    const stopping = scheduler.stop();
    setTimeout(release, 100);
    await stopping;
    expect(finished).toBe(true);
    expect(await running).toBe('succeeded');
    expect(await scheduler.tick('alpine')).toBe('stopped');
  });
});
