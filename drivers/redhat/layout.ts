/**
 * The upstream layout (https://security.access.redhat.com/data/csaf/v2/vex/) and the workspace's,
 * which mirrors it: `archive_latest.txt` names the newest full archive (`csaf_vex_2024-04-02.tar.zst`
 * holding `2022/cve-2022-0001.json` …); `changes.csv` lists `"2024/cve-2024-0056.json","2024-02-05T16:57:43+00:00"`
 * for every document changed since, newest first; `deletions.csv` the same for removed documents;
 * documents are served at `YYYY/cve-YYYY-NNNN.json`.
 *
 * The workspace holds the archive (as downloaded), `changes.csv` and `deletions.csv` (as
 * downloaded), the documents changed since the archive (`YYYY/cve-….json`, the current versions),
 * and two files of the driver's own: `redhat-manifest.json` (what the workspace holds and which
 * documents the last fetch brought: the batch parse reads) and, beside the archive,
 * `csaf_vex_2024-04-02.index.tsv` (its digest, then per document the RHEL majors its CPEs name, so
 * the groups are known without parsing).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { AirfeedError } from '../_framework/errors.ts';
import { compareStrings } from '../_framework/strings.ts';

export const LATEST_FILE = 'archive_latest.txt';
export const CHANGES_FILE = 'changes.csv';
export const DELETIONS_FILE = 'deletions.csv';
export const MANIFEST_FILE = 'redhat-manifest.json';

/** The index fetch writes beside an archive: `csaf_vex_2024-04-02.index.tsv`. */
export function indexFileOf(archive: string): string {
  return archive.replace(/\.tar\.zst$/, '.index.tsv');
}
const INDEX_RE = /^csaf_vex_\d{4}-\d{2}-\d{2}\.index\.tsv$/;

/** `csaf_vex_2024-04-02.tar.zst`: the archive's name carries the day it was made. */
export const ARCHIVE_RE = /^csaf_vex_(\d{4}-\d{2}-\d{2})\.tar\.zst$/;
/** A document's path: `2024/cve-2024-0056.json`. */
export const DOC_RE = /^(\d{4})\/cve-(\d{4})-(\d{4,})\.json$/;

/** `2023/cve-2023-0030.json` → `CVE-2023-0030`; null for a path that is not a document's. */
export function cveOfPath(p: string): string | null {
  const m = DOC_RE.exec(p);
  return m ? `CVE-${m[2]}-${m[3]}` : null;
}

/** The instant a change of the archive's day starts: changes from then on are applied over it. */
export function archiveStart(name: string): string {
  const m = ARCHIVE_RE.exec(name);
  if (!m?.[1]) throw new AirfeedError('SOURCE_INVALID', `redhat: ${JSON.stringify(name)} is not an archive name (csaf_vex_YYYY-MM-DD.tar.zst)`);
  return `${m[1]}T00:00:00Z`;
}

/** `rhel:9` for major 9. */
export function groupOf(major: number): string {
  return `rhel:${major}`;
}

export function groupDescription(major: number): string {
  return `Red Hat Enterprise Linux ${major} (Red Hat CSAF VEX)`;
}

/** Majors as written in the index: `6,7,8,9`. */
export function formatMajors(majors: Iterable<number>): string {
  return [...new Set(majors)].sort((a, b) => a - b).join(',');
}

export function parseMajors(text: string): number[] {
  return text === '' ? [] : text.split(',').map(Number).filter((n) => Number.isSafeInteger(n) && n > 0);
}

const Time = z.string().min(1);

/** A document changed since the archive, held in the workspace. */
export const LooseDoc = z.strictObject({ time: Time, sha256: z.string(), majors: z.array(z.number().int().positive()) });
export type LooseDoc = z.infer<typeof LooseDoc>;

