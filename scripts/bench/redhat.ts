/**
 * `npm run bench -- redhat`: the Red Hat driver at real scale on generated data (redhat-data.ts):
 * a first sync of an archive of BENCH_REDHAT_DOCS documents (default 40,000) with the real size
 * distribution, then an incremental run with 1% of the documents changed; records/s, peak RSS (also
 * of a first sync a tenth the size: flat means the same), the incremental run's cost as a fraction
 * of the first's, and the floor (decompress + JSON.parse of every document). Also the streaming
 * reader's memory on the biggest real document and on a generated 64 MB one.
 * BENCH_REDHAT_WORK keeps the generated data between runs (default: a temp directory, removed).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dropDatabase, ensureDatabase } from '../../drivers/_framework/pg/embedded.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { createSql } from '../../feed-service/storage/db.ts';
import { migrate } from '../../feed-service/storage/migrate.ts';
import { benchMirror } from './redhat-data.ts';
import { benchServer } from './server.ts';

interface Result {
  case: string;
  records: number;
  documents: number;
  seconds: number;
  maxRssMB: number;
  note?: string;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const n = Number(process.env['BENCH_REDHAT_DOCS'] ?? 40_000);
const small = Math.max(100, Math.round(n / 10));
const { work: serverWork, adminUrl, stop } = await benchServer('airfeed-bench-redhat-');
const work = process.env['BENCH_REDHAT_WORK'] ?? serverWork;
await fs.mkdir(work, { recursive: true });

function run(name: string, url: string, docs: number, nodeArgs: string[] = []): Result {
  process.stderr.write(`bench: redhat ${name} (${docs} documents) ${nodeArgs.join(' ')} …\n`);
  const res = spawnSync(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(root, 'scripts/bench/redhat-case.ts'), name, url, work, String(docs)], {
    encoding: 'utf8', env: { ...process.env, AIRFEED_LOG_LEVEL: 'silent' }, maxBuffer: 16 * 1024 * 1024,
  });
  const line = res.stdout.trim().split('\n').pop() ?? '';
  if (res.status !== 0 || !line.startsWith('{')) throw new Error(`bench case ${name} failed:\n${res.stderr}`);
  return JSON.parse(line) as Result;
}

async function database(tag: string): Promise<string> {
  const url = await ensureDatabase(adminUrl, `airfeed_bench_rh_${tag}_${process.pid}`);
  const sql = createSql(url, { max: 1 });
  await migrate(sql, silentLogger);
  await sql.end({ timeout: 5 });
  return url;
}

const fmt = (x: number, digits = 0): string => (Number.isFinite(x) ? x.toLocaleString('en', { maximumFractionDigits: digits }) : 'n/a');
const rows: string[][] = [];
const row = (label: string, r: Result, extra: string): void => {
  rows.push([label, fmt(r.documents), fmt(r.records), r.seconds.toFixed(1), fmt(r.documents / r.seconds), fmt(r.records / r.seconds), String(r.maxRssMB), extra]);
};

try {
  process.stderr.write(`bench: generating ${n} + ${small} documents in ${work} (cached there) …\n`);
  const big = await benchMirror(work, n);
  await benchMirror(work, small);
  const urlBig = await database('big');
  const urlSmall = await database('small');
  const floor = run('floor', urlBig, n);
  const firstSmall = run('first', urlSmall, small);
  const first = run('first', urlBig, n);
  const incremental = run('incremental', urlBig, n);
  const docReal = run('doc-real', urlBig, 1);
  const docBig = run('doc-big', urlBig, 1);
  // The same with the heap capped at 64 MB: the default heap lets garbage pile up, the reader does not need it.
  const docBigCapped = run('doc-big', urlBig, 1, ['--max-old-space-size=64']);
  row('floor: zstd + tar + JSON.parse of every document', floor, `${fmt(big.jsonBytes / 1e9, 2)} GB JSON, ${fmt(big.archiveBytes / 1e6)} MB packed`);
  row(`first sync, ${fmt(small)} documents`, firstSmall, 'peak RSS at a tenth of the size');
  row(`first sync, ${fmt(n)} documents`, first, `${fmt(first.seconds / floor.seconds, 2)}× the floor's time; ${fmt(big.jsonBytes / 1e6 / first.seconds)} MB/s`);
  row(`incremental, ${fmt(big.changedDocuments)} changed (1%)`, incremental, `${fmt((incremental.seconds / first.seconds) * 100, 2)}% of the first sync's time`);
  row('streaming reader: biggest real document', docReal, docReal.note ?? '');
  row('streaming reader: generated document', docBig, docBig.note ?? '');
  row('  same, heap capped at 64 MB', docBigCapped, docBigCapped.note ?? '');
  const headers = ['case', 'documents', 'records', 'seconds', 'docs/s', 'records/s', 'peak RSS MB', 'note'];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  console.log(`airfeed bench redhat — ${os.cpus().length} cores, node ${process.version}, ${process.env['DATABASE_URL'] ? 'DATABASE_URL server' : 'embedded PostgreSQL'}`);
  console.log(line(headers));
  for (const r of rows) console.log(line(r));
  console.log(`first sync groups: ${first.note ?? ''}`);
  console.log(`incremental groups: ${incremental.note ?? ''}`);
} finally {
  await dropDatabase(adminUrl, `airfeed_bench_rh_big_${process.pid}`).catch(() => undefined);
  await dropDatabase(adminUrl, `airfeed_bench_rh_small_${process.pid}`).catch(() => undefined);
  await stop();
}
