/**
 * Fetch: the CVE API 2.0 when the source's path ends in `/cves/2.0` (fetch-api.ts: paging, windows,
 * rate limits, resume), else a mirror of page files, a local directory or one served over HTTP
 * (fetch-mirror.ts).
 */
import type { FetchContext, FetchResult } from '../_framework/types.ts';
import { fetchApi, isApiSource } from './fetch-api.ts';
import { fetchMirror } from './fetch-mirror.ts';

/** Fetches from the API or a mirror; see the module doc. */
export async function fetchNvd(ctx: FetchContext): Promise<FetchResult> {
  return isApiSource(ctx.source) ? fetchApi(ctx) : fetchMirror(ctx);
}
