/**
 * What the feed service tells callers it does not know: anonymous callers of /ready get its status,
 * not the database's address or error text (an admin token sees the details); bundle refusals
 * never name the server's files (trusted keys, spool directory); with read tokens configured,
 * /metrics, /openapi.json and /docs need a token too, unless AIRFEED_METRICS_ACCESS /
 * AIRFEED_DOCS_ACCESS say otherwise; and HTTP answers carry HTTP hints, not command-line flags.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alpine } from '../../drivers/alpine/index.ts';
import { type ExportResult, exportBundle } from '../../feed-service/bundles/export.ts';
import { buildProgram } from '../../feed-service/cli/main.ts';
import { loadServiceConfig } from '../../feed-service/http/config.ts';
import { createSql } from '../../feed-service/storage/db.ts';
import { lockDriver } from '../../feed-service/storage/locks.ts';
import { makeKey, tamper, type TestKey } from '../bundles/helpers.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { ADMIN_TOKEN, adminAuth, alpineHome, makeApp, READ_TOKEN } from './service-helpers.ts';

interface ErrorBody {
  error: { code: string; message: string; hint?: string; details?: Record<string, unknown> };
}

let A: TestDb;
let B: TestDb;
let dir: string;
let key: TestKey;
let other: TestKey;
let full: ExportResult;
const apps: FastifyInstance[] = [];
const TAR = { 'content-type': 'application/x-tar' };
const basic = (password: string): string => `Basic ${Buffer.from(`reader:${password}`).toString('base64')}`;

async function track(app: Promise<FastifyInstance>): Promise<FastifyInstance> {
  const built = await app;
  apps.push(built);
  return built;
}

beforeAll(async () => {
  [A, B] = await Promise.all([createTestDb(), createTestDb()]);
  dir = await tempDir('airfeed-leaks-');
  key = await makeKey(path.join(dir, 'keys'), 'producer');
  other = await makeKey(path.join(dir, 'other-keys'), 'other');
  const report = await (await alpineHome(A.sql)).sync();
  expect(report.status).not.toBe('failed');
  full = await exportBundle(A.sql, { privateKey: key.privateKey, out: path.join(dir, 'full.tar'), created: new Date('2025-01-01T00:00:00Z') });
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await Promise.all([A.drop(), B.drop()]);
  await fs.rm(dir, { recursive: true, force: true });
});

describe('/ready', () => {
  it('tells anonymous callers the status only; the database address and error text go to admins and the log', async () => {
    const url = new URL(B.url);
    url.port = '1';
    const sql = createSql(url.toString(), { max: 1 });
    const app = await track(makeApp(sql));
    try {
      const anonymous = await app.inject({ method: 'GET', url: '/ready' });
      expect(anonymous.statusCode).toBe(503);
      expect(anonymous.json<ErrorBody>().error.code).toBe('DB_UNAVAILABLE');
      expect(anonymous.body).not.toMatch(/127\.0\.0\.1|localhost|:1\b|ECONNREFUSED|connect|DATABASE_URL|AIRFEED_HOME/);
      const admin = await app.inject({ method: 'GET', url: '/ready', headers: adminAuth });
      expect(admin.statusCode).toBe(503);
      expect(JSON.stringify(admin.json<ErrorBody>().error.details)).toMatch(/ECONNREFUSED/);
      // A read token is no admin token: status only.
      const reader = await app.inject({ method: 'GET', url: '/ready', headers: { authorization: `Bearer ${READ_TOKEN}` } });
      expect(reader.body).not.toMatch(/ECONNREFUSED/);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });

  it('says "ready" to anyone; the schema version to admins', async () => {
    const app = await track(makeApp(B.sql));
    const anonymous = await app.inject({ method: 'GET', url: '/ready' });
    expect(anonymous.statusCode).toBe(200);
    expect(anonymous.json()).toEqual({ status: 'ready' });
    const admin = await app.inject({ method: 'GET', url: '/ready', headers: adminAuth });
    expect(admin.json<{ status: string; schemaVersion: number }>().schemaVersion).toBeGreaterThanOrEqual(1);
  });

  it('a pending migration: anonymous callers hear "not ready", admins the versions', async () => {
    const bare = await createTestDb({ migrate: false });
    try {
      const app = await track(makeApp(bare.sql));
      const anonymous = await app.inject({ method: 'GET', url: '/ready' });
      expect(anonymous.statusCode).toBe(503);
      expect(anonymous.body).not.toMatch(/version \d/);
      const admin = await app.inject({ method: 'GET', url: '/ready', headers: adminAuth });
      expect(JSON.stringify(admin.json<ErrorBody>().error.details)).toMatch(/"schemaVersion":0/);
    } finally {
      await bare.drop();
    }
  });
});

describe('bundle refusals name no server file', () => {
  let trustDir: string;
  let spool: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    trustDir = path.join(dir, 'trusted-keys');
    spool = path.join(dir, 'spool');
    await fs.mkdir(trustDir);
    app = await track(makeApp(B.sql, { bundles: { trust: [trustDir], spoolDir: spool } }));
  });

  const upload = (payload: Buffer, query = '') => app.inject({ method: 'POST', url: `/v2/bundles${query}`, headers: { ...adminAuth, ...TAR }, payload });

  it('no trusted key yet (503): says how to configure, without the directory', async () => {
    const res = await upload(await fs.readFile(full.file));
    expect(res.statusCode).toBe(503);
    expect(res.json<ErrorBody>().error.message).toMatch(/no trusted public key is configured/);
    expect(res.body).not.toContain(dir);
  });

  it('an untrusted key and a bad signature (400): the key id, not the trust files', async () => {
    await fs.copyFile(key.publicFile, path.join(trustDir, 'producer.pub.pem'));
    const signed = await exportBundle(A.sql, { privateKey: other.privateKey, out: path.join(dir, 'other.tar'), created: new Date('2025-01-02T00:00:00Z') });
    const untrusted = await upload(await fs.readFile(signed.file));
    expect(untrusted.statusCode).toBe(400);
    expect(untrusted.json<ErrorBody>().error.message).toMatch(new RegExp(`signed by key ${other.keyId}, which is unknown or not trusted here \\(this service trusts 1 key\\)`));
    expect(untrusted.body).not.toContain(dir);
    const forged = await tamper(full.file, 'forged', (es) => es.map((e, i) => (i === 1 ? { ...e, data: Buffer.alloc(64, 7) } : e)));
    const bad = await upload(await fs.readFile(forged));
    expect(bad.statusCode).toBe(400);
    expect(bad.json<ErrorBody>().error.message).toMatch(new RegExp(`bad signature: .* with key ${key.keyId}`));
    expect(bad.body).not.toContain(dir);
    expect(bad.body).not.toMatch(/\.pem/);
  });

  it('an imported bundle: the answer names the key by id, not by its file', async () => {
    const res = await upload(await fs.readFile(full.file));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ keyId: string }>().keyId).toBe(key.keyId);
    expect(res.body).not.toContain(dir);
  });

  it('a driver being synced (409): the HTTP way to wait, not a command-line flag', async () => {
    const lock = await lockDriver(B.sql, 'alpine');
    try {
      const res = await upload(await fs.readFile(full.file));
      expect(res.statusCode).toBe(409);
      const { error } = res.json<ErrorBody>();
      expect(error.code).toBe('DRIVER_LOCKED');
      expect(error.hint).not.toMatch(/--wait|--/);
      expect(error.hint).toMatch(/wait=true/);
      expect(error.hint).toMatch(/retry/i);
    } finally {
      await lock.release();
    }
  });
});

describe('HTTP hints', () => {
  it('name HTTP routes, never airfeed commands or flags', async () => {
    const app = await track(makeApp(B.sql));
    for (const url of ['/v2/groups/nosuch', '/v1/service/feeds/nosuch', '/v1/service/feeds/vulnerabilities/nosuch:1']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      const hint = res.json<ErrorBody>().error.hint ?? '';
      expect(hint, url).not.toMatch(/`airfeed|--[a-z]/);
      expect(hint, url).toMatch(/\/v[12]\//);
    }
  });
});

describe('/metrics, /openapi.json and /docs with read tokens', () => {
  const OPS = ['/metrics', '/openapi.json', '/docs', '/docs/', '/docs/json'];

  it('need a read or admin token by default once reads do (Bearer or Basic), and stay open without read tokens', async () => {
    const closed = await track(makeApp(B.sql, { auth: { adminTokens: [ADMIN_TOKEN], readTokens: [READ_TOKEN] } }));
    for (const url of OPS) {
      const anonymous = await closed.inject({ method: 'GET', url });
      expect(anonymous.statusCode, url).toBe(401);
      expect(anonymous.headers['www-authenticate'], url).toMatch(/Basic/);
      expect(anonymous.body, url).not.toMatch(/airfeed_http_requests_total|openapi/);
      for (const authorization of [`Bearer ${READ_TOKEN}`, basic(READ_TOKEN), `Bearer ${ADMIN_TOKEN}`]) {
        const res = await closed.inject({ method: 'GET', url, headers: { authorization } });
        expect([200, 302], `${url} ${authorization}`).toContain(res.statusCode);
      }
    }
    expect((await closed.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    const open = await track(makeApp(B.sql));
    for (const url of OPS) expect([200, 302], url).toContain((await open.inject({ method: 'GET', url })).statusCode);
  });

  it('AIRFEED_METRICS_ACCESS / AIRFEED_DOCS_ACCESS: anonymous opens one, admin closes it to read tokens', async () => {
    const auth = { adminTokens: [ADMIN_TOKEN], readTokens: [READ_TOKEN], metricsAccess: 'anonymous', docsAccess: 'admin' } as const;
    const app = await track(makeApp(B.sql, { auth }));
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/openapi.json', headers: { authorization: `Bearer ${READ_TOKEN}` } })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/openapi.json', headers: adminAuth })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/docs/json', headers: { authorization: basic(ADMIN_TOKEN) } })).statusCode).toBe(200);
  });

  it('reads the settings from the environment, refuses a bad value naming the variable, and documents them', async () => {
    const env = { AIRFEED_HOME: path.join(dir, 'home'), AIRFEED_METRICS_ACCESS: 'anonymous', AIRFEED_DOCS_ACCESS: 'admin' };
    const c = await loadServiceConfig([alpine], {}, env);
    expect(c.auth).toMatchObject({ metricsAccess: 'anonymous', docsAccess: 'admin' });
    expect((await loadServiceConfig([alpine], {}, { AIRFEED_HOME: env.AIRFEED_HOME })).auth).toMatchObject({ metricsAccess: 'read', docsAccess: 'read' });
    await expect(loadServiceConfig([alpine], {}, { AIRFEED_METRICS_ACCESS: 'public' })).rejects.toThrow(/AIRFEED_METRICS_ACCESS/);
    const serve = buildProgram().commands.find((c) => c.name() === 'serve');
    let help = '';
    serve?.configureOutput({ writeOut: (s) => void (help += s) });
    serve?.outputHelp();
    expect(help).toMatch(/AIRFEED_METRICS_ACCESS/);
    expect(help).toMatch(/AIRFEED_DOCS_ACCESS/);
  });
});
