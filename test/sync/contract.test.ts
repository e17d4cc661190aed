/**
 * The driver contract as sync enforces it, with test-only drivers (test/helpers/fake-drivers.ts):
 * settings reach fetch and secrets leak nowhere, the parser version forces a re-parse, every record
 * is validated before apply, deletions belong to incremental groups only, and groups that vanish
 * upstream are kept, marked stale and reported, until they come back.
 */
import path from 'node:path';
import { pino } from 'pino';
import { MockAgent } from 'undici';
import { beforeEach, describe, expect, it } from 'vitest';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { SettingValues } from '../../drivers/_framework/settings.ts';
import type { Driver, ParsedGroup } from '../../drivers/_framework/types.ts';
import { loadServiceConfig } from '../../feed-service/http/config.ts';
import { createMetrics } from '../../feed-service/http/metrics.ts';
import { Scheduler } from '../../feed-service/scheduler.ts';
import { startServer } from '../../feed-service/server.ts';
import { createSql } from '../../feed-service/storage/db.ts';
import { getGroup } from '../../feed-service/storage/groups.ts';
import { listEvents, listRuns } from '../../feed-service/storage/runs.ts';
import { type SyncOptions, syncDriver } from '../../feed-service/sync.ts';
import { makeApp } from '../service/service-helpers.ts';
import { groupRows, useSyncTestDb } from '../helpers/db.ts';
import { type FakeEntry, snapshotDriver, writeSnapshotMirror } from '../helpers/fake-drivers.ts';
import { tempDir } from '../helpers/mirror.ts';
import { iterate } from '../helpers/records.ts';

const testDb = useSyncTestDb();
let home: string;
let mirror: string;

const RELEASES: Record<string, FakeEntry[]> = {
  '1': [{ id: 'CVE-2024-0001', package: 'a', version: '1.0-r1' }, { id: 'CVE-2024-0002', package: 'b', version: '2.0-r0' }],
  '2': [{ id: 'CVE-2024-0003', package: 'c', version: '3.0-r0' }],
};

function sync(driver: Driver, options: Partial<SyncOptions> = {}): ReturnType<typeof syncDriver> {
  return syncDriver(testDb().sql, driver, { home, http: new HttpClient(), log: silentLogger, source: mirror, ...options });
}

const rows = (group: string): ReturnType<typeof groupRows> => groupRows(testDb().sql, group);

beforeEach(async () => {
  home = await tempDir('airfeed-contract-');
  mirror = await writeSnapshotMirror(path.join(home, 'mirror'), RELEASES);
});

