/**
 * POST /v2/bundles and GET /v2/bundles: uploads are admin-only and refused before the body is read,
 * spooled to disk (never kept whole in memory), verified and imported as by the CLI; refusals, size
 * limits and cut-off uploads import nothing and leave no spool file behind.
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExportResult, exportBundle } from '../../feed-service/bundles/export.ts';
import { alpine } from '../../drivers/alpine/index.ts';
import { loadServiceConfig } from '../../feed-service/http/config.ts';
import { lockDriver } from '../../feed-service/storage/locks.ts';
import { dbState, type DbState, makeKey, tamper, type TestKey } from '../bundles/helpers.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { adminAuth, alpineHome, eventually, makeApp, READ_TOKEN } from './service-helpers.ts';

interface ErrorBody {
  error: { code: string; message: string; hint?: string };
}
interface ImportBody {
  status: string;
  bundleId: string;
  kind: string;
  keyId: string;
  importId: number | null;
  groups: { name: string; records: number; tombstones: number; added: number; changed: number; removed: number; unchanged: number }[];
  message: string;
  file?: string;
}
interface HistoryBody {
  imports: { id: number; bundleId: string; kind: string; keyId: string; groups: { name: string; records: number }[]; file: string; importedAt: string }[];
}

let A: TestDb; // the producing side
let B: TestDb; // the service under test
let C: TestDb; // stays empty: for uploads that must import nothing
let dir: string;
let trustDir: string;
let key: TestKey;
let other: TestKey;
let full: ExportResult;
let fullBytes: Buffer;
const apps: FastifyInstance[] = [];
const T1 = new Date('2025-01-01T00:00:00Z');
const T2 = new Date('2025-01-02T00:00:00Z');
const TAR = { 'content-type': 'application/x-tar' };

async function track(app: Promise<FastifyInstance>): Promise<FastifyInstance> {
  const built = await app;
  apps.push(built);
  return built;
}

/** An app on `sql` trusting `trustDir`, spooling into a fresh directory it returns. */
async function serviceOn(sql: TestDb['sql'], options: { maxBytes?: number } = {}): Promise<{ app: FastifyInstance; spool: string }> {
  const spool = await tempDir('airfeed-spool-');
  const app = await track(makeApp(sql, { bundles: { trust: [trustDir], spoolDir: spool, ...options } }));
  return { app, spool };
}

async function upload(app: FastifyInstance, payload: Buffer, query = '', headers: Record<string, string> = { ...adminAuth, ...TAR }) {
  return app.inject({ method: 'POST', url: `/v2/bundles${query}`, headers, payload });
}

/** Every entry under `spool`, recursively (empty: nothing was left behind). */
async function spoolEntries(spool: string): Promise<string[]> {
  return fs.readdir(spool, { recursive: true });
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A request over a real socket. `body` is written (after the headers) unless undefined; `end`
 * finishes the request, otherwise it stays open. Resolves with the response, if one arrives.
 */
function rawRequest(base: string, headers: Record<string, string | number>, body: Buffer | undefined, end: boolean): { req: http.ClientRequest; response: Promise<RawResponse> } {
  const req = http.request(`${base}/v2/bundles`, { method: 'POST', headers });
  const response = new Promise<RawResponse>((resolve, reject) => {
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.once('error', reject);
    });
    req.once('error', reject);
  });
  req.flushHeaders();
  if (body) req.write(body);
  if (end) req.end();
  return { req, response };
}

/** Rejects when `p` does not settle within `ms`: proves the server answered without waiting for the body. */
async function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

