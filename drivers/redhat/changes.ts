/**
 * The change lists (`changes.csv`, `deletions.csv`: `"2024/cve-2024-0056.json","2024-02-05T16:57:43+00:00"`,
 * newest first) and the plan fetch derives from them and the applied position kept in the driver
 * state (README.md "Incremental updates"):
 *
 * - no archive applied yet, or the lists no longer reach back to the applied position → `full`: the
 *   archive `archive_latest.txt` names, plus every change and deletion from the archive's day on
 *   (`csaf_vex_2024-04-02.tar.zst` → from `2024-04-02T00:00:00Z`; documents changed that day may be
 *   in the archive already, and taking them again costs nothing but is never wrong);
 * - otherwise → `delta`: the entries newer than the position (an entry exactly at the position is
 *   new unless its path was among those applied at that instant).
 *
 * The lists "reach back" when the position is at or after the latest archive's day (the lists
 * cover everything since that archive) or when some entry is at or before the position. Per path,
 * the latest entry wins: a document changed after its deletion is a change, one deleted at or after
 * its last change is a deletion.
 */
import { createReadStream } from 'node:fs';
import { AirfeedError } from '../_framework/errors.ts';
import { csvRows } from '../_framework/read/csv.ts';
import { compareStrings } from '../_framework/strings.ts';
import { archiveStart, DOC_RE } from './layout.ts';

/** One entry of a change list. */
export interface ListEntry {
  path: string;
  /** UTC, milliseconds since the epoch. */
  at: number;
}

/** Reads a change list file; malformed rows are SOURCE_INVALID naming the file and line, odd paths are skipped (returned). */
export async function readChangeList(file: string | null, label: string): Promise<{ entries: ListEntry[]; skipped: string[] }> {
  const entries: ListEntry[] = [];
  const skipped: string[] = [];
  if (file === null) return { entries, skipped };
  for await (const row of csvRows(createReadStream(file), { label })) {
    const [p, time] = row.fields;
    if (row.fields.length !== 2 || p === undefined || time === undefined) {
      throw new AirfeedError('SOURCE_INVALID', `${label}: line ${row.line}: expected "path","time", found ${row.fields.length} fields`);
    }
    const at = Date.parse(time);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(time) || Number.isNaN(at)) throw new AirfeedError('SOURCE_INVALID', `${label}: line ${row.line}: ${JSON.stringify(time)} is not an ISO 8601 time`);
    if (!DOC_RE.test(p)) {
      skipped.push(p);
      continue;
    }
    entries.push({ path: p, at });
  }
  return { entries, skipped };
}

/** Where the driver stands: the newest entry time applied, and the paths applied at exactly that time. */
export interface Position {
  at: number;
  paths: readonly string[];
}

export interface Plan {
  kind: 'full' | 'delta';
  /** Path → time, for documents to (re)take; sorted by path. */
  changed: Map<string, number>;
  /** Path → time, for documents deleted; sorted by path. */
  deleted: Map<string, number>;
  position: Position;
}

/** The instant an archive's day starts, in ms. */
export function archiveAt(name: string): number {
  return Date.parse(archiveStart(name));
}

/** Whether the lists still cover everything after `pos` (see the module doc). */
export function reachesBack(pos: Position, latestArchive: string, lists: readonly ListEntry[]): boolean {
  return pos.at >= archiveAt(latestArchive) || lists.some((e) => e.at <= pos.at);
}

/** The plan for this run; `previous` is the applied position (undefined before the first full run). */
export function plan(previous: Position | undefined, latestArchive: string, changes: readonly ListEntry[], deletions: readonly ListEntry[]): Plan {
  const all = [...changes, ...deletions];
  const full = previous === undefined || !reachesBack(previous, latestArchive, all);
  const from = full ? archiveAt(latestArchive) : (previous).at;
  const seenAt = new Set(full ? [] : (previous).paths);
  const isNew = (e: ListEntry): boolean => (full ? e.at >= from : e.at > from || (e.at === from && !seenAt.has(e.path)));
  const lastChange = latestPerPath(changes.filter(isNew));
  const lastDeletion = latestPerPath(deletions.filter(isNew));
  const changed = new Map<string, number>();
  const deleted = new Map<string, number>();
  for (const [p, at] of lastChange) if ((lastDeletion.get(p) ?? -Infinity) < at) changed.set(p, at);
  for (const [p, at] of lastDeletion) if ((lastChange.get(p) ?? -Infinity) <= at) deleted.set(p, at);
  let top = full ? from : (previous).at;
  for (const e of all) if (isNew(e) && e.at > top) top = e.at;
  const paths = new Set<string>(!full && top === (previous).at ? (previous).paths : []);
  for (const e of all) if (isNew(e) && e.at === top) paths.add(e.path);
  return { kind: full ? 'full' : 'delta', changed: sortByKey(changed), deleted: sortByKey(deleted), position: { at: top, paths: [...paths].sort(compareStrings) } };
}

function latestPerPath(list: readonly ListEntry[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of list) if ((out.get(e.path) ?? -Infinity) < e.at) out.set(e.path, e.at);
  return out;
}

function sortByKey<V>(m: Map<string, V>): Map<string, V> {
  return new Map([...m].sort(([a], [b]) => compareStrings(a, b)));
}

/** `2024-02-05T16:57:43Z` for ms. */
export function isoOf(at: number): string {
  return new Date(at).toISOString().replace('.000Z', 'Z');
}
