/**
 * The grype database as `airfeed serve` publishes it: /grype/databases/v6/latest.json and the archive
 * it names, conditional GETs, rebuilds told by a sync (the outputs notifier), a build in progress
 * never showing through, disabled groups left out, read tokens, and what `outputs` and /metrics say.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { alpine } from '../../drivers/alpine/index.ts';
import { createMetrics } from '../../feed-service/http/metrics.ts';
import { GrypePublisher } from '../../feed-service/outputs/grype/publisher.ts';
import { setEnabled } from '../../feed-service/storage/groups.ts';
import { listOutputs } from '../../feed-service/storage/outputs.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { type MirrorSpec, tempDir, writeMirror } from '../helpers/mirror.ts';
import { makeApp, READ_TOKEN } from '../service/service-helpers.ts';
import { openReadOnly, readArchive } from './grype-helpers.ts';

const SPEC: MirrorSpec = {
  'v3.19': { main: { openssl: { '3.1.4-r1': ['CVE-2023-5678'] }, musl: { '1.2.4-r2': ['CVE-2020-28928'] } } },
  'v3.20': { main: { openssl: { '3.3.0-r2': ['CVE-2024-4603'] }, xen: { '4.18.2-r0': ['XSA-458'] } } },
};

const LATEST = '/grype/databases/v6/latest.json';

let db: TestDb;
let home: string;
let mirror: string;
let publisher: GrypePublisher;
let app: FastifyInstance;

async function sync(): Promise<void> {
  const report = await syncDriver(db.sql, alpine, { home, http: new HttpClient(), log: silentLogger, source: mirror, outputs: publisher.notify });
  expect(report.status).not.toBe('failed');
}

interface Latest {
  path: string;
  checksum: string;
  built: string;
}

async function latest(): Promise<Latest> {
  const res = await app.inject({ url: LATEST });
  expect(res.statusCode).toBe(200);
  return res.json<Latest>();
}

async function archive(name: string): Promise<Buffer> {
  const res = await app.inject({ url: `/grype/databases/v6/${name}` });
  expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
  return res.rawPayload;
}

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

beforeAll(async () => {
  db = await createTestDb();
  home = await tempDir('airfeed-grype-http-');
  mirror = await writeMirror(path.join(home, 'mirror'), SPEC);
  const metrics = createMetrics(db.sql, silentLogger);
  publisher = new GrypePublisher({ sql: db.sql, root: path.join(home, 'outputs', 'grype'), log: silentLogger, onOutcome: (o, s) => metrics.observeOutput('grype', o, s) });
  app = await makeApp(db.sql, { grype: publisher, outputs: publisher.notify, metrics });
});
afterAll(async () => {
  await publisher.stop();
  await app.close();
  await db.drop();
});

describe('grype database over HTTP', () => {
  it('answers 503 before anything was built', async () => {
    await publisher.start();
    expect(await publisher.check()).toBe('empty');
    const res = await app.inject({ url: LATEST });
    expect(res.statusCode).toBe(503);
    expect(res.json<{ error: { message: string } }>().error.message).toContain('no grype database has been built yet');
  });

  it('builds after a sync (told by the outputs notifier) and serves latest.json and the archive it names', async () => {
    await sync();
    // The notifier started a check; asking again waits for it (and checks once more, finding nothing new).
    expect(await publisher.check()).toBe('unchanged');
    const l = await latest();
    expect(l.path).toMatch(/^vulnerability-db_v6\.1\.9_\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ_\d+\.tar\.zst$/);
    const bytes = await archive(l.path);
    expect(sha256(bytes)).toBe(l.checksum);
    const outputs = await listOutputs(db.sql);
    expect(outputs).toHaveLength(1);
    expect(outputs[0]).toMatchObject({ name: 'grype', groups: ['alpine:3.19', 'alpine:3.20'], checksum: l.checksum, lastError: null });
    expect(outputs[0]!.dataTime?.toISOString().slice(0, 19)).toBe(l.built.slice(0, 19));
  });

  it('answers a matching If-None-Match with 304, for latest.json and the archive', async () => {
    const first = await app.inject({ url: LATEST });
    const etag = first.headers['etag'] as string;
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    const again = await app.inject({ url: LATEST, headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect((await app.inject({ url: LATEST, headers: { 'if-none-match': '"other"' } })).statusCode).toBe(200);
    const l = first.json<Latest>();
    const a = await app.inject({ url: `/grype/databases/v6/${l.path}` });
    expect(a.headers['etag']).toBe(`"${l.checksum.slice('sha256:'.length)}"`);
    expect(a.headers['content-length']).toBe(String(a.rawPayload.length));
    expect((await app.inject({ url: `/grype/databases/v6/${l.path}`, headers: { 'if-none-match': a.headers['etag'] as string } })).statusCode).toBe(304);
    expect((await app.inject({ url: '/grype/databases/v6/vulnerability-db_v6.1.9_2020-01-01T00:00:00Z_1.tar.zst' })).statusCode).toBe(404);
  });

  it('never serves a partial or mismatched file while a rebuild runs', async () => {
    const before = await latest();
    await writeMirror(mirror, { ...SPEC, 'v3.20': { main: { ...SPEC['v3.20']!['main'], curl: { '8.7.1-r0': ['CVE-2024-2398'] } } } });
    // Sync without telling the publisher, then start the rebuild ourselves and read while it runs.
    const report = await syncDriver(db.sql, alpine, { home, http: new HttpClient(), log: silentLogger, source: mirror });
    expect(report.status).toBe('succeeded');
    // The data time is the sync's, to the second: make it a later second than the first build's.
    await db.sql`update groups set last_success = last_success + interval '1 minute'`;
    const rebuild = publisher.check();
    let done = false;
    void rebuild.finally(() => (done = true));
    const seen = new Set<string>();
    let reads = 0;
    let during = 0;
    while (!done || reads < 3) {
      if (!done) during++;
      const l = await latest();
      // Whatever listing is served, the archive it names is complete and has its checksum.
      expect(sha256(await archive(l.path))).toBe(l.checksum);
      seen.add(l.checksum);
      reads++;
      if (reads > 500) break;
    }
    expect(await rebuild).toBe('built');
    expect(during, 'reads made while the build ran').toBeGreaterThan(0);
    const after = await latest();
    expect(after.checksum).not.toBe(before.checksum);
    expect([...seen].every((c) => c === before.checksum || c === after.checksum)).toBe(true);
    // The previous archive still downloads until the next build replaces it.
    expect(sha256(await archive(before.path))).toBe(before.checksum);
  });

  it('leaves out a disabled group', async () => {
    await setEnabled(db.sql, 'alpine:3.19', false);
    try {
      expect(await publisher.check()).toBe('built');
      const members = await readArchive(path.join(await tempFile(await archive((await latest()).path))));
      const file = path.join(await tempDir('airfeed-grype-http-db-'), 'vulnerability.db');
      await fs.writeFile(file, members.get('vulnerability.db')!);
      const sqlite = openReadOnly(file);
      try {
        expect(sqlite.prepare('select major_version, minor_version from operating_systems order by id').all()).toEqual([{ major_version: '3', minor_version: '20' }]);
      } finally {
        sqlite.close();
      }
      expect((await listOutputs(db.sql))[0]!.groups).toEqual(['alpine:3.20']);
    } finally {
      await setEnabled(db.sql, 'alpine:3.19', true);
    }
  });

  it('reports builds in /metrics', async () => {
    const text = (await app.inject({ url: '/metrics' })).body;
    expect(text).toMatch(/airfeed_output_builds_total\{output="grype",outcome="built"\} [3-9]/);
    expect(text).toMatch(/airfeed_output_data_seq\{output="grype"\} \d+/);
    expect(text).toMatch(/airfeed_output_data_timestamp_seconds\{output="grype"\} \d+/);
    expect(text).toMatch(/airfeed_output_failing\{output="grype"\} 0/);
  });

  it('serves the last build again after a restart, without building', async () => {
    const served = await latest();
    const restarted = new GrypePublisher({ sql: db.sql, root: path.join(home, 'outputs', 'grype'), log: silentLogger });
    await restarted.start();
    expect(restarted.current()?.checksum).toBe(served.checksum);
    expect(await restarted.check()).toBe('unchanged');
    await restarted.stop();
  });

  it('asks for a read token when reads need one', async () => {
    const guarded = await makeApp(db.sql, { grype: publisher, auth: { adminTokens: [], readTokens: [READ_TOKEN] } });
    try {
      expect((await guarded.inject({ url: LATEST })).statusCode).toBe(401);
      const basic = `Basic ${Buffer.from(`airfeed:${READ_TOKEN}`).toString('base64')}`;
      expect((await guarded.inject({ url: LATEST, headers: { authorization: basic } })).statusCode).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});

async function tempFile(bytes: Buffer): Promise<string> {
  const file = path.join(await tempDir('airfeed-grype-http-archive-'), 'a.tar.zst');
  await fs.writeFile(file, bytes);
  return file;
}
