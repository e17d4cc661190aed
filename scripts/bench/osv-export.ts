/**
 * osv-scanner export benchmark: build time, size of the files written, the largest all.zip, and
 * peak RSS of `buildOsvExport`, each build in a child process so its peak RSS is its own, for
 *
 * 1. all real Alpine data (../shared/realdata/alpine/secdb-2024-12-31, synced first; skipped when absent);
 * 2. the same plus the real Go, RustSec and GHSA OSV documents in their `github:*` groups;
 * 3. the same plus BENCH_OSV_RECORDS (default 200,000) synthetic npm advisories, osv.dev's npm set in
 *    size (most of it short MAL- reports): the largest ecosystem zip osv.dev publishes (~210 MB);
 *
 * next to the floor on the same machine: `psql COPY (select group_name, id, doc from records …) TO`
 * a file, the same rows the export reads.
 *
 *   node --import tsx scripts/bench/osv-export.ts
 *   node --import tsx scripts/bench/osv-export.ts child <url> <dir>
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
import type { VulnRecord } from '../../drivers/_framework/record.ts';
import { fromOsv } from '../../drivers/_framework/shapes/osv-in.ts';
import { alpine } from '../../drivers/alpine/index.ts';
import { buildOsvExport } from '../../feed-service/outputs/osv/build.ts';
import { applyGroup } from '../../feed-service/storage/apply.ts';
import { createSql } from '../../feed-service/storage/db.ts';
import { registerGroups } from '../../feed-service/storage/groups.ts';
import { migrate } from '../../feed-service/storage/migrate.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { benchServer } from './server.ts';
import { syntheticNpmAdvisories, toAsync } from './synthetic.ts';

const self = fileURLToPath(import.meta.url);
const SHARED = path.resolve(path.dirname(self), '../../../shared/realdata');
const REALDATA = path.join(SHARED, 'alpine/secdb-2024-12-31');
const OSV_SETS: [string, string][] = [['osv/govulndb-osv/data', 'github:go'], ['osv/rustsec-osv/data/crates', 'github:rust'], ['osv/ghsa-sample', 'github:java']];

interface Measure {
  seconds: number;
  maxRssMB: number;
  records: number;
  documents: number;
  ecosystems: number;
  bytes: number;
  largestZip: { path: string; bytes: number };
}

async function child(url: string, dir: string): Promise<void> {
  const sql = createSql(url, { max: 2 });
  try {
    const t0 = performance.now();
    const r = await buildOsvExport(sql, dir);
    const zips = r.files.filter((f) => f.path.endsWith('/all.zip')).sort((a, b) => b.bytes - a.bytes);
    const m: Measure = {
      seconds: (performance.now() - t0) / 1000,
      maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      records: r.records,
      documents: r.documents,
      ecosystems: r.ecosystems.length,
      bytes: r.files.reduce((s, f) => s + f.bytes, 0),
      largestZip: { path: zips[0]?.path ?? '-', bytes: zips[0]?.bytes ?? 0 },
    };
    process.stdout.write(`${JSON.stringify(m)}\n`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function runChild(url: string, dir: string): Measure {
  const res = spawnSync(process.execPath, ['--import', 'tsx', self, 'child', url, dir], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
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

async function* osvRecords(dir: string, group: string): AsyncGenerator<VulnRecord> {
  for (const f of (await fs.readdir(dir)).filter((x) => x.endsWith('.json')).sort()) {
    yield fromOsv(JSON.parse(await fs.readFile(path.join(dir, f), 'utf8')) as unknown, { group, provenance: { driver: 'osv', source: f } });
  }
}

async function orchestrate(): Promise<void> {
  const n = Number(process.env['BENCH_OSV_RECORDS'] ?? 200_000);
  const { work, adminUrl, stop } = await benchServer('airfeed-bench-osv-');
  const dbName = `airfeed_bench_osv_${process.pid}`;
  const url = await ensureDatabase(adminUrl, dbName);
  const sql = createSql(url, { max: 2 });
  const rows: { label: string; m: Measure; floor: number | null }[] = [];
  const notes: string[] = [];
  try {
    await migrate(sql, silentLogger);
    const floor = (): number | null => {
      const select = "select group_name, id, doc from records order by id collate \"C\", group_name collate \"C\"";
      const r = timeShell(`psql -X -q -v ON_ERROR_STOP=1 '${url}' -c "copy (${select.replace(/"/g, '\\"')}) to stdout" > '${path.join(work, 'floor.copy')}'`);
      if (r.error) notes.push(`floor could not run: ${r.error}`);
      return r.seconds;
    };
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
    for (const [rel, group] of OSV_SETS) {
      const dir = path.join(SHARED, rel);
      if (!existsSync(dir)) {
        notes.push(`${dir} absent: ${group} left out`);
        continue;
      }
      await registerGroups(sql, 'osv', 'github', [{ name: group, description: 'real OSV data' }]);
      await applyGroup(sql, { group, complete: true, records: osvRecords(dir, group) }, { spoolDir: work });
      await sql`update groups set last_success = '2024-12-31T00:00:00Z' where name = ${group}`;
    }
    await build('+ real Go, RustSec, GHSA');
    process.stderr.write(`bench: loading ${n.toLocaleString('en')} synthetic npm advisories …\n`);
    await registerGroups(sql, 'osv', 'github', [{ name: 'github:npm', description: 'synthetic benchmark group' }]);
    await applyGroup(sql, { group: 'github:npm', complete: true, records: toAsync(syntheticNpmAdvisories(n)) }, { spoolDir: work });
    await sql`update groups set last_success = '2024-12-31T00:00:00Z' where name = 'github:npm'`;
    await build(`+ ${n.toLocaleString('en')} synthetic npm`);

    const fmt = (x: number | null, d = 0): string => (x === null || !Number.isFinite(x) ? 'n/a' : x.toLocaleString('en', { maximumFractionDigits: d }));
    const headers = ['data', 'records', 'documents', 'seconds', 'records/s', 'files MB', 'largest zip', 'peak RSS MB', 'COPY TO s', 'build/COPY'];
    const table = rows.map(({ label, m, floor: f }) => [
      label, fmt(m.records), fmt(m.documents), m.seconds.toFixed(1), fmt(m.records / m.seconds), (m.bytes / 1e6).toFixed(1),
      `${m.largestZip.path} ${(m.largestZip.bytes / 1e6).toFixed(1)} MB`, String(m.maxRssMB), f === null ? 'n/a' : f.toFixed(2), f ? `${(m.seconds / f).toFixed(1)}x` : 'n/a',
    ]);
    const widths = headers.map((h, i) => Math.max(h.length, ...table.map((r) => (r[i] ?? '').length)));
    const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
    console.log(`airfeed osv export bench — ${os.cpus().length} cores, node ${process.version}, ${process.env['DATABASE_URL'] ? 'DATABASE_URL server' : 'embedded PostgreSQL'}`);
    console.log(line(headers));
    for (const r of table) console.log(line(r));
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
