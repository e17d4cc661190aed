/**
 * Bundle benchmark: export, verify and import of one synthetic group (BENCH_RECORDS, default
 * 300,000), each in a child process so its peak RSS is its own, next to the floors on the same
 * machine: `psql COPY (…) TO STDOUT | gzip` for export and `psql \copy … FROM` of the same rows for
 * import. A second group a tenth the size shows whether memory grows with the data.
 *
 *   node --import tsx scripts/bench/bundles.ts            (embedded PostgreSQL, or DATABASE_URL's server)
 *   node --import tsx scripts/bench/bundles.ts child <export|verify|import> <url> <file> <key> <group> <dir>
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { exportBundle } from '../../feed-service/bundles/export.ts';
import { importBundle } from '../../feed-service/bundles/import.ts';
import { generateKeyFiles, loadPrivateKey, loadTrust } from '../../bundles/keys.ts';
import { verifyBundle } from '../../bundles/verify.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { applyGroup } from '../../feed-service/storage/apply.ts';
import { createSql } from '../../feed-service/storage/db.ts';
import { dropDatabase, ensureDatabase } from '../../drivers/_framework/pg/embedded.ts';
import { benchServer } from './server.ts';
import { registerGroups } from '../../feed-service/storage/groups.ts';
import { migrate } from '../../feed-service/storage/migrate.ts';
import { syntheticRecords, toAsync } from './synthetic.ts';

const self = fileURLToPath(import.meta.url);
const BIG = 'bench:synthetic';
const SMALL = 'bench:small';
const CREATED = new Date('2025-01-01T00:00:00Z');

interface Measure {
  seconds: number;
  maxRssMB: number | null;
  bytes: number;
  records: number;
}

/** Child role: one operation, timed, printing one JSON line. */
async function child(op: string, url: string, file: string, key: string, group: string, dir: string): Promise<void> {
  const sql = createSql(url, { max: 4 });
  try {
    const t0 = performance.now();
    let records = 0;
    if (op === 'export') {
      const r = await exportBundle(sql, { privateKey: await loadPrivateKey(key), out: file, created: CREATED, groups: [group] });
      records = r.manifest.groups.reduce((s, g) => s + g.records, 0);
    } else if (op === 'verify') {
      const v = await verifyBundle(file, { trust: await loadTrust([key]) });
      records = v.manifest.groups.reduce((s, g) => s + g.records, 0);
    } else if (op === 'import') {
      const r = await importBundle(sql, file, { trust: await loadTrust([key]), spoolDir: dir });
      records = r.groups.reduce((s, g) => s + g.records, 0);
    } else {
      throw new Error(`unknown child operation ${op}`);
    }
    const seconds = (performance.now() - t0) / 1000;
    const { size } = await fs.stat(file);
    const m: Measure = { seconds, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024), bytes: size, records };
    process.stdout.write(`${JSON.stringify(m)}\n`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function runChild(args: string[]): Measure {
  const res = spawnSync(process.execPath, ['--import', 'tsx', self, 'child', ...args], {
    encoding: 'utf8',
    env: { ...process.env, AIRFEED_LOG_LEVEL: 'silent' },
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = res.stdout.trim().split('\n').pop() ?? '';
  if (res.status !== 0 || !line.startsWith('{')) throw new Error(`bench child ${args[0]} failed:\n${res.stderr}`);
  return JSON.parse(line) as Measure;
}

/** Times a shell pipeline (a floor); returns seconds, or null when it failed (psql missing). */
function timeShell(script: string): { seconds: number | null; error?: string } {
  const t0 = performance.now();
  const res = spawnSync('bash', ['-o', 'pipefail', '-c', script], { encoding: 'utf8' });
  const seconds = (performance.now() - t0) / 1000;
  return res.status === 0 ? { seconds } : { seconds: null, error: res.stderr.trim() || res.error?.message || 'failed' };
}

async function orchestrate(): Promise<void> {
  const n = Number(process.env['BENCH_RECORDS'] ?? 300_000);
  const small = Math.max(1000, Math.round(n / 10));
  const { work, adminUrl, stop } = await benchServer('airfeed-bench-bundles-');
  const names = ['a', 'b', 'c'].map((x) => `airfeed_bench_bundles_${x}_${process.pid}`);
  const [urlA = '', urlB = '', urlC = ''] = await Promise.all(names.map((d) => ensureDatabase(adminUrl, d)));
  const sqlA = createSql(urlA, { max: 2 });
  const sqlB = createSql(urlB, { max: 2 });
  try {
    for (const url of [urlA, urlB, urlC]) {
      const s = createSql(url, { max: 1 });
      await migrate(s, silentLogger);
      await s.end();
    }
    process.stderr.write(`bench: loading ${n.toLocaleString('en')} + ${small.toLocaleString('en')} synthetic records into A …\n`);
    await registerGroups(sqlA, 'bench', 'vulnerabilities', [
      { name: BIG, description: 'synthetic benchmark group' },
      { name: SMALL, description: 'synthetic benchmark group, a tenth' },
    ]);
    await applyGroup(sqlA, { group: BIG, complete: true, records: toAsync(syntheticRecords(n, BIG)) }, { spoolDir: work });
    await applyGroup(sqlA, { group: SMALL, complete: true, records: toAsync(syntheticRecords(small, SMALL)) }, { spoolDir: work });
    // Sets hint bits and the visibility map now, so neither the export nor its floor pays for that.
    await sqlA`vacuum (analyze) records`;
    const keys = await generateKeyFiles(path.join(work, 'keys'));
    const bundle = path.join(work, 'big.tar');
    const smallBundle = path.join(work, 'small.tar');

    process.stderr.write('bench: export …\n');
    const exp = runChild(['export', urlA, bundle, keys.privateFile, BIG, work]);
    const expSmall = runChild(['export', urlA, smallBundle, keys.privateFile, SMALL, work]);
    process.stderr.write('bench: floor psql COPY TO STDOUT | gzip …\n');
    const floorGz = path.join(work, 'floor.gz');
    const select = `select id, hash, doc from records where group_name = '${BIG}' and not deleted order by seq`;
    const floorExp = timeShell(`psql -X -q -v ON_ERROR_STOP=1 '${urlA}' -c "copy (${select}) to stdout" | gzip -6 > '${floorGz}'`);
    const floorGzBytes = (await fs.stat(floorGz).catch(() => ({ size: 0 }))).size;

    process.stderr.write('bench: verify, import …\n');
    const ver = runChild(['verify', urlB, bundle, keys.publicFile, BIG, work]);
    const imp = runChild(['import', urlB, bundle, keys.publicFile, BIG, work]);
    const impSmall = runChild(['import', urlC, smallBundle, keys.publicFile, SMALL, work]);

    process.stderr.write('bench: floor psql \\copy FROM …\n');
    const rows = path.join(work, 'rows.copy');
    const cols = 'group_name, id, doc, hash, seq, updated_at, deleted';
    const dump = timeShell(`psql -X -q -v ON_ERROR_STOP=1 '${urlA}' -c "\\copy (select ${cols} from records where group_name = '${BIG}') to '${rows}'"`);
    await sqlB`create table bench_floor_plain (group_name text, id text, doc text, hash text, seq bigint, updated_at timestamptz, deleted boolean)`;
    await sqlB`create table bench_floor_indexed (like records including all)`;
    const floorPlain = dump.seconds === null ? dump : timeShell(`psql -X -q -v ON_ERROR_STOP=1 '${urlB}' -c "\\copy bench_floor_plain from '${rows}'"`);
    const floorIndexed = dump.seconds === null ? dump : timeShell(`psql -X -q -v ON_ERROR_STOP=1 '${urlB}' -c "\\copy bench_floor_indexed from '${rows}'"`);

    const fmt = (x: number | null, d = 0): string => (x === null || !Number.isFinite(x) ? 'n/a' : x.toLocaleString('en', { maximumFractionDigits: d }));
    const table: string[][] = [];
    const row = (label: string, records: number, seconds: number | null, bytes: number, rss: number | null, baseline: string, ratio: number | null): void => {
      table.push([label, fmt(records), seconds === null ? 'n/a' : seconds.toFixed(2), fmt(seconds ? records / seconds : null), fmt(seconds ? bytes / 1e6 / seconds : null, 1), rss === null ? '-' : String(rss), baseline, fmt(ratio, 2)]);
    };
    const ratio = (a: number, b: number | null): number | null => (b ? a / b : null);
    row('floor: psql COPY TO STDOUT | gzip -6', n, floorExp.seconds, floorGzBytes, null, '-', null);
    row('export (full bundle)', exp.records, exp.seconds, exp.bytes, exp.maxRssMB, 'time vs COPY|gzip', ratio(exp.seconds, floorExp.seconds));
    row(`export, a tenth of the records`, expSmall.records, expSmall.seconds, expSmall.bytes, expSmall.maxRssMB, 'RSS vs full export', ratio(expSmall.maxRssMB ?? 0, exp.maxRssMB));
    row('verify (no database)', ver.records, ver.seconds, ver.bytes, ver.maxRssMB, 'time vs export', ratio(ver.seconds, exp.seconds));
    row('floor: psql \\copy FROM, plain table', n, floorPlain.seconds, exp.bytes, null, '-', null);
    row('floor: psql \\copy FROM, records-shaped+indexes', n, floorIndexed.seconds, exp.bytes, null, '-', null);
    row('import (verify + apply, empty database)', imp.records, imp.seconds, imp.bytes, imp.maxRssMB, 'time vs \\copy plain', ratio(imp.seconds, floorPlain.seconds));
    row('  same import', imp.records, imp.seconds, imp.bytes, imp.maxRssMB, 'time vs \\copy indexed', ratio(imp.seconds, floorIndexed.seconds));
    row('import, a tenth of the records', impSmall.records, impSmall.seconds, impSmall.bytes, impSmall.maxRssMB, 'RSS vs full import', ratio(impSmall.maxRssMB ?? 0, imp.maxRssMB));
    const headers = ['path', 'records', 'seconds', 'records/s', 'bundle MB/s', 'peak RSS MB', 'baseline', 'ratio'];
    const widths = headers.map((h, i) => Math.max(h.length, ...table.map((r) => (r[i] ?? '').length)));
    const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
    console.log(
      `airfeed bundle bench — ${os.cpus().length} cores, node ${process.version}, ${process.env['DATABASE_URL'] ? 'DATABASE_URL server' : 'embedded PostgreSQL'}; ` +
        `bundle ${(exp.bytes / 1e6).toFixed(1)} MB, floor gzip ${(floorGzBytes / 1e6).toFixed(1)} MB`,
    );
    console.log(line(headers));
    for (const r of table) console.log(line(r));
    for (const f of [floorExp, dump, floorPlain, floorIndexed]) if (f.error) console.log(`note: a floor could not run: ${f.error}`);
  } finally {
    await sqlA.end({ timeout: 5 });
    await sqlB.end({ timeout: 5 });
    for (const d of names) await dropDatabase(adminUrl, d).catch(() => undefined);
    await stop();
  }
}

const [role, op = '', url = '', file = '', key = '', group = '', dir = ''] = process.argv.slice(2);
if (role === 'child') await child(op, url, file, key, group, dir);
else await orchestrate();
