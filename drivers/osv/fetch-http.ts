/**
 * Fetch from osv.dev's bucket (https://osv-vulnerabilities.storage.googleapis.com/) or a web
 * server with its layout, for each of the eight mapped ecosystems:
 *
 * 1. `<Ecosystem>/modified_id.csv`, conditionally. A 404 means the source does not publish the
 *    ecosystem: its files leave the workspace and its group is reported vanished (kept, stale).
 *    Unchanged since the last successful run → nothing else is asked for.
 * 2. First run (or no usable snapshot in the workspace): `<Ecosystem>/all.zip`, after the index,
 *    so the index is never newer than the zip it describes. The **watermark** — the newest change
 *    the workspace holds — is the index's newest time, but no later than the zip's Last-Modified
 *    minus an hour (a zip uploaded while the index was being rewritten cannot hide a change).
 * 3. Later runs: the ids whose index time is after the watermark, each fetched as
 *    `<Ecosystem>/<ID>.json` into `updates/` (8 at a time); one that answers 404 (removed upstream
 *    since the index was written) is recorded as `updates/<ID>.gone` and becomes a tombstone.
 *    The watermark moves to the index's newest time.
 * 4. Back to the zip (a new snapshot; the updates are dropped) when more than DELTA_MAX ids changed
 *    since the watermark, when more than UPDATES_MAX updates piled up, or when the snapshot is older
 *    than SNAPSHOT_MAX_AGE_DAYS — a record removed upstream without a trace in the index (merged
 *    into another id) leaves the group at the next snapshot at the latest. A zip that has not
 *    changed upstream is no new snapshot: the changes are then fetched one by one anyway.
 *
 * All of it is staged and committed at once (the framework's workspace.ts): a failed fetch leaves
 * the workspace as it was.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { mapLimit } from '../_framework/concurrency.ts';
import { AirfeedError, isAirfeedError } from '../_framework/errors.ts';
import { downloadIfChanged, type FetchedFile, FileState } from '../_framework/fetch-files.ts';
import { compareStrings } from '../_framework/strings.ts';
import type { FetchContext } from '../_framework/types.ts';
import { sha256File, type Staging } from '../_framework/workspace.ts';
import { csvKey, type EcosystemFiles, MAPPED, updateKey, workspaceEcosystems, zipKey } from './layout.ts';
import { readChangeIndex, timeKey } from './modified.ts';

/** More changed ids than this since the watermark: take the zip instead of fetching them one by one. */
export const DELTA_MAX = 2_000;
/** More update files than this on top of a snapshot: take a new snapshot. */
export const UPDATES_MAX = 20_000;
/** A snapshot older than this is replaced at the next change. */
export const SNAPSHOT_MAX_AGE_DAYS = 7;
/** How far before the zip's Last-Modified the watermark of a new snapshot is put. */
const UPLOAD_MARGIN_MS = 60 * 60 * 1000;
const CONCURRENCY = 8;

/** What the driver state keeps per ecosystem of an HTTP source. */
export const EcosystemState = z.object({
  csv: FileState,
  zip: FileState,
  /** timeKey of the newest change the workspace holds (absent: take a snapshot). */
  watermark: z.string().optional(),
  /** When the zip was fetched (ISO UTC). */
  snapshotAt: z.string(),
  /** Digest of the update files (keys and sha256), `none` without any. */
  updates: z.string(),
});
export type EcosystemState = z.infer<typeof EcosystemState>;

export interface HttpEcosystemResult {
  files: FetchedFile[];
  state: EcosystemState;
  /** What happened, for the log: `unchanged`, `snapshot`, `updates`. */
  action: 'unchanged' | 'snapshot' | 'updates';
  fetchedIds: number;
  gone: number;
}

const statusOf = (err: unknown): unknown => (isAirfeedError(err, 'SOURCE_HTTP_ERROR') ? err.details['status'] : undefined);
const isMissing = (err: unknown): boolean => statusOf(err) === 404 || statusOf(err) === 410;

/** Digest of update files: sha256 over `<key> <sha256>\n` lines in key order. */
export function updatesDigest(files: readonly { key: string; sha256: string }[]): string {
  if (files.length === 0) return 'none';
  const hash = createHash('sha256');
  for (const f of [...files].sort((a, b) => compareStrings(a.key, b.key))) hash.update(`${f.key} ${f.sha256}\n`);
  return hash.digest('hex');
}

