/** Tokens: admin needs one (401 without, 403 wrong); reads are anonymous unless configured; admin calls work. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TokenSet } from '../../feed-service/http/auth.ts';
import { lockDriver } from '../../feed-service/storage/locks.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { ADMIN_TOKEN, adminAuth, type AlpineHome, alpineHome, eventually, makeApp, makeScheduler, READ_TOKEN } from './service-helpers.ts';

let db: TestDb;
let env: AlpineHome;
let app: FastifyInstance;
const apps: FastifyInstance[] = [];

async function track(a: Promise<FastifyInstance>): Promise<FastifyInstance> {
  const built = await a;
  apps.push(built);
  return built;
}

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

beforeAll(async () => {
  db = await createTestDb();
  app = await track(makeApp(db.sql));
});
afterAll(async () => {
  for (const a of apps) await a.close();
  await db.drop();
});
beforeEach(async () => {
  await db.sql`truncate records, groups, drivers, events, sync_runs cascade`;
  env = await alpineHome(db.sql);
  await env.sync();
});

describe('TokenSet', () => {
  it('accepts exactly the configured tokens, whatever their length', () => {
    const set = new TokenSet(['a'.repeat(16), 'b'.repeat(40)]);
    expect(set.has('a'.repeat(16))).toBe(true);
    expect(set.has('b'.repeat(40))).toBe(true);
    expect(set.has('a'.repeat(15))).toBe(false);
    expect(set.has('a'.repeat(17))).toBe(false);
    expect(set.has('')).toBe(false);
    expect(new TokenSet([]).has('')).toBe(false);
  });
});

describe('administration', () => {
  const call = (a: FastifyInstance, headers: Record<string, string> = {}) => a.inject({ method: 'GET', url: '/v2/admin/groups', headers });

  it('answers 401 without a token, with a challenge', async () => {
    const res = await call(app);
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    const body = res.json<{ error: { code: string; message: string } }>();
    expect(body.error.code).toBe('UNAUTHORIZED');
    expect(body.error.message).toMatch(/bearer token/);
    expect((await call(app, { authorization: basic('admin', ADMIN_TOKEN) })).statusCode).toBe(401);
  });

  it('answers 403 with a wrong token, and 200 with the right one', async () => {
    expect((await call(app, { authorization: 'Bearer wrong-token-0123456789' })).statusCode).toBe(403);
    expect((await call(app, { authorization: `Bearer ${ADMIN_TOKEN}x` })).statusCode).toBe(403);
    const ok = await call(app, adminAuth);
    expect(ok.statusCode).toBe(200);
    expect(ok.json<{ groups: { name: string; enabled: boolean }[] }>().groups.map((g) => g.name)).toEqual(['alpine:3.19', 'alpine:3.20']);
  });

  it('checks the token before validating the request', async () => {
    const res = await app.inject({ method: 'PATCH', url: '/v2/admin/groups/alpine:3.20', payload: { enabled: 'maybe' } });
    expect(res.statusCode).toBe(401);
  });

  it('refuses every admin call when no admin token is configured', async () => {
    const none = await track(makeApp(db.sql, { auth: { adminTokens: [] } }));
    expect((await call(none)).statusCode).toBe(401);
    const res = await call(none, { authorization: 'Bearer anything-at-all-0123456' });
    expect(res.statusCode).toBe(403);
    expect(res.json<{ error: { message: string } }>().error.message).toMatch(/no admin token is configured/);
  });

  it('triggers a sync: 202 with the run id, then the run and its events are listed', async () => {
    const scheduler = makeScheduler(db.sql, env);
    const withSync = await track(makeApp(db.sql, { sync: scheduler }));
    try {
      const res = await withSync.inject({ method: 'POST', url: '/v2/admin/drivers/alpine/sync', headers: adminAuth });
      expect(res.statusCode).toBe(202);
      const { runId } = res.json<{ runId: number }>();
      const run = await eventually(async () => {
        const runs = (await withSync.inject({ method: 'GET', url: '/v2/admin/runs?driver=alpine', headers: adminAuth })).json<{ runs: { id: number; status: string; trigger: string }[] }>().runs;
        const found = runs.find((r) => r.id === runId);
        return found && found.status !== 'running' ? found : undefined;
      });
      expect(run).toMatchObject({ id: runId, trigger: 'api', status: 'unchanged' });
      const events = (await withSync.inject({ method: 'GET', url: `/v2/admin/events?run=${runId}`, headers: adminAuth })).json<{ events: { type: string; runId: number }[] }>().events;
      expect(events.map((e) => e.type)).toContain('feeds.sync.completed');
      expect(events.every((e) => e.runId === runId)).toBe(true);
      const drivers = (await withSync.inject({ method: 'GET', url: '/v2/admin/drivers', headers: adminAuth })).json<{ drivers: { driver: string; schedule: string }[] }>().drivers;
      expect(drivers).toEqual([expect.objectContaining({ driver: 'alpine', schedule: '17 */6 * * *' })]);
    } finally {
      await scheduler.stop();
    }
  });

  it('answers 409 when the driver is being synced elsewhere, 404 for an unknown driver, 503 without a scheduler', async () => {
    const scheduler = makeScheduler(db.sql, env);
    const withSync = await track(makeApp(db.sql, { sync: scheduler }));
    const held = await lockDriver(db.sql, 'alpine');
    try {
      const res = await withSync.inject({ method: 'POST', url: '/v2/admin/drivers/alpine/sync', headers: adminAuth });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ error: { code: 'DRIVER_LOCKED' } });
    } finally {
      await held.release();
      await scheduler.stop();
    }
    expect((await withSync.inject({ method: 'POST', url: '/v2/admin/drivers/nosuch/sync', headers: adminAuth })).statusCode).toBe(404);
    const res = await app.inject({ method: 'POST', url: '/v2/admin/drivers/alpine/sync', headers: adminAuth });
    expect(res.statusCode).toBe(503);
  });
});

