/**
 * `Expect: 100-continue` on POST /v2/bundles, against a real listening server: a refusal that needs
 * no body (too large by Content-Length, no or wrong token, another content type, unknown query
 * parameter, no trusted key) is the final answer instead of `100 Continue`, so the client never
 * sends the body (and `curl -T big.tar` reads the 413 instead of a broken pipe); an acceptable
 * upload gets `100 Continue` and is imported. Other routes with a body still get their `100 Continue`.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportBundle } from '../../feed-service/bundles/export.ts';
import { makeKey, type TestKey } from '../bundles/helpers.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { haveCommand, skipUnless } from '../helpers/skip.ts';
import { tempDir } from '../helpers/mirror.ts';
import { ADMIN_TOKEN, alpineHome, makeApp } from './service-helpers.ts';

const run = promisify(execFile);

interface Outcome {
  status: number;
  body: string;
  /** Whether the server said `100 Continue` (and so the body was sent). */
  continued: boolean;
}

let A: TestDb;
let B: TestDb;
let dir: string;
let key: TestKey;
let bundle: Buffer;
const apps: FastifyInstance[] = [];

/** A service on B trusting `trust`, listening on loopback; returns its base URL. */
async function listening(options: { trust: string[]; maxBytes?: number }): Promise<string> {
  const app = await makeApp(B.sql, { bundles: { trust: options.trust, spoolDir: path.join(dir, 'spool'), ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}) } });
  apps.push(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (typeof address !== 'object' || !address) throw new Error('not listening');
  return `http://127.0.0.1:${address.port}`;
}

/** Sends headers with `Expect: 100-continue`; writes `body` only on `100 Continue`, as curl and browsers do. */
function expecting(url: string, headers: Record<string, string | number>, body: Buffer, method = 'POST'): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    let continued = false;
    const req = http.request(url, { method, headers: { expect: '100-continue', 'content-length': body.length, ...headers } });
    req.once('continue', () => {
      continued = true;
      req.end(body);
    });
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), continued });
        req.destroy();
      });
    });
    req.once('error', reject);
    req.flushHeaders();
  });
}

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const TAR = { 'content-type': 'application/x-tar' };

beforeAll(async () => {
  [A, B] = await Promise.all([createTestDb(), createTestDb()]);
  dir = await tempDir('airfeed-continue-');
  key = await makeKey(path.join(dir, 'keys'), 'producer');
  await fs.mkdir(path.join(dir, 'trusted-keys'));
  await fs.copyFile(key.publicFile, path.join(dir, 'trusted-keys', 'producer.pub.pem'));
  await fs.mkdir(path.join(dir, 'empty-trust'));
  const report = await (await alpineHome(A.sql)).sync();
  expect(report.status).not.toBe('failed');
  bundle = await fs.readFile((await exportBundle(A.sql, { privateKey: key.privateKey, out: path.join(dir, 'full.tar'), created: new Date('2025-01-01T00:00:00Z') })).file);
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await Promise.all([A.drop(), B.drop()]);
  await fs.rm(dir, { recursive: true, force: true });
});

describe('Expect: 100-continue on POST /v2/bundles', () => {
  it('answers 413 instead of 100 Continue when Content-Length is over the limit: the body is never sent', async () => {
    const base = await listening({ trust: [path.join(dir, 'trusted-keys')], maxBytes: bundle.length - 1 });
    const r = await expecting(`${base}/v2/bundles`, { ...admin, ...TAR }, bundle);
    expect(r.status).toBe(413);
    expect(r.continued).toBe(false);
    expect(r.body).toMatch(new RegExp(`Content-Length is ${bundle.length} bytes, the limit is ${bundle.length - 1} bytes`));
  });

  it('refuses without a token (401), a wrong token (403), another type (415), an unknown option (400), no trusted key (503), all before the body', async () => {
    const base = await listening({ trust: [path.join(dir, 'trusted-keys')] });
    const cases: [Record<string, string>, string, number][] = [
      [TAR, '', 401],
      [{ ...TAR, authorization: 'Bearer not-the-admin-token-at-all' }, '', 403],
      [{ ...admin, 'content-type': 'application/json' }, '', 415],
      [{ ...admin, ...TAR }, '?allow-expired=true', 400],
    ];
    for (const [headers, query, status] of cases) {
      const r = await expecting(`${base}/v2/bundles${query}`, headers, bundle);
      expect([r.status, r.continued], `${status}: ${r.body}`).toEqual([status, false]);
    }
    const untrusting = await listening({ trust: [path.join(dir, 'empty-trust')] });
    const r = await expecting(`${untrusting}/v2/bundles`, { ...admin, ...TAR }, bundle);
    expect([r.status, r.continued], r.body).toEqual([503, false]);
  });

  it('says 100 Continue to an acceptable upload, which is then imported', async () => {
    const base = await listening({ trust: [path.join(dir, 'trusted-keys')] });
    const r = await expecting(`${base}/v2/bundles`, { ...admin, ...TAR }, bundle);
    expect(r.continued).toBe(true);
    expect(r.status, r.body).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ status: 'imported' });
  });

  it('still says 100 Continue on other routes with a body', async () => {
    const base = await listening({ trust: [path.join(dir, 'trusted-keys')] });
    const r = await expecting(`${base}/v2/admin/groups/nosuch:1`, { ...admin, 'content-type': 'application/json' }, Buffer.from('{"enabled":false}'), 'PATCH');
    expect(r.continued).toBe(true);
    expect(r.status, r.body).toBe(404);
  });

  it('curl -T, as in the README, reads the 413', skipUnless(haveCommand('curl'), 'curl is not installed'), async () => {
    const big = path.join(dir, 'big.tar');
    await fs.writeFile(big, Buffer.alloc(3 * 1024 * 1024, 1));
    const base = await listening({ trust: [path.join(dir, 'trusted-keys')], maxBytes: 1024 * 1024 });
    const r = await run('curl', ['--fail-with-body', '-sS', '-X', 'POST', '-T', big, '-H', `Authorization: Bearer ${ADMIN_TOKEN}`, '-H', 'Content-Type: application/x-tar', '-w', '\n%{http_code} %{size_upload}', `${base}/v2/bundles`]).then(
      (x) => ({ code: 0, stdout: x.stdout, stderr: x.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
    // 22: --fail-with-body saw an HTTP error, the answer printed; not 55 (send failure) or 56 (receive failure).
    expect(r.code, r.stderr).toBe(22);
    expect(r.stdout).toMatch(/the limit is 1 MiB \(AIRFEED_MAX_BUNDLE_BYTES\)/);
    expect(r.stdout).toMatch(/\n413 0$/);
  });
});