describe('settings and secrets', () => {
  // Quotes and a backslash: the JSON-escaped form must not leak either.
  const SECRET = 'tok-"quoted"\\-0123456789abcdef';
  const declared = [
    { name: 'token', secret: true, description: 'API token' },
    { name: 'region', secret: false, description: 'upstream region' },
  ];
  const values = new SettingValues('fakesnap', declared, new Map([['token', SECRET], ['region', 'eu']]));

  function capture(): { log: pino.Logger; lines: string[] } {
    const lines: string[] = [];
    return { log: pino({ level: 'debug' }, { write: (l: string) => void lines.push(l) }), lines };
  }

  it('hands plain values and secrets to fetch; a secret goes upstream as a header and prints as [REDACTED]', async () => {
    const seen: { region?: string | undefined; header?: string | undefined } = {};
    const { log, lines } = capture();
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent.get('https://up.test').intercept({ path: '/ping', method: 'GET' }).reply((req) => {
      seen.header = new Headers(req.headers).get('apikey') ?? undefined;
      return { statusCode: 200, data: 'pong' };
    });
    const driver = snapshotDriver({
      settings: declared,
      onFetch: async (ctx) => {
        seen.region = ctx.settings.get('region');
        const token = ctx.settings.secret('token');
        await ctx.http.getText('https://up.test/ping', { headers: { apiKey: token ?? '' } });
        ctx.log.info({ token, settings: ctx.settings }, `token is ${String(token)}`);
      },
    });
    try {
      expect((await sync(driver, { settings: values, log, http: new HttpClient({ dispatcher: agent }) })).status).toBe('succeeded');
    } finally {
      await agent.close();
    }
    expect(seen).toEqual({ region: 'eu', header: SECRET });
    const line = lines.find((l) => l.includes('token is'));
    expect(JSON.parse(line ?? '{}')).toMatchObject({ token: '[REDACTED]', settings: { token: true, region: true }, msg: 'token is [REDACTED]', driver: 'fakesnap' });
    expect(() => driverReads(values, 'token')).toThrow(/reads setting "token" as plain, but declares it secret/);
    expect(() => values.secret('nope')).toThrow(/reads setting "nope", which it does not declare/);
  });

  it('never lets a secret value reach logs, the report, sync_runs or events, even when a driver leaks it', async () => {
    const { log, lines } = capture();
    const driver = snapshotDriver({
      settings: declared,
      onFetch: (ctx) => {
        const raw = ctx.settings.secret('token')?.reveal() ?? '';
        ctx.log.warn({ raw, url: `https://up.invalid/?key=${encodeURIComponent(raw)}` }, `sending ${raw}`);
        throw new Error(`upstream refused the token ${raw}`);
      },
    });
    const report = await sync(driver, { settings: values, log });
    expect(report.status).toBe('failed');
    expect(report.error).toBe('upstream refused the token [REDACTED]');
    const stored = JSON.stringify({
      report,
      runs: await listRuns(testDb().sql),
      events: await listEvents(testDb().sql),
      drivers: await testDb().sql`select * from drivers`,
      logs: lines,
    });
    expect(lines.length).toBeGreaterThan(1);
    for (const form of [SECRET, JSON.stringify(SECRET).slice(1, -1), encodeURIComponent(SECRET)]) expect(stored).not.toContain(form);
    expect(lines.join('\n')).toContain('sending [REDACTED]');
  });

  it('refuses a driver state holding a secret and saves nothing of it', async () => {
    const driver = snapshotDriver({ settings: declared, onFetch: (ctx) => ({ cursor: `x${ctx.settings.secret('token')?.reveal() ?? ''}` }) });
    const report = await sync(driver, { settings: values });
    expect(report).toMatchObject({ status: 'failed', errorCode: 'DRIVER_CONTRACT' });
    expect(report.error).toMatch(/fakesnap: the driver put the value of a secret setting into its state/);
    expect(JSON.stringify(await testDb().sql`select * from drivers`)).not.toContain(SECRET);
    expect(await testDb().sql`select * from records`).toHaveLength(0);
  });
});

describe('settings through the service', () => {
  it('go from the service configuration through the scheduler to the driver', async () => {
    const declared = [{ name: 'token', secret: true, description: 'API token' }];
    let token: string | undefined;
    const driver = snapshotDriver({ settings: declared, onFetch: (ctx) => void (token = ctx.settings.secret('token')?.reveal()) });
    const service = await loadServiceConfig([driver], { schedule: false }, { AIRFEED_FAKESNAP_TOKEN: 'token-from-the-environment', AIRFEED_HOME: home });
    const scheduler = new Scheduler({
      sql: testDb().sql, log: silentLogger, home, http: new HttpClient(), drivers: [driver], sources: { fakesnap: mirror }, settings: service.settings,
    });
    expect(await scheduler.tick('fakesnap')).toBe('succeeded');
    expect(token).toBe('token-from-the-environment');
  });
});

