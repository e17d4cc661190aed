/**
 * Online source: a feed service. /v2 (airfeed's native API) is read by change-sequence cursor: per
 * group, the changes after the engine's cursor arrive as NDJSON (or JSON pages from a client that
 * does not ask for NDJSON), are parsed line by line as they arrive (memory stays flat; the shared
 * HttpClient's `stream`) and applied in ONE transaction together with the new cursor, so a failure
 * leaves the group's previous data and cursor in place. A connection that breaks midway rolls the
 * group back, and the group is synced again from the start (at most GROUP_ATTEMPTS times): reading
 * while the answer arrives is what lets a first sync keep up with the service (no spool file written,
 * flushed and read back before the first record is written).
 * A group seen for the first time, taken over from another source, or whose producer's sequence went
 * backwards (a rebuilt service) is replaced as a whole. /v1 (an Anchore-style service) is in
 * service-v1.ts; `auto` falls back to it when /v2/groups answers 404.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import { AirfeedError, isAirfeedError } from '../../drivers/_framework/errors.ts';
import type { HttpClient } from '../../drivers/_framework/http.ts';
import type { Progress } from '../../drivers/_framework/types.ts';
import type { Sql } from '../store/db.ts';
import { listGroups } from '../store/status.ts';
import { lockGroups, setGroupState, type VulnChange, type WriteResult, writeGroup } from '../store/write.ts';
import { type GroupSyncResult, groupSegment, parseJson, serviceSource, sourceInvalid, type SyncContext } from './common.ts';
import { fromNormalized } from './convert.ts';
import { chunkLines, spoolDirectory } from './spool.ts';
import { syncV1 } from './service-v1.ts';

export type { GroupSyncResult } from './common.ts';

export interface ServiceSyncOptions {
  /** The service's base URL (`http://feeds.internal:8080`); a URL ending in /v1/service/feeds selects /v1. */
  url: string;
  /** The shared client (drivers/_framework/http.ts). */
  http: HttpClient;
  /** A read token for a service that requires one: sent as a bearer token (never on to another origin). */
  token?: string;
  /** How /v2 changes are asked for: one NDJSON stream (default), or JSON pages as a plain client reads them. */
  accept?: 'ndjson' | 'json';
  log: Logger;
  progress?: Progress;
  /** Only these groups (default: every group the service serves). */
  groups?: readonly string[];
  protocol?: 'auto' | 'v2' | 'v1';
  /** When this sync started, for the /v1 `since` of the next one (default: now). */
  now?: Date;
  /** Directory for downloaded answers (default: the OS temp directory). */
  spoolDir?: string;
}

export interface ServiceSyncResult {
  url: string;
  protocol: 'v2' | 'v1';
  groups: GroupSyncResult[];
  /** Groups this engine holds from this service (or that were asked for) which the service no longer lists: left as they are. */
  missing: string[];
}

const RemoteGroup = z.looseObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*:[A-Za-z0-9._-]+$/, 'is not a group name'),
  feed: z.string().min(1),
  maxSeq: z.number().int().min(0),
  enabled: z.boolean().optional(),
});
const GroupList = z.looseObject({ groups: z.array(RemoteGroup) });
// JSON stays acceptable, so a service that cannot stream still answers with a page.
const RECORDS_ACCEPT = 'application/x-ndjson, application/json;q=0.9';
const JSON_ACCEPT = 'application/json';
const V2Line = z.looseObject({ seq: z.number().int().positive(), id: z.string().min(1), deleted: z.boolean(), record: z.unknown() });
const V2Page = z.looseObject({ next: z.number().int().min(0), more: z.boolean(), records: z.array(z.unknown()) });

/**
 * The stored document inside an NDJSON line, as the service wrote it (`recordJson` in
 * feed-service/http/v2.ts: seq, id, deleted, updatedAt, then the record, embedded as stored), so it
 * is kept byte for byte instead of re-serialized. Undefined when the line is laid out otherwise.
 */
export function recordText(line: string, value: unknown): string | undefined {
  const v = value as { seq?: unknown; id?: unknown; deleted?: unknown; updatedAt?: unknown };
  if (typeof v.updatedAt !== 'string' || typeof v.id !== 'string') return undefined;
  // Exactly these keys in this order: then what follows the prefix is the record and nothing else.
  if (Object.keys(value as object).join(',') !== 'seq,id,deleted,updatedAt,record') return undefined;
  const prefix = `{"seq":${String(v.seq)},"id":${JSON.stringify(v.id)},"deleted":${String(v.deleted)},"updatedAt":${JSON.stringify(v.updatedAt)},"record":`;
  return line.startsWith(prefix) && line.endsWith('}') ? line.slice(prefix.length, -1) : undefined;
}