beforeAll(async () => {
  [A, B, C] = await Promise.all([createTestDb(), createTestDb(), createTestDb()]);
  dir = await tempDir('airfeed-bundles-http-');
  key = await makeKey(path.join(dir, 'keys'), 'producer');
  other = await makeKey(path.join(dir, 'other-keys'), 'other');
  trustDir = path.join(dir, 'trusted-keys');
  await fs.mkdir(trustDir);
  const report = await (await alpineHome(A.sql)).sync();
  expect(report.status).not.toBe('failed');
  full = await exportBundle(A.sql, { privateKey: key.privateKey, out: path.join(dir, 'full.tar'), created: T1, chunkRecords: 2 });
  fullBytes = await fs.readFile(full.file);
  expect(full.manifest.groups.map((g) => [g.name, g.records])).toEqual([
    ['alpine:3.19', 5],
    ['alpine:3.20', 4],
  ]);
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await Promise.all([A.drop(), B.drop(), C.drop()]);
  await fs.rm(dir, { recursive: true, force: true });
});

describe('POST /v2/bundles', () => {
  let app: FastifyInstance;
  let spool: string;
  let base: string;
  let empty: DbState;

  beforeAll(async () => {
    ({ app, spool } = await serviceOn(B.sql));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (typeof address !== 'object' || !address) throw new Error('not listening');
    base = `http://127.0.0.1:${address.port}`;
    empty = await dbState(B.sql);
  });

  it('answers 503 saying how to configure trust while no key is trusted, before reading the body', async () => {
    const res = await upload(app, fullBytes);
    expect(res.statusCode).toBe(503);
    const body = res.json<ErrorBody>();
    expect(body.error.code).toBe('UNAVAILABLE');
    expect(body.error.message).toMatch(/bundle import is not configured on this service: no trusted public key is configured/);
    expect(body.error.message).toMatch(/AIRFEED_TRUST/);
    // The server's directories are not the client's business.
    expect(body.error.message).not.toContain(trustDir);
    // Over a socket: headers announcing the whole bundle, no body byte sent; the answer comes anyway.
    const { req, response } = rawRequest(base, { ...adminAuth, ...TAR, 'content-length': fullBytes.length }, undefined, false);
    expect((await within(response, 5000)).status).toBe(503);
    req.destroy();
    expect(await spoolEntries(spool)).toEqual([]);
    expect(await dbState(B.sql)).toEqual(empty);
  });

  it('refuses without a token (401) and with a wrong one (403), before reading the body', async () => {
    await fs.copyFile(key.publicFile, path.join(trustDir, 'producer.pub.pem'));
    const none = await upload(app, fullBytes, '', TAR);
    expect(none.statusCode).toBe(401);
    expect(none.json<ErrorBody>().error.code).toBe('UNAUTHORIZED');
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    for (const token of ['not-the-admin-token-at-all', READ_TOKEN]) {
      const wrong = await upload(app, fullBytes, '', { ...TAR, authorization: `Bearer ${token}` });
      expect(wrong.statusCode).toBe(403);
      expect(wrong.json<ErrorBody>().error.code).toBe('FORBIDDEN');
    }
    // Over a socket, nothing of the body sent: the refusal does not wait for it.
    for (const [headers, status] of [[{}, 401], [{ authorization: 'Bearer not-the-admin-token-at-all' }, 403]] as const) {
      const { req, response } = rawRequest(base, { ...headers, ...TAR, 'content-length': fullBytes.length }, undefined, false);
      const answer = await within(response, 5000);
      expect(answer.status).toBe(status);
      // The unread body is not drained to keep the connection alive.
      expect(answer.headers['connection']).toBe('close');
      req.destroy();
    }
    expect(await spoolEntries(spool)).toEqual([]);
    expect(await dbState(B.sql)).toEqual(empty);
  });

  it('refuses other content types (415) and unknown or malformed query parameters (400), naming them', async () => {
    const json = await upload(app, Buffer.from('{"bundle":1}'), '', { ...adminAuth, 'content-type': 'application/json' });
    expect(json.statusCode).toBe(415);
    expect(json.json<ErrorBody>().error.message).toMatch(/header "content-type": application\/json is not supported; send the bundle file as application\/x-tar or application\/octet-stream/);
    const gz = await upload(app, fullBytes, '', { ...adminAuth, ...TAR, 'content-encoding': 'gzip' });
    expect(gz.statusCode).toBe(415);
    expect(gz.json<ErrorBody>().error.message).toMatch(/content-encoding/);
    const bad = await upload(app, fullBytes, '?allow_expired=yes');
    expect(bad.statusCode).toBe(400);
    expect(bad.json<ErrorBody>().error.message).toMatch(/query parameter "allow_expired" must be boolean/);
    const typo = await upload(app, fullBytes, '?allow-downgrade=true');
    expect(typo.statusCode).toBe(400);
    expect(typo.json<ErrorBody>().error.message).toMatch(/query parameter "allow-downgrade" is not known; this route takes allow_expired, allow_downgrade, wait/);
    const nobody = await app.inject({ method: 'POST', url: '/v2/bundles', headers: adminAuth });
    expect(nobody.statusCode).toBe(400);
    expect(nobody.json<ErrorBody>().error.message).toMatch(/the request has no body/);
    expect(await spoolEntries(spool)).toEqual([]);
    expect(await dbState(B.sql)).toEqual(empty);
  });

  it('imports a valid full bundle (200, imported), whose groups and counts are then served', async () => {
    const res = await upload(app, fullBytes);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<ImportBody>();
    expect(body).toMatchObject({ status: 'imported', bundleId: full.manifest.bundleId, kind: 'full', keyId: key.keyId });
    expect(body.importId).toBeTypeOf('number');
    expect(body.file).toBeUndefined();
    expect(body.message).toBe(`imported full bundle ${full.manifest.bundleId}: 2 groups, 9 records`);
    expect(body.groups.map((g) => [g.name, g.records, g.added, g.changed, g.removed])).toEqual([
      ['alpine:3.19', 5, 5, 0, 0],
      ['alpine:3.20', 4, 4, 0, 0],
    ]);
    const groups = (await app.inject({ method: 'GET', url: '/v2/groups' })).json<{ groups: { name: string; recordCount: number; maxSeq: number }[] }>().groups;
    expect(groups.map((g) => [g.name, g.recordCount])).toEqual([
      ['alpine:3.19', 5],
      ['alpine:3.20', 4],
    ]);
    expect(groups.every((g) => g.maxSeq > 0)).toBe(true);
    const one = await app.inject({ method: 'GET', url: '/v2/vulnerabilities/CVE-2024-4603' });
    expect(one.statusCode, one.body).toBe(200);
    expect(await spoolEntries(spool)).toEqual([]);
  });

  it('answers 200 unchanged for the same bundle again, recording no second import', async () => {
    const before = await dbState(B.sql);
    const res = await upload(app, fullBytes, '', { ...adminAuth, 'content-type': 'application/octet-stream' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<ImportBody>()).toMatchObject({ status: 'unchanged', bundleId: full.manifest.bundleId, importId: null, groups: [] });
    expect(res.json<ImportBody>().message).toMatch(/is already installed for all its 2 groups/);
    expect(await dbState(B.sql)).toEqual(before);
  });

  it('refuses a tampered bundle with 400 BUNDLE_INVALID, naming the member; the database is unchanged', async () => {
    const before = await dbState(B.sql);
    const file = await tamper(full.file, 'tampered', (es) =>
      es.map((e, i) => (i === 3 ? { ...e, data: Buffer.from(e.data.map((b, j) => (j === e.data.length - 9 ? b ^ 0xff : b))) } : e)),
    );
    const res = await upload(app, await fs.readFile(file));
    expect(res.statusCode).toBe(400);
    const body = res.json<ErrorBody>();
    expect(body.error.code).toBe('BUNDLE_INVALID');
    expect(body.error.message).toMatch(/^bundle upload\.tar: member data\/alpine%3A3\.19\/records-000001\.ndjson\.gz has sha256 [0-9a-f]{64} but the manifest says [0-9a-f]{64} \(altered or damaged\)$/);
    expect(body.error.hint).toMatch(/nothing was imported/);
    // The spool path stays on the server.
    expect(body.error.message).not.toContain(spool);
    expect(await dbState(B.sql)).toEqual(before);
    expect(await spoolEntries(spool)).toEqual([]);
  });

  it('refuses a bundle signed by an untrusted key with 400 BUNDLE_UNTRUSTED; the database is unchanged', async () => {
    const before = await dbState(B.sql);
    const signed = await exportBundle(A.sql, { privateKey: other.privateKey, out: path.join(dir, 'other.tar'), created: T2 });
    const res = await upload(app, await fs.readFile(signed.file));
    expect(res.statusCode).toBe(400);
    const body = res.json<ErrorBody>();
    expect(body.error.code).toBe('BUNDLE_UNTRUSTED');
    expect(body.error.message).toBe(`bundle upload.tar is signed by key ${other.keyId}, which is unknown or not trusted here (this service trusts 1 key)`);
    expect(await dbState(B.sql)).toEqual(before);
  });

  it('refuses an older full bundle (409 BUNDLE_OUT_OF_ORDER) unless allow_downgrade=true', async () => {
    const older = await exportBundle(A.sql, { privateKey: key.privateKey, out: path.join(dir, 'older.tar'), created: new Date('2024-12-01T00:00:00Z') });
    const bytes = await fs.readFile(older.file);
    const before = await dbState(B.sql);
    const res = await upload(app, bytes, '?allow_downgrade=false');
    expect(res.statusCode).toBe(409);
    expect(res.json<ErrorBody>().error.code).toBe('BUNDLE_OUT_OF_ORDER');
    expect(await dbState(B.sql)).toEqual(before);
    const forced = await upload(app, bytes, '?allow_downgrade=true');
    expect(forced.statusCode, forced.body).toBe(200);
    expect(forced.json<ImportBody>()).toMatchObject({ status: 'imported', bundleId: older.manifest.bundleId });
    // Back to the newer one for the history below.
    expect((await upload(app, fullBytes)).json<ImportBody>().status).toBe('imported');
  });

  it('GET /v2/bundles lists the imports newest first (admin token required)', async () => {
    expect((await app.inject({ method: 'GET', url: '/v2/bundles' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/v2/bundles', headers: { authorization: `Bearer ${READ_TOKEN}` } })).statusCode).toBe(403);
    const res = await app.inject({ method: 'GET', url: '/v2/bundles', headers: adminAuth });
    expect(res.statusCode, res.body).toBe(200);
    const { imports } = res.json<HistoryBody>();
    expect(imports).toHaveLength(3);
    expect(imports.map((i) => i.bundleId)[0]).toBe(full.manifest.bundleId);
    expect(imports[2]).toMatchObject({ bundleId: full.manifest.bundleId, kind: 'full', keyId: key.keyId });
    expect(imports[2]?.groups.map((g) => [g.name, g.records])).toEqual([
      ['alpine:3.19', 5],
      ['alpine:3.20', 4],
    ]);
    expect(imports[2]?.file).toMatch(/^upload from 127\.0\.0\.1 at \d{4}-\d{2}-\d{2}T/);
    expect(Date.parse(imports[2]?.importedAt ?? '')).not.toBeNaN();
    const limited = await app.inject({ method: 'GET', url: '/v2/bundles?limit=1', headers: adminAuth });
    expect(limited.json<HistoryBody>().imports.map((i) => i.id)).toEqual([imports[0]?.id]);
    const bad = await app.inject({ method: 'GET', url: '/v2/bundles?limit=0', headers: adminAuth });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<ErrorBody>().error.message).toMatch(/query parameter "limit" must be >= 1/);
  });

  it('answers 409 DRIVER_LOCKED while a sync holds the driver, or waits for it with wait=true', async () => {
    const lock = await lockDriver(B.sql, 'alpine');
    try {
      const res = await upload(app, fullBytes);
      expect(res.statusCode).toBe(409);
      expect(res.json<ErrorBody>().error).toMatchObject({ code: 'DRIVER_LOCKED', message: expect.stringMatching(/driver alpine is already being synced/) as unknown });
      const started = Date.now();
      const waiting = upload(app, fullBytes, '?wait=true');
      setTimeout(() => void lock.release(), 400);
      const done = await waiting;
      expect(Date.now() - started).toBeGreaterThanOrEqual(350);
      expect(done.statusCode, done.body).toBe(200);
      expect(done.json<ImportBody>().status).toBe('unchanged');
    } finally {
      await lock.release();
    }
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: unknown }> }; parameters?: { name: string }[]; security?: unknown }>>;
    }>();
    const post = doc.paths['/v2/bundles']?.['post'];
    expect(post?.requestBody?.content['application/x-tar']?.schema).toMatchObject({ type: 'string', format: 'binary' });
    expect(post?.requestBody?.content['application/octet-stream']).toBeDefined();
    expect(post?.parameters?.map((p) => p.name)).toEqual(['allow_expired', 'allow_downgrade', 'wait']);
    expect(post?.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/v2/bundles']?.['get']?.parameters?.map((p) => p.name)).toEqual(['limit']);
  });
});

describe('uploads that must import nothing', () => {
  let stateC: DbState;

  beforeAll(async () => {
    stateC = await dbState(C.sql);
    expect(stateC.imports).toBe(0);
  });

  it('refuses a body over the configured limit with 413, by Content-Length and while streaming', async () => {
    const { app, spool } = await serviceOn(C.sql, { maxBytes: fullBytes.length - 1 });
    const res = await upload(app, fullBytes);
    expect(res.statusCode).toBe(413);
    expect(res.headers['connection']).toBe('close');
    expect(res.json<ErrorBody>().error.message).toBe(
      `the bundle is larger than this service accepts: Content-Length is ${fullBytes.length} bytes, the limit is ${fullBytes.length - 1} bytes (AIRFEED_MAX_BUNDLE_BYTES); nothing was imported`,
    );
    // Chunked, without a Content-Length, over a real socket: counted while spooling; the client still gets the answer.
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (typeof address !== 'object' || !address) throw new Error('not listening');
    const { response } = rawRequest(`http://127.0.0.1:${address.port}`, { ...adminAuth, ...TAR }, fullBytes, true);
    const chunked = await within(response, 10_000);
    expect(chunked.status).toBe(413);
    expect(chunked.body).toMatch(new RegExp(`more than ${fullBytes.length - 1} bytes received, the limit is ${fullBytes.length - 1} bytes`));
    await eventually(async () => (await spoolEntries(spool)).length === 0);
    expect(await dbState(C.sql)).toEqual(stateC);
  });

  it('imports nothing from a client that disconnects mid-upload, and leaves the spool directory empty', async () => {
    const { app, spool } = await serviceOn(C.sql);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (typeof address !== 'object' || !address) throw new Error('not listening');
    // The bytes sent are a complete, valid bundle, but only half of the announced body: importing what
    // arrived would succeed, so only the completeness check stands between it and the database.
    const { req, response } = rawRequest(`http://127.0.0.1:${address.port}`, { ...adminAuth, ...TAR, 'content-length': fullBytes.length * 2 }, fullBytes, false);
    response.catch(() => undefined);
    const spooled = await eventually(async () => {
      const entries = await spoolEntries(spool);
      const file = entries.find((e) => e.endsWith('upload.tar'));
      if (!file) return false;
      const size = (await fs.stat(path.join(spool, file))).size;
      return size === fullBytes.length ? file : false;
    });
    expect(spooled).toMatch(/^airfeed-upload-[^/]+\/upload\.tar$/);
    req.destroy();
    await eventually(async () => (await spoolEntries(spool)).length === 0);
    // A last look after the handler is done: still nothing imported.
    await new Promise((r) => setTimeout(r, 200));
    expect(await dbState(C.sql)).toEqual(stateC);
    const history = await app.inject({ method: 'GET', url: '/v2/bundles', headers: adminAuth });
    expect(history.json<HistoryBody>().imports).toEqual([]);
  });

  it('the same bytes, complete, do import (the refusals above were not about the bundle)', async () => {
    const { app, spool } = await serviceOn(C.sql);
    const res = await upload(app, fullBytes);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<ImportBody>().status).toBe('imported');
    expect((await dbState(C.sql)).imports).toBe(1);
    expect(await spoolEntries(spool)).toEqual([]);
  });

  it('passes allow_expired through: an expired bundle is refused (400 BUNDLE_EXPIRED) unless allowed', async () => {
    const { app } = await serviceOn(C.sql);
    const expired = await exportBundle(A.sql, { privateKey: key.privateKey, out: path.join(dir, 'expired.tar'), created: T2, expires: new Date(T2.getTime() + 3600_000) });
    const bytes = await fs.readFile(expired.file);
    const before = await dbState(C.sql);
    const res = await upload(app, bytes);
    expect(res.statusCode).toBe(400);
    expect(res.json<ErrorBody>().error.code).toBe('BUNDLE_EXPIRED');
    expect(await dbState(C.sql)).toEqual(before);
    const allowed = await upload(app, bytes, '?allow_expired=true');
    expect(allowed.statusCode, allowed.body).toBe(200);
    expect(allowed.json<ImportBody>()).toMatchObject({ status: 'imported', bundleId: expired.manifest.bundleId });
  });
});