/** Files the workspace keeps, as not-restaged FetchedFiles; `known` digests are not computed again (the zip's). */
async function kept(workspace: string, keys: readonly string[], known: ReadonlyMap<string, string> = new Map()): Promise<FetchedFile[]> {
  const out: FetchedFile[] = [];
  for (const key of keys) {
    const sha256 = known.get(key) ?? (await sha256File(path.join(workspace, key)));
    if (sha256 !== null) out.push({ key, etag: null, lastModified: null, sha256, staged: false });
  }
  return out;
}

/** The watermark of a new snapshot (step 2 of the module doc). */
function snapshotWatermark(newest: string | undefined, zipLastModified: string | null): string | undefined {
  const lm = zipLastModified === null ? Number.NaN : Date.parse(zipLastModified);
  if (newest === undefined || Number.isNaN(lm)) return newest;
  const bound = timeKey(new Date(lm - UPLOAD_MARGIN_MS).toISOString());
  return bound !== undefined && bound < newest ? bound : newest;
}

interface EcosystemJob {
  ctx: FetchContext;
  base: string;
  eco: string;
  previous: EcosystemState | undefined;
  current: EcosystemFiles | undefined;
  staging: Staging;
  now: number;
}

/** One record `<Ecosystem>/<ID>.json` into `updates/`; a 404 is staged as `<ID>.gone`. */
async function fetchOne(job: EcosystemJob, id: string): Promise<FetchedFile> {
  const url = new URL(`${encodeURIComponent(job.eco)}/${encodeURIComponent(id)}.json`, job.base).href;
  try {
    const file = await downloadIfChanged(job.ctx, url, updateKey(job.eco, id, 'json'), undefined, job.staging, 'osv');
    return { ...file, etag: null, lastModified: null };
  } catch (err) {
    if (!isMissing(err)) throw err;
    job.ctx.log.info({ url }, 'osv: a changed id answers 404 (removed upstream): it becomes a tombstone');
    const key = updateKey(job.eco, id, 'gone');
    await fs.mkdir(path.dirname(job.staging.path(key)), { recursive: true });
    await fs.writeFile(job.staging.path(key), '');
    return { key, etag: null, lastModified: null, sha256: createHash('sha256').digest('hex'), staged: true };
  }
}

