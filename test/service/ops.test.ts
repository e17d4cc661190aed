/** /health, /ready, /metrics, the OpenAPI document and Swagger UI. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../feed-service/http/metrics.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { createSql } from '../../feed-service/storage/db.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { adminAuth, alpineHome, makeApp, makeScheduler } from './service-helpers.ts';

let db: TestDb;
let app: FastifyInstance;

/** The value of one sample line of a Prometheus text exposition, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const body = line.slice(name.length + 1, line.lastIndexOf('}'));
    if (Object.entries(labels).every(([k, v]) => body.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

beforeAll(async () => {
  db = await createTestDb();
  app = await makeApp(db.sql);
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

describe('health and readiness', () => {
  it('answers /health and /ready on a migrated database (the schema version to an admin token)', async () => {
    expect((await app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok' });
    const ready = await app.inject({ method: 'GET', url: '/ready', headers: adminAuth });
    expect(ready.statusCode).toBe(200);
    const body = ready.json<{ status: string; schemaVersion: number }>();
    expect(body.status).toBe('ready');
    expect(body.schemaVersion).toBeGreaterThanOrEqual(1);
  });

  it('is not ready while migrations are pending', async () => {
    const bare = await createTestDb({ migrate: false });
    const a = await makeApp(bare.sql);
    try {
      const res = await a.inject({ method: 'GET', url: '/ready', headers: adminAuth });
      expect(res.statusCode).toBe(503);
      expect(res.json<{ error: { message: string; details: unknown } }>().error).toMatchObject({
        message: expect.stringMatching(/schema is not at the version this service needs/) as unknown,
        details: { schemaVersion: 0 },
      });
      expect((await a.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    } finally {
      await a.close();
      await bare.drop();
    }
  });

  it('is not ready, and reads answer 503, when the database is unreachable', async () => {
    const url = new URL(db.url);
    url.port = '1';
    const sql = createSql(url.toString(), { max: 1 });
    const a = await makeApp(sql);
    try {
      const ready = await a.inject({ method: 'GET', url: '/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ error: { code: 'DB_UNAVAILABLE' } });
      const read = await a.inject({ method: 'GET', url: '/v2/groups' });
      expect(read.statusCode).toBe(503);
      expect(read.json()).toMatchObject({ error: { code: 'DB_UNAVAILABLE' } });
      // Metrics still answer without the database figures.
      expect((await a.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    } finally {
      await a.close();
      await sql.end({ timeout: 1 });
    }
  });
});

describe('metrics', () => {
  it('exposes HTTP counts and latency, records per group, time since last success and sync outcomes', async () => {
    const env = await alpineHome(db.sql);
    const metrics = createMetrics(db.sql, silentLogger);
    const scheduler = makeScheduler(db.sql, env, { onSync: (d, o, s) => metrics.observeSync(d, o, s) });
    const a = await makeApp(db.sql, { metrics, sync: scheduler });
    try {
      expect(await scheduler.tick('alpine')).toBe('succeeded');
      for (let i = 0; i < 3; i++) await a.inject({ method: 'GET', url: '/v1/service/feeds/vulnerabilities/alpine:3.20' });
      await a.inject({ method: 'GET', url: '/v2/groups/nosuch' });
      const res = await a.inject({ method: 'GET', url: '/metrics' });
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = res.body;
      expect(sample(text, 'airfeed_http_requests_total', { route: '/v1/service/feeds/:feed/:group', status_code: '200' })).toBe(3);
      expect(sample(text, 'airfeed_http_requests_total', { route: '/v2/groups/:group', status_code: '404' })).toBe(1);
      expect(sample(text, 'airfeed_http_request_duration_seconds_count', { route: '/v1/service/feeds/:feed/:group' })).toBe(3);
      expect(sample(text, 'airfeed_group_records', { group: 'alpine:3.20', feed: 'vulnerabilities' })).toBe(4);
      expect(sample(text, 'airfeed_group_records', { group: 'alpine:3.19' })).toBe(5);
      const age = sample(text, 'airfeed_group_seconds_since_last_success', { group: 'alpine:3.20' });
      expect(age).toBeGreaterThanOrEqual(0);
      expect(age).toBeLessThan(60);
      expect(sample(text, 'airfeed_sync_runs_total', { driver: 'alpine', outcome: 'succeeded' })).toBe(1);
      expect(sample(text, 'airfeed_sync_duration_seconds_count', { driver: 'alpine', outcome: 'succeeded' })).toBe(1);
      expect(sample(text, 'airfeed_driver_last_run_duration_seconds', { driver: 'alpine', status: 'succeeded' })).toBeGreaterThan(0);
      expect(text).toMatch(/^airfeed_process_resident_memory_bytes /m);
    } finally {
      await a.close();
      await scheduler.stop();
    }
  });

  it('keeps a registry per app, so two apps in one process count separately', async () => {
    const a = await makeApp(db.sql);
    const b = await makeApp(db.sql);
    try {
      await a.inject({ method: 'GET', url: '/health' });
      await a.inject({ method: 'GET', url: '/health' });
      await b.inject({ method: 'GET', url: '/health' });
      const count = async (x: FastifyInstance) => sample((await x.inject({ method: 'GET', url: '/metrics' })).body, 'airfeed_http_requests_total', { route: '/health' });
      expect(await count(a)).toBe(2);
      expect(await count(b)).toBe(1);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('API documentation', () => {
  it('serves the OpenAPI document with every route, and Swagger UI', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{ openapi: string; paths: Record<string, unknown> }>();
    expect(doc.openapi).toMatch(/^3\./);
    for (const p of ['/v1/service/feeds', '/v1/service/feeds/{feed}/{group}', '/v2/groups/{group}/records', '/v2/admin/drivers/{driver}/sync', '/ready', '/metrics']) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    const ui = await app.inject({ method: 'GET', url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/text\/html/);
    // Its scripts and styles come through @fastify/static (whose content-disposition package.json overrides for Node 20).
    const assets = [...ui.body.matchAll(/(?:src|href)="\.\/(static\/[^"]+)"/g)].map((m) => m[1] ?? '');
    expect(assets).toContain('static/swagger-ui-bundle.js');
    for (const asset of assets) {
      const res = await app.inject({ method: 'GET', url: `/docs/${asset}` });
      expect(res.statusCode, asset).toBe(200);
      expect(res.rawPayload.length, asset).toBeGreaterThan(0);
    }
  });
});