describe('bundle settings of loadServiceConfig', () => {
  it('defaults to <AIRFEED_HOME>/trusted-keys (which may not exist yet), 4 GiB, the OS temp dir', async () => {
    const c = await loadServiceConfig([alpine], {}, { AIRFEED_HOME: path.join(dir, 'home') });
    expect(c.bundles).toEqual({ trust: [path.join(dir, 'home', 'trusted-keys')], maxBytes: 4 * 2 ** 30, spoolDir: undefined });
  });

  it('reads AIRFEED_TRUST, AIRFEED_MAX_BUNDLE_BYTES, AIRFEED_BUNDLE_SPOOL_DIR; --trust replaces AIRFEED_TRUST', async () => {
    const env = { AIRFEED_TRUST: `${key.publicFile}, ${trustDir}`, AIRFEED_MAX_BUNDLE_BYTES: '1048576', AIRFEED_BUNDLE_SPOOL_DIR: path.join(dir, 'spool') };
    expect((await loadServiceConfig([alpine], {}, env)).bundles).toEqual({ trust: [key.publicFile, trustDir], maxBytes: 1_048_576, spoolDir: path.join(dir, 'spool') });
    expect((await loadServiceConfig([alpine], { trust: [other.publicFile] }, env)).bundles.trust).toEqual([other.publicFile]);
  });

  it('refuses a trust path that does not exist and a bad size, naming the setting', async () => {
    await expect(loadServiceConfig([alpine], {}, { AIRFEED_TRUST: '/no/such/key.pem' })).rejects.toThrow(/AIRFEED_TRUST: trusted key path \/no\/such\/key\.pem does not exist/);
    await expect(loadServiceConfig([alpine], { trust: ['/no/such/dir'] }, {})).rejects.toThrow(/--trust: trusted key path \/no\/such\/dir does not exist/);
    await expect(loadServiceConfig([alpine], {}, { AIRFEED_TRUST: ' , ' })).rejects.toThrow(/AIRFEED_TRUST: set but lists no path/);
    await expect(loadServiceConfig([alpine], {}, { AIRFEED_MAX_BUNDLE_BYTES: '4GiB' })).rejects.toThrow(/AIRFEED_MAX_BUNDLE_BYTES/);
    await expect(loadServiceConfig([alpine], {}, { AIRFEED_MAX_BUNDLE_BYTES: '0' })).rejects.toThrow(/AIRFEED_MAX_BUNDLE_BYTES/);
    await expect(loadServiceConfig([alpine], {}, { AIRFEED_BUNDLE_SPOOL_DIR: key.publicFile })).rejects.toThrow(/AIRFEED_BUNDLE_SPOOL_DIR: .* is a file, not a directory/);
  });
});
