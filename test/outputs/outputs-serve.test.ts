/**
 * `airfeed serve` wires both outputs to the same notifier: a sync the service runs (triggered through
 * the admin API) rebuilds grype's database and osv-scanner's databases, both served, both in
 * /metrics; AIRFEED_OSV=off leaves /osv answering 503 while grype is still served.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { alpine } from '../../drivers/alpine/index.ts';
import { loadServiceConfig } from '../../feed-service/http/config.ts';
import { type RunningServer, startServer } from '../../feed-service/server.ts';
import { createSql } from '../../feed-service/storage/db.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { ADMIN_TOKEN } from '../service/service-helpers.ts';
import { DEMO_MIRROR } from './grype-helpers.ts';

let db: TestDb;

beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.drop();
});

async function serve(env: Record<string, string>): Promise<RunningServer> {
  const sql = createSql(db.url);
  const service = await loadServiceConfig([alpine], { port: 0, host: '127.0.0.1', schedule: false }, { AIRFEED_ADMIN_TOKENS: ADMIN_TOKEN, AIRFEED_SOURCE_ALPINE: DEMO_MIRROR, ...env });
  return startServer({
    config: { home: await tempDir('airfeed-outputs-serve-'), databaseUrl: db.url, embeddedPort: undefined },
    service, log: silentLogger, drivers: [alpine], database: { sql, description: 'test', close: () => sql.end({ timeout: 5 }) },
  });
}

async function status(url: string): Promise<number> {
  const res = await request(url);
  await res.body.dump();
  return res.statusCode;
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('airfeed serve and its outputs', () => {
  it('rebuilds and serves grype and osv-scanner databases after a sync it runs', async () => {
    const server = await serve({});
    try {
      expect(await status(`${server.url}/osv/ecosystems.txt`)).toBe(503);
      const res = await request(`${server.url}/v2/admin/drivers/alpine/sync`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      await res.body.dump();
      expect(res.statusCode).toBe(202);
      await until('both outputs', async () => (await status(`${server.url}/osv/ecosystems.txt`)) === 200 && (await status(`${server.url}/grype/databases/v6/latest.json`)) === 200);
      expect(await (await request(`${server.url}/osv/ecosystems.txt`)).body.text()).toBe('Alpine\n');
      expect(await status(`${server.url}/osv/Alpine/all.zip`)).toBe(200);
      const metrics = await (await request(`${server.url}/metrics`)).body.text();
      expect(metrics).toMatch(/airfeed_output_data_seq\{output="grype"\} \d+/);
      expect(metrics).toMatch(/airfeed_output_data_seq\{output="osv"\} \d+/);
    } finally {
      await server.shutdown('test');
    }
  });

  it('serves no osv-scanner databases with AIRFEED_OSV=off', async () => {
    const server = await serve({ AIRFEED_OSV: 'off' });
    try {
      await until('grype', async () => (await status(`${server.url}/grype/databases/v6/latest.json`)) === 200);
      const res = await request(`${server.url}/osv/ecosystems.txt`);
      expect(res.statusCode).toBe(503);
      expect(((await res.body.json()) as { error: { message: string } }).error.message).toContain('AIRFEED_OSV=off');
    } finally {
      await server.shutdown('test');
    }
  });
});
