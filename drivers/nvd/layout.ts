/**
 * The workspace of the nvd driver, shared by fetch and parse:
 *
 * - page files at the top level, in the API 2.0 page shape, plain or compressed: a mirror's files
 *   under their own names (`nvdcve-2016.json.gz`, `nvdcve-modified.json.gz`), or the API pages a
 *   fetch wrote (`api-w000-s0000000.json.gz`: window 0, startIndex 0);
 * - `nvd-batch.info`: what the pages are (JSON) — `{"kind":"mirror","complete":true}` for a mirror
 *   snapshot, `{"kind":"api","complete":true,"api":"https://services.nvd.nist.gov/rest/json/cves/2.0"}`
 *   after a full API fetch, `"complete":false` (with the windows fetched) after an incremental one;
 * - `.nvd-fetch/`: an API fetch in progress (its pages and `progress.json`), kept across crashes so
 *   the next run resumes it; `.nvd-sort/`: parse's sort runs, removed when parse ends.
 *
 * Only `*.json` and `*.json.gz` names are page files; the framework's staged commit leaves the
 * marker and the dot-named directories alone.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { compareStrings } from '../_framework/strings.ts';

export const BATCH_FILE = 'nvd-batch.info';
export const FETCH_DIR = '.nvd-fetch';
export const SORT_DIR = '.nvd-sort';

/** Page file names: `*.json` or `*.json.gz`, not dot-named. */
export const PAGE_RE = /^[^.][^/]*\.json(\.gz)?$/;

/** A window of the API's lastModified filter that was fetched (ISO times, UTC). */
export const Window = z.object({ start: z.string(), end: z.string() });
export type Window = z.infer<typeof Window>;

export const Batch = z.object({
  kind: z.enum(['mirror', 'api']),
  /** True when the pages are the whole of NVD (a mirror snapshot, a full API fetch). */
  complete: z.boolean(),
  /** The API URL the pages came from (`kind: api`): records name it as their provenance. */
  api: z.string().optional(),
  /** The lastModified windows an incremental batch holds. */
  windows: z.array(Window).optional(),
});
export type Batch = z.infer<typeof Batch>;

/** Page files of `dir` (top level only), sorted by name; [] when `dir` does not exist. */
export async function listPages(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  const out: string[] = [];
  for (const e of entries) {
    if (!PAGE_RE.test(e.name)) continue;
    const isFile = e.isFile() || (e.isSymbolicLink() && (await fs.stat(path.join(dir, e.name)).then((s) => s.isFile(), () => false)));
    if (isFile) out.push(e.name);
  }
  return out.sort(compareStrings);
}

/** The workspace's batch marker; null when there is none (nothing fetched yet). */
export async function readBatch(workspace: string): Promise<Batch | null> {
  let text: string;
  try {
    text = await fs.readFile(path.join(workspace, BATCH_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const parsed = Batch.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`nvd: ${BATCH_FILE} in ${workspace} is not a batch marker this driver wrote`, { cause: parsed.error });
  return parsed.data;
}

/** Writes the batch marker atomically (written aside, then renamed). */
export async function writeBatch(workspace: string, batch: Batch): Promise<void> {
  const file = path.join(workspace, BATCH_FILE);
  await fs.mkdir(workspace, { recursive: true });
  await fs.writeFile(`${file}.part`, `${JSON.stringify(batch)}\n`);
  await fs.rename(`${file}.part`, file);
}
