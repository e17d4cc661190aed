/**
 * `npm run bench -- debian`: the Debian driver at the real tracker's scale and the engine's dpkg scan,
 * each measured in a child process (so its peak RSS is its own), next to floors measured on the same
 * machine:
 *  - a generated tracker JSON of the real file's size and shape (debian-data.ts: ~35,000 sources,
 *    ~70 MB) and DSA/DLA lists: the first sync (fetch from a mirror directory, parse, apply), a
 *    re-sync with nothing changed, a re-sync with 1% of the sources changed; records/s;
 *  - peak RSS of the first sync at half, full and double the size: flat means it does not follow
 *    the input;
 *  - the floor: `JSON.parse` of the same bytes, plus psql's `\copy` of the same records as apply
 *    stores them; the sync's time as a ratio to that;
 *  - the engine: this machine's dpkg database (/var/lib/dpkg/status, ~800 packages; a generated one
 *    when absent) scanned against every Debian group the sync produced (the generator puts this
 *    machine's source packages first, at versions around the installed ones, so the scan finds
 *    rows): wall time in process, first and again, and of the `airfeed-engine scan` command.
 *
 *   node --import tsx scripts/bench/debian.ts     (embedded PostgreSQL, or DATABASE_URL's server)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { canonicalJson, sha256Hex } from '../../drivers/_framework/canonical.ts';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { dropDatabase, ensureDatabase } from '../../drivers/_framework/pg/embedded.ts';
import { copyEscape } from '../../drivers/_framework/pg/copy.ts';
import { debian } from '../../drivers/debian/index.ts';
import { parseDpkgStatus } from '../../engine-client/inputs/dpkg-status.ts';
import { matchInventory, matchKey } from '../../engine-client/match/match.ts';
import { defaultPolicy, evaluatePolicy } from '../../engine-client/policy/policy.ts';
import { syncFromService } from '../../engine-client/sources/service.ts';
import { lookupAdvisories } from '../../engine-client/store/advisories.ts';
import { migrateEngine } from '../../engine-client/store/db.ts';
import { listGroups, lookupAffected } from '../../engine-client/store/status.ts';
import { buildApp } from '../../feed-service/http/app.ts';
import { createSql } from '../../feed-service/storage/db.ts';
import { migrate } from '../../feed-service/storage/migrate.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { writeLists, writeTracker } from './debian-data.ts';
import { fmt, table } from './engine-data.ts';
import { benchServer } from './server.ts';
import { runBenchChild } from './child.ts';

const self = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(self), '../..');
const STATUS = '/var/lib/dpkg/status';
const SOURCES = Number(process.env['BENCH_DEBIAN_SOURCES'] ?? 35_000);
const now = (): number => performance.now() / 1000;
const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const maxRssMB = (): number => Math.round(process.resourceUsage().maxRSS / 1024);
const emit = (result: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify({ ...result, maxRssMB: maxRssMB() })}\n`);

/** Writes a mirror directory (tracker JSON and lists) of `sources` sources. */
async function writeMirror(dir: string, sources: number, known: ReadonlyMap<string, string>, changeEvery = 0): Promise<{ bytes: number; entries: number }> {
  await fs.mkdir(path.join(dir, 'tracker/data'), { recursive: true });
  await fs.mkdir(path.join(dir, 'data/DSA'), { recursive: true });
  await fs.mkdir(path.join(dir, 'data/DLA'), { recursive: true });
  const r = writeTracker(path.join(dir, 'tracker/data/json'), { sources, known, changeEvery });
  writeLists(path.join(dir, 'data/DSA/list'), path.join(dir, 'data/DLA/list'), r.fixes);
  return { bytes: r.bytes, entries: r.entries };
}

