/**
 * `npm run bench -- validate`: what checking every record against the record schema (zod, in
 * feed-service/sync-group.ts `checkedRecords`) costs, as a share of the sync it is part of:
 *
 * - real Alpine data (../shared/realdata, 72,602 records): validation alone over the parsed records,
 *   next to a first sync and a forced re-sync (re-parse, validate, re-apply: writes nothing);
 * - a synthetic group (BENCH_RECORDS, default 100,000 NVD-sized records): validation alone
 *   (generation time subtracted), next to a first apply and a re-apply of the same records, both
 *   through `checkedRecords` as sync runs them.
 *
 * Timings are medians of three runs for the in-memory parts. The brief's rule: if validation costs
 * more than ~10% of a sync, replace zod by a compiled validator.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { type VulnRecord, VulnRecord as RecordSchema } from '../../drivers/_framework/record.ts';
import { dropDatabase, ensureDatabase } from '../../drivers/_framework/pg/embedded.ts';
import { alpine } from '../../drivers/alpine/index.ts';
import { applyGroup } from '../../feed-service/storage/apply.ts';
import { createSql } from '../../feed-service/storage/db.ts';
import { registerGroups } from '../../feed-service/storage/groups.ts';
import { migrate } from '../../feed-service/storage/migrate.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { checkedRecords } from '../../feed-service/sync-group.ts';
import { benchServer } from './server.ts';
import { syntheticRecords, toAsync } from './synthetic.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const alpineData = path.resolve(root, '../shared/realdata/alpine/secdb-2024-12-31');
const n = Number(process.env['BENCH_RECORDS'] ?? 100_000);

async function seconds(fn: () => unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

async function median(fn: () => unknown): Promise<number> {
  const runs = [await seconds(fn), await seconds(fn), await seconds(fn)].sort((a, b) => a - b);
  return runs[1] ?? NaN;
}

function validateAll(records: Iterable<unknown>): number {
  let ok = 0;
  for (const r of records) if (RecordSchema.safeParse(r).success) ok++;
  return ok;
}

const rows: string[][] = [];
const pct = (part: number, whole: number): string => `${((100 * part) / whole).toFixed(1)}%`;
function row(what: string, records: number, s: number, share: string): void {
  rows.push([what, records.toLocaleString('en'), s.toFixed(2), Math.round(records / s).toLocaleString('en'), share]);
}

const { work, adminUrl, stop } = await benchServer('airfeed-bench-validate-');
const dbName = `airfeed_bench_validate_${process.pid}`;
const url = await ensureDatabase(adminUrl, dbName);
const sql = createSql(url, { max: 2 });
await migrate(sql, silentLogger);
try {
  if (existsSync(alpineData)) {
    const home = path.join(work, 'alpine-home');
    const options = { home, http: new HttpClient(), log: silentLogger, source: alpineData };
    const first = await seconds(() => syncDriver(sql, alpine, options));
    const forced = await seconds(() => syncDriver(sql, alpine, { ...options, force: true }));
    const records: VulnRecord[] = [];
    for await (const g of alpine.parse({ workspace: path.join(home, 'workspaces', 'alpine'), log: silentLogger })) for await (const r of g.records) records.push(r);
    const validation = await median(() => validateAll(records));
    if (validateAll(records) !== records.length) throw new Error('a real Alpine record failed validation');
    row('alpine real data: first sync (validation included)', records.length, first, '-');
    row('alpine real data: forced re-sync (re-parse, validate, re-apply)', records.length, forced, '-');
    row('alpine real data: validation alone', records.length, validation, `${pct(validation, first)} of first sync, ${pct(validation, forced)} of forced re-sync`);
  } else {
    process.stderr.write(`bench: ${alpineData} absent, alpine cases skipped\n`);
  }

  const group = 'bench:validate';
  await registerGroups(sql, 'bench', 'vulnerabilities', [{ name: group, description: 'validation benchmark group' }]);
  const generate = await median(() => { for (const _ of syntheticRecords(n, group)) { /* generation only */ } });
  const generateValidate = await median(() => validateAll(syntheticRecords(n, group)));
  const validation = Math.max(0, generateValidate - generate);
  const apply = () => applyGroup(sql, { group, complete: true, records: checkedRecords('bench', group, toAsync(syntheticRecords(n, group))) }, { spoolDir: work });
  const firstApply = await seconds(apply);
  const reapply = await seconds(apply);
  row('synthetic: first apply through checkedRecords', n, firstApply, '-');
  row('synthetic: re-apply unchanged through checkedRecords', n, reapply, '-');
  row('synthetic: validation alone (generation subtracted)', n, validation, `${pct(validation, firstApply)} of first apply, ${pct(validation, reapply)} of re-apply`);

  const headers = ['path', 'records', 'seconds', 'records/s', 'validation share'];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  console.log(`airfeed bench validate — ${os.cpus().length} cores, node ${process.version}, ${process.env['DATABASE_URL'] ? 'DATABASE_URL server' : 'embedded PostgreSQL'}`);
  console.log(line(headers));
  for (const r of rows) console.log(line(r));
} finally {
  await sql.end({ timeout: 5 });
  await dropDatabase(adminUrl, dbName);
  await fs.rm(path.join(work, 'alpine-home'), { recursive: true, force: true });
  await stop();
}
