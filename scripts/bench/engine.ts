/**
 * `npm run bench -- engine`: the scanning engine's hot paths, each measured in a child process (so
 * its peak RSS is its own) next to a floor measured on the same machine:
 *  - version comparators, per scheme, vs a plain JS string comparison of the same pairs;
 *  - a 5,000-package Alpine scan (parse + match + policy) vs the one SQL lookup it makes;
 *  - engine sync of BENCH_RECORDS records (default 300000) from a loopback feed service vs reading
 *    the same group's NDJSON and discarding it; then a re-sync with no change and one after 1%;
 *  - the same for BENCH_RECORDS records of `nvdv2:cves` shaped and sized as the nvd driver writes
 *    them (engine-data.ts nvdRecords: CPE configurations, several CVSS metrics, ~5 KB each).
 * BENCH_ENGINE_PARTS (comma-separated: cmp, sync, nvd, scan; default all) runs only some parts;
 * BENCH_CPU_PROF=<dir> writes a V8 CPU profile of every child process there.
 * The store is built as the product builds it: the Alpine driver (all of ../shared/realdata, else
 * the demo mirror) and a synthetic group `alpine:bench` in a feed-service database, served by the
 * real app on 127.0.0.1, synced into a fresh engine database.
 *
 *   node --import tsx scripts/bench/engine.ts       (embedded PostgreSQL, or DATABASE_URL's server)
 */
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { alpine } from '../../drivers/alpine/index.ts';
import { parseInput } from '../../engine-client/inputs/index.ts';
import { matchInventory, matchKey } from '../../engine-client/match/match.ts';
import { defaultPolicy, evaluatePolicy } from '../../engine-client/policy/policy.ts';
import { syncFromService } from '../../engine-client/sources/service.ts';
import { migrateEngine } from '../../engine-client/store/db.ts';
import { listGroups, lookupAffected } from '../../engine-client/store/status.ts';
import { COMPARATORS, isSchemeName, SCHEME_NAMES } from '../../drivers/_framework/versions/index.ts';
import { buildApp } from '../../feed-service/http/app.ts';
import { applyGroup } from '../../feed-service/storage/apply.ts';
import { createSql } from '../../feed-service/storage/db.ts';
import { dropDatabase, ensureDatabase } from '../../drivers/_framework/pg/embedded.ts';
import { registerGroups } from '../../feed-service/storage/groups.ts';
import { migrate } from '../../feed-service/storage/migrate.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { benchInventory, benchName, benchNames, benchRecords, fmt, nvdRecords, table, versionPairs, writeApkInstalled } from './engine-data.ts';
import { copyFloor, ndjsonFloor } from './engine-floors.ts';
import { benchServer } from './server.ts';
import { toAsync } from './synthetic.ts';
import { runBenchChild } from './child.ts';

