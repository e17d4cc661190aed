/**
 * Fetch: secdb files from `https://secdb.alpinelinux.org/` (or a mirror of it) or from a local
 * mirror directory into the workspace as `<branch>/<repo>.json`.
 *
 * All-or-nothing for the workspace (the framework's staged commit, _framework/workspace.ts): new
 * files are written into `<workspace>/.staging/` and renamed into place, and vanished branches and
 * repo files removed, only when every file has been fetched.
 */
import path from 'node:path';
import { mapLimit } from '../_framework/concurrency.ts';
import { AirfeedError, isAirfeedError } from '../_framework/errors.ts';
import {
  copyIfChanged, downloadIfChanged, type FetchedFile, type FileState, fileStates, isHttpSource, localPath, readFileStates, sameFiles,
} from '../_framework/fetch-files.ts';
import { fileProblem } from '../_framework/files.ts';
import type { FetchContext, FetchResult } from '../_framework/types.ts';
import { type Staging, withStaging } from '../_framework/workspace.ts';
import { BRANCH_RE, type BranchFiles, fileKey, listBranches, ownsKey, REPOS, type Repo } from './layout.ts';
import { linksFromIndex } from '../_framework/index-links.ts';

const CONCURRENCY = 4;

/** Fetches every branch's main.json and community.json into the workspace; see the module doc. */
export async function fetchAlpine(ctx: FetchContext): Promise<FetchResult> {
  const previous = readFileStates(ctx.state);
  const fetched = await withStaging(ctx.workspace, async (staging) => {
    const files = isHttpSource(ctx.source) ? await fromHttp(ctx, previous, staging) : await fromDirectory(ctx, staging);
    await staging.commit(files, { owns: ownsKey });
    return files;
  });
  const state = fileStates(fetched);
  const unchanged = sameFiles(previous, fetched);
  ctx.log.info({ files: fetched.length, updated: fetched.filter((f) => f.staged).length, unchanged }, 'alpine: fetch done');
  return { unchanged, state };
}

/** Copies from a local mirror directory the files whose digest differs from the workspace copy. */
async function fromDirectory(ctx: FetchContext, staging: Staging): Promise<FetchedFile[]> {
  const dir = localPath(ctx.source);
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
  const out: FetchedFile[] = [];
  for (const key of files) {
    out.push(await copyIfChanged(path.join(dir, key), key, staging, 'alpine'));
    ctx.progress.tick();
  }
  return out;
}

/** The branch directories linked from an HTML directory listing (nginx autoindex and the like). */
export function branchesFromIndex(html: string, base: string): string[] {
  return linksFromIndex(html, base, (name) => BRANCH_RE.test(name.replace(/\/$/, '')));
}

/** Discovers branches from the index page, then conditional-GETs every repo file. */
async function fromHttp(ctx: FetchContext, previous: Map<string, FileState>, staging: Staging): Promise<FetchedFile[]> {
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
  return results.filter((r): r is FetchedFile => r !== null);
}

/** One conditional GET into staging; null when the file does not exist upstream (404/410). */
async function download(
  ctx: FetchContext, base: string, branch: string, repo: Repo, previous: Map<string, FileState>, staging: Staging,
): Promise<FetchedFile | null> {
  const key = fileKey(branch, repo);
  const url = new URL(key, base).href;
  try {
    return await downloadIfChanged(ctx, url, key, previous.get(key), staging, 'alpine');
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
