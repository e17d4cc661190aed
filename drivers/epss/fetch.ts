/**
 * Fetch: the day's score file into the workspace under its own name, from
 *
 * - its URL (`https://epss.cyentia.com/epss_scores-current.csv.gz`), or a base URL not naming a
 *   `.csv`/`.csv.gz` file, to which `epss_scores-current.csv.gz` is appended: a conditional GET;
 * - a local directory holding `epss_scores-current.csv.gz` (or `epss_scores-current.csv`), or the
 *   file itself: a copy when its digest changed.
 *
 * Staged and renamed into place (the framework's fetch-files.ts and workspace.ts), so a failed fetch
 * leaves the previous file. The state is the framework's per-file state (ETag, Last-Modified, sha256).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  copyIfChanged, downloadIfChanged, type FetchedFile, fileStates, isHttpSource, localPath, readFileStates, sameFiles,
} from '../_framework/fetch-files.ts';
import type { FetchContext, FetchResult } from '../_framework/types.ts';
import { withStaging } from '../_framework/workspace.ts';
import { SCORES_FILE, SCORES_FILES } from './scores.ts';

/** The file's URL for an HTTP source, and its workspace name. */
export function scoresUrl(source: string): { url: string; key: string } {
  const url = new URL(source);
  if (/\.csv(\.gz)?$/.test(url.pathname)) return { url: url.href, key: url.pathname.endsWith('.gz') ? SCORES_FILE : 'epss_scores-current.csv' };
  return { url: new URL(SCORES_FILE, url.href.endsWith('/') ? url.href : `${url.href}/`).href, key: SCORES_FILE };
}

/** The local file of a directory (or file) source, and its workspace name. */
async function localScores(source: string): Promise<{ file: string; key: string }> {
  const p = localPath(source);
  const isDir = await fs.stat(p).then((s) => s.isDirectory(), () => false);
  if (!isDir) return { file: p, key: p.endsWith('.gz') ? SCORES_FILE : 'epss_scores-current.csv' };
  for (const name of SCORES_FILES) {
    const file = path.join(p, name);
    if (await fs.stat(file).then((s) => s.isFile(), () => false)) return { file, key: name };
  }
  return { file: path.join(p, SCORES_FILE), key: SCORES_FILE };
}

/** Fetches the score file; see the module doc. */
export async function fetchEpss(ctx: FetchContext): Promise<FetchResult> {
  const previous = readFileStates(ctx.state);
  const fetched = await withStaging(ctx.workspace, async (staging) => {
    ctx.progress.phase('epss: scores', 1);
    let file: FetchedFile;
    if (isHttpSource(ctx.source)) {
      const { url, key } = scoresUrl(ctx.source);
      file = await downloadIfChanged(ctx, url, key, previous.get(key), staging, 'epss');
    } else {
      const { file: local, key } = await localScores(ctx.source);
      file = await copyIfChanged(local, key, staging, 'epss');
    }
    ctx.progress.tick();
    await staging.commit([file], { owns: (key) => (SCORES_FILES as readonly string[]).includes(key) });
    return file;
  });
  const unchanged = sameFiles(previous, [fetched]);
  ctx.log.info({ updated: fetched.staged, unchanged }, 'epss: fetch done');
  return { unchanged, state: fileStates([fetched]) };
}
