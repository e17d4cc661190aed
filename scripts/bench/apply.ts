/**
 * `npm run bench -- apply`: the sync and apply paths with their throughput and peak memory, each next to a floor
 * measured on the same machine. BENCH_RECORDS sets the synthetic group size (default 300000).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { createSql } from '../../feed-service/storage/db.ts';
import { dropDatabase, ensureDatabase } from '../../drivers/_framework/pg/embedded.ts';
import { migrate } from '../../feed-service/storage/migrate.ts';
import { benchServer } from './server.ts';

interface Result {
  case: string;
  records: number;
  seconds: number | null;
  maxRssMB: number;
  note?: string;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const n = Number(process.env['BENCH_RECORDS'] ?? 300_000);
const alpineData = path.resolve(root, '../shared/realdata/alpine/secdb-2024-12-31');
const { work, adminUrl, stop } = await benchServer('airfeed-bench-');
const url = await ensureDatabase(adminUrl, `airfeed_bench_${process.pid}`);
const sql = createSql(url, { max: 2 });
await migrate(sql, silentLogger);

function run(name: string, count = 0): Result {
  process.stderr.write(`bench: ${name} …\n`);
  const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/bench/case.ts'), name, url, String(count), work], {
    encoding: 'utf8',
    env: { ...process.env, BENCH_ALPINE: alpineData, AIRFEED_LOG_LEVEL: 'silent' },
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = res.stdout.trim().split('\n').pop() ?? '';
  if (res.status !== 0 || !line.startsWith('{')) throw new Error(`bench case ${name} failed:\n${res.stderr}`);
  return JSON.parse(line) as Result;
}

const rate = (r: Result): number => (r.seconds ? r.records / r.seconds : NaN);
const fmt = (x: number, digits = 0): string => (Number.isFinite(x) ? x.toLocaleString('en', { maximumFractionDigits: digits }) : 'n/a');

const rows: string[][] = [];
function row(label: string, r: Result, baseline: string, ratio: number): void {
  rows.push([label, fmt(r.records), r.seconds === null ? 'n/a' : r.seconds.toFixed(2), fmt(rate(r)), String(r.maxRssMB), baseline, fmt(ratio, 2)]);
}

try {
  if (existsSync(alpineData)) {
    const first = run('alpine-first');
    const resync = run('alpine-resync');
    const reapply = run('alpine-reapply');
    row('alpine real data: first sync', first, '-', NaN);
    row('alpine real data: re-sync (unchanged upstream)', resync, 'vs first (speed-up)', (first.seconds ?? 0) / (resync.seconds ?? NaN));
    row('alpine real data: forced re-parse + re-apply', reapply, 'vs first (speed-up)', (first.seconds ?? 0) / (reapply.seconds ?? NaN));
  } else {
    process.stderr.write(`bench: ${alpineData} absent, alpine cases skipped\n`);
  }
  const floor = run('floor-copy', n);
  const cpuFloor = run('floor-serialize', n);
  const first = run('apply-first', n);
  const unchanged = run('apply-unchanged', n);
  const changed = run('apply-1pct', n);
  row(`floor: psql COPY into a plain table`, floor, '-', NaN);
  row('apply 300k-style group: first apply', first, 'vs floor (rate ratio)', rate(first) / rate(floor));
  row('floor: JSON.stringify + sha256, no database', cpuFloor, '-', NaN);
  row('apply: re-apply unchanged', unchanged, 'vs first (speed-up)', (first.seconds ?? 0) / (unchanged.seconds ?? NaN));
  row('  same re-apply', unchanged, 'time vs stringify+sha256', (unchanged.seconds ?? 0) / (cpuFloor.seconds ?? NaN));
  row('apply: re-apply, 1% changed', changed, 'vs unchanged (time ratio)', (changed.seconds ?? 0) / (unchanged.seconds ?? NaN));
  const headers = ['path', 'records', 'seconds', 'records/s', 'peak RSS MB', 'baseline', 'ratio'];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  console.log(`airfeed bench — ${os.cpus().length} cores, node ${process.version}, ${process.env['DATABASE_URL'] ? 'DATABASE_URL server' : 'embedded PostgreSQL'}`);
  console.log(line(headers));
  for (const r of rows) console.log(line(r));
} finally {
  await sql.end({ timeout: 5 });
  await dropDatabase(adminUrl, `airfeed_bench_${process.pid}`);
  await stop();
}