const self = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(self), '../..');
const BENCH = 'alpine:bench';
const NVD = 'nvdv2:cves';
const PARTS = new Set((process.env['BENCH_ENGINE_PARTS'] ?? 'cmp,sync,nvd,scan').split(',').map((p) => p.trim()));
const INVENTORY = 5000;
const now = (): number => performance.now() / 1000;
const maxRssMB = (): number => Math.round(process.resourceUsage().maxRSS / 1024);
const cpuSeconds = (): number => {
  const u = process.resourceUsage();
  return (u.userCPUTime + u.systemCPUTime) / 1e6;
};
const emit = (result: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify({ ...result, maxRssMB: maxRssMB(), cpuSeconds: cpuSeconds() })}\n`);

/** Comparisons of one scheme: compare, compareParsed and the string floor over the same pairs, ~1e6 each. */
function cmpChild(scheme: string): void {
  if (!isSchemeName(scheme)) throw new Error(`unknown scheme ${scheme}`);
  const cmp = COMPARATORS[scheme];
  const { pairs, source } = versionPairs(path.resolve(root, '../shared/vercmp'), scheme, cmp);
  const a = pairs.map((p) => p[0]);
  const b = pairs.map((p) => p[1]);
  const pa = a.map((v) => cmp.parse(v));
  const pb = b.map((v) => cmp.parse(v));
  const reps = Math.max(1, Math.ceil(1e6 / Math.max(1, pairs.length)));
  let sink = 0;
  const loops = {
    compare: (r: number): void => { for (let k = 0; k < r; k++) for (let i = 0; i < a.length; i++) sink += cmp.compare(a[i] ?? '', b[i] ?? ''); },
    parsed: (r: number): void => { for (let k = 0; k < r; k++) for (let i = 0; i < pa.length; i++) sink += cmp.compareParsed(pa[i], pb[i]); },
    string: (r: number): void => {
      for (let k = 0; k < r; k++) for (let i = 0; i < a.length; i++) { const x = a[i] ?? '', y = b[i] ?? ''; sink += x < y ? -1 : x > y ? 1 : 0; }
    },
  };
  const seconds: Record<string, number> = {};
  for (const [name, loop] of Object.entries(loops)) {
    loop(Math.max(1, Math.ceil(reps / 10))); // warm-up: the JIT, not the measurement
    const t0 = now();
    loop(reps);
    seconds[name] = now() - t0;
  }
  emit({ source, comparisons: reps * pairs.length, seconds, sink });
}

/** The scan, twice (the first as a one-shot CLI process sees it), then its one lookup alone. */
async function scanChild(url: string, file: string, release: string): Promise<void> {
  const sql = createSql(url, { max: 1 });
  const distro = { id: 'alpine', release };
  try {
    await sql`select 1`;
    const runs = [];
    for (let run = 0; run < 2; run++) {
      const t0 = now();
      const inv = await parseInput(file);
      const t1 = now();
      const available = new Set((await listGroups(sql)).map((g) => g.name));
      const res = await matchInventory(inv, { lookup: (g, names) => lookupAffected(sql, g, names), available, distro });
      const t2 = now();
      const verdict = evaluatePolicy(res.matches, defaultPolicy(), new Date());
      const t3 = now();
      runs.push({ seconds: t3 - t0, parse: t1 - t0, match: t2 - t1, policy: t3 - t2, packages: inv.packages.length, matches: res.matches.length,
        problems: res.problems.length, violations: verdict.violations.length });
    }
    const names = [...new Set((await parseInput(file)).packages.map((p) => matchKey(p).name))];
    const t0 = now();
    const rows = await lookupAffected(sql, `alpine:${release}`, names);
    emit({ runs, lookup: { seconds: now() - t0, names: names.length, rows: rows.length } });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** One engine sync from the service (all groups when `group` is empty). */
async function syncChild(url: string, service: string, group: string, spoolDir: string): Promise<void> {
  const sql = createSql(url, { max: 2 });
  try {
    const t0 = now();
    const r = await syncFromService(sql, { url: service, http: new HttpClient({ timeoutMs: 300_000 }), log: silentLogger, spoolDir, ...(group ? { groups: [group] } : {}) });
    const seconds = now() - t0;
    // Sizes of the groups that moved (an unchanged group listed alongside is not this sync's work).
    const moved = r.groups.filter((g) => g.transferred > 0);
    const sum = (f: (g: (typeof r.groups)[number]) => number): number => moved.reduce((s, g) => s + f(g), 0);
    emit({ seconds, transferred: sum((g) => g.transferred), upserts: sum((g) => g.upserts), records: sum((g) => g.records), affected: sum((g) => g.affected),
      groups: moved.length, modes: [...new Set(r.groups.map((g) => g.mode))].join('/') });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

const runChild = <T>(...args: string[]): Promise<T & { maxRssMB: number }> => runBenchChild<T>(self, ...args);

interface Sync { seconds: number; transferred: number; upserts: number; records: number; affected: number; groups: number; modes: string; cpuSeconds: number }
interface Scan {
  runs: { seconds: number; parse: number; match: number; policy: number; packages: number; matches: number; problems: number; violations: number }[];
  lookup: { seconds: number; names: number; rows: number };
}

async function orchestrate(): Promise<void> {
  const n = Number(process.env['BENCH_RECORDS'] ?? 300_000);
  const alpineReal = path.resolve(root, '../shared/realdata/alpine/secdb-2024-12-31');
  const { work, adminUrl, stop } = await benchServer('airfeed-bench-engine-');
  const rows: string[][] = [];
  const row = (label: string, items: number, seconds: number | null, rss: number | null, baseline: string, ratio: number | null, note = ''): void =>
    void rows.push([label, fmt(items), seconds === null ? 'n/a' : seconds.toFixed(seconds < 0.1 ? 4 : 2), fmt(seconds ? items / seconds : null), rss === null ? '-' : String(rss), baseline, fmt(ratio, 3), note]);
  const dbNames = ['svc', 'eng'].map((x) => `airfeed_bench_engine_${x}_${process.pid}`);
  let closeApp = async (): Promise<void> => undefined;
  let svcSql: ReturnType<typeof createSql> | undefined;
  let engSql: ReturnType<typeof createSql> | undefined;
  try {
    const idle = await runChild<object>('idle');
    for (const scheme of PARTS.has('cmp') ? SCHEME_NAMES : []) {
      process.stderr.write(`bench engine: comparator ${scheme} …\n`);
      const c = await runChild<{ source: string; comparisons: number; seconds: Record<string, number> }>('cmp', scheme);
      const str = c.comparisons / (c.seconds['string'] ?? NaN);
      for (const [label, key] of [['compare', 'compare'], ['compareParsed', 'parsed']] as const) {
        const s = c.seconds[key] ?? null;
        row(`${label} ${scheme}`, c.comparisons, s, c.maxRssMB, `string < ${fmt(str / 1e6, 1)}M/s`, s ? c.comparisons / s / str : null, key === 'compare' ? c.source : '');
      }
    }

    const [svcUrl = '', engUrl = ''] = await Promise.all(dbNames.map((d) => ensureDatabase(adminUrl, d)));
    svcSql = createSql(svcUrl, { max: 10 });
    engSql = createSql(engUrl, { max: 2 });
    await migrate(svcSql, silentLogger);
    await migrateEngine(engSql, silentLogger);
    const real = existsSync(alpineReal);
    if (!real) process.stderr.write(`bench engine: ${alpineReal} absent, the real-data part is skipped: using drivers/alpine/demo-mirror\n`);
    const alpineSource = real ? alpineReal : path.join(root, 'drivers/alpine/demo-mirror');
    process.stderr.write(`bench engine: feed service: alpine driver from ${alpineSource}, ${fmt(n)} synthetic records in ${BENCH} …\n`);
    const report = await syncDriver(svcSql, alpine, { home: path.join(work, 'alpine-home'), http: new HttpClient(), log: silentLogger, source: alpineSource });
    if (report.status !== 'succeeded') throw new Error(`alpine sync ${report.status}: ${report.error ?? ''}`);
    await registerGroups(svcSql, 'bench', 'vulnerabilities', [{ name: BENCH, description: 'synthetic engine benchmark group' }]);
    if (PARTS.has('sync') || PARTS.has('scan')) await applyGroup(svcSql, { group: BENCH, complete: true, records: toAsync(benchRecords(n, BENCH)) }, { spoolDir: work });
    if (PARTS.has('nvd')) {
      await registerGroups(svcSql, 'bench', 'nvdv2', [{ name: NVD, description: 'synthetic NVD-shaped records' }]);
      await applyGroup(svcSql, { group: NVD, complete: true, records: toAsync(nvdRecords(n)) }, { spoolDir: work });
    }
    await svcSql`vacuum (analyze) records`;
    const app = await buildApp({ sql: svcSql, log: silentLogger, auth: { adminTokens: [] } });
    await app.listen({ port: 0, host: '127.0.0.1' });
    closeApp = () => app.close();
    const service = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

    const spool = path.join(work, 'spool');
    let floorRate = NaN;
    if (PARTS.has('sync') || PARTS.has('scan')) {
      process.stderr.write('bench engine: NDJSON floor …\n');
      await runChild('ndjson', service, BENCH); // warms the service's cache as the sync will find it
      const floor = await runChild<{ seconds: number; lines: number; bytes: number }>('ndjson', service, BENCH);
      floorRate = floor.lines / floor.seconds;
      row(`floor: GET /v2 NDJSON of ${BENCH}, discarded`, floor.lines, floor.seconds, floor.maxRssMB, '-', null, `${fmt(floor.bytes / 1e6 / floor.seconds, 1)} MB/s, ${fmt(floor.bytes / 1e6)} MB`);
      process.stderr.write('bench engine: engine sync …\n');
      const first = await runChild<Sync>('sync', engUrl, service, BENCH, spool);
      row(`engine sync ${BENCH}, empty engine`, first.transferred, first.seconds, first.maxRssMB, 'rate vs NDJSON floor', first.transferred / first.seconds / floorRate, `${first.modes}, ${fmt(first.affected)} affected rows, engine CPU ${first.cpuSeconds.toFixed(1)} s`);
      const same = await runChild<Sync>('sync', engUrl, service, BENCH, spool);
      row('engine re-sync, no change', same.transferred, same.seconds, same.maxRssMB, 'time vs first sync', same.seconds / first.seconds, `${same.modes}, transferred ${same.transferred}`);
      const changed = await applyGroup(svcSql, { group: BENCH, complete: true, records: toAsync(benchRecords(n, BENCH, 100)) }, { spoolDir: work });
      const pct = await runChild<Sync>('sync', engUrl, service, BENCH, spool);
      row('engine re-sync, 1% changed', pct.transferred, pct.seconds, pct.maxRssMB, 'time vs first sync', pct.seconds / first.seconds, `${pct.modes}, service changed ${changed.changed}, upserts ${pct.upserts}`);
    }
    if (PARTS.has('nvd')) {
      process.stderr.write(`bench engine: NDJSON floor and engine sync of ${NVD} …\n`);
      await runChild('ndjson', service, NVD);
      const floor = await runChild<{ seconds: number; lines: number; bytes: number }>('ndjson', service, NVD);
      const rate = floor.lines / floor.seconds;
      row(`floor: GET /v2 NDJSON of ${NVD}, discarded`, floor.lines, floor.seconds, floor.maxRssMB, '-', null, `${fmt(floor.bytes / 1e6 / floor.seconds, 1)} MB/s, ${fmt(floor.bytes / 1e6)} MB`);
      const copyFloor = await runChild<{ seconds: number; lines: number }>('copyfloor', engUrl, service, NVD);
      row(`floor: the same documents COPYed into a table, no parsing`, copyFloor.lines, copyFloor.seconds, copyFloor.maxRssMB, '-', null, 'PostgreSQL taking the bytes in');
      const first = await runChild<Sync>('sync', engUrl, service, NVD, spool);
      const cpes = (await engSql<{ n: number }[]>`select count(*)::int as n from cpe_targets where group_name = ${NVD}`)[0]?.n ?? 0;
      row(`engine sync ${NVD}, empty engine`, first.transferred, first.seconds, first.maxRssMB, 'rate vs NDJSON floor', first.transferred / first.seconds / rate, `${first.modes}, ${fmt(cpes)} CPE targets, engine CPU ${first.cpuSeconds.toFixed(1)} s`);
      row(`  the same, against the COPY floor`, first.transferred, first.seconds, null, 'rate vs COPY floor', copyFloor.seconds / first.seconds, '');
      const changed = await applyGroup(svcSql, { group: NVD, complete: true, records: toAsync(nvdRecords(n, 100)) }, { spoolDir: work });
      const pct = await runChild<Sync>('sync', engUrl, service, NVD, spool);
      row(`engine re-sync ${NVD}, 1% changed`, pct.transferred, pct.seconds, pct.maxRssMB, 'time vs first sync', pct.seconds / first.seconds, `${pct.modes}, service changed ${changed.changed}, upserts ${pct.upserts}`);
    }
    if (PARTS.has('sync')) {
      const all = await runChild<Sync>('sync', engUrl, service, '', spool);
      row(`engine sync, ${real ? 'real' : 'demo'} Alpine groups`, all.transferred, all.seconds, all.maxRssMB, 'rate vs NDJSON floor', all.transferred / all.seconds / floorRate, `${all.groups} groups, ${fmt(all.affected)} affected rows`);
    }

    // Inventories: the synthetic group (packages with ~30 affected rows each), and real alpine:3.20.
    const scans: [string, string, string[], (i: number) => string][] = [
      [`scan ${fmt(INVENTORY)} apk pkgs vs ${BENCH}`, 'bench', Array.from({ length: benchNames(n) }, (_, j) => benchName(j)), (i) => `${1 + (i % 2)}.${(i * 13) % 50}.0-r1`],
    ];
    const realNames = (await engSql<{ p: string }[]>`select distinct package as p from affected where group_name = 'alpine:3.20' order by 1`).map((r) => r.p);
    if (!PARTS.has('scan')) scans.length = 0;
    else if (realNames.length > 0) scans.push([`scan ${fmt(INVENTORY)} apk pkgs vs alpine:3.20 (${real ? 'real' : 'demo'})`, '3.20', realNames, (i) => (i % 2 ? '0.1-r0' : '99999-r0')]);
    for (const [label, release, origins, version] of scans) {
      process.stderr.write(`bench engine: ${label} …\n`);
      const file = path.join(work, `installed-${release}`);
      await writeApkInstalled(file, benchInventory(INVENTORY, origins, version));
      const s = await runChild<Scan>('scan', engUrl, file, release);
      for (const [i, r] of s.runs.entries()) {
        const note = `${fmt(r.matches)} matches, ${fmt(r.violations)} violations, ${r.problems} problems; parse ${r.parse.toFixed(3)} s, match ${r.match.toFixed(3)} s, policy ${r.policy.toFixed(3)} s`;
        row(`${label}${i === 0 ? ', first in process' : ', again'}`, r.packages, r.seconds, s.maxRssMB, 'time vs its SQL lookup', r.seconds / s.lookup.seconds, note);
      }
      row(`  floor: lookupAffected of its ${fmt(s.lookup.names)} names`, INVENTORY, s.lookup.seconds, null, '-', null, `${fmt(s.lookup.rows)} rows`);
    }

    console.log(`airfeed engine bench — ${os.cpus().length} cores, node ${process.version}, ${process.env['DATABASE_URL'] ? 'DATABASE_URL server' : 'embedded PostgreSQL'}; a child at rest: ${idle.maxRssMB} MB RSS`);
    console.log(table(['path', 'records/items', 'seconds', 'rate/s', 'peak RSS MB', 'baseline', 'ratio', 'note'], rows));
  } finally {
    await closeApp().catch(() => undefined);
    await svcSql?.end({ timeout: 5 });
    await engSql?.end({ timeout: 5 });
    for (const d of dbNames) await dropDatabase(adminUrl, d).catch(() => undefined);
    await stop();
  }
}

const [role, op = '', ...rest] = process.argv.slice(2);
if (role !== 'child') await orchestrate();
else if (op === 'idle') emit({});
else if (op === 'cmp') cmpChild(rest[0] ?? '');
else if (op === 'scan') await scanChild(rest[0] ?? '', rest[1] ?? '', rest[2] ?? '');
else if (op === 'sync') await syncChild(rest[0] ?? '', rest[1] ?? '', rest[2] ?? '', rest[3] ?? '');
else if (op === 'ndjson') emit(await ndjsonFloor(rest[0] ?? '', rest[1] ?? ''));
else if (op === 'copyfloor') emit(await copyFloor(rest[0] ?? '', rest[1] ?? '', rest[2] ?? ''));
else throw new Error(`unknown child ${op}`);
