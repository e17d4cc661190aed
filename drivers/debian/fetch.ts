/**
 * Fetch: the tracker JSON and the advisory lists into the workspace (paths in layout.ts), from
 *
 * - a URL: `<source>tracker/data/json` with a conditional GET (the tracker sends Last-Modified;
 *   gzip transfer encoding is the HTTP client's), and `data/DSA/list`, `data/DLA/list` from the
 *   `lists_source` setting, else Salsa when the source is the tracker itself, else the source. A
 *   list answering 404 is absent (fixed entries then carry no advisory; parse says so); the JSON
 *   answering 404 fails the fetch.
 * - a mirror directory: `tracker/data/json` or `tracker/data/json.gz` (the first found), and the
 *   lists when present; each copied only when its digest changed.
 *
 * All-or-nothing (the framework's staging): a failed fetch leaves the workspace as it was. The
 * state is one entry per file (`{etag, lastModified, sha256}`); `unchanged` means the same files
 * with the same digests.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { AirfeedError, isAirfeedError } from '../_framework/errors.ts';
import {
  copyIfChanged, downloadIfChanged, type FetchedFile, fileStates, isHttpSource, localPath, readFileStates, sameFiles,
} from '../_framework/fetch-files.ts';
import { fileProblem } from '../_framework/files.ts';
import type { FetchContext, FetchResult } from '../_framework/types.ts';
import { type Staging, withStaging } from '../_framework/workspace.ts';
import { baseUrl, JSON_KEYS, LIST_KEYS, listsBase, ownsKey } from './layout.ts';

/** The plain setting naming where the advisory lists come from (see the module doc). */
export const LISTS_SETTING = 'lists_source';

/** Fetches the JSON and the lists; see the module doc. */
export async function fetchDebian(ctx: FetchContext): Promise<FetchResult> {
  const previous = readFileStates(ctx.state);
  const fetched = await withStaging(ctx.workspace, async (staging) => {
    const files = isHttpSource(ctx.source) ? await fromHttp(ctx, staging) : await fromDirectory(ctx, staging);
    await staging.commit(files, { owns: ownsKey });
    return files;
  });
  const unchanged = sameFiles(previous, fetched);
  ctx.log.info({ files: fetched.map((f) => f.key), updated: fetched.filter((f) => f.staged).length, unchanged }, 'debian: fetch done');
  return { unchanged, state: fileStates(fetched) };

  async function fromHttp(c: FetchContext, staging: Staging): Promise<FetchedFile[]> {
    const base = baseUrl(c.source);
    const lists = listsBase(c.source, c.settings.get(LISTS_SETTING));
    c.progress.phase('debian: download', 1 + LIST_KEYS.length);
    const out: FetchedFile[] = [];
    const key = JSON_KEYS[0];
    out.push(await downloadIfChanged(c, new URL(key, base).href, key, previous.get(key), staging, 'debian'));
    c.progress.tick();
    for (const list of LIST_KEYS) {
      const url = new URL(list, lists).href;
      try {
        out.push(await downloadIfChanged(c, url, list, previous.get(list), staging, 'debian'));
      } catch (err) {
        const status = isAirfeedError(err, 'SOURCE_HTTP_ERROR') ? err.details['status'] : undefined;
        if (status !== 404 && status !== 410) throw err;
        c.log.warn({ url }, 'debian: advisory list not found; fixed entries will carry no advisories from it');
      }
      c.progress.tick();
    }
    return out;
  }

  async function fromDirectory(c: FetchContext, staging: Staging): Promise<FetchedFile[]> {
    const dir = localPath(c.source);
    const stat = await fs.stat(dir).catch((err: unknown) => {
      throw new AirfeedError('SOURCE_UNREACHABLE', `debian: cannot read the mirror directory ${dir}: ${fileProblem(err).reason}`, {
        cause: err,
        hint: 'Check the mirror directory named (--source, or AIRFEED_SOURCE_DEBIAN for scheduled syncs): it must exist and be readable by this user.',
      });
    });
    if (!stat.isDirectory()) throw new AirfeedError('SOURCE_INVALID', `debian: the mirror ${dir} is not a directory`);
    const json = JSON_KEYS.find((k) => existsSync(path.join(dir, k)));
    if (json === undefined) {
      throw new AirfeedError('SOURCE_INVALID', `debian: the mirror directory ${dir} holds no tracker JSON (${JSON_KEYS.join(' or ')})`);
    }
    const keys = [json, ...LIST_KEYS.filter((k) => existsSync(path.join(dir, k)))];
    c.progress.phase('debian: copy', keys.length);
    const out: FetchedFile[] = [];
    for (const key of keys) {
      out.push(await copyIfChanged(path.join(dir, key), key, staging, 'debian'));
      c.progress.tick();
    }
    return out;
  }
}
