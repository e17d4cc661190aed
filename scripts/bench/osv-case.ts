/**
 * One case of `npm run bench -- osv` in its own process, so its peak RSS is its own. Prints one JSON
 * line: {case, records, seconds, maxRssMB, note}. Usage: osv-case.ts <case> <databaseUrl> <source> <home>
 *
 * - `gen`: writes the generated npm mirror (`<source>` is the directory, `<home>` the count) — in a
 *   child too, so the parent stays small: Linux carries a parent's peak RSS into its children;
 * - `floor`: what any reader of the zip must do — inflate every entry (the framework's zip reader),
 *   JSON.parse it, and COPY its text into a plain table — with nothing of the driver;
 * - `sync`, `resync`, `forced`: `airfeed sync osv --source <dir>` into the database (first, again
 *   with nothing changed, and forced: re-parse and re-apply everything).
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { ChunkWriter, copyEscape } from '../../drivers/_framework/pg/copy.ts';
import { archiveEntries, readAll } from '../../drivers/_framework/read/archive.ts';
import { osv } from '../../drivers/osv/index.ts';
import { ZIP_LIMITS } from '../../drivers/osv/parse.ts';
import { createSql } from '../../feed-service/storage/db.ts';
import { listGroups } from '../../feed-service/storage/groups.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { writeNpmMirror } from './osv-data.ts';

const [name = '', url = '', source = '', home = ''] = process.argv.slice(2);
const sql = createSql(name === 'gen' ? 'postgres://unused@127.0.0.1:1/unused' : url, { max: 4 });

function emit(result: Record<string, unknown>): void {
  const maxRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`${JSON.stringify({ case: name, maxRssMB, ...result })}\n`);
}

async function floor(): Promise<void> {
  await sql`drop table if exists bench_osv_floor`;
  await sql`create table bench_osv_floor (id text, doc text)`;
  const t0 = performance.now();
  const copy = new ChunkWriter(await sql`copy bench_osv_floor (id, doc) from stdin`.writable());
  let n = 0;
  let bytes = 0;
  for await (const entry of archiveEntries(path.join(source, 'npm/all.zip'), { label: 'bench', limits: ZIP_LIMITS })) {
    const text = (await readAll(entry.body, 1 << 25, entry.name)).toString('utf8');
    const doc = JSON.parse(text) as { id: string };
    bytes += text.length;
    await copy.write(`${copyEscape(doc.id)}\t${copyEscape(text)}\n`);
    n++;
  }
  await copy.end();
  const seconds = (performance.now() - t0) / 1000;
  await sql`drop table bench_osv_floor`;
  emit({ records: n, seconds, note: `${Math.round(bytes / 1e6)} MB of JSON` });
}

async function sync(force: boolean): Promise<void> {
  const t0 = performance.now();
  const report = await syncDriver(sql, osv, { home, http: new HttpClient(), log: silentLogger, source, ...(force ? { force: true } : {}) });
  const seconds = (performance.now() - t0) / 1000;
  if (report.status === 'failed') throw new Error(`sync failed: ${report.error ?? ''}`);
  const groups = await listGroups(sql, { driver: 'osv' });
  const records = groups.reduce((s, g) => s + g.recordCount, 0);
  const applied = Object.values(report.groups).reduce((s, g) => s + g.added + g.changed + g.unchanged, 0);
  emit({ records, seconds, note: `status ${report.status}; ${groups.length} groups; ${applied} records parsed and applied` });
}

try {
  if (name === 'gen') {
    const t0 = performance.now();
    const bytes = await writeNpmMirror(source, Number(home));
    emit({ records: Number(home), seconds: (performance.now() - t0) / 1000, note: `${bytes} bytes` });
  } else if (name === 'floor') await floor();
  else if (name === 'sync' || name === 'resync') await sync(false);
  else if (name === 'forced') await sync(true);
  else throw new Error(`unknown case ${name}`);
} finally {
  await sql.end({ timeout: 5 });
}
