/**
 * Fetch from the CVE API 2.0 (https://nvd.nist.gov/developers/vulnerabilities), following NVD's own
 * workflow (https://nvd.nist.gov/developers/api-workflows):
 *
 * - The first run pages through every CVE: `?resultsPerPage=2000&startIndex=0`, `…&startIndex=2000`, …
 *   (2,000 is the API's maximum). It is a complete batch, good up to the time it was planned.
 * - Later runs ask only for what changed since: `lastModStartDate` and `lastModEndDate` together,
 *   from the end of the last fetched window (less ten minutes, for clock skew) to now, split into
 *   windows of at most 120 days (the API refuses longer ones) however long ago the last run was —
 *   never a full refetch because the last run is old. Each window is paged the same way. The batch
 *   is incremental: its Rejected CVEs become tombstones (parse.ts).
 * - `totalResults` moves while paging: it is re-read from every page; when the last page has been
 *   read it is fetched once more, and if the total grew, paging goes on from there; if the total of
 *   a window shrank (a CVE modified again moved out of the window, shifting the ones after it),
 *   the window is paged again from 0 (duplicates are harmless: parse keeps the latest version).
 * - Rate limits: 5 requests in any rolling 30 s without an API key, 50 with one (the framework's
 *   limiter, per host); 403 (NVD's answer to a burst), 429 and 503 are retried with backoff and
 *   `Retry-After` (the framework's client). The key (setting `api_key`, environment
 *   `AIRFEED_NVD_API_KEY`) goes in the `apiKey` header only: never in the URL, the state, a log
 *   line or an error.
 * - Resume: every page is written to `.nvd-fetch/` (gzip-compressed) and the plan with its cursor
 *   to `.nvd-fetch/progress.json` after each page, so a run that dies resumes where it stopped — the
 *   same windows, from the next page — instead of starting over. When every window is fetched the
 *   pages replace the workspace's pages at once (layout.ts) and the progress is removed.
 *
 * The driver state after a run: `{"mode":"api","api":"<url>","through":"<end of the last window>",
 * "windows":[…]}` — the window actually fetched, where the next run starts.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { z } from 'zod';
import { AirfeedError } from '../_framework/errors.ts';
import { parseWith } from '../_framework/read/validate.ts';
import type { FetchContext, FetchResult } from '../_framework/types.ts';
import { PageHeader } from './api.ts';
import { FETCH_DIR, listPages, type Window, Window as WindowSchema, writeBatch } from './layout.ts';
import { PageReader } from './page-reader.ts';

/** The API's largest page. */
export const PAGE_SIZE = 2000;
/** The API's longest lastModified range. */
export const MAX_WINDOW_MS = 120 * 24 * 60 * 60 * 1000;
/** How far before the last window's end the next one starts (clock skew, NVD's indexing delay). */
export const OVERLAP_MS = 10 * 60 * 1000;
/** Rolling-window limits (https://nvd.nist.gov/developers/start-here#divRateLimits). */
export const RATE_NO_KEY = { requests: 5, perMs: 30_000 };
export const RATE_WITH_KEY = { requests: 50, perMs: 30_000 };
/** Times a window is paged again from 0 because its total shrank, before giving up for this run. */
const MAX_RESTARTS = 5;

const PROGRESS = 'progress.json';

/** True for an HTTP source that is the CVE API (its path ends in `/cves/2.0`), not a mirror of files. */
export function isApiSource(source: string): boolean {
  if (!/^https?:\/\//i.test(source)) return false;
  return /\/cves\/2\.0\/?$/.test(new URL(source).pathname);
}

const Progress = z.object({
  version: z.literal(1),
  api: z.string(),
  /** `through` of the state this plan was made from (null: a full fetch). */
  base: z.string().nullable(),
  /** When the plan was made: the end of the last window, or what a full fetch is good up to. */
  planned: z.string(),
  /** null: a full fetch (no lastModified filter). */
  windows: z.array(WindowSchema).nullable(),
  window: z.number().int().min(0),
  start: z.number().int().min(0),
  /** The window's totalResults as last seen. */
  total: z.number().int().min(0).nullable(),
  restarts: z.number().int().min(0),
  /** Page files fetched so far (in `.nvd-fetch/`, or already moved into the workspace). */
  pages: z.array(z.string()),
  items: z.number().int().min(0),
});
type Progress = z.infer<typeof Progress>;

/** The API state kept between runs. */
const ApiState = z.object({ mode: z.literal('api'), api: z.string(), through: z.string(), windows: z.array(WindowSchema).optional() });

/** `2024-10-25T01:15:13.497+00:00`-style times for the API, URL-encoded (`%2B`). */
export function apiTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '%2B00:00');
}

