/**
 * Fetching upstream files one at a time into a staging area (workspace.ts), the part every
 * file-based driver's fetch shares (Alpine's secdb files, the KEV catalog):
 *
 * - from a URL, a conditional GET: the ETag / Last-Modified kept in the driver state are sent only
 *   when the workspace still holds exactly the bytes they describe (same sha256), since otherwise a
 *   304 would leave the driver without its file, or with a wrong one; a 200 with the same bytes as
 *   the workspace copy (a server without validators) stages nothing;
 * - from a local mirror, a copy, only when the file's sha256 differs from the workspace copy.
 *
 * The state a driver keeps is one `FileState` per workspace key: `{"v3.20/main.json": {etag,
 * lastModified, sha256}}`; `unchanged` means the same keys with the same digests as last time.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { AirfeedError } from './errors.ts';
import { compareStrings } from './strings.ts';
import type { DriverState, FetchContext } from './types.ts';
import { sha256File, type Staging, type StagedFile } from './workspace.ts';

/** What a driver state keeps per file. */
export const FileState = z.object({
  etag: z.string().nullable().catch(null),
  lastModified: z.string().nullable().catch(null),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type FileState = z.infer<typeof FileState>;

/** One file of a fetch: its state, and whether a new copy of it waits in staging. */
export interface FetchedFile extends FileState, StagedFile {}

/** True for an `http(s)://` source; anything else is a local path or `file:` URL. */
export function isHttpSource(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/** The local path of a non-HTTP source (a `file:` URL or a path, made absolute). */
export function localPath(source: string): string {
  return source.startsWith('file:') ? fileURLToPath(source) : path.resolve(source);
}

/** The previous state, read leniently: an entry that does not fit is as good as absent. */
export function readFileStates(state: DriverState): Map<string, FileState> {
  const out = new Map<string, FileState>();
  for (const [key, value] of Object.entries(state)) {
    const parsed = FileState.safeParse(value);
    if (parsed.success) out.set(key, parsed.data);
  }
  return out;
}

/** The state to keep: one entry per fetched file, sorted by key. */
export function fileStates(files: readonly FetchedFile[]): Record<string, FileState> {
  const state: Record<string, FileState> = {};
  for (const f of [...files].sort((a, b) => compareStrings(a.key, b.key))) state[f.key] = { etag: f.etag, lastModified: f.lastModified, sha256: f.sha256 };
  return state;
}

/** True when `files` are exactly the previous keys with the previous digests. */
export function sameFiles(previous: ReadonlyMap<string, FileState>, files: readonly FetchedFile[]): boolean {
  return files.length === previous.size && files.every((f) => previous.get(f.key)?.sha256 === f.sha256);
}

/** Copies the local file `source` into staging as `key` unless the workspace copy has the same digest. */
export async function copyIfChanged(source: string, key: string, staging: Staging, label: string): Promise<FetchedFile> {
  const [upstream, current] = await Promise.all([sha256File(source), sha256File(staging.current(key))]);
  if (upstream === null) throw new AirfeedError('SOURCE_INVALID', `${label}: ${source} does not exist`);
  if (upstream === current) return { key, etag: null, lastModified: null, sha256: upstream, staged: false };
  const staged = staging.path(key);
  await fs.mkdir(path.dirname(staged), { recursive: true });
  await fs.copyFile(source, staged);
  // The digest of what was copied, not of what was read before: the mirror may be changing.
  const sha256 = await sha256File(staged);
  if (sha256 === null) throw new Error(`${label}: ${staged} vanished while copying`);
  return { key, etag: null, lastModified: null, sha256, staged: true };
}

/**
 * A conditional GET of `url` into staging as `key` (see the module doc). HTTP errors are the
 * client's (SOURCE_HTTP_ERROR with `details.status`), for the caller to treat a 404 as it must.
 */
export async function downloadIfChanged(
  ctx: FetchContext, url: string, key: string, previous: FileState | undefined, staging: Staging, label: string,
): Promise<FetchedFile> {
  const current = await sha256File(staging.current(key));
  const conditional = previous !== undefined && current !== null && previous.sha256 === current;
  const res = await ctx.http.download(url, staging.path(key), {
    ...(conditional ? { etag: previous.etag, lastModified: previous.lastModified } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  if (res.notModified) {
    if (current === null) throw new AirfeedError('SOURCE_INVALID', `${label}: GET ${url} answered 304 Not Modified to an unconditional request`);
    return { key, etag: res.etag, lastModified: res.lastModified, sha256: current, staged: false };
  }
  if (res.sha256 === null) throw new Error(`${label}: GET ${url} returned no digest`);
  if (res.sha256 === current) await fs.rm(staging.path(key), { force: true });
  return { key, etag: res.etag, lastModified: res.lastModified, sha256: res.sha256, staged: res.sha256 !== current };
}
