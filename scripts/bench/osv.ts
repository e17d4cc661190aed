/**
 * `npm run bench -- osv`: the osv driver's sync of a generated npm-sized osv.dev zip
 * (BENCH_OSV_RECORDS advisories, default 200,000: a zip of about 220 MB, the size of osv.dev's
 * npm/all.zip; scripts/bench/osv-data.ts) and of all real OSV data in ../shared/realdata/osv.
 * Each case (the generation too: Linux carries a parent's peak RSS into its children) runs in its
 * own process; the table gives records/s and peak RSS, the zip's first sync
 * next to the floor (inflate + JSON.parse + COPY of the same entries, nothing else), and the same
 * sync at a quarter of the size, whose peak RSS must be about the same (memory flat in input size).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { dropDatabase, ensureDatabase } from '../../drivers/_framework/pg/embedded.ts';
import { createSql } from '../../feed-service/storage/db.ts';
import { migrate } from '../../feed-service/storage/migrate.ts';
import { benchServer } from './server.ts';

interface Result {
  case: string;
  records: number;
  seconds: number;
  maxRssMB: number;
  note?: string;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const n = Number(process.env['BENCH_OSV_RECORDS'] ?? 200_000);
const realData = path.resolve(root, '../shared/realdata/osv');
const { work, adminUrl, stop } = await benchServer('airfeed-bench-osv-');
const databases: string[] = [];

async function database(label: string): Promise<string> {
  const name = `airfeed_bench_osv_${label}_${process.pid}`;
  const url = await ensureDatabase(adminUrl, name);
  databases.push(name);
  const sql = createSql(url, { max: 1 });
  await migrate(sql, silentLogger);
  await sql.end({ timeout: 5 });
  return url;
}

function run(name: string, url: string, source: string, home: string): Result {
  process.stderr.write(`bench: osv ${name} ${source} …\n`);
  const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/bench/osv-case.ts'), name, url, source, home], {
    encoding: 'utf8', env: { ...process.env, AIRFEED_LOG_LEVEL: 'silent' }, maxBuffer: 16 * 1024 * 1024,
  });
  const line = res.stdout.trim().split('\n').pop() ?? '';
  if (res.status !== 0 || !line.startsWith('{')) throw new Error(`bench osv case ${name} failed:\n${res.stderr}`);
  return JSON.parse(line) as Result;
}

const rate = (r: Result): number => r.records / r.seconds;
const fmt = (x: number, digits = 0): string => (Number.isFinite(x) ? x.toLocaleString('en', { maximumFractionDigits: digits }) : 'n/a');
const rows: string[][] = [];
function row(label: string, r: Result, baseline: string, ratio: number): void {
  rows.push([label, fmt(r.records), r.seconds.toFixed(2), fmt(rate(r)), String(r.maxRssMB), baseline, fmt(ratio, 2)]);
}

try {
  const big = path.join(work, `npm-${n}`);
  const small = path.join(work, `npm-${Math.round(n / 4)}`);
  const bigSize = Number(run('gen', '', big, String(n)).note?.split(' ')[0]);
  const smallSize = Number(run('gen', '', small, String(Math.round(n / 4))).note?.split(' ')[0]);
  process.stderr.write(`bench: generated ${n} advisories (${(bigSize / 1e6).toFixed(0)} MB zip) and ${Math.round(n / 4)} (${(smallSize / 1e6).toFixed(0)} MB)\n`);

  const floorUrl = await database('floor');
  const floor = run('floor', floorUrl, big, '');
  const url = await database('big');
  const home = path.join(work, 'home-big');
  const first = run('sync', url, big, home);
  const resync = run('resync', url, big, home);
  const forced = run('forced', url, big, home);
  const quarter = run('sync', await database('small'), small, path.join(work, 'home-small'));
  row(`floor: inflate + JSON.parse + COPY (${(bigSize / 1e6).toFixed(0)} MB zip)`, floor, '-', NaN);
  row(`npm zip: first sync`, first, 'vs floor (rate ratio)', rate(first) / rate(floor));
  row('npm zip: re-sync, nothing changed', resync, 'vs first (speed-up)', first.seconds / resync.seconds);
  row('npm zip: forced re-parse + re-apply', forced, 'vs first (time ratio)', forced.seconds / first.seconds);
  row(`npm zip at a quarter (${(smallSize / 1e6).toFixed(0)} MB): first sync`, quarter, 'peak RSS vs full size', quarter.maxRssMB / first.maxRssMB);
  await fs.rm(big, { recursive: true, force: true });
  await fs.rm(small, { recursive: true, force: true });

  if (existsSync(realData)) {
    const real = run('sync', await database('real'), realData, path.join(work, 'home-real'));
    row('real OSV data (Go, RustSec, PyPA, samples): first sync', real, '-', NaN);
  } else {
    process.stderr.write(`bench: ${realData} absent, the real-data case is skipped\n`);
  }
  const headers = ['path', 'records', 'seconds', 'records/s', 'peak RSS MB', 'baseline', 'ratio'];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  console.log(`airfeed bench osv — ${os.cpus().length} cores, node ${process.version}, ${process.env['DATABASE_URL'] ? 'DATABASE_URL server' : 'embedded PostgreSQL'}`);
  console.log(line(headers));
  for (const r of rows) console.log(line(r));
} finally {
  for (const name of databases) await dropDatabase(adminUrl, name).catch(() => undefined);
  await stop();
}