describe('feeds', () => {
  it('come from the drivers: created by a sync or a service start, described by the driver, with the operator\'s flag kept', async () => {
    const sql = testDb().sql;
    // Migration 004 removed the feeds 001 inserted that no group used.
    expect(await sql`select name from feeds where name in ('nvdv2', 'github')`).toEqual([]);
    const feed = { name: 'testfeed', description: 'a feed a driver brings' };
    await sync({ ...snapshotDriver(), feed });
    expect((await getGroup(sql, 'fake:1'))?.feed).toBe('testfeed');
    await sql`update feeds set enabled = false where name = 'testfeed'`;
    await sync({ ...snapshotDriver(), feed: { ...feed, description: 'renamed by the driver' } });
    expect(await sql`select name, description, enabled from feeds where name = 'testfeed'`).toEqual([{ name: 'testfeed', description: 'renamed by the driver', enabled: false }]);

    const other = { ...snapshotDriver({ id: 'other' }), feed: { name: 'otherfeed', description: 'listed before any sync' } };
    const service = await loadServiceConfig([other], { port: 0, host: '127.0.0.1', schedule: false }, { AIRFEED_HOME: home });
    const own = createSql(testDb().url);
    const server = await startServer({
      config: { home, databaseUrl: testDb().url, embeddedPort: undefined }, service, log: silentLogger, drivers: [other],
      database: { sql: own, description: 'test', close: () => own.end({ timeout: 5 }) },
    });
    await server.shutdown('test');
    expect(await sql`select description from feeds where name = 'otherfeed'`).toEqual([{ description: 'listed before any sync' }]);
  });
});

/** Reads a secret setting through the plain accessor (a driver bug the accessor refuses). */
function driverReads(values: SettingValues, name: string): string | undefined {
  return values.get(name);
}

describe('parser version', () => {
  it('skips unchanged inputs, and re-parses them all once the parser version moves, writing nothing', async () => {
    await sync(snapshotDriver());
    const before = await rows('fake:1');
    expect((await sync(snapshotDriver())).status).toBe('unchanged');
    const bumped = await sync(snapshotDriver({ parserVersion: 'fakesnap-2' }));
    expect(bumped.status).toBe('succeeded');
    expect(bumped.groups['fake:1']).toMatchObject({ skipped: false, added: 0, changed: 0, removed: 0, unchanged: 2 });
    expect(await rows('fake:1')).toEqual(before);
    expect((await getGroup(testDb().sql, 'fake:1'))?.state['fingerprint']).toMatch(/^fakesnap-2:[0-9a-f]{64}$/);
    expect((await sync(snapshotDriver({ parserVersion: 'fakesnap-2' }))).status).toBe('unchanged');
  });
});