/**
 * The changes of `group` after `after`: one NDJSON answer holding all of them (no `limit`, so the
 * result never depends on the order the lines come in), or, from a client that does not ask for
 * NDJSON, JSON pages followed by `next`. `onSeq` learns the highest sequence seen so far: the cursor.
 */
async function* v2Changes(ctx: SyncContext, group: string, after: number, onSeq: (seq: number) => void, answer: { ndjson?: boolean }): AsyncGenerator<VulnChange> {
  let from = after;
  let highest = after;
  for (let request = 0; ; request++) {
    const url = `${ctx.root}/v2/groups/${groupSegment(group)}/records?after=${from}`;
    const body = await ctx.http.stream(url, { headers: { ...ctx.headers, accept: ctx.accept } });
    let page: z.infer<typeof V2Page> | undefined;
    let previous = from;
    let outOfOrder = false;
    const entry = (value: unknown, where: string, text?: string): VulnChange => {
      const line = V2Line.safeParse(value);
      if (!line.success) {
        const i = line.error.issues[0];
        throw sourceInvalid(url, group, where, `is not a record line (${i?.path.join('.') ?? ''}: ${i?.message ?? ''})`);
      }
      const { seq, id, deleted, record } = line.data;
      if (seq <= from) throw sourceInvalid(url, group, where, `sequence ${seq} is not after ${from}, the cursor asked for`);
      if (seq < previous) outOfOrder = true;
      previous = seq;
      highest = Math.max(highest, seq);
      onSeq(highest);
      if (deleted) return { id, deleted: true };
      const change = fromNormalized(record, group, id, text === undefined ? undefined : recordText(text, value));
      if (typeof change === 'string') throw sourceInvalid(url, group, where, change);
      return change;
    };
    try {
      for await (const { line, no } of chunkLines(body)) {
        if (line.trim() === '') continue;
        const value = parseJson(line, (reason, cause) => sourceInvalid(url, group, `line ${no}`, reason, cause));
        // A JSON page: asked for (accept: 'json'), or a service that cannot stream; its records are just as good.
        const asPage = no === 1 ? V2Page.safeParse(value) : undefined;
        // One NDJSON answer holds each record of the group once (the service's rows are keyed by id).
        if (no === 1 && request === 0) answer.ndjson = asPage?.success !== true;
        if (asPage?.success) {
          page = asPage.data;
          for (const [i, r] of page.records.entries()) yield entry(r, `record ${i + 1} of the page`);
          continue;
        }
        if (page) throw sourceInvalid(url, group, `line ${no}`, 'follows a JSON page');
        yield entry(value, `line ${no}`, line);
      }
    } finally {
      // Stopped early (a bad line, a failed write): release the connection.
      await body.return(undefined);
    }
    if (outOfOrder) ctx.log.warn({ url, group }, 'the service sent changes out of sequence order');
    if (!page?.more) return;
    if (page.next <= from) throw sourceInvalid(url, group, 'the page', `next ${page.next} is not after ${from}`);
    from = page.next;
  }
}

/** How often a group whose answer broke off midway is synced from the start before the sync fails. */
const GROUP_ATTEMPTS = 3;

/** Syncs one /v2 group, again from the start when its answer breaks off midway (each attempt rolled back). */
async function syncGroupV2(ctx: SyncContext, remote: z.infer<typeof RemoteGroup>): Promise<GroupSyncResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await syncGroupV2Once(ctx, remote);
    } catch (err) {
      if (attempt >= GROUP_ATTEMPTS || !isAirfeedError(err, 'SOURCE_UNREACHABLE') || err.details['partial'] !== true) throw err;
      ctx.log.warn({ group: remote.name, attempt, err: err.message }, 'the answer broke off midway; the group was rolled back and is synced again');
    }
  }
}

/** Syncs one /v2 group in one transaction; see the module comment. */
async function syncGroupV2Once(ctx: SyncContext, remote: z.infer<typeof RemoteGroup>): Promise<GroupSyncResult> {
  const source = serviceSource(ctx.root);
  return ctx.sql.begin(async (tx) => {
    const state = (await lockGroups(tx, [remote.name])).get(remote.name);
    const known = state?.source === source && state.v2Cursor !== null;
    let after = known ? (state.v2Cursor ?? 0) : 0;
    let mode: GroupSyncResult['mode'] = known ? 'changes' : 'replace';
    if (known && remote.maxSeq < after) {
      ctx.log.warn({ group: remote.name, cursor: after, maxSeq: remote.maxSeq }, 'service change sequence went backwards; replacing the group');
      after = 0;
      mode = 'replace';
    }
    let cursor = after;
    let written: Pick<WriteResult, 'received' | 'upserts' | 'deletions' | 'counts'> = { received: 0, upserts: 0, deletions: 0 };
    // Nothing changed on the service since the cursor: no request needed.
    if (mode === 'replace' || remote.maxSeq > after) {
      ctx.progress?.phase(`sync ${remote.name}`);
      let seen = 0;
      const answer: { ndjson?: boolean } = {};
      written = await writeGroup(tx, {
        group: remote.name,
        mode,
        changes: v2Changes(ctx, remote.name, after, (seq) => void (cursor = seq), answer),
        uniqueIds: () => answer.ndjson === true,
        spoolDir: ctx.spool,
        onProgress: (n) => {
          ctx.progress?.tick(n - seen);
          seen = n;
        },
      });
    }
    const unchanged = mode === 'changes' && written.upserts === 0 && written.deletions === 0;
    const counts = await setGroupState(tx, remote.name, { feed: remote.feed, source, v2Cursor: cursor, unchanged, ...(written.counts ? { counts: written.counts } : {}) });
    return {
      group: remote.name, feed: remote.feed, mode, transferred: written.received, upserts: written.upserts,
      deletions: written.deletions, ...counts, cursor, since: null,
    };
  });
}

