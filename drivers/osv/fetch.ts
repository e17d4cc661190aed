/**
 * Fetch: osv.dev (fetch-http.ts) or a local mirror directory (fetch-mirror.ts) into the workspace
 * (layout.ts), staged and committed all at once. The driver state:
 *
 *   {"kind": "http", "source": "https://osv-vulnerabilities.storage.googleapis.com/",
 *    "ecosystems": {"npm": {"csv": {etag, lastModified, sha256}, "zip": {…}, "watermark": "…Z",
 *                           "snapshotAt": "…", "updates": "<digest>"}}}
 *   {"kind": "mirror", "source": "/srv/osv", "digest": "<digest of every copied file>"}
 *
 * A state of another kind or source (the source changed) counts as none: the next fetch starts over.
 * `unchanged` means the state came out the same.
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { type FetchedFile, isHttpSource, localPath } from '../_framework/fetch-files.ts';
import { compareStrings } from '../_framework/strings.ts';
import type { DriverState, FetchContext, FetchResult } from '../_framework/types.ts';
import { withStaging } from '../_framework/workspace.ts';
import { EcosystemState, fetchHttp } from './fetch-http.ts';
import { fetchMirror } from './fetch-mirror.ts';

const HttpState = z.object({ kind: z.literal('http'), source: z.string(), ecosystems: z.record(z.string(), EcosystemState) });
const MirrorState = z.object({ kind: z.literal('mirror'), source: z.string(), digest: z.string() });
const State = z.discriminatedUnion('kind', [HttpState, MirrorState]);

/** sha256 over `<key> <sha256>\n` lines in key order. */
function digestOf(files: readonly FetchedFile[]): string {
  const hash = createHash('sha256');
  for (const f of [...files].sort((a, b) => compareStrings(a.key, b.key))) hash.update(`${f.key} ${f.sha256}\n`);
  return hash.digest('hex');
}

/** Fetches into the workspace; see the module doc. */
export async function fetchOsv(ctx: FetchContext): Promise<FetchResult> {
  const parsed = State.safeParse(ctx.state);
  const http = isHttpSource(ctx.source);
  const source = http ? ctx.source : localPath(ctx.source);
  const previous = parsed.success && parsed.data.source === source && parsed.data.kind === (http ? 'http' : 'mirror') ? parsed.data : undefined;
  const state = await withStaging(ctx.workspace, async (staging): Promise<DriverState> => {
    if (http) {
      const { files, states } = await fetchHttp(ctx, previous?.kind === 'http' ? previous.ecosystems : {}, staging);
      await staging.commit(files);
      return { kind: 'http', source, ecosystems: states };
    }
    const files = await fetchMirror(ctx, staging);
    await staging.commit(files);
    return { kind: 'mirror', source, digest: digestOf(files) };
  });
  const unchanged = previous !== undefined && isDeepStrictEqual(JSON.parse(JSON.stringify(previous)), state);
  ctx.log.info({ unchanged }, 'osv: fetch done');
  return { unchanged, state };
}
