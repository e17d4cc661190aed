/**
 * grype database benchmark: build time, database size (raw and .tar.zst) and peak RSS of
 * `buildGrypeDatabase`, each build in a child process so its peak RSS is its own, for
 *
 * 1. all real Alpine data (../shared/realdata/alpine/secdb-2024-12-31, synced first; skipped when absent);
 * 2. the same plus BENCH_RECORDS (default 300,000) synthetic records of `nvdv2:cves` as the NVD driver
 *    writes them, with CPE configurations in NVD's proportions (scripts/bench/synthetic.ts), mapped to
 *    affected CPE handles;
 * 3. everything real (test/helpers/realdata-sync.ts): in a database of its own, every real data set the drivers read,
 *    each synced by its driver: Alpine, the Debian tracker slice with the DSA/DLA lists, Canonical's
 *    Ubuntu OSV documents (vunnel's fixtures), the Red Hat VEX archive of 30 documents, the Go,
 *    RustSec, PyPA and GHSA OSV databases, the NVD API 2.0 pages (2002–2016 and modified), the KEV
 *    catalog, and the EPSS sample of vunnel's fixtures (FIRST's bulk score file is not in
 *    ../shared/realdata). Sets that are absent are named in a note;
 *
 * next to the floor on the same machine: `psql COPY (select group_name, id, doc from records …) TO`
 * a file, the same rows in the same order the build reads.
 *
 *   node --import tsx scripts/bench/grype.ts            (BENCH_CPU_PROF=<dir>: a CPU profile per build)
 *   node --import tsx scripts/bench/grype.ts child <url> <dir>
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { dropDatabase, ensureDatabase } from '../../drivers/_framework/pg/embedded.ts';
import { alpine } from '../../drivers/alpine/index.ts';
import { buildGrypeDatabase } from '../../feed-service/outputs/grype/build.ts';
import { applyGroup } from '../../feed-service/storage/apply.ts';
import { createSql } from '../../feed-service/storage/db.ts';
import { registerGroups } from '../../feed-service/storage/groups.ts';
import { migrate } from '../../feed-service/storage/migrate.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { benchServer } from './server.ts';
import { syncRealData } from '../../test/helpers/realdata-sync.ts';
import { syntheticNvdRecords, toAsync } from './synthetic.ts';

const self = fileURLToPath(import.meta.url);
const SHARED = path.resolve(path.dirname(self), '../../../shared/realdata');
const REALDATA = path.join(SHARED, 'alpine/secdb-2024-12-31');

interface Measure {
  seconds: number;
  maxRssMB: number;
  records: number;
  dbBytes: number;
  archiveBytes: number;
  vulnerabilities: number;
  affectedPackages: number;
  affectedCpes: number;
  kev: number;
  epss: number;
  blobs: number;
}

async function child(url: string, dir: string): Promise<void> {
  const sql = createSql(url, { max: 2 });
  try {
    const t0 = performance.now();
    const r = await buildGrypeDatabase(sql, dir);
    const m: Measure = {
      seconds: (performance.now() - t0) / 1000,
      maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      records: r.records,
      dbBytes: r.dbBytes,
      archiveBytes: r.archiveBytes,
      vulnerabilities: r.counts.vulnerabilities,
      affectedPackages: r.counts.affectedPackages,
      affectedCpes: r.counts.affectedCpes,
      kev: r.counts.kev,
      epss: r.counts.epss,
      blobs: r.counts.blobs,
    };
    process.stdout.write(`${JSON.stringify(m)}\n`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function runChild(url: string, dir: string): Measure {
  // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each build there.
  const prof = process.env['BENCH_CPU_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_CPU_PROF']}`] : [];
  const res = spawnSync(process.execPath, [...prof, '--import', 'tsx', self, 'child', url, dir], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const line = res.stdout.trim().split('\n').pop() ?? '';
  if (res.status !== 0 || !line.startsWith('{')) throw new Error(`bench child failed:\n${res.stderr}`);
  return JSON.parse(line) as Measure;
}

function timeShell(script: string): { seconds: number | null; error?: string } {
  const t0 = performance.now();
  const res = spawnSync('bash', ['-o', 'pipefail', '-c', script], { encoding: 'utf8' });
  const seconds = (performance.now() - t0) / 1000;
  return res.status === 0 ? { seconds } : { seconds: null, error: res.stderr.trim() || res.error?.message || 'failed' };
}

async function orchestrate(): Promise<void> {
  const n = Number(process.env['BENCH_RECORDS'] ?? 300_000);
  const { work, adminUrl, stop } = await benchServer('airfeed-bench-grype-');
  const dbName = `airfeed_bench_grype_${process.pid}`;
  const url = await ensureDatabase(adminUrl, dbName);
  const sql = createSql(url, { max: 2 });
  const rows: { label: string; m: Measure; floor: number | null }[] = [];
  const notes: string[] = [];
  try {
    await migrate(sql, silentLogger);
    const floorOf = (dbUrl: string): number | null => {
      const select = "select group_name, id, doc from records where not deleted order by group_name collate \"C\", id collate \"C\"";
      const r = timeShell(`psql -X -q -v ON_ERROR_STOP=1 '${dbUrl}' -c "copy (${select.replace(/"/g, '\\"')}) to stdout" > '${path.join(work, 'floor.copy')}'`);
      if (r.error) notes.push(`floor could not run: ${r.error}`);
      return r.seconds;
    };
    const floor = (): number | null => floorOf(url);
    const build = async (label: string): Promise<void> => {
      const dir = await fs.mkdtemp(path.join(work, 'build-'));
      await sql`vacuum (analyze) records`;
      const f = floor();
      const m = runChild(url, dir);
      rows.push({ label, m, floor: f });
      await fs.rm(dir, { recursive: true, force: true });
    };
    if (existsSync(REALDATA)) {
      process.stderr.write('bench: syncing the real Alpine secdb snapshot …\n');
      const report = await syncDriver(sql, alpine, { home: path.join(work, 'home'), http: new HttpClient(), log: silentLogger, source: REALDATA });
      if (report.status === 'failed') throw new Error(`alpine sync failed: ${report.error ?? ''}`);
      await build('all real Alpine data');
    } else {
      notes.push(`real Alpine data absent (${REALDATA}): its row is skipped`);
    }
    process.stderr.write(`bench: loading ${n.toLocaleString('en')} synthetic NVD records …\n`);
    await registerGroups(sql, 'nvd', 'nvdv2', [{ name: 'nvdv2:cves', description: 'synthetic benchmark group' }]);
    await applyGroup(sql, { group: 'nvdv2:cves', complete: true, records: toAsync(syntheticNvdRecords(n)) }, { spoolDir: work });
    await sql`update groups set last_success = '2024-12-31T00:00:00Z' where name = 'nvdv2:cves'`;
    await build(`Alpine + ${n.toLocaleString('en')} synthetic NVD`);

    // The last row is real data only, in a database of its own.
    const allName = `${dbName}_all`;
    const allUrl = await ensureDatabase(adminUrl, allName);
    const allSql = createSql(allUrl, { max: 2 });
    try {
      await migrate(allSql, silentLogger);
      process.stderr.write('bench: syncing every real data set …\n');
      const synced = await syncRealData(allSql, work, (m) => process.stderr.write(`bench: ${m}\n`));
      notes.push(...synced.notes);
      await allSql`vacuum (analyze) records`;
      const dir = await fs.mkdtemp(path.join(work, 'build-'));
      const f = floorOf(allUrl);
      rows.push({ label: `everything real (${synced.sets.join(', ')})`, m: runChild(allUrl, dir), floor: f });
      await fs.rm(dir, { recursive: true, force: true });
    } finally {
      await allSql.end({ timeout: 5 });
      await dropDatabase(adminUrl, allName).catch(() => undefined);
    }

    const fmt = (x: number | null, d = 0): string => (x === null || !Number.isFinite(x) ? 'n/a' : x.toLocaleString('en', { maximumFractionDigits: d }));
    const headers = ['data', 'records', 'seconds', 'records/s', 'db MB', 'tar.zst MB', 'ratio', 'peak RSS MB', 'COPY TO s', 'build/COPY'];
    const table = rows.map(({ label, m, floor: f }) => [
      label, fmt(m.records), m.seconds.toFixed(1), fmt(m.records / m.seconds), (m.dbBytes / 1e6).toFixed(1), (m.archiveBytes / 1e6).toFixed(1),
      `${(m.dbBytes / m.archiveBytes).toFixed(1)}:1`, String(m.maxRssMB), f === null ? 'n/a' : f.toFixed(2), f ? `${(m.seconds / f).toFixed(1)}x` : 'n/a',
    ]);
    const widths = headers.map((h, i) => Math.max(h.length, ...table.map((r) => (r[i] ?? '').length)));
    const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
    console.log(`airfeed grype bench — ${os.cpus().length} cores, node ${process.version}, ${process.env['DATABASE_URL'] ? 'DATABASE_URL server' : 'embedded PostgreSQL'}`);
    console.log(line(headers));
    for (const r of table) console.log(line(r));
    for (const { label, m } of rows) {
      console.log(`  ${label}: ${fmt(m.vulnerabilities)} vulnerability handles, ${fmt(m.affectedPackages)} affected package handles, ${fmt(m.affectedCpes)} affected CPE handles, ${fmt(m.kev)} KEV, ${fmt(m.epss)} EPSS, ${fmt(m.blobs)} blobs`);
    }
    for (const n2 of notes) console.log(`note: ${n2}`);
  } finally {
    await sql.end({ timeout: 5 });
    await dropDatabase(adminUrl, dbName).catch(() => undefined);
    await stop();
  }
}

const [role, url = '', dir = ''] = process.argv.slice(2);
if (role === 'child') await child(url, dir);
else await orchestrate();
