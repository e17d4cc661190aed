/** The listening server: graceful shutdown, and `airfeed serve` as a process answering SIGTERM. */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { alpine } from '../../drivers/alpine/index.ts';
import { loadServiceConfig } from '../../feed-service/http/config.ts';
import { startServer } from '../../feed-service/server.ts';
import { createSql } from '../../feed-service/storage/db.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { makeRecord } from '../helpers/records.ts';
import { ADMIN_TOKEN, loadGroup } from './service-helpers.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'scripts/airfeed.mjs');
const N = 20_000;
let db: TestDb;

beforeAll(async () => {
  db = await createTestDb();
  await loadGroup(db.sql, 'test:big', Array.from({ length: N }, (_, i) => makeRecord('test:big', `CVE-2024-${i}`)));
});
afterAll(async () => {
  await db.drop();
});

describe('startServer', () => {
  it('finishes in-flight requests on shutdown, then stops the scheduler and closes the pool', async () => {
    const sql = createSql(db.url);
    const home = await tempDir('airfeed-serve-');
    const service = await loadServiceConfig([alpine], { port: 0, host: '127.0.0.1', schedule: false }, { AIRFEED_ADMIN_TOKENS: ADMIN_TOKEN });
    const server = await startServer({
      config: { home, databaseUrl: db.url, embeddedPort: undefined },
      service,
      log: silentLogger,
      drivers: [alpine],
      database: { sql, description: 'test', close: () => sql.end({ timeout: 5 }) },
    });
    expect((await (await request(`${server.url}/health`)).body.json())).toEqual({ status: 'ok' });

    const res = await request(`${server.url}/v2/groups/test:big/records`, { headers: { accept: 'application/x-ndjson' } });
    let lines = 0;
    let shutdown: Promise<void> | undefined;
    for await (const chunk of res.body) {
      for (const b of chunk as Buffer) if (b === 10) lines++;
      // Shut down while the response is still streaming, then read the rest slowly.
      if (!shutdown) shutdown = server.shutdown('test');
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(lines).toBe(N);
    await shutdown;
    await server.closed;
    await expect(request(`${server.url}/health`)).rejects.toThrow();
    await expect(sql`select 1`).rejects.toThrow();
    expect(await server.scheduler.tick('alpine')).toBe('stopped');
  });
});

describe('airfeed serve', () => {
  it('documents its flags and environment in --help', async () => {
    const child = spawn(process.execPath, [CLI, 'serve', '--help'], { env: { ...process.env } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    for (const text of ['--port <port>', '--host <address>', '--no-schedule', 'default 8080', 'AIRFEED_ADMIN_TOKENS', 'AIRFEED_READ_TOKENS', 'AIRFEED_SCHEDULE_ALPINE', '/v1/service/feeds']) {
      expect(out).toContain(text);
    }
  });

  it('listens, serves, and stops cleanly on SIGTERM', async () => {
    const home = await tempDir('airfeed-serve-cli-');
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--host', '127.0.0.1'], {
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        AIRFEED_HOME: home,
        AIRFEED_LOG_LEVEL: 'info',
        AIRFEED_SCHEDULE_ALPINE: 'off',
        AIRFEED_ADMIN_TOKENS: ADMIN_TOKEN,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logs: { msg?: string; url?: string }[] = [];
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const listening = new Promise<string>((resolve, reject) => {
      readline.createInterface({ input: child.stderr }).on('line', (line) => {
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          logs.push(entry);
          if (entry.msg === 'feed service listening' && entry.url) resolve(entry.url);
        } catch {
          logs.push({ msg: line });
        }
      });
      void exited.then((code) => reject(new Error(`serve exited with ${code}: ${JSON.stringify(logs)}`)));
    });
    const url = await listening;
    const groups = await request(`${url}/v2/groups`);
    expect(((await groups.body.json()) as { groups: { name: string }[] }).groups.map((g) => g.name)).toEqual(['test:big']);
    const admin = await request(`${url}/v2/admin/groups`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(admin.statusCode).toBe(200);
    await admin.body.dump();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['feed service shutting down', 'feed service stopped']));
  });
});

describe('airfeed serve on the embedded PostgreSQL', () => {
  it('serves again within seconds after its postmaster is killed with -9', async () => {
    const home = await tempDir('airfeed-serve-embedded-');
    await fs.chmod(home, 0o711); // as root the server runs as `postgres`, which must enter the home
    const env: NodeJS.ProcessEnv = { ...process.env, AIRFEED_HOME: home, AIRFEED_LOG_LEVEL: 'info', AIRFEED_SCHEDULE_ALPINE: 'off' };
    delete env['DATABASE_URL'];
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--host', '127.0.0.1'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const logs: string[] = [];
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const listening = new Promise<string>((resolve, reject) => {
      readline.createInterface({ input: child.stderr }).on('line', (line) => {
        logs.push(line);
        const m = /"msg":"feed service listening".*"url":"([^"]+)"|"url":"([^"]+)".*"msg":"feed service listening"/.exec(line);
        if (m) resolve(m[1] ?? m[2] ?? '');
      });
      void exited.then((code) => reject(new Error(`serve exited with ${code}: ${logs.join('\n')}`)));
    });
    try {
      const url = await listening;
      expect((await request(`${url}/v2/groups`)).statusCode).toBe(200);
      const pid = Number((await fs.readFile(path.join(home, 'db', 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
      process.kill(pid, 'SIGKILL');
      // Liveness bound, not a timing assertion: it must come back (or have exited non-zero).
      const deadline = Date.now() + 45_000;
      let status = 0;
      while (Date.now() < deadline) {
        const res = await request(`${url}/v2/groups`).catch(() => null);
        status = res?.statusCode ?? 0;
        await res?.body.dump();
        // Served again, by a new postmaster, and the service has said so (its log line may trail the first answer).
        const restarted = Number((await fs.readFile(path.join(home, 'db', 'pg', 'postmaster.pid'), 'utf8').catch(() => '0')).split('\n')[0]) !== pid;
        if (status === 200 && restarted && logs.join('\n').includes('the embedded PostgreSQL runs again')) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(status, logs.join('\n')).toBe(200);
      expect(logs.join('\n')).toContain('the embedded PostgreSQL runs again');
      expect((await request(`${url}/ready`)).statusCode).toBe(200);
    } finally {
      child.kill('SIGTERM');
      expect(await exited, logs.join('\n')).toBe(0);
    }
  });
});
