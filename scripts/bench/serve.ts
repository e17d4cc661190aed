/**
 * Feed service benchmark: serving one large group (BENCH_RECORDS, default 300000) through /v2 NDJSON
 * and /v1 pages, next to the floor `psql -c "COPY (SELECT …) TO STDOUT"` of the same rows, then
 * autocannon (32 connections on loopback) against a 1000-record /v1 page and /v2/groups.
 *
 * The server runs in a child process (this file with `--server <databaseUrl>`), so its peak RSS is
 * its own: the parent samples /proc/<pid>/status during each measurement. Usage:
 *   node --import tsx scripts/bench/serve.ts              (embedded PostgreSQL unless DATABASE_URL)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { loadServiceConfig } from '../../feed-service/http/config.ts';
import { shutdownOnSignals, startServer } from '../../feed-service/server.ts';
import { applyGroup } from '../../feed-service/storage/apply.ts';
import { createSql } from '../../feed-service/storage/db.ts';
import { dropDatabase, ensureDatabase } from '../../drivers/_framework/pg/embedded.ts';
import { benchServer } from './server.ts';
import { registerGroups } from '../../feed-service/storage/groups.ts';
import { migrate } from '../../feed-service/storage/migrate.ts';
import { syntheticRecords, toAsync } from './synthetic.ts';

const GROUP = 'bench:synthetic';
const SMALL = 'bench:small';
const self = fileURLToPath(import.meta.url);

interface CannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number; average: number };
  throughput: { average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}
type Autocannon = (opts: { url: string; connections: number; duration: number; timeout?: number }) => Promise<CannonResult>;

/** Child mode: the real server (startServer) on 127.0.0.1, port printed as one JSON line. */
async function serverMode(url: string): Promise<void> {
  const sql = createSql(url, { max: 10 });
  const service = await loadServiceConfig([], { port: 0, host: '127.0.0.1', schedule: false }, {});
  const server = await startServer({
    config: { home: os.tmpdir(), databaseUrl: url, embeddedPort: undefined },
    service,
    log: silentLogger,
    drivers: [],
    database: { sql, description: 'bench', close: () => sql.end({ timeout: 5 }) },
  });
  shutdownOnSignals(server, silentLogger);
  process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
  await server.closed;
}

/** Samples VmRSS of `pid` while `fn` runs; returns fn's result and the peak in MB. */
async function withRss<T>(pid: number, fn: () => Promise<T>): Promise<[T, number]> {
  let peak = 0;
  const sample = (): void => {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (m?.[1]) peak = Math.max(peak, Number(m[1]) / 1024);
  };
  sample();
  const timer = setInterval(sample, 25);
  try {
    const out = await fn();
    sample();
    return [out, Math.round(peak)];
  } finally {
    clearInterval(timer);
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const out = await fn();
  return [out, (performance.now() - t0) / 1000];
}

async function ndjsonCount(base: string, group: string): Promise<number> {
  const res = await request(`${base}/v2/groups/${group}/records?after=0`, { headers: { accept: 'application/x-ndjson' }, bodyTimeout: 120_000 });
  if (res.statusCode !== 200) throw new Error(`NDJSON answered ${res.statusCode}`);
  let lines = 0;
  for await (const chunk of res.body) {
    const buf = chunk as Buffer;
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) lines++;
  }
  return lines;
}

async function v1Count(base: string, group: string): Promise<number> {
  let token = '';
  let n = 0;
  for (;;) {
    const res = await request(`${base}/v1/service/feeds/vulnerabilities/${group}${token ? `?next_token=${token}` : ''}`);
    if (res.statusCode !== 200 || res.headers['content-type'] !== 'application/json') throw new Error(`/v1 page answered ${res.statusCode}`);
    const page = (await res.body.json()) as { data: unknown[]; next_token: string };
    n += page.data.length;
    token = page.next_token;
    if (!token) return n;
  }
}

async function v2PagesCount(base: string, group: string): Promise<number> {
  let after = 0;
  let n = 0;
  for (;;) {
    const res = await request(`${base}/v2/groups/${group}/records?after=${after}&limit=1000`);
    const page = (await res.body.json()) as { records: unknown[]; next: number; more: boolean };
    n += page.records.length;
    after = page.next;
    if (!page.more) return n;
  }
}

/** The floor: psql streams the same rows as COPY text to /dev/null. */
async function floor(url: string, group: string): Promise<void> {
  const out = await fs.open('/dev/null', 'w');
  try {
    const query = `COPY (SELECT seq, id, deleted, updated_at, doc FROM records WHERE group_name = '${group}' ORDER BY seq) TO STDOUT`;
    const child = spawn('psql', [url, '-q', '-v', 'ON_ERROR_STOP=1', '-c', query], { stdio: ['ignore', out.fd, 'pipe'] });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`psql failed: ${err}`);
  } finally {
    await out.close();
  }
}