/** What the workspace holds (written by fetch, read by parse and groups). */
export const Manifest = z.strictObject({
  version: z.literal(1),
  archive: z.strictObject({ name: z.string().regex(ARCHIVE_RE), sha256: z.string(), documents: z.number().int().nonnegative() }),
  /** Documents changed since the archive (path → when and what). */
  loose: z.record(z.string(), LooseDoc),
  /** Documents deleted since the archive (path → when). */
  deleted: z.record(z.string(), Time),
  /** Listed as changed, but neither the mirror nor the server had them (the archive's copy stays). */
  missing: z.array(z.string()),
  /** What the last fetch brought: everything (`full`) or the documents changed and deleted since the previous run (`delta`). */
  batch: z.strictObject({ kind: z.enum(['full', 'delta']), changed: z.array(z.string()), deleted: z.array(z.string()) }),
});
export type Manifest = z.infer<typeof Manifest>;

/** The workspace's manifest; null when there is none (never fetched). */
export async function readManifest(workspace: string): Promise<Manifest | null> {
  let text: string;
  try {
    text = await fs.readFile(path.join(workspace, MANIFEST_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const parsed = Manifest.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new AirfeedError('SOURCE_INVALID', `redhat: ${MANIFEST_FILE} in the workspace is not one this driver wrote (delete the workspace to start over)`, { cause: parsed.error });
  }
  return parsed.data;
}

/** The manifest's JSON: keys sorted, so equal contents are equal bytes. */
export function manifestText(m: Manifest): string {
  const sortKeys = <T>(o: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(o).sort(([a], [b]) => compareStrings(a, b)));
  return `${JSON.stringify({ ...m, loose: sortKeys(m.loose), deleted: sortKeys(m.deleted) }, null, 1)}\n`;
}

/** One line of the archive index: a document path and the majors it names. */
export interface IndexLine {
  path: string;
  majors: number[];
}

/** The index's first line: `# sha256 <hex> documents <n>`, naming the archive bytes it describes. */
export function indexHeader(sha256: string, documents: number): string {
  return `# sha256 ${sha256} documents ${documents}\n`;
}

/** Reads an archive's index: its header's digest and document count, and the lines. */
export async function readIndex(workspace: string, archive: string): Promise<{ sha256: string; documents: number; lines: IndexLine[] } | null> {
  let text: string;
  try {
    text = await fs.readFile(path.join(workspace, indexFileOf(archive)), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const head = /^# sha256 ([0-9a-f]{64}) documents (\d+)\n/.exec(text);
  if (!head?.[1] || !head[2]) return null;
  const lines: IndexLine[] = [];
  for (const line of text.slice(head[0].length).split('\n')) {
    if (line === '') continue;
    const [p, majors] = line.split('\t');
    if (p !== undefined) lines.push({ path: p, majors: parseMajors(majors ?? '') });
  }
  return { sha256: head[1], documents: Number(head[2]), lines };
}

/** The majors of the workspace: of every document in the archive index and every loose document. */
export async function workspaceMajors(workspace: string, manifest: Manifest): Promise<number[]> {
  const majors = new Set<number>();
  const index = await readIndex(workspace, manifest.archive.name);
  if (!index) throw new AirfeedError('SOURCE_INVALID', `redhat: the workspace has no index of ${manifest.archive.name} (fetch again)`);
  for (const line of index.lines) if (!(line.path in manifest.deleted)) for (const m of line.majors) majors.add(m);
  for (const doc of Object.values(manifest.loose)) for (const m of doc.majors) majors.add(m);
  return [...majors].sort((a, b) => compareStrings(groupOf(a), groupOf(b)));
}

/** True for workspace files fetch manages (for the staging commit). */
export function ownsKey(key: string): boolean {
  return DOC_RE.test(key) || ARCHIVE_RE.test(key) || INDEX_RE.test(key) || [CHANGES_FILE, DELETIONS_FILE, MANIFEST_FILE, LATEST_FILE].includes(key);
}