describe('record validation', () => {
  it('fails the group on the first invalid record, naming driver, group, file, id and field; the previous data stays', async () => {
    await sync(snapshotDriver());
    const before = await rows('fake:1');
    await writeSnapshotMirror(mirror, { ...RELEASES, '1': [...(RELEASES['1'] ?? []), { id: 'CVE-2024-0009', package: 'z', version: '9' }] });
    const bad = snapshotDriver({ mapRecord: (r) => (r.id === 'CVE-2024-0002' ? { ...r, severity: 'Severe' } : r) });
    const report = await sync(bad);
    expect(report).toMatchObject({ status: 'failed', errorCode: 'RECORD_INVALID' });
    expect(report.groups['fake:1']?.error).toMatch(/^fakesnap: fake:1: 1\.json: record CVE-2024-0002: severity: Invalid option/);
    expect(report.groups['fake:2']).toMatchObject({ skipped: true });
    expect(await rows('fake:1')).toEqual(before);
    const failed = (await listEvents(testDb().sql)).find((e) => e.type === 'feeds.sync.group_failed');
    expect(failed?.details['error']).toMatch(/record CVE-2024-0002/);
  });

  it('refuses fields the schema does not know and records that are not records', async () => {
    const extra = await sync(snapshotDriver({ mapRecord: (r) => ({ ...r, cvssScore: 9.8 }) }));
    expect(extra.groups['fake:1']?.error).toMatch(/record CVE-2024-0001: \(the record itself\): Unrecognized key: "cvssScore"/);
    const junk = await sync(snapshotDriver({ mapRecord: () => 'not a record' }), { force: true });
    expect(junk.groups['fake:1']?.error).toMatch(/fake:1: \(no provenance\.source\): record #1 \(no id\)/);
  });
});

describe('deletions', () => {
  it('are refused on a complete group', async () => {
    const inner = snapshotDriver();
    const driver: Driver = {
      ...inner,
      async *parse(ctx): AsyncGenerator<ParsedGroup> {
        for await (const g of inner.parse(ctx)) yield { ...g, deletions: iterate(['CVE-2024-0001']) };
      },
    };
    const report = await sync(driver);
    expect(report.groups['fake:1']).toMatchObject({ errorCode: 'DRIVER_CONTRACT' });
    expect(report.groups['fake:1']?.error).toMatch(/fake:1: a complete group names deletions/);
  });
});

describe('groups that vanish and appear', () => {
  /** /v2/groups' stale flags and the stale gauge (a fresh app: metrics cache database figures for a second). */
  async function stale(): Promise<Record<string, unknown>> {
    const app = await makeApp(testDb().sql, { metrics: createMetrics(testDb().sql, silentLogger) });
    const groups = (await app.inject({ method: 'GET', url: '/v2/groups' })).json<{ groups: { name: string; stale: boolean }[] }>().groups;
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    await app.close();
    const gauge = Object.fromEntries([...metrics.matchAll(/^airfeed_group_stale\{feed="[^"]+",group="([^"]+)"\} (\d)$/gm)].map((m) => [m[1] ?? '', Number(m[2])] as const));
    return { v2: Object.fromEntries(groups.map((g) => [g.name, g.stale])), gauge };
  }

  it('keeps and serves a vanished group, marks it stale and reports it once; a returning group is fresh again', async () => {
    const app = await makeApp(testDb().sql);
    try {
      const first = await sync(snapshotDriver());
      expect(first.appeared).toEqual([{ group: 'fake:1', returned: false }, { group: 'fake:2', returned: false }]);
      expect(first.vanished).toEqual([]);
      const kept = await rows('fake:2');

      await writeSnapshotMirror(mirror, { '1': RELEASES['1'] ?? [] });
      const gone = await sync(snapshotDriver());
      expect(gone.status).toBe('succeeded');
      expect(gone.vanished).toEqual([{ group: 'fake:2', since: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) as string, newly: true }]);
      expect(Object.keys(gone.groups)).toEqual(['fake:1']);
      expect(await rows('fake:2')).toEqual(kept);
      expect(await getGroup(testDb().sql, 'fake:2')).toMatchObject({ recordCount: 1, vanishedAt: expect.any(Date) as Date });
      expect(await stale()).toEqual({ v2: { 'fake:1': false, 'fake:2': true }, gauge: { 'fake:1': 0, 'fake:2': 1 } });
      const records = await app.inject({ method: 'GET', url: '/v2/groups/fake:2/records' });
      expect(records.json<{ records: unknown[] }>().records).toHaveLength(1);

      const still = await sync(snapshotDriver());
      expect(still.vanished).toEqual([{ group: 'fake:2', since: gone.vanished[0]?.since, newly: false }]);
      const vanishedEvents = (await listEvents(testDb().sql)).filter((e) => e.type === 'feeds.sync.group_vanished');
      expect(vanishedEvents.map((e) => [e.groupName, e.level, e.runId])).toEqual([['fake:2', 'warn', gone.runId]]);

      await writeSnapshotMirror(mirror, RELEASES);
      const back = await sync(snapshotDriver());
      expect(back.appeared).toEqual([{ group: 'fake:2', returned: true }]);
      expect(back.vanished).toEqual([]);
      expect(await stale()).toEqual({ v2: { 'fake:1': false, 'fake:2': false }, gauge: { 'fake:1': 0, 'fake:2': 0 } });
      const appeared = (await listEvents(testDb().sql)).filter((e) => e.type === 'feeds.sync.group_appeared').map((e) => [e.groupName, e.details['returned']]);
      expect(appeared).toEqual([['fake:2', true], ['fake:2', false], ['fake:1', false]]);
    } finally {
      await app.close();
    }
  });

  it('does not look for vanished groups when the fetch failed', async () => {
    await sync(snapshotDriver());
    const report = await sync(snapshotDriver({ onFetch: () => { throw new Error('upstream down'); } }));
    expect(report).toMatchObject({ status: 'failed', vanished: [], appeared: [] });
    expect((await getGroup(testDb().sql, 'fake:2'))?.vanishedAt).toBeNull();
  });
});