/** Fetches one ecosystem (module doc); null when the source does not publish it. */
export async function fetchHttpEcosystem(job: EcosystemJob): Promise<HttpEcosystemResult | null> {
  const { ctx, base, eco, previous, current, staging } = job;
  const url = (file: string): string => new URL(`${encodeURIComponent(eco)}/${file}`, base).href;
  let csv: FetchedFile;
  try {
    csv = await downloadIfChanged(ctx, url('modified_id.csv'), csvKey(eco), previous?.csv, staging, 'osv');
  } catch (err) {
    if (!isMissing(err)) throw err;
    ctx.log.warn({ url: url('modified_id.csv') }, `osv: the source does not publish ${eco} (404); its group, if any, is kept and marked stale`);
    return null;
  }
  const zipSha = current?.zip ? await sha256File(staging.current(zipKey(eco))) : null;
  const snapshot = previous !== undefined && previous.watermark !== undefined && zipSha === previous.zip.sha256 ? previous : undefined;
  const updateKeys = (current?.updates ?? []).map((u) => u.key);
  if (snapshot && csv.sha256 === snapshot.csv.sha256) {
    const files = [csv, ...(await kept(ctx.workspace, [zipKey(eco), ...updateKeys], new Map([[zipKey(eco), snapshot.zip.sha256]])))];
    return { files, state: { ...snapshot, csv: { etag: csv.etag, lastModified: csv.lastModified, sha256: csv.sha256 } }, action: 'unchanged', fetchedIds: 0, gone: 0 };
  }
  const csvFile = csv.staged ? staging.path(csvKey(eco)) : staging.current(csvKey(eco));
  const index = await readChangeIndex(csvFile, `osv: ${url('modified_id.csv')}`, snapshot?.watermark, DELTA_MAX);
  const pending = new Set([...(current?.updates ?? []).map((u) => u.id), ...index.newer.map((r) => r.id)]);
  const old = snapshot !== undefined && job.now - Date.parse(snapshot.snapshotAt) > SNAPSHOT_MAX_AGE_DAYS * 86_400_000;
  const csvState = { etag: csv.etag, lastModified: csv.lastModified, sha256: csv.sha256 };

  if (!snapshot || index.newerCount > DELTA_MAX || pending.size > UPDATES_MAX || old) {
    ctx.progress.phase(`osv: ${eco}/all.zip`);
    const zip = await downloadIfChanged(ctx, url('all.zip'), zipKey(eco), zipSha !== null ? previous?.zip : undefined, staging, 'osv');
    if (!snapshot || zip.sha256 !== snapshot.zip.sha256) {
      const state: EcosystemState = {
        csv: csvState, zip: { etag: zip.etag, lastModified: zip.lastModified, sha256: zip.sha256 },
        snapshotAt: new Date(job.now).toISOString(), updates: 'none',
      };
      const watermark = snapshotWatermark(index.newest, zip.lastModified);
      if (watermark !== undefined) state.watermark = watermark;
      return { files: [csv, zip], state, action: 'snapshot', fetchedIds: 0, gone: 0 };
    }
    ctx.log.info({ ecosystem: eco, changed: index.newerCount }, 'osv: all.zip has not changed upstream yet: fetching the changes one by one');
  }

  // The changes one by one: all of them (even past DELTA_MAX when the zip has not moved).
  const rows = index.newerCount > index.newer.length ? (await readChangeIndex(csvFile, `osv: ${url('modified_id.csv')}`, snapshot.watermark, Number.MAX_SAFE_INTEGER)).newer : index.newer;
  ctx.progress.phase(`osv: ${eco} changes`, rows.length);
  const fetched = await mapLimit(rows, CONCURRENCY, async (row) => {
    const file = await fetchOne(job, row.id);
    ctx.progress.tick();
    return file;
  });
  const replaced = new Set(rows.map((r) => r.id));
  const keep = await kept(ctx.workspace, [zipKey(eco), ...(current?.updates ?? []).filter((u) => !replaced.has(u.id)).map((u) => u.key)], new Map([[zipKey(eco), snapshot.zip.sha256]]));
  const updates = [...keep.filter((f) => f.key !== zipKey(eco)), ...fetched];
  const watermark = index.newest !== undefined && (snapshot.watermark === undefined || index.newest > snapshot.watermark) ? index.newest : snapshot.watermark;
  const state: EcosystemState = { ...snapshot, csv: csvState, updates: updatesDigest(updates) };
  if (watermark !== undefined) state.watermark = watermark;
  const gone = fetched.filter((f) => f.key.endsWith('.gone')).length;
  return { files: [csv, ...keep, ...fetched], state, action: 'updates', fetchedIds: fetched.length, gone };
}

/** Fetches every mapped ecosystem from an HTTP source; the ecosystems' states by OSV name. */
export async function fetchHttp(ctx: FetchContext, previous: Record<string, EcosystemState>, staging: Staging): Promise<{ files: FetchedFile[]; states: Record<string, EcosystemState> }> {
  const base = ctx.source.endsWith('/') ? ctx.source : `${ctx.source}/`;
  const current = new Map((await workspaceEcosystems(ctx.workspace)).map((e) => [e.ecosystem.osv, e]));
  const now = Date.now();
  const files: FetchedFile[] = [];
  const states: Record<string, EcosystemState> = {};
  for (const { osv: eco } of MAPPED) {
    ctx.progress.phase(`osv: ${eco}`);
    const result = await fetchHttpEcosystem({ ctx, base, eco, previous: previous[eco], current: current.get(eco), staging, now });
    if (!result) continue;
    ctx.log.info({ ecosystem: eco, action: result.action, fetched: result.fetchedIds, gone: result.gone, watermark: result.state.watermark }, 'osv: ecosystem fetched');
    files.push(...result.files);
    states[eco] = result.state;
  }
  if (Object.keys(states).length === 0) {
    throw new AirfeedError('SOURCE_INVALID', `osv: ${base} publishes none of ${MAPPED.map((e) => e.osv).join(', ')} (every <Ecosystem>/modified_id.csv answered 404); is it an osv.dev bucket mirror?`);
  }
  return { files, states };
}
