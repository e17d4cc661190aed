/**
 * Fetch: secdb files from `https://secdb.alpinelinux.org/` (or a mirror of it) or from a local
 * mirror directory into the workspace as `<branch>/<repo>.json`.
 *
 * All-or-nothing for the workspace (the framework's staged commit, _framework/workspace.ts): new
 * files are written into `<workspace>/.staging/` and renamed into place, and vanished branches and
 * repo files removed, only when every file has been fetched.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { mapLimit } from '../_framework/concurrency.ts';
import { AirfeedError, isAirfeedError } from '../_framework/errors.ts';
import { fileProblem } from '../_framework/files.ts';
import { compareStrings } from '../_framework/strings.ts';
import type { DriverState, FetchContext, FetchResult } from '../_framework/types.ts';
import { sha256File, type Staging, withStaging } from '../_framework/workspace.ts';
import { BRANCH_RE, type BranchFiles, fileKey, listBranches, ownsKey, REPOS, type Repo } from './layout.ts';

const CONCURRENCY = 4;

/** What the state keeps per `<branch>/<repo>.json`. */
const FileState = z.object({
  etag: z.string().nullable().catch(null),
  lastModified: z.string().nullable().catch(null),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
type FileState = z.infer<typeof FileState>;

interface Fetched extends FileState {
  key: string;
  /** Written into staging, to be moved into the workspace. */
  staged: boolean;
}

/** Reads the previous state leniently: an entry that does not fit is as good as absent. */
function readState(state: DriverState): Map<string, FileState> {
  const out = new Map<string, FileState>();
  for (const [key, value] of Object.entries(state)) {
    const parsed = FileState.safeParse(value);
    if (parsed.success) out.set(key, parsed.data);
  }
  return out;
}

/** Fetches every branch's main.json and community.json into the workspace; see the module doc. */
export async function fetchAlpine(ctx: FetchContext): Promise<FetchResult> {
  const previous = readState(ctx.state);
  const fetched = await withStaging(ctx.workspace, async (staging) => {
    const files = /^https?:\/\//i.test(ctx.source) ? await fromHttp(ctx, previous, staging) : await fromDirectory(ctx, staging);
    await staging.commit(files, { owns: ownsKey });
    return files;
  });
  const state: Record<string, FileState> = {};
  for (const f of [...fetched].sort((a, b) => compareStrings(a.key, b.key))) {
    state[f.key] = { etag: f.etag, lastModified: f.lastModified, sha256: f.sha256 };
  }
  const unchanged = fetched.length === previous.size && fetched.every((f) => previous.get(f.key)?.sha256 === f.sha256);
  ctx.log.info({ files: fetched.length, updated: fetched.filter((f) => f.staged).length, unchanged }, 'alpine: fetch done');
  return { unchanged, state };
}

/** Copies from a local mirror directory the files whose digest differs from the workspace copy. */
async function fromDirectory(ctx: FetchContext, staging: Staging): Promise<Fetched[]> {
  const dir = ctx.source.startsWith('file:') ? fileURLToPath(ctx.source) : path.resolve(ctx.source);
  let branches: BranchFiles[];
  try {
    branches = await listBranches(dir);
  } catch (err) {
    // A local directory: the network hint of SOURCE_UNREACHABLE does not apply.
    throw new AirfeedError('SOURCE_UNREACHABLE', `alpine: cannot read the mirror directory ${dir}: ${fileProblem(err).reason}`, {
      cause: err,
      hint: 'Check the mirror directory named (--source, or AIRFEED_SOURCE_ALPINE for scheduled syncs): it must exist and be readable by this user.',
    });
  }
  if (branches.length === 0) {
    throw new AirfeedError('SOURCE_INVALID', `alpine: the mirror directory ${dir} holds no branch directory (v3.NN/ or edge/) with main.json or community.json`);
  }
  const files = branches.flatMap((b) => b.repos.map((repo) => fileKey(b.branch, repo)));
  ctx.progress.phase('alpine: copy', files.length);
  const out: Fetched[] = [];
  for (const key of files) {
    const source = path.join(dir, key);
    const [upstream, current] = await Promise.all([sha256File(source), sha256File(staging.current(key))]);
    if (upstream !== null && upstream === current) {
      out.push({ key, etag: null, lastModified: null, sha256: upstream, staged: false });
    } else {
      const staged = staging.path(key);
      await fs.mkdir(path.dirname(staged), { recursive: true });
      await fs.copyFile(source, staged);
      // The digest of what was copied, not of what was read before: the mirror may be changing.
      const sha256 = await sha256File(staged);
      if (sha256 === null) throw new Error(`alpine: ${staged} vanished while copying`);
      out.push({ key, etag: null, lastModified: null, sha256, staged: true });
    }
    ctx.progress.tick();
  }
  return out;
}

/** The branch directories linked from an HTML directory listing (nginx autoindex and the like). */
export function branchesFromIndex(html: string, base: string): string[] {
  const found = new Set<string>();
  for (const m of html.matchAll(/href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi)) {
    const href = m[1] ?? m[2] ?? m[3] ?? '';
    let url: URL;
    try {
      url = new URL(href, base);
    } catch {
      continue;
    }
    if (!url.href.startsWith(base)) continue;
    const name = decodeURIComponent(url.href.slice(base.length).split(/[?#]/)[0] ?? '').replace(/\/$/, '');
    if (BRANCH_RE.test(name)) found.add(name);
  }
  return [...found].sort(compareStrings);
}

/** Discovers branches from the index page, then conditional-GETs every repo file. */
async function fromHttp(ctx: FetchContext, previous: Map<string, FileState>, staging: Staging): Promise<Fetched[]> {
  const base = ctx.source.endsWith('/') ? ctx.source : `${ctx.source}/`;
  const html = await ctx.http.getText(base, ctx.signal ? { signal: ctx.signal } : {});
  const branches = branchesFromIndex(html, base);
  if (branches.length === 0) {
    throw new AirfeedError('SOURCE_INVALID', `alpine: the index page ${base} links no branch directory (v3.NN/ or edge/)`);
  }
  const jobs = branches.flatMap((branch) => REPOS.map((repo) => ({ branch, repo })));
  ctx.progress.phase('alpine: download', jobs.length);
  // mapLimit waits for running downloads before rejecting, so staging is not removed under them.
  const results = await mapLimit(jobs, CONCURRENCY, async (job) => {
    const res = await download(ctx, base, job.branch, job.repo, previous, staging);
    ctx.progress.tick();
    return res;
  });
  return results.filter((r): r is Fetched => r !== null);
}

/** One conditional GET into staging; null when the file does not exist upstream (404/410). */
async function download(
  ctx: FetchContext, base: string, branch: string, repo: Repo, previous: Map<string, FileState>, staging: Staging,
): Promise<Fetched | null> {
  const key = fileKey(branch, repo);
  const url = new URL(key, base).href;
  const current = await sha256File(staging.current(key));
  const prev = previous.get(key);
  // Conditional headers only when the workspace still holds exactly what they describe;
  // otherwise a 304 would leave us without (or with a wrong) file.
  const conditional = prev !== undefined && current !== null && prev.sha256 === current;
  try {
    const res = await ctx.http.download(url, staging.path(key), {
      ...(conditional ? { etag: prev.etag, lastModified: prev.lastModified } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    if (res.notModified) {
      if (current === null) throw new AirfeedError('SOURCE_INVALID', `alpine: GET ${url} answered 304 Not Modified to an unconditional request`);
      return { key, etag: res.etag, lastModified: res.lastModified, sha256: current, staged: false };
    }
    if (res.sha256 === null) throw new Error(`alpine: GET ${url} returned no digest`);
    // Same bytes as before (a server without ETags): nothing to move.
    if (res.sha256 === current) await fs.rm(staging.path(key), { force: true });
    return { key, etag: res.etag, lastModified: res.lastModified, sha256: res.sha256, staged: res.sha256 !== current };
  } catch (err) {
    const status = isAirfeedError(err, 'SOURCE_HTTP_ERROR') ? err.details['status'] : undefined;
    if (status === 404 || status === 410) {
      // Old branches have no community.json; a missing main.json is unusual enough to say so.
      if (repo === 'main') ctx.log.warn({ url }, 'alpine: branch listed in the index has no main.json');
      else ctx.log.debug({ url }, 'alpine: no community.json on this branch');
      return null;
    }
    throw err;
  }
}
