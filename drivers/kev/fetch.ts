/**
 * Fetch: the one catalog file into the workspace as `known_exploited_vulnerabilities.json`, from
 *
 * - its URL (`https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json`),
 *   or a base URL not ending in `.json`, to which the file name is appended (a mirror of the
 *   directory): a conditional GET;
 * - a local directory holding the file, or the file itself: a copy when its digest changed.
 *
 * Staged and renamed into place (the framework's fetch-files.ts and workspace.ts), so a failed fetch
 * leaves the previous catalog in place.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  copyIfChanged, downloadIfChanged, type FetchedFile, fileStates, isHttpSource, localPath, readFileStates, sameFiles,
} from '../_framework/fetch-files.ts';
import type { FetchContext, FetchResult } from '../_framework/types.ts';
import { withStaging } from '../_framework/workspace.ts';
import { CATALOG_FILE } from './catalog.ts';

/** The catalog's URL for an HTTP source: the source itself when it names a `.json` file. */
export function catalogUrl(source: string): string {
  const url = new URL(source);
  if (url.pathname.endsWith('.json')) return url.href;
  return new URL(CATALOG_FILE, url.href.endsWith('/') ? url.href : `${url.href}/`).href;
}

/** The local catalog file of a directory (or file) source. */
async function localCatalog(source: string): Promise<string> {
  const p = localPath(source);
  const isDir = await fs.stat(p).then((s) => s.isDirectory(), () => false);
  return isDir ? path.join(p, CATALOG_FILE) : p;
}

/** Fetches the catalog; see the module doc. */
export async function fetchKev(ctx: FetchContext): Promise<FetchResult> {
  const previous = readFileStates(ctx.state);
  const fetched = await withStaging(ctx.workspace, async (staging) => {
    ctx.progress.phase('kev: catalog', 1);
    let file: FetchedFile;
    if (isHttpSource(ctx.source)) {
      file = await downloadIfChanged(ctx, catalogUrl(ctx.source), CATALOG_FILE, previous.get(CATALOG_FILE), staging, 'kev');
    } else {
      file = await copyIfChanged(await localCatalog(ctx.source), CATALOG_FILE, staging, 'kev');
    }
    ctx.progress.tick();
    await staging.commit([file], { owns: (key) => key === CATALOG_FILE });
    return file;
  });
  const unchanged = sameFiles(previous, [fetched]);
  ctx.log.info({ updated: fetched.staged, unchanged }, 'kev: fetch done');
  return { unchanged, state: fileStates([fetched]) };
}
