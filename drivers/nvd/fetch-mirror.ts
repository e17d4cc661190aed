/**
 * Fetch from a mirror of NVD page files: every `*.json` / `*.json.gz` at the top of
 *
 * - a local directory (`../shared/realdata/nvd/v2.0-feeds/`: `nvdcve-2002.json.gz` …
 *   `nvdcve-2016.json.gz`, `nvdcve-modified.json.gz`; `.meta` files and the like are ignored):
 *   copied when their digest changed;
 * - a directory served over HTTP (an autoindex listing linking the files, as nginx or a GitHub
 *   raw mirror serve the same layout): conditional GETs with the ETag / Last-Modified kept.
 *
 * The files are the whole of NVD as the mirror knows it: the batch is complete (layout.ts). All or
 * nothing through the framework's staging (workspace.ts): a failed fetch leaves the previous pages.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { mapLimit } from '../_framework/concurrency.ts';
import { AirfeedError } from '../_framework/errors.ts';
import {
  copyIfChanged, downloadIfChanged, type FetchedFile, type FileState, fileStates, isHttpSource, localPath, readFileStates, sameFiles,
} from '../_framework/fetch-files.ts';
import { fileProblem } from '../_framework/files.ts';
import type { DriverState, FetchContext, FetchResult } from '../_framework/types.ts';
import { type Staging, withStaging } from '../_framework/workspace.ts';
import { FETCH_DIR, listPages, PAGE_RE, readBatch, writeBatch } from './layout.ts';
import { linksFromIndex } from '../_framework/index-links.ts';

const CONCURRENCY = 2;

/** The state of a mirror fetch: one FileState per page file. */
function mirrorFiles(state: DriverState): Map<string, FileState> {
  const files = state['mode'] === 'mirror' && state['files'] !== null && typeof state['files'] === 'object' ? (state['files'] as DriverState) : {};
  return readFileStates(files);
}

/** The page files linked from an HTML directory listing, by name, sorted. */
export function pagesFromIndex(html: string, base: string): string[] {
  return linksFromIndex(html, base, (name) => PAGE_RE.test(name));
}

async function fromDirectory(ctx: FetchContext, staging: Staging): Promise<FetchedFile[]> {
  const dir = localPath(ctx.source);
  let names: string[];
  try {
    await fs.readdir(dir);
    names = await listPages(dir);
  } catch (err) {
    throw new AirfeedError('SOURCE_UNREACHABLE', `nvd: cannot read the mirror directory ${dir}: ${fileProblem(err).reason}`, {
      cause: err,
      hint: 'Check the mirror directory named (--source, or AIRFEED_SOURCE_NVD for scheduled syncs): it must exist and be readable by this user.',
    });
  }
  if (names.length === 0) throw new AirfeedError('SOURCE_INVALID', `nvd: the mirror directory ${dir} holds no NVD page file (*.json or *.json.gz)`);
  ctx.progress.phase('nvd: copy', names.length);
  const out: FetchedFile[] = [];
  for (const name of names) {
    out.push(await copyIfChanged(path.join(dir, name), name, staging, 'nvd'));
    ctx.progress.tick();
  }
  return out;
}

async function fromHttp(ctx: FetchContext, previous: Map<string, FileState>, staging: Staging): Promise<FetchedFile[]> {
  const base = ctx.source.endsWith('/') ? ctx.source : `${ctx.source}/`;
  const names = pagesFromIndex(await ctx.http.getText(base, ctx.signal ? { signal: ctx.signal } : {}), base);
  if (names.length === 0) throw new AirfeedError('SOURCE_INVALID', `nvd: the index page ${base} links no NVD page file (*.json or *.json.gz)`);
  ctx.progress.phase('nvd: download', names.length);
  // mapLimit waits for running downloads before rejecting, so staging is not removed under them.
  return mapLimit(names, CONCURRENCY, async (name) => {
    const file = await downloadIfChanged(ctx, new URL(encodeURIComponent(name), base).href, name, previous.get(name), staging, 'nvd');
    ctx.progress.tick();
    return file;
  });
}

/** Fetches a mirror (local or HTTP); see the module doc. */
export async function fetchMirror(ctx: FetchContext): Promise<FetchResult> {
  const previous = mirrorFiles(ctx.state);
  const before = await readBatch(ctx.workspace);
  const fetched = await withStaging(ctx.workspace, async (staging) => {
    const files = isHttpSource(ctx.source) ? await fromHttp(ctx, previous, staging) : await fromDirectory(ctx, staging);
    await staging.commit(files, { owns: (key) => PAGE_RE.test(key) });
    return files;
  });
  await writeBatch(ctx.workspace, { kind: 'mirror', complete: true });
  // An API fetch in progress belongs to another source: it is not resumed after a mirror sync.
  await fs.rm(path.join(ctx.workspace, FETCH_DIR), { recursive: true, force: true });
  const unchanged = before?.kind === 'mirror' && sameFiles(previous, fetched);
  ctx.log.info({ files: fetched.length, updated: fetched.filter((f) => f.staged).length, unchanged }, 'nvd: mirror fetch done');
  return { unchanged, state: { mode: 'mirror', files: fileStates(fetched) } };
}
