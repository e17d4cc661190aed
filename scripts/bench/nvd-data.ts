/**
 * Data for the NVD benchmark (nvd.ts), in the real shape at real scale:
 *
 * - `writeSyntheticMirror`: N CVEs as NVD API 2.0 page files (`nvdcve-synth-NNN.json.gz`, 8,000
 *   CVEs a file, as large as NVD's year files), made from the real CVEs of the templates directory
 *   (../shared/realdata/nvd/v2.0-feeds, 83,237 CVEs averaging 4.1 KB, else the test fixture pages):
 *   each pass over the templates renames every CVE into a year of its own (`CVE-2016-1409` →
 *   `CVE-2056-1409` in the second pass), keeping sizes, metrics, configurations and the upstream's
 *   duplicates and Rejected CVEs as they are. Deterministic.
 * - `changedCves`: 1% of a mirror's CVEs with a new `lastModified` and one more reference, as an
 *   incremental API window would return them.
 */
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createGzip } from 'node:zlib';
import { once } from 'node:events';
import { listPages } from '../../drivers/nvd/layout.ts';
import { PageReader } from '../../drivers/nvd/page-reader.ts';

const PER_FILE = 8000;
const YEAR_SHIFT = 40;

interface Cve {
  id: string;
  lastModified: string;
  references: { url: string; source?: string; tags?: string[] }[];
  [k: string]: unknown;
}

/** The template CVEs, in file order, forever (pass 0, 1, …). */
async function* templates(dir: string): AsyncGenerator<{ pass: number; item: { cve: Cve } }> {
  const files = await listPages(dir);
  if (files.length === 0) throw new Error(`bench: no NVD page files in ${dir}`);
  for (let pass = 0; ; pass++) {
    for (const f of files) {
      for await (const it of new PageReader(path.join(dir, f), `bench: ${f}`).items()) yield { pass, item: it.value as { cve: Cve } };
    }
  }
}

function rename(id: string, pass: number): string {
  const m = /^CVE-(\d{4})-(\d+)$/.exec(id);
  if (!m) throw new Error(`bench: template id ${id}`);
  return `CVE-${Number(m[1]) + pass * YEAR_SHIFT}-${m[2]}`;
}

class PageWriter {
  #out: ReturnType<typeof createGzip> | null = null;
  #done: Promise<unknown> | null = null;
  #count = 0;
  #files = 0;
  bytes = 0;

  constructor(readonly dir: string) {}

  async #open(): Promise<void> {
    const file = path.join(this.dir, `nvdcve-synth-${String(this.#files++).padStart(3, '0')}.json.gz`);
    const gz = createGzip({ level: 1 });
    const sink = createWriteStream(file);
    gz.pipe(sink);
    this.#done = once(sink, 'close');
    this.#out = gz;
    this.#count = 0;
    await this.#write(`{"resultsPerPage":${PER_FILE},"startIndex":0,"totalResults":${PER_FILE},"format":"NVD_CVE","version":"2.0","timestamp":"2024-10-25T01:15:13.497","vulnerabilities":[`);
  }

  async #write(text: string): Promise<void> {
    this.bytes += Buffer.byteLength(text);
    if (!this.#out?.write(text)) await once(this.#out as NodeJS.EventEmitter, 'drain');
  }

  async add(item: unknown): Promise<void> {
    if (!this.#out) await this.#open();
    await this.#write(`${this.#count === 0 ? '' : ','}${JSON.stringify(item)}`);
    if (++this.#count === PER_FILE) await this.close();
  }

  async close(): Promise<void> {
    if (!this.#out) return;
    await this.#write(']}');
    this.#out.end();
    await this.#done;
    this.#out = null;
  }
}

/** Writes `n` CVEs into `dir` (replaced); returns the decoded bytes written. */
export async function writeSyntheticMirror(dir: string, n: number, templatesDir: string): Promise<number> {
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  const w = new PageWriter(dir);
  let i = 0;
  for await (const { pass, item } of templates(templatesDir)) {
    if (i++ >= n) break;
    item.cve.id = rename(item.cve.id, pass);
    await w.add(item);
  }
  await w.close();
  return w.bytes;
}

/** Every 100th CVE of the mirror in `dir`, changed as an incremental window would return it. */
export async function changedCves(dir: string, lastModified: string): Promise<unknown[]> {
  const out: unknown[] = [];
  let i = 0;
  for (const f of await listPages(dir)) {
    for await (const it of new PageReader(path.join(dir, f), `bench: ${f}`).items()) {
      if (i++ % 100 !== 0) continue;
      const item = it.value as { cve: Cve };
      if (item.cve['vulnStatus'] === 'Rejected') continue;
      item.cve.lastModified = lastModified;
      item.cve.references = [...item.cve.references, { url: `https://example.org/bench/${item.cve.id}`, source: 'nvd@nist.gov', tags: ['Patch'] }];
      out.push(item);
    }
  }
  return out;
}

/** An EPSS score file of `n` CVEs for `date`, as FIRST writes it (gzip); scores move a little with the date. */
export async function writeEpssFile(dir: string, n: number, date: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const gz = createGzip({ level: 6 });
  const sink = createWriteStream(path.join(dir, 'epss_scores-current.csv.gz'));
  gz.pipe(sink);
  const done = once(sink, 'close');
  const day = Number(date.slice(8, 10));
  let chunk = `#model_version:v2025.03.14,score_date:${date}T12:55:00+0000\ncve,epss,percentile\n`;
  for (let i = 0; i < n; i++) {
    const score = ((i * 7919 + day * 31) % 100000) / 100000;
    chunk += `CVE-${1999 + (i % 27)}-${String(1000 + Math.floor(i / 27)).padStart(4, '0')},${score.toFixed(5)},${(i / n).toFixed(5)}\n`;
    if (chunk.length > 256 * 1024) {
      if (!gz.write(chunk)) await once(gz, 'drain');
      chunk = '';
    }
  }
  gz.end(chunk);
  await done;
}