async function listRemoteGroups(ctx: SyncContext): Promise<z.infer<typeof RemoteGroup>[]> {
  const url = `${ctx.root}/v2/groups`;
  const body = parseJson(await ctx.http.getText(url, { headers: ctx.headers }), (reason, cause) => new AirfeedError('ENGINE_SOURCE_INVALID', `${url}: the group list ${reason}`, { cause }));
  const list = GroupList.safeParse(body);
  if (!list.success) {
    const i = list.error.issues[0];
    throw new AirfeedError('ENGINE_SOURCE_INVALID', `${url}: the group list is not one: ${i?.path.join('.') ?? ''}: ${i?.message ?? ''}`, { cause: list.error });
  }
  return list.data.groups.filter((g) => g.enabled !== false);
}

/** The service's root URL, and the protocol a `/v1/service/feeds` URL implies. */
function baseOf(url: string): { root: string; v1Url: boolean } {
  let root = url.trim().replace(/\/+$/, '');
  const v1Url = root.endsWith('/v1/service/feeds');
  if (v1Url) root = root.slice(0, -'/v1/service/feeds'.length);
  try {
    if (!/^https?:$/.test(new URL(root).protocol)) throw new Error('not http(s)');
  } catch (err) {
    throw new AirfeedError('INPUT_INVALID', `feed service URL "${url}" is not an http:// or https:// URL`, { cause: err });
  }
  return { root, v1Url };
}

/** Syncs the engine's store from a feed service; see the module comment. Returns what moved, per group. */
export async function syncFromService(sql: Sql, options: ServiceSyncOptions): Promise<ServiceSyncResult> {
  const { root, v1Url } = baseOf(options.url);
  const spool = await spoolDirectory(options.spoolDir);
  const ctx: SyncContext = {
    sql, root, http: options.http, headers: options.token ? { authorization: `Bearer ${options.token}` } : {}, log: options.log,
    progress: options.progress, spool: spool.dir, startedAt: options.now ?? new Date(), accept: options.accept === 'json' ? JSON_ACCEPT : RECORDS_ACCEPT,
  };
  const wanted = options.groups ? new Set(options.groups) : undefined;
  try {
    let protocol = options.protocol ?? 'auto';
    if (protocol === 'auto' && v1Url) protocol = 'v1';
    let remote: z.infer<typeof RemoteGroup>[] | undefined;
    if (protocol !== 'v1') {
      try {
        remote = await listRemoteGroups(ctx);
      } catch (err) {
        if (!(protocol === 'auto' && isAirfeedError(err, 'SOURCE_HTTP_ERROR') && err.details['status'] === 404)) throw err;
        options.log.info({ url: root }, 'service has no /v2; using the Anchore /v1 API');
      }
    }
    let groups: GroupSyncResult[];
    let listed: string[];
    if (remote) {
      listed = remote.map((g) => g.name);
      groups = [];
      for (const g of remote.filter((r) => !wanted || wanted.has(r.name))) {
        const result = await syncGroupV2(ctx, g);
        options.log.info({ group: result.group, mode: result.mode, transferred: result.transferred, upserts: result.upserts, deletions: result.deletions, cursor: result.cursor }, 'engine group synced');
        groups.push(result);
      }
    } else {
      ({ groups, listed } = await syncV1(ctx, wanted));
    }
    const served = new Set(listed);
    const ours = (await listGroups(sql)).filter((g) => g.source === serviceSource(root)).map((g) => g.name);
    const missing = [...new Set([...ours, ...(wanted ?? [])])].filter((n) => !served.has(n)).sort();
    if (missing.length > 0) options.log.warn({ url: root, groups: missing }, 'groups not listed by the service were left as they are');
    return { url: root, protocol: remote ? 'v2' : 'v1', groups, missing };
  } finally {
    await spool.cleanup();
  }
}