async function startChild(url: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', self, '--server', url], {
    env: { ...process.env, AIRFEED_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const base = await new Promise<string>((resolve, reject) => {
    if (!child.stdout) return reject(new Error('no stdout'));
    readline.createInterface({ input: child.stdout }).once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, base };
}

/** Stops the server child gracefully (SIGTERM) and waits for it. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function main(): Promise<void> {
  const n = Number(process.env['BENCH_RECORDS'] ?? 300_000);
  const small = Math.max(1000, Math.round(n / 10));
  const { work, adminUrl, stop } = await benchServer('airfeed-bench-serve-');
  const dbName = `airfeed_bench_serve_${process.pid}`;
  const url = await ensureDatabase(adminUrl, dbName);
  const sql = createSql(url, { max: 2 });
  let child: ChildProcess | undefined;
  try {
    await migrate(sql, silentLogger);
    for (const [group, count] of [[GROUP, n], [SMALL, small]] as const) {
      process.stderr.write(`bench serve: loading ${count} records into ${group} …\n`);
      await registerGroups(sql, 'bench', 'vulnerabilities', [{ name: group, description: 'synthetic benchmark group' }]);
      await applyGroup(sql, { group, complete: true, records: toAsync(syntheticRecords(count, group)) }, { spoolDir: work });
    }
    await sql`vacuum analyze records`;

    process.stderr.write('bench serve: psql COPY floor …\n');
    await floor(url, GROUP); // warm the cache the same way for every reader
    const [, floorSeconds] = await timed(() => floor(url, GROUP));

    const rows: string[][] = [];
    const rate = (count: number, s: number): number => count / s;
    const fmt = (x: number, d = 0): string => (Number.isFinite(x) ? x.toLocaleString('en', { maximumFractionDigits: d }) : 'n/a');
    const floorRate = rate(n, floorSeconds);
    rows.push([`floor: psql COPY … TO STDOUT (${GROUP})`, fmt(n), floorSeconds.toFixed(2), fmt(floorRate), '-', '-']);

    // A fresh server per measurement: its peak RSS then belongs to that measurement alone.
    let idle = 0;
    const measure = async <T>(fn: (base: string) => Promise<T>): Promise<[T, number]> => {
      const started = await startChild(url);
      child = started.child;
      const pid = child.pid ?? 0;
      try {
        idle = Math.max(idle, (await withRss(pid, async () => undefined))[1]);
        return await withRss(pid, () => fn(started.base));
      } finally {
        await stopChild(child);
      }
    };

    for (const [label, fn, group, count] of [
      [`/v2 NDJSON stream (group of ${fmt(small)}, memory check)`, ndjsonCount, SMALL, small],
      ['/v2 NDJSON stream (whole group)', ndjsonCount, GROUP, n],
      ['/v1 pages of 1000 (whole group)', v1Count, GROUP, n],
      ['/v2 JSON pages of 1000 (whole group)', v2PagesCount, GROUP, n],
    ] as const) {
      process.stderr.write(`bench serve: ${label} …\n`);
      const [[got, seconds], rss] = await measure((base) => timed(() => fn(base, group)));
      if (got !== count) throw new Error(`${label}: got ${got} records, expected ${count}`);
      rows.push([label, fmt(count), seconds.toFixed(2), fmt(rate(count, seconds)), String(rss), fmt(rate(count, seconds) / floorRate, 2)]);
    }

    const require = createRequire(import.meta.url);
    const autocannon = require('autocannon') as Autocannon;
    const load: string[][] = [];
    for (const [label, p] of [
      ['/v1 data page (1000 records)', `/v1/service/feeds/vulnerabilities/${GROUP}`],
      ['/v2/groups', '/v2/groups'],
    ] as const) {
      process.stderr.write(`bench serve: autocannon ${label} …\n`);
      const [r, rss] = await measure((base) => autocannon({ url: `${base}${p}`, connections: 32, duration: 10, timeout: 30 }));
      load.push([label, fmt(r.requests.average, 1), String(r.latency.p50), String(r.latency.p99), fmt(r.throughput.average / 1e6, 1), String(r.errors + r.timeouts), String(r.non2xx), String(rss)]);
    }

    const table = (headers: string[], body: string[][]): string => {
      const widths = headers.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
      return [headers, ...body].map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')).join('\n');
    };
    console.log(`airfeed serve bench — ${os.cpus().length} cores, node ${process.version}, ${process.env['DATABASE_URL'] ? 'DATABASE_URL server' : 'embedded PostgreSQL'}; server idle RSS up to ${idle} MB (a fresh server per row)`);
    console.log(table(['path', 'records', 'seconds', 'records/s', 'server peak RSS MB', 'ratio to floor'], rows));
    console.log('\nautocannon, 32 connections, 10 s, loopback, client in another process:');
    console.log(table(['request', 'req/s', 'p50 ms', 'p99 ms', 'MB/s', 'errors', 'non-2xx', 'server peak RSS MB'], load));
  } finally {
    if (child) await stopChild(child);
    await sql.end({ timeout: 5 });
    await dropDatabase(adminUrl, dbName);
    await stop();
  }
}

const serverAt = process.argv.indexOf('--server');
if (serverAt !== -1) await serverMode(process.argv[serverAt + 1] ?? '');
else await main();
