/**
 * osv-scanner's offline databases as `airfeed serve` publishes them at /osv: the files of the
 * published build with ETags and 304s, rebuilds told by a sync, a build in progress never showing
 * through, disabled groups left out, a restart serving the last build, read tokens, `outputs` and
 * /metrics.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { alpine } from '../../drivers/alpine/index.ts';
import { createMetrics } from '../../feed-service/http/metrics.ts';
import { OsvPublisher } from '../../feed-service/outputs/osv/publisher.ts';
import { setEnabled } from '../../feed-service/storage/groups.ts';
import { listOutputs } from '../../feed-service/storage/outputs.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { type MirrorSpec, tempDir, writeMirror } from '../helpers/mirror.ts';
import { makeApp, READ_TOKEN } from '../service/service-helpers.ts';
import { LANGUAGE, putRecords, RHEL } from './grype-records.ts';
import { readZip } from './osv-helpers.ts';

const SPEC: MirrorSpec = {
  'v3.19': { main: { openssl: { '3.1.4-r1': ['CVE-2023-5678'] }, musl: { '1.2.4-r2': ['CVE-2020-28928'] } } },
  'v3.20': { main: { openssl: { '3.3.0-r2': ['CVE-2024-4603'] }, xen: { '4.18.2-r0': ['XSA-458'] } } },
};

let db: TestDb;
let home: string;
let mirror: string;
let publisher: OsvPublisher;
let app: FastifyInstance;

async function sync(): Promise<void> {
  const report = await syncDriver(db.sql, alpine, { home, http: new HttpClient(), log: silentLogger, source: mirror, outputs: publisher.notify });
  expect(report.status).not.toBe('failed');
}

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer; headers: Record<string, unknown> }> {
  const res = await app.inject({ url, headers });
  return { status: res.statusCode, body: res.rawPayload, headers: res.headers };
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  db = await createTestDb();
  home = await tempDir('airfeed-osv-http-');
  mirror = await writeMirror(path.join(home, 'mirror'), SPEC);
  const metrics = createMetrics(db.sql, silentLogger);
  publisher = new OsvPublisher({ sql: db.sql, root: path.join(home, 'outputs', 'osv'), log: silentLogger, onOutcome: (o, s) => metrics.observeOutput('osv', o, s) });
  app = await makeApp(db.sql, { osv: publisher, outputs: publisher.notify, metrics });
});
afterAll(async () => {
  await publisher.stop();
  await app.close();
  await db.drop();
});

describe('osv-scanner databases over HTTP', () => {
  it('answers 503 before anything was built', async () => {
    await publisher.start();
    expect(await publisher.check()).toBe('empty');
    const res = await app.inject({ url: '/osv/ecosystems.txt' });
    expect(res.statusCode).toBe(503);
    expect(res.json<{ error: { message: string } }>().error.message).toContain('no osv-scanner database has been built yet');
  });

  it('builds after a sync and serves ecosystems.txt and each file it implies, with their digests', async () => {
    await sync();
    await putRecords(db.sql, 'osv', 'github', LANGUAGE);
    await putRecords(db.sql, 'redhat', 'vulnerabilities', RHEL);
    expect(await publisher.check()).toBe('built');
    const eco = await get('/osv/ecosystems.txt');
    expect(eco.status).toBe(200);
    expect(eco.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(eco.body.toString()).toBe('Alpine\nGo\nMaven\nPyPI\nRed Hat\nnpm\n');
    for (const name of eco.body.toString().trim().split('\n')) {
      const zip = await get(`/osv/${encodeURIComponent(name)}/all.zip`);
      expect(zip.status, name).toBe(200);
      expect(zip.headers['content-type']).toBe('application/zip');
      expect(zip.headers['etag']).toBe(`"${sha256(zip.body)}"`);
      const csv = await get(`/osv/${encodeURIComponent(name)}/modified_id.csv`);
      expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(csv.body.toString().trim().split('\n').length, name).toBeGreaterThan(0);
    }
    expect((await get('/osv/modified_id.csv')).status).toBe(200);
    // An ecosystem with a space in its name, percent-encoded in the URL as a mirror asks for it.
    expect((await get('/osv/Red%20Hat/all.zip')).status).toBe(200);
    expect((await get('/osv/Debian/all.zip')).status).toBe(404);
    expect((await get('/osv/../current.json')).status).toBe(404);
    const out = (await listOutputs(db.sql)).find((o) => o.name === 'osv');
    expect(out).toMatchObject({ groups: ['alpine:3.19', 'alpine:3.20', 'github:go', 'github:java', 'github:npm', 'github:python', 'rhel:9'], lastError: null });
    expect(out!.checksum).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(out!.dataSeq).toBeGreaterThan(0);
  });

  it('answers a matching If-None-Match with 304', async () => {
    const first = await get('/osv/PyPI/all.zip');
    const etag = first.headers['etag'] as string;
    const again = await get('/osv/PyPI/all.zip', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect((await get('/osv/PyPI/all.zip', { 'if-none-match': '"other"' })).status).toBe(200);
  });

  it('never serves a partial file while a rebuild runs, and keeps the previous build downloadable', async () => {
    const before = await get('/osv/Alpine/all.zip');
    await writeMirror(mirror, { ...SPEC, 'v3.20': { main: { ...SPEC['v3.20']!['main'], curl: { '8.7.1-r0': ['CVE-2024-2398'] } } } });
    const report = await syncDriver(db.sql, alpine, { home, http: new HttpClient(), log: silentLogger, source: mirror });
    expect(report.status).toBe('succeeded');
    const rebuild = publisher.check();
    let done = false;
    void rebuild.finally(() => (done = true));
    const seen = new Set<string>();
    let reads = 0;
    let during = 0;
    while (!done || reads < 3) {
      if (!done) during++;
      const res = await get('/osv/Alpine/all.zip');
      expect(res.status).toBe(200);
      // Whatever is served is a whole zip with the digest it is served under.
      expect(`"${sha256(res.body)}"`).toBe(res.headers['etag']);
      seen.add(res.headers['etag'] as string);
      reads++;
      if (reads > 500) break;
    }
    expect(await rebuild).toBe('built');
    expect(during, 'reads made while the build ran').toBeGreaterThan(0);
    const after = await get('/osv/Alpine/all.zip');
    expect(after.headers['etag']).not.toBe(before.headers['etag']);
    expect([...seen].every((e) => e === before.headers['etag'] || e === after.headers['etag'])).toBe(true);
    const zip = path.join(await tempDir('airfeed-osv-http-zip-'), 'all.zip');
    await import('node:fs/promises').then((fs) => fs.writeFile(zip, after.body));
    expect((await readZip(zip)).map((e) => e.name)).toContain('CVE-2024-2398.json');
  });

  it('leaves out a disabled group', async () => {
    await setEnabled(db.sql, 'github:python', false);
    try {
      expect(await publisher.check()).toBe('built');
      expect((await get('/osv/ecosystems.txt')).body.toString()).toBe('Alpine\nGo\nMaven\nRed Hat\nnpm\n');
      // The ecosystem just dropped stays downloadable from the previous build until the next one.
      expect((await get('/osv/PyPI/all.zip')).status).toBe(200);
      expect((await listOutputs(db.sql)).find((o) => o.name === 'osv')?.groups).not.toContain('github:python');
    } finally {
      await setEnabled(db.sql, 'github:python', true);
    }
  });

  it('reports builds in /metrics', async () => {
    const text = (await app.inject({ url: '/metrics' })).body;
    expect(text).toMatch(/airfeed_output_builds_total\{output="osv",outcome="built"\} [2-9]/);
    expect(text).toMatch(/airfeed_output_data_seq\{output="osv"\} \d+/);
    expect(text).toMatch(/airfeed_output_last_build_timestamp_seconds\{output="osv"\} \d+/);
    expect(text).toMatch(/airfeed_output_failing\{output="osv"\} 0/);
  });

  it('serves the last build again after a restart, without building', async () => {
    const served = (await get('/osv/ecosystems.txt')).headers['etag'];
    const restarted = new OsvPublisher({ sql: db.sql, root: path.join(home, 'outputs', 'osv'), log: silentLogger });
    await restarted.start();
    expect(`"${restarted.file('ecosystems.txt')?.file.sha256 ?? ''}"`).toBe(served);
    expect(await restarted.check()).toBe('unchanged');
    await restarted.stop();
  });

  it('asks for a read token when reads need one', async () => {
    const guarded = await makeApp(db.sql, { osv: publisher, auth: { adminTokens: [], readTokens: [READ_TOKEN] } });
    try {
      expect((await guarded.inject({ url: '/osv/ecosystems.txt' })).statusCode).toBe(401);
      const basic = `Basic ${Buffer.from(`airfeed:${READ_TOKEN}`).toString('base64')}`;
      expect((await guarded.inject({ url: '/osv/ecosystems.txt', headers: { authorization: basic } })).statusCode).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});