/** One sync of the debian driver from `mirror` into the database at `url`, with its home `home`. */
async function syncChild(url: string, home: string, mirror: string): Promise<void> {
  const sql = createSql(url, { max: 4 });
  try {
    const t0 = now();
    const c0 = cpu();
    const r = await syncDriver(sql, debian, { home, http: new HttpClient(), log: silentLogger, source: mirror });
    if (r.status === 'failed') throw new Error(r.error ?? 'sync failed');
    const groups = Object.values(r.groups);
    const sum = (k: 'added' | 'changed' | 'removed' | 'unchanged'): number => groups.reduce((s, g) => s + g[k], 0);
    emit({ seconds: now() - t0, cpu: cpu() - c0, status: r.status, added: sum('added'), changed: sum('changed'), removed: sum('removed'), unchanged: sum('unchanged'), groups: groups.length });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** The parse floor: JSON.parse of the tracker JSON's bytes. */
async function parseFloorChild(file: string): Promise<void> {
  const t0 = now();
  const text = await fs.readFile(file, 'utf8');
  const doc = JSON.parse(text) as Record<string, unknown>;
  emit({ seconds: now() - t0, sources: Object.keys(doc).length });
}

/** The COPY floor: the records the driver parses, as apply stores them, written to a file (not timed), then psql \copy (timed). */
async function copyFloorChild(url: string, workspace: string, file: string): Promise<void> {
  const out = await fs.open(file, 'w');
  let n = 0;
  let parts: string[] = [];
  for await (const g of debian.parse({ workspace, log: silentLogger })) {
    for await (const r of g.records) {
      const doc = canonicalJson(r);
      parts.push(`${g.name}\t${copyEscape(r.id)}\t${copyEscape(doc)}\t${sha256Hex(doc)}\t${++n}\t2024-01-01 00:00:00+00\tf\n`);
      if (parts.length >= 2000) {
        await out.write(parts.join(''));
        parts = [];
      }
    }
  }
  await out.write(parts.join(''));
  await out.close();
  const sql = createSql(url, { max: 1 });
  try {
    await sql`drop table if exists bench_floor`;
    await sql`create table bench_floor (group_name text, id text, doc text, hash text, seq bigint, updated_at timestamptz, deleted boolean)`;
    const t0 = now();
    const res = spawnSync('psql', [url, '-q', '-v', 'ON_ERROR_STOP=1', '-c', `\\copy bench_floor from '${file}'`], { encoding: 'utf8' });
    const seconds = now() - t0;
    await sql`drop table bench_floor`;
    if (res.status !== 0) throw new Error(`psql \\copy failed: ${res.error?.message ?? res.stderr}`);
    emit({ seconds, records: n, bytes: (await fs.stat(file)).size });
  } finally {
    await sql.end({ timeout: 5 });
    await fs.rm(file, { force: true });
  }
}

/** Engine sync of every group from the service. */
async function engineSyncChild(url: string, service: string, spool: string): Promise<void> {
  const sql = createSql(url, { max: 2 });
  try {
    const t0 = now();
    const r = await syncFromService(sql, { url: service, http: new HttpClient({ timeoutMs: 600_000 }), log: silentLogger, spoolDir: spool });
    emit({ seconds: now() - t0, records: r.groups.reduce((s, g) => s + g.records, 0), affected: r.groups.reduce((s, g) => s + g.affected, 0) });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** The scan of `file` against debian:12 (parse + match + advisories + policy), twice, then its one lookup alone. */
async function scanChild(url: string, file: string): Promise<void> {
  const sql = createSql(url, { max: 1 });
  const distro = { id: 'debian', release: '12' };
  try {
    await sql`select 1`;
    const runs = [];
    for (let run = 0; run < 2; run++) {
      const t0 = now();
      const inv = await parseDpkgStatus(file);
      const t1 = now();
      const available = new Set((await listGroups(sql)).map((g) => g.name));
      const res = await matchInventory(inv, { lookup: (g, names) => lookupAffected(sql, g, names), available, distro, advisories: (keys) => lookupAdvisories(sql, keys) });
      const t2 = now();
      const verdict = evaluatePolicy(res.matches, defaultPolicy(), new Date());
      runs.push({ seconds: now() - t0, parse: t1 - t0, match: t2 - t1, packages: inv.packages.length, matches: res.matches.length, problems: res.problems.length,
        violations: verdict.violations.length, groups: available.size });
    }
    const names = [...new Set((await parseDpkgStatus(file)).packages.map((p) => matchKey(p).name))];
    const t0 = now();
    const rows = await lookupAffected(sql, 'debian:12', names);
    emit({ runs, lookup: { seconds: now() - t0, names: names.length, rows: rows.length } });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

const runChild = <T>(...args: string[]): Promise<T & { maxRssMB: number }> => runBenchChild<T>(self, ...args);

/** A dpkg status file of `n` packages when this machine has none (generated sources, installed versions). */
async function fallbackStatus(file: string, n: number): Promise<Map<string, string>> {
  const known = new Map<string, string>();
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const src = `machine-src-${Math.floor(i / 3)}`;
    const version = `${1 + (i % 7)}.${i % 13}.0-${1 + (i % 3)}`;
    known.set(src, version);
    lines.push(`Package: machine-bin-${i}`, 'Status: install ok installed', `Source: ${src}`, `Version: ${version}`, '');
  }
  await fs.writeFile(file, lines.join('\n'));
  return known;
}

interface Sync { seconds: number; cpu: number; status: string; added: number; changed: number; removed: number; unchanged: number; groups: number }
interface Scan { runs: { seconds: number; parse: number; match: number; packages: number; matches: number; problems: number; violations: number; groups: number }[]; lookup: { seconds: number; names: number; rows: number } }

async function orchestrate(): Promise<void> {
  const { work, adminUrl, stop } = await benchServer('airfeed-bench-debian-');
  const rows: string[][] = [];
  const row = (label: string, items: number | null, seconds: number | null, rss: number | null, baseline: string, ratio: number | null, note = ''): void =>
    void rows.push([label, fmt(items), seconds === null ? 'n/a' : seconds.toFixed(seconds < 0.1 ? 4 : 2), fmt(items !== null && seconds ? items / seconds : null), rss === null ? '-' : String(rss), baseline, fmt(ratio, 2), note]);
  const dbNames = ['full', 'half', 'double', 'floor', 'engine'].map((x) => `airfeed_bench_debian_${x}_${process.pid}`);
  let closeApp = async (): Promise<void> => undefined;
  try {
    let status = STATUS;
    let known: Map<string, string>;
    if (existsSync(STATUS)) {
      known = new Map((await parseDpkgStatus(STATUS)).packages.map((p) => [matchKey(p).name, matchKey(p).version]));
    } else {
      status = path.join(work, 'status');
      process.stderr.write(`bench debian: ${STATUS} absent: scanning a generated database of 800 packages instead\n`);
      known = await fallbackStatus(status, 800);
    }
    process.stderr.write(`bench debian: generating tracker data (${fmt(SOURCES)} sources, half, double, 1% changed) …\n`);
    const full = await writeMirror(path.join(work, 'full'), SOURCES, known);
    const half = await writeMirror(path.join(work, 'half'), Math.round(SOURCES / 2), known);
    const dbl = await writeMirror(path.join(work, 'double'), SOURCES * 2, known);
    await writeMirror(path.join(work, 'changed'), SOURCES, known, 100);
    const urls = Object.fromEntries(await Promise.all(dbNames.map(async (d) => [d.split('_')[3] ?? d, await ensureDatabase(adminUrl, d)] as const)));
    for (const k of ['full', 'half', 'double', 'floor']) {
      const sql = createSql(urls[k] ?? '', { max: 1 });
      await migrate(sql, silentLogger);
      await sql.end({ timeout: 5 });
    }
    const idle = await runChild<object>('idle');

    process.stderr.write('bench debian: floors …\n');
    const parseFloor = await runChild<{ seconds: number; sources: number }>('parse-floor', path.join(work, 'full/tracker/data/json'));
    row(`floor: JSON.parse of the tracker JSON (${fmt(full.bytes / 1e6)} MB)`, full.entries, parseFloor.seconds, parseFloor.maxRssMB, '-', null, `${fmt(full.bytes / 1e6 / parseFloor.seconds, 1)} MB/s`);

    process.stderr.write('bench debian: first sync …\n');
    const home = path.join(work, 'home-full');
    const first = await runChild<Sync>('sync', urls['full'] ?? '', home, path.join(work, 'full'));
    const records = first.added;
    const copyFloor = await runChild<{ seconds: number; records: number; bytes: number }>('copy-floor', urls['floor'] ?? '', path.join(home, 'workspaces/debian'), path.join(work, 'floor.copy'));
    row(`floor: psql \\copy of the same records`, copyFloor.records, copyFloor.seconds, null, '-', null, `${fmt(copyFloor.bytes / 1e6)} MB`);
    const floor = parseFloor.seconds + copyFloor.seconds;
    row(`first sync, ${fmt(SOURCES)} sources, ${fmt(full.bytes / 1e6)} MB`, records, first.seconds, first.maxRssMB, 'time vs JSON.parse + COPY', first.seconds / floor,
      `${first.groups} groups, ${fmt(full.entries)} release entries, cpu ${first.cpu.toFixed(1)} s`);
    const same = await runChild<Sync>('sync', urls['full'] ?? '', home, path.join(work, 'full'));
    row('re-sync, nothing changed', records, same.seconds, same.maxRssMB, 'time vs first sync', same.seconds / first.seconds, same.status);
    const pct = await runChild<Sync>('sync', urls['full'] ?? '', home, path.join(work, 'changed'));
    row('re-sync, 1% of sources changed', records, pct.seconds, pct.maxRssMB, 'time vs first sync', pct.seconds / first.seconds,
      `changed ${fmt(pct.changed)}, added ${fmt(pct.added)}, removed ${fmt(pct.removed)}`);

    process.stderr.write('bench debian: memory at half and double size …\n');
    const h = await runChild<Sync>('sync', urls['half'] ?? '', path.join(work, 'home-half'), path.join(work, 'half'));
    row(`first sync at half size (${fmt(half.bytes / 1e6)} MB)`, h.added, h.seconds, h.maxRssMB, 'peak RSS vs full size', h.maxRssMB / first.maxRssMB);
    const d = await runChild<Sync>('sync', urls['double'] ?? '', path.join(work, 'home-double'), path.join(work, 'double'));
    row(`first sync at double size (${fmt(dbl.bytes / 1e6)} MB)`, d.added, d.seconds, d.maxRssMB, 'peak RSS vs full size', d.maxRssMB / first.maxRssMB);

    process.stderr.write('bench debian: engine …\n');
    const svcSql = createSql(urls['full'] ?? '', { max: 10 });
    const engSql = createSql(urls['engine'] ?? '', { max: 1 });
    await migrateEngine(engSql, silentLogger);
    await engSql.end({ timeout: 5 });
    const app = await buildApp({ sql: svcSql, log: silentLogger, auth: { adminTokens: [] } });
    await app.listen({ port: 0, host: '127.0.0.1' });
    closeApp = async () => {
      await app.close();
      await svcSql.end({ timeout: 5 });
    };
    const service = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const es = await runChild<{ seconds: number; records: number; affected: number }>('engine-sync', urls['engine'] ?? '', service, path.join(work, 'spool'));
    row('engine sync of every Debian group', es.records, es.seconds, es.maxRssMB, '-', null, `${fmt(es.affected)} affected rows`);
    const s = await runChild<Scan>('scan', urls['engine'] ?? '', status);
    for (const [i, r] of s.runs.entries()) {
      row(`scan ${status} (${fmt(r.packages)} pkgs) vs debian:12${i === 0 ? ', first in process' : ', again'}`, r.packages, r.seconds, s.maxRssMB, 'time vs its SQL lookup', r.seconds / s.lookup.seconds,
        `${fmt(r.matches)} matches, ${r.problems} problems, ${r.groups} groups held; parse ${r.parse.toFixed(3)} s, match ${r.match.toFixed(3)} s`);
    }
    row(`  floor: lookupAffected of its ${fmt(s.lookup.names)} source names`, s.lookup.names, s.lookup.seconds, null, '-', null, `${fmt(s.lookup.rows)} rows`);
    const bin = path.join(root, 'scripts/airfeed-engine.mjs');
    const t0 = now();
    const cli = spawnSync(process.execPath, [bin, 'scan', status, '--distro', 'debian:12', '--format', 'json', '--fail-on', 'none'], {
      encoding: 'utf8', env: { ...process.env, AIRFEED_ENGINE_DATABASE_URL: urls['engine'] ?? '', AIRFEED_LOG_LEVEL: 'silent' }, maxBuffer: 1 << 28,
    });
    const cliSeconds = now() - t0;
    if (cli.status !== 0) throw new Error(`airfeed-engine scan failed: ${cli.stderr}`);
    row('  airfeed-engine scan, the whole command', s.runs[0]?.packages ?? 0, cliSeconds, null, '-', null, 'process start, database connect, scan, JSON out');

    console.log(`airfeed debian bench — ${os.cpus().length} cores, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}, node ${process.version}, ${process.env['DATABASE_URL'] ? 'DATABASE_URL server' : 'embedded PostgreSQL'}; a child at rest: ${(idle).maxRssMB} MB RSS`);
    console.log(table(['path', 'records/items', 'seconds', 'rate/s', 'peak RSS MB', 'baseline', 'ratio', 'note'], rows));
  } finally {
    await closeApp().catch(() => undefined);
    for (const d of dbNames) await dropDatabase(adminUrl, d).catch(() => undefined);
    await stop();
  }
}

const [role, op = '', ...rest] = process.argv.slice(2);
if (role !== 'child') await orchestrate();
else if (op === 'idle') emit({});
else if (op === 'sync') await syncChild(rest[0] ?? '', rest[1] ?? '', rest[2] ?? '');
else if (op === 'parse-floor') await parseFloorChild(rest[0] ?? '');
else if (op === 'copy-floor') await copyFloorChild(rest[0] ?? '', rest[1] ?? '', rest[2] ?? '');
else if (op === 'engine-sync') await engineSyncChild(rest[0] ?? '', rest[1] ?? '', rest[2] ?? '');
else if (op === 'scan') await scanChild(rest[0] ?? '', rest[1] ?? '');
else throw new Error(`unknown child ${op}`);
