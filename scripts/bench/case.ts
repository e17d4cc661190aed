/**
 * One benchmark case in its own process, so its peak RSS is its own. Prints one JSON line:
 * {case, records, seconds, maxRssMB, note?}. Usage: case.ts <case> <databaseUrl> <records> [dir]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { canonicalJson, sha256Hex } from '../../drivers/_framework/canonical.ts';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { alpine } from '../../drivers/alpine/index.ts';
import { applyGroup } from '../../feed-service/storage/apply.ts';
import { copyEscape } from '../../drivers/_framework/pg/copy.ts';
import { createSql } from '../../feed-service/storage/db.ts';
import { listGroups, registerGroups } from '../../feed-service/storage/groups.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { syntheticRecords, toAsync } from './synthetic.ts';

const [name = '', url = '', countArg = '0', dir = os.tmpdir()] = process.argv.slice(2);
const n = Number(countArg);
const GROUP = 'bench:synthetic';
const sql = createSql(url, { max: 4 });

function emit(result: Record<string, unknown>): void {
  const maxRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`${JSON.stringify({ case: name, maxRssMB, ...result })}\n`);
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const out = await fn();
  return [out, (performance.now() - t0) / 1000];
}

async function applyCase(changeEvery: number): Promise<void> {
  await registerGroups(sql, 'bench', 'vulnerabilities', [{ name: GROUP, description: 'synthetic benchmark group' }]);
  const [r, seconds] = await timed(() =>
    applyGroup(sql, { group: GROUP, complete: true, records: toAsync(syntheticRecords(n, GROUP, changeEvery)) }, { spoolDir: dir }),
  );
  emit({ records: n, seconds, note: `added ${r.added}, changed ${r.changed}, unchanged ${r.unchanged}` });
}

/** The floor: psql's client-side COPY of the same rows (as apply would store them) into a plain table. */
async function floorCase(): Promise<void> {
  const file = path.join(dir, 'floor.copy');
  const out = await fs.open(file, 'w');
  let bytes = 0;
  let i = 0;
  let chunk: string[] = [];
  for (const rec of syntheticRecords(n, GROUP)) {
    const doc = canonicalJson(rec);
    chunk.push(`${GROUP}\t${copyEscape(rec.id)}\t${copyEscape(doc)}\t${sha256Hex(doc)}\t${++i}\t2024-01-01 00:00:00+00\tf\n`);
    if (chunk.length >= 1000) {
      const buf = Buffer.from(chunk.join(''));
      bytes += buf.length;
      await out.write(buf);
      chunk = [];
    }
  }
  const buf = Buffer.from(chunk.join(''));
  bytes += buf.length;
  await out.write(buf);
  await out.close();
  await sql`drop table if exists bench_floor`;
  await sql`create table bench_floor (group_name text, id text, doc text, hash text, seq bigint, updated_at timestamptz, deleted boolean)`;
  const t0 = performance.now();
  const res = spawnSync('psql', [url, '-q', '-v', 'ON_ERROR_STOP=1', '-c', `\\copy bench_floor from '${file}'`], { encoding: 'utf8' });
  const seconds = (performance.now() - t0) / 1000;
  await fs.rm(file, { force: true });
  await sql`drop table bench_floor`;
  if (res.status !== 0) {
    emit({ records: n, seconds: null, note: `psql unavailable or failed: ${res.error?.message ?? res.stderr}` });
    return;
  }
  emit({ records: n, seconds, note: `psql \\copy of ${Math.round(bytes / 1e6)} MB` });
}

/** The CPU floor of any re-apply: generate, serialize (plain JSON.stringify) and sha256 the same records, nothing else. */
async function serializeFloorCase(): Promise<void> {
  const [bytes, seconds] = await timed(async () => {
    let total = 0;
    for (const rec of syntheticRecords(n, GROUP)) {
      const doc = JSON.stringify(rec);
      total += sha256Hex(doc).length + doc.length;
    }
    return Promise.resolve(total);
  });
  emit({ records: n, seconds, note: `${Math.round(bytes / 1e6)} MB serialized and hashed` });
}

async function alpineCase(force: boolean): Promise<void> {
  const home = path.join(dir, 'alpine-home');
  const [report, seconds] = await timed(() =>
    syncDriver(sql, alpine, { home, http: new HttpClient(), log: silentLogger, source: process.env['BENCH_ALPINE'] ?? '', ...(force ? { force: true } : {}) }),
  );
  const records = (await listGroups(sql, { driver: 'alpine' })).reduce((s, g) => s + g.recordCount, 0);
  emit({ records, seconds, note: `status ${report.status}, ${Object.keys(report.groups).length} groups` });
}

try {
  if (name === 'apply-first') await applyCase(0);
  else if (name === 'apply-unchanged') await applyCase(0);
  else if (name === 'apply-1pct') await applyCase(100);
  else if (name === 'floor-copy') await floorCase();
  else if (name === 'floor-serialize') await serializeFloorCase();
  else if (name === 'alpine-first' || name === 'alpine-resync') await alpineCase(false);
  else if (name === 'alpine-reapply') await alpineCase(true);
  else throw new Error(`unknown case ${name}`);
} finally {
  await sql.end({ timeout: 5 });
}
