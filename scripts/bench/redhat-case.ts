/**
 * One Red Hat benchmark case in its own process (its peak RSS is its own). Prints one JSON line:
 * {case, records, documents, seconds, maxRssMB, note?}. Usage: redhat-case.ts <case> <databaseUrl> <work> <documents>
 *
 * Cases: `floor` (decompress the archive and JSON.parse every document: the least any reader pays),
 * `first` (first sync of the generated mirror), `incremental` (the next sync, with 1% of the
 * documents changed; same home and database as `first`), `doc-real` (the biggest real document
 * through the streaming reader), `doc-big` (a generated 64 MB document, streamed).
 */
import { createReadStream, existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { archiveEntries, readAll } from '../../drivers/_framework/read/archive.ts';
import { redhat } from '../../drivers/redhat/index.ts';
import { recordsOf } from '../../drivers/redhat/records.ts';
import { readVex } from '../../drivers/redhat/vex-read.ts';
import { createSql } from '../../feed-service/storage/db.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { vexDocument } from '../../test/helpers/redhat-vex.ts';
import { ARCHIVE, benchMirror, benchSpec } from './redhat-data.ts';

const [name = '', url = '', work = '', docsArg = '40000'] = process.argv.slice(2);
const n = Number(docsArg);

function emit(result: Record<string, unknown>): void {
  const maxRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`${JSON.stringify({ case: name, maxRssMB, ...result })}\n`);
}

async function syncCase(source: string): Promise<void> {
  const sql = createSql(url, { max: 4 });
  try {
    const t0 = performance.now();
    const report = await syncDriver(sql, redhat, { home: path.join(work, `home-${n}`), http: new HttpClient(), log: silentLogger, source });
    const seconds = (performance.now() - t0) / 1000;
    if (report.status === 'failed') throw new Error(report.error);
    const groups = Object.entries(report.groups);
    const records = groups.reduce((a, [, g]) => a + g.added + g.changed + g.removed, 0);
    emit({ records, documents: n, seconds, note: groups.map(([g, c]) => `${g} +${c.added} ~${c.changed} -${c.removed}`).join(', ') });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function floorCase(archive: string): Promise<void> {
  const t0 = performance.now();
  let documents = 0;
  for await (const e of archiveEntries(archive, { label: ARCHIVE })) {
    JSON.parse((await readAll(e.body, 1 << 30, e.name)).toString('utf8'));
    documents++;
  }
  emit({ records: 0, documents, seconds: (performance.now() - t0) / 1000 });
}

async function docCase(bytes: AsyncIterable<Uint8Array>, size: number): Promise<void> {
  const t0 = performance.now();
  const model = await readVex(bytes, 'bench');
  const records = [...recordsOf(model, 'bench.json', silentLogger).values()].reduce((a, l) => a + l.reduce((b, r) => b + r.fixedIn.length, 0), 0);
  emit({ records, documents: 1, seconds: (performance.now() - t0) / 1000, note: `${(size / 1e6).toFixed(1)} MB document, ${records} fixedIn entries` });
}

const mirror = name === 'first' || name === 'incremental' || name === 'floor' ? await benchMirror(work, n) : null;
if (name === 'first') await syncCase(mirror?.first ?? '');
else if (name === 'incremental') await syncCase(mirror?.changed ?? '');
else if (name === 'floor') await floorCase(path.join(mirror?.first ?? '', ARCHIVE));
else if (name === 'doc-real') {
  const file = path.resolve(import.meta.dirname, '../../../shared/realdata/redhat/csaf-vex-beta-2022-fetched-2024-04-02/csaf_vex_2024-04-02.tar.zst');
  // The biggest real document, CVE-2022-0235 (3.9 MB), taken out of its archive to a file first.
  let tmp = '';
  for await (const e of archiveEntries(file, { label: 'real' })) {
    if (e.name !== '2022/cve-2022-0235.json') continue;
    tmp = path.join(work, 'cve-2022-0235.json');
    await fs.writeFile(tmp, await readAll(e.body, 1 << 30, e.name));
  }
  const size = (await fs.stat(tmp)).size;
  await docCase(createReadStream(tmp), size);
} else if (name === 'doc-big') {
  const file = path.join(work, 'big.json');
  // Written once (writing it needs the memory the capped run must not have).
  if (!existsSync(file)) await fs.writeFile(file, JSON.stringify(vexDocument(benchSpec(7, 64_000_000))));
  const size = (await fs.stat(file)).size;
  await docCase(createReadStream(file, { highWaterMark: 1 << 16 }), size);
} else {
  throw new Error(`unknown case ${name}`);
}

