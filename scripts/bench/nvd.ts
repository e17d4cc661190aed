/**
 * `npm run bench -- nvd`: the NVD driver's sync at real scale, each case in a child process (so its
 * peak RSS is its own), next to a floor measured on the same machine and data:
 *
 * - the real NVD pages of ../shared/realdata/nvd/v2.0-feeds (80,844 + 2,393 CVEs; skipped when absent);
 * - a synthetic mirror of BENCH_RECORDS CVEs (default 300,000) made from the real CVEs (nvd-data.ts),
 *   and one of a third of that size, to show the peak RSS does not grow with the input;
 * - an incremental window with 1% of the 300,000 CVEs changed, served by a loopback CVE API
 *   (`lastModStartDate`/`lastModEndDate`, paged by 2,000): time and records written.
 *
 * The floor of a first sync is `JSON.parse` of the same decoded bytes (decompression not counted)
 * plus psql's client-side `COPY` of the same rows (as the sync stored them) into a plain table; the
 * ratio is floor time / sync time (1.0: as fast as the floor). Seconds are wall-clock; `cpu s` is
 * the sync process's own CPU time (PostgreSQL's is not in it).
 *
 *   node --import tsx scripts/bench/nvd.ts      (embedded PostgreSQL, or DATABASE_URL's server)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { copyEscape } from '../../drivers/_framework/pg/copy.ts';
import { dropDatabase, ensureDatabase } from '../../drivers/_framework/pg/embedded.ts';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { listPages } from '../../drivers/nvd/layout.ts';
import { nvd } from '../../drivers/nvd/index.ts';
import { epss } from '../../drivers/epss/index.ts';
import { createSql } from '../../feed-service/storage/db.ts';
import { saveDriverRun } from '../../feed-service/storage/groups.ts';
import { migrate } from '../../feed-service/storage/migrate.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { changedCves, writeEpssFile, writeSyntheticMirror } from './nvd-data.ts';
import { benchServer } from './server.ts';
import { runBenchChild } from './child.ts';

const self = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(self), '../..');
const REAL = path.resolve(root, '../shared/realdata/nvd/v2.0-feeds');
const FIXTURE = path.join(root, 'test/fixtures/drivers/nvd');
const GROUP = 'nvdv2:cves';
const maxRssMB = (): number => Math.round(process.resourceUsage().maxRSS / 1024);
const emit = (result: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify({ ...result, maxRssMB: maxRssMB() })}\n`);

interface SyncResult { records: number; written: number; seconds: number; cpu: number; maxRssMB: number; note: string }
interface FloorResult { seconds: number; bytes: number; maxRssMB: number }

/** Child: one sync of the nvd (or epss) driver, with a preset driver state for the incremental case. */
async function syncChild(url: string, source: string, home: string, state: string, driverId = 'nvd'): Promise<void> {
  const driver = driverId === 'epss' ? epss : nvd;
  const group = driverId === 'epss' ? 'epss:scores' : GROUP;
  const sql = createSql(url, { max: 4 });
  try {
    await migrate(sql, silentLogger);
    if (state !== '') await saveDriverRun(sql, 'nvd', { state: JSON.parse(state) as Record<string, unknown>, success: true });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const report = await syncDriver(sql, driver, { home, http: new HttpClient(), log: silentLogger, source });
    const seconds = (performance.now() - t0) / 1000;
    const cpuUsed = process.cpuUsage(cpu0);
    const g = report.groups[group];
    if (report.status === 'failed' || !g) throw new Error(`bench: sync failed: ${report.error ?? 'no group'}`);
    emit({
      records: g.added + g.changed + g.unchanged, written: g.added + g.changed + g.removed, seconds, cpu: (cpuUsed.user + cpuUsed.system) / 1e6,
      note: `added ${g.added}, changed ${g.changed}, removed ${g.removed}, unchanged ${g.unchanged}`,
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Child: `JSON.parse` of every page's decoded text, timed alone. */
async function parseFloorChild(dir: string): Promise<void> {
  let seconds = 0;
  let bytes = 0;
  for (const f of await listPages(dir)) {
    const raw = await fs.readFile(path.join(dir, f));
    const text = (f.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    bytes += Buffer.byteLength(text);
    const t0 = performance.now();
    const doc = JSON.parse(text) as { vulnerabilities: unknown[] };
    seconds += (performance.now() - t0) / 1000;
    if (doc.vulnerabilities.length < 0) throw new Error('unreachable');
  }
  emit({ seconds, bytes });
}

/** Child: psql's `\copy` of the group's stored rows into a plain table, timed alone. */
async function copyFloorChild(url: string, work: string): Promise<void> {
  const sql = createSql(url, { max: 2 });
  const file = path.join(work, 'nvd-floor.copy');
  try {
    const out = await fs.open(file, 'w');
    let bytes = 0;
    const cursor = sql<{ id: string; doc: string; hash: string; seq: string }[]>`
      select id, doc::text as doc, hash, seq::text as seq from records where group_name = ${GROUP} and not deleted`.cursor(2000);
    for await (const rows of cursor) {
      const buf = Buffer.from(rows.map((r) => `${GROUP}\t${copyEscape(r.id)}\t${copyEscape(r.doc)}\t${r.hash}\t${r.seq}\t2024-01-01 00:00:00+00\tf\n`).join(''));
      bytes += buf.length;
      await out.write(buf);
    }
    await out.close();
    await sql`drop table if exists bench_floor`;
    await sql`create table bench_floor (group_name text, id text, doc text, hash text, seq bigint, updated_at timestamptz, deleted boolean)`;
    const t0 = performance.now();
    const res = spawnSync('psql', [url, '-q', '-v', 'ON_ERROR_STOP=1', '-c', `\\copy bench_floor from '${file}'`], { encoding: 'utf8' });
    const seconds = (performance.now() - t0) / 1000;
    await sql`drop table bench_floor`;
    if (res.status !== 0) throw new Error(`bench: psql failed: ${res.error?.message ?? res.stderr}`);
    emit({ seconds, bytes });
  } finally {
    await fs.rm(file, { force: true });
    await sql.end({ timeout: 5 });
  }
}

const runChild = <T>(...args: string[]): Promise<T> => runBenchChild<T>(self, ...args);

/** A loopback CVE API serving `items` to window requests (and nothing to full ones). */
async function apiServer(items: unknown[]): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    requests.push(u.search);
    const start = Number(u.searchParams.get('startIndex') ?? '0');
    const per = Number(u.searchParams.get('resultsPerPage') ?? '2000');
    const from = Date.parse(u.searchParams.get('lastModStartDate') ?? '1970-01-01T00:00:00Z');
    const to = Date.parse(u.searchParams.get('lastModEndDate') ?? '2999-01-01T00:00:00Z');
    const inWindow = items.filter((it) => {
      const t = Date.parse(`${(it as { cve: { lastModified: string } }).cve.lastModified}Z`);
      return t >= from && t <= to;
    });
    const page = inWindow.slice(start, start + per);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({
      resultsPerPage: page.length, startIndex: start, totalResults: inWindow.length, format: 'NVD_CVE', version: '2.0', timestamp: new Date().toISOString().slice(0, 23), vulnerabilities: page,
    }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/rest/json/cves/2.0`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const fmt = (x: number, digits = 0): string => (Number.isFinite(x) ? x.toLocaleString('en', { maximumFractionDigits: digits }) : 'n/a');

async function orchestrate(): Promise<void> {
  const n = Number(process.env['BENCH_RECORDS'] ?? 300_000);
  const { work, adminUrl, stop } = await benchServer('airfeed-bench-nvd-');
  const rows: string[][] = [];
  const db = async (name: string): Promise<string> => ensureDatabase(adminUrl, `airfeed_bench_nvd_${name}_${process.pid}`);
  const dbs: string[] = [];
  const firstSync = async (label: string, mirror: string, dbName: string): Promise<string> => {
    process.stderr.write(`bench: ${label} …\n`);
    const url = await db(dbName);
    dbs.push(dbName);
    const sync = await runChild<SyncResult>('sync', url, mirror, path.join(work, `home-${dbName}`), '');
    const parse = await runChild<FloorResult>('parse-floor', mirror);
    const copy = await runChild<FloorResult>('copy-floor', url, work);
    const floor = parse.seconds + copy.seconds;
    rows.push([label, fmt(sync.records), sync.seconds.toFixed(1), sync.cpu.toFixed(1), fmt(sync.records / sync.seconds), String(sync.maxRssMB), `${floor.toFixed(1)} (parse ${parse.seconds.toFixed(1)} + COPY ${copy.seconds.toFixed(1)}, ${fmt(parse.bytes / 1e6)} MB)`, (floor / sync.seconds).toFixed(2)]);
    return url;
  };
  try {
    if (existsSync(REAL)) await firstSync('real NVD pages (2002–2016 + modified): first sync', REAL, 'real');
    else process.stderr.write(`bench: ${REAL} absent, the real-data case is skipped\n`);
    const templates = existsSync(REAL) ? REAL : FIXTURE;
    const small = Math.round(n / 3);
    for (const size of [small, n]) {
      const mirror = path.join(work, `synthetic-${size}`);
      process.stderr.write(`bench: writing a synthetic mirror of ${size} CVEs …\n`);
      await writeSyntheticMirror(mirror, size, templates);
      const url = await firstSync(`synthetic ${fmt(size)} CVEs: first sync`, mirror, `s${size}`);
      if (size !== n) continue;
      // The incremental window: 1% changed, from a loopback API, on top of the synthetic store.
      // The last sync ended a day ago; the changes are from 12 hours ago: one window.
      const changed = await changedCves(mirror, new Date(Date.now() - 12 * 3600_000).toISOString().slice(0, 23));
      const api = await apiServer(changed);
      try {
        process.stderr.write(`bench: incremental window with ${changed.length} changed CVEs …\n`);
        const state = JSON.stringify({ mode: 'api', api: api.url, through: new Date(Date.now() - 24 * 3600_000).toISOString() });
        const inc = await runChild<SyncResult>('sync', url, api.url, path.join(work, `home-s${size}`), state);
        rows.push([
          `incremental window, ${fmt(changed.length)} CVEs changed (1%)`, fmt(inc.records), inc.seconds.toFixed(1), inc.cpu.toFixed(1), fmt(inc.records / inc.seconds), String(inc.maxRssMB),
          `${inc.note}; ${api.requests.length} API requests`, '-',
        ]);
      } finally {
        await api.close();
      }
    }
    // EPSS: a day's file of N CVEs, then the next day's (every record's date moves).
    {
      const url = await db('epss');
      dbs.push('epss');
      const epssHome = path.join(work, 'home-epss');
      const rowsOf = (label: string, r: SyncResult): string[] => [label, fmt(r.records), r.seconds.toFixed(1), r.cpu.toFixed(1), fmt(r.records / r.seconds), String(r.maxRssMB), r.note, '-'];
      process.stderr.write(`bench: EPSS ${n} rows …\n`);
      await writeEpssFile(path.join(work, 'epss-1'), n, '2025-08-25');
      await writeEpssFile(path.join(work, 'epss-2'), n, '2025-08-26');
      rows.push(rowsOf(`EPSS ${fmt(n)} rows: first sync`, await runChild<SyncResult>('sync', url, path.join(work, 'epss-1'), epssHome, '', 'epss')));
      rows.push(rowsOf('EPSS: the next day (every record changes)', await runChild<SyncResult>('sync', url, path.join(work, 'epss-2'), epssHome, '', 'epss')));
    }
    const headers = ['path', 'records', 'seconds', 'cpu s', 'records/s', 'peak RSS MB', 'floor seconds', 'ratio'];
    const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
    console.log(`airfeed bench nvd — ${os.cpus().length} cores, node ${process.version}, ${process.env['DATABASE_URL'] ? 'DATABASE_URL server' : 'embedded PostgreSQL'}`);
    console.log(line(headers));
    for (const r of rows) console.log(line(r));
  } finally {
    for (const name of dbs) await dropDatabase(adminUrl, `airfeed_bench_nvd_${name}_${process.pid}`).catch(() => undefined);
    await stop();
  }
}

const [mode, kind, ...args] = process.argv.slice(2);
if (mode === 'child') {
  if (kind === 'sync') await syncChild(args[0] ?? '', args[1] ?? '', args[2] ?? '', args[3] ?? '', args[4] ?? 'nvd');
  else if (kind === 'parse-floor') await parseFloorChild(args[0] ?? '');
  else if (kind === 'copy-floor') await copyFloorChild(args[0] ?? '', args[1] ?? '');
  else throw new Error(`unknown child ${kind ?? ''}`);
} else {
  await orchestrate();
}