/** Splits [from, to] into windows of at most 120 days, in order. */
export function splitWindows(from: number, to: number): Window[] {
  const out: Window[] = [];
  for (let s = from; s < to; s += MAX_WINDOW_MS) out.push({ start: new Date(s).toISOString(), end: new Date(Math.min(s + MAX_WINDOW_MS, to)).toISOString() });
  return out;
}

/** The URL of one page. */
export function pageUrl(api: string, start: number, w: Window | null): string {
  const url = `${api}?resultsPerPage=${PAGE_SIZE}&startIndex=${start}`;
  return w ? `${url}&lastModStartDate=${apiTime(Date.parse(w.start))}&lastModEndDate=${apiTime(Date.parse(w.end))}` : url;
}

async function readProgress(dir: string): Promise<Progress | null> {
  try {
    const parsed = Progress.safeParse(JSON.parse(await fs.readFile(path.join(dir, PROGRESS), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

async function writeProgress(dir: string, p: Progress): Promise<void> {
  const file = path.join(dir, PROGRESS);
  await fs.writeFile(`${file}.part`, JSON.stringify(p));
  await fs.rename(`${file}.part`, file);
}

interface Page {
  file: string;
  items: number;
  total: number;
}

/** GETs one page into `dir`, checks it, stores it gzip-compressed. */
async function getPage(ctx: FetchContext, dir: string, api: string, p: Progress, name: string): Promise<Page> {
  const w = p.windows ? (p.windows[p.window] ?? null) : null;
  const url = pageUrl(api, p.start, w);
  const part = path.join(dir, `${name}.download`);
  const key = ctx.settings.isSet('api_key') ? ctx.settings.secret('api_key') : undefined;
  await ctx.http.download(url, part, {
    headers: { accept: 'application/json', ...(key ? { apiKey: key } : {}) },
    retryStatuses: [403],
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  const label = `nvd: GET ${url}`;
  const reader = new PageReader(part, label);
  let items = 0;
  for await (const _ of reader.items()) items++;
  const header = parseWith(PageHeader, reader.header, { label, what: 'not an NVD API 2.0 page' });
  if (header.totalResults === undefined) throw new AirfeedError('SOURCE_INVALID', `${label}: the page states no totalResults`);
  if (header.startIndex !== undefined && header.startIndex !== p.start) {
    throw new AirfeedError('SOURCE_INVALID', `${label}: the page starts at ${header.startIndex}, not at the startIndex asked for`);
  }
  if (items > PAGE_SIZE) throw new AirfeedError('SOURCE_INVALID', `${label}: the page holds ${items} CVEs, more than the ${PAGE_SIZE} asked for`);
  const file = path.join(dir, name);
  await pipeline(createReadStream(part), createGzip({ level: 1 }), createWriteStream(`${file}.part`));
  await fs.rename(`${file}.part`, file);
  await fs.rm(part, { force: true });
  return { file: name, items, total: header.totalResults };
}

function pageName(p: Progress, recheck: number): string {
  const w = String(p.window).padStart(3, '0');
  const s = String(p.start).padStart(7, '0');
  return `api-w${w}-s${s}${recheck > 0 ? `-r${recheck}` : ''}.json.gz`;
}

/** Pages the current window from `p.start` to its end, saving progress after every page. */
async function pageWindow(ctx: FetchContext, dir: string, api: string, p: Progress): Promise<void> {
  let rechecks = 0;
  for (;;) {
    const page = await getPage(ctx, dir, api, p, pageName(p, rechecks));
    ctx.progress.tick();
    if (!p.pages.includes(page.file)) p.pages.push(page.file);
    p.items += page.items;
    if (p.total !== null && page.total < p.total && p.windows !== null) {
      // CVEs left the window while it was paged: the ones after them moved down. Page it again.
      if (++p.restarts > MAX_RESTARTS) {
        throw new AirfeedError('SOURCE_INVALID', `nvd: the results of ${pageUrl(api, 0, p.windows[p.window] ?? null)} kept shrinking while paging (${MAX_RESTARTS} restarts); the next run tries again`);
      }
      ctx.log.info({ window: p.windows[p.window], was: p.total, now: page.total }, 'nvd: a window shrank while paging; paging it again from the start');
      p.start = 0;
      p.total = page.total;
      rechecks++;
      await writeProgress(dir, p);
      continue;
    }
    const grew = p.total !== null && page.total > p.total;
    p.total = page.total;
    const next = p.start + page.items;
    if (next < page.total) {
      if (page.items === 0) throw new AirfeedError('SOURCE_INVALID', `nvd: ${pageUrl(api, p.start, p.windows?.[p.window] ?? null)} is empty, but the total is ${page.total}`);
      p.start = next;
      rechecks = 0;
      await writeProgress(dir, p);
      continue;
    }
    if (rechecks > 0 && !grew) {
      await writeProgress(dir, p);
      return; // the re-check found the same total: the window is complete
    }
    if (page.total === 0) return;
    // The last page: fetch it once more; if the total grew meanwhile, page on from there.
    rechecks++;
    await writeProgress(dir, p);
  }
}

/** Moves the fetched pages into the workspace, replacing its page files; safe to run again after a crash. */
async function commit(ctx: FetchContext, dir: string, p: Progress, api: string): Promise<void> {
  const keep = new Set(p.pages);
  for (const name of await listPages(ctx.workspace)) if (!keep.has(name)) await fs.rm(path.join(ctx.workspace, name), { force: true });
  for (const name of p.pages) {
    await fs.rename(path.join(dir, name), path.join(ctx.workspace, name)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err; // moved by the run that crashed
    });
  }
  await writeBatch(ctx.workspace, { kind: 'api', complete: p.windows === null, api, ...(p.windows ? { windows: p.windows } : {}) });
}

/** A new plan: a full fetch without a base, else the windows since it. */
function plan(api: string, base: string | null, now: number): Progress {
  const planned = new Date(now).toISOString();
  // A base in the future (the clock went back) still gets one window: the last OVERLAP_MS.
  const windows = base === null ? null : splitWindows(Math.min(Date.parse(base) - OVERLAP_MS, now - OVERLAP_MS), now);
  return { version: 1, api, base, planned, windows, window: 0, start: 0, total: null, restarts: 0, pages: [], items: 0 };
}

export interface ApiFetchOptions {
  /** The clock (ms since the epoch); tests set it. */
  now?: () => number;
}

/** Fetches from the API; see the module doc. */
export async function fetchApi(ctx: FetchContext, options: ApiFetchOptions = {}): Promise<FetchResult> {
  const api = ctx.source.replace(/\/+$/, '');
  const host = new URL(api).host;
  ctx.http.setRateLimit(host, ctx.settings.isSet('api_key') ? RATE_WITH_KEY : RATE_NO_KEY);
  const prior = ApiState.safeParse(ctx.state);
  const base = prior.success && prior.data.api === api ? prior.data.through : null;
  const dir = path.join(ctx.workspace, FETCH_DIR);
  let p = await readProgress(dir);
  if (p && (p.api !== api || p.base !== base)) p = null;
  if (p) {
    ctx.log.info({ window: p.window, startIndex: p.start, pages: p.pages.length }, 'nvd: resuming the fetch a previous run left unfinished');
  } else {
    await fs.rm(dir, { recursive: true, force: true });
    await fs.mkdir(dir, { recursive: true });
    p = plan(api, base, (options.now ?? Date.now)());
    await writeProgress(dir, p);
  }
  const windows = p.windows;
  ctx.progress.phase(windows === null ? 'nvd: all CVEs' : `nvd: ${windows.length} window(s) of changes`);
  for (; p.window < (windows?.length ?? 1); p.window++, p.start = 0, p.total = null, p.restarts = 0) {
    await pageWindow(ctx, dir, api, p);
  }
  p.window = windows?.length ?? 1;
  await writeProgress(dir, p);
  const state = { mode: 'api', api, through: p.planned, ...(windows ? { windows } : {}) };
  if (windows !== null && p.items === 0 && (await listPages(ctx.workspace)).length > 0) {
    // Nothing changed upstream: the workspace keeps its last batch (whose fingerprint then matches).
    await fs.rm(dir, { recursive: true, force: true });
    ctx.log.info({ windows: windows.length }, 'nvd: no CVE changed since the last run');
    return { unchanged: true, state };
  }
  await commit(ctx, dir, p, api);
  await fs.rm(dir, { recursive: true, force: true });
  ctx.log.info({ pages: p.pages.length, cves: p.items, full: windows === null }, 'nvd: API fetch done');
  return { unchanged: false, state };
}