describe('reads', () => {
  const urls = ['/v1/service/feeds', '/v1/service/feeds/vulnerabilities/alpine:3.20', '/v2/groups', '/v2/groups/alpine:3.20/records'];

  it('are anonymous by default', async () => {
    for (const url of urls) expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
  });

  it('need a read token when read tokens are configured: Bearer or Basic password; admin tokens work too', async () => {
    const closed = await track(makeApp(db.sql, { auth: { adminTokens: [ADMIN_TOKEN], readTokens: [READ_TOKEN] } }));
    for (const url of urls) {
      const anonymous = await closed.inject({ method: 'GET', url });
      expect(anonymous.statusCode, url).toBe(401);
      expect(anonymous.headers['www-authenticate']).toMatch(/Basic/);
      expect((await closed.inject({ method: 'GET', url, headers: { authorization: 'Bearer not-a-read-token-0123' } })).statusCode, url).toBe(403);
      expect((await closed.inject({ method: 'GET', url, headers: { authorization: `Bearer ${READ_TOKEN}` } })).statusCode, url).toBe(200);
      expect((await closed.inject({ method: 'GET', url, headers: { authorization: basic('engine', READ_TOKEN) } })).statusCode, url).toBe(200);
      expect((await closed.inject({ method: 'GET', url, headers: { authorization: basic('engine', 'wrong-password') } })).statusCode, url).toBe(403);
      expect((await closed.inject({ method: 'GET', url, headers: adminAuth })).statusCode, url).toBe(200);
    }
    // A read token is not an admin token.
    expect((await closed.inject({ method: 'GET', url: '/v2/admin/groups', headers: { authorization: `Bearer ${READ_TOKEN}` } })).statusCode).toBe(403);
    // Operations stay open for probes and Prometheus.
    expect((await closed.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });
});
