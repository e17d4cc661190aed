/**
 * Online source, /v1: an Anchore-style feed service (../../../shared/ANCHORE-FEED-API.md). Feeds,
 * then groups per feed, then each group's data pages by `next_token`; after the first complete
 * download a group is asked only for records updated `since` the start of the previous sync (the
 * service re-sends an overlap, which upserts harmlessly). The protocol has no deletions: a removed
 * record comes back with an empty FixedIn (or as a withdrawn advisory) and so matches nothing. The
 * stored doc is the Anchore record. One transaction per group, with its new `since`.
 */
import { z } from 'zod';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { lockGroups, setGroupState, type VulnChange, writeGroup } from '../store/write.ts';
import { fromAnchore } from './convert.ts';
import { type GroupSyncResult, groupSegment, parseJson, serviceSource, sourceInvalid, type SyncContext } from './common.ts';

export const V1_BASE = '/v1/service/feeds';
// Pages are one JSON document each: held in memory one at a time (the Anchore service sends 1000 records).
const MAX_PAGE_BYTES = 64 * 1024 * 1024;
// A service that keeps handing out tokens forever is broken; stop rather than loop.
const MAX_PAGES = 1_000_000;

const Token = z.string().regex(/^[A-Za-z0-9._~-]*$/, 'must use only [A-Za-z0-9._~-]').optional();
const FeedList = z.looseObject({ feeds: z.array(z.looseObject({ name: z.string().regex(/^[A-Za-z0-9._-]+$/) })), next_token: Token.nullable() });
const GroupList = z.looseObject({
  groups: z.array(z.looseObject({ name: z.string().regex(/^[a-z0-9][a-z0-9._-]*:[A-Za-z0-9._-]+$/) })),
  next_token: Token.nullable(),
});
const DataPage = z.looseObject({ data: z.array(z.unknown()), next_token: Token.nullable() });

/** `since` as Anchore engines send it: Python's isoformat of a naive UTC time, with microseconds. */
export function anchoreSince(d: Date): string {
  return `${d.toISOString().replace(/Z$/, '')}000`;
}

async function getJson<T>(ctx: SyncContext, url: string, schema: z.ZodType<T>, what: string, group?: string): Promise<T> {
  const fail = (reason: string, cause?: unknown): AirfeedError =>
    new AirfeedError('ENGINE_SOURCE_INVALID', `${url}: ${group === undefined ? '' : `group ${group}: `}${what} ${reason}`, {
      ...(cause === undefined ? {} : { cause }),
      details: { url, ...(group === undefined ? {} : { group }) },
    });
  const body = parseJson(await ctx.http.getText(url, { maxBytes: MAX_PAGE_BYTES, headers: ctx.headers }), fail);
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw fail(`is not one (${i?.path.join('.') ?? ''}: ${i?.message ?? ''})`, parsed.error);
  }
  return parsed.data;
}

/** The names in every page of a list call, following next_token. */
async function listAll(url: string, names: (u: string) => Promise<{ names: string[]; next: string }>): Promise<string[]> {
  const out: string[] = [];
  let token = '';
  for (let page = 0; page < MAX_PAGES; page++) {
    const { names: items, next } = await names(token === '' ? url : `${url}?next_token=${token}`);
    out.push(...items);
    if (next === '' || next === token) return out;
    token = next;
  }
  throw new AirfeedError('ENGINE_SOURCE_INVALID', `${url}: the list did not end after ${MAX_PAGES} pages`);
}

async function feedNames(ctx: SyncContext, url: string): Promise<{ names: string[]; next: string }> {
  const body = await getJson(ctx, url, FeedList, 'the feed list');
  return { names: body.feeds.map((f) => f.name), next: body.next_token ?? '' };
}

async function groupNames(ctx: SyncContext, url: string): Promise<{ names: string[]; next: string }> {
  const body = await getJson(ctx, url, GroupList, 'the group list');
  return { names: body.groups.map((g) => g.name), next: body.next_token ?? '' };
}

/** The records of one group, page by page. */
async function* v1Changes(ctx: SyncContext, feed: string, group: string, since: Date | null): AsyncGenerator<VulnChange> {
  const base = `${ctx.root}${V1_BASE}/${groupSegment(feed)}/${groupSegment(group)}`;
  const params = since ? [`since=${anchoreSince(since)}`] : [];
  const seen = new Set<string>();
  let token = '';
  for (let page = 1; page <= MAX_PAGES; page++) {
    const query = [...params, ...(token === '' ? [] : [`next_token=${token}`])].join('&');
    const url = query === '' ? base : `${base}?${query}`;
    const body = await getJson(ctx, url, DataPage, 'the data page', group);
    for (const [i, record] of body.data.entries()) {
      const change = fromAnchore(record, group);
      if (typeof change === 'string') throw sourceInvalid(url, group, `record ${i + 1} of the page`, change);
      yield change;
    }
    const next = body.next_token ?? '';
    if (next === '') return;
    if (seen.has(next)) throw new AirfeedError('ENGINE_SOURCE_INVALID', `${url}: group ${group}: next_token ${next} was handed out before: the pages loop`);
    seen.add(next);
    token = next;
  }
  throw new AirfeedError('ENGINE_SOURCE_INVALID', `${base}: group ${group}: more than ${MAX_PAGES} pages`);
}

async function syncGroupV1(ctx: SyncContext, feed: string, group: string): Promise<GroupSyncResult> {
  const source = serviceSource(ctx.root);
  return ctx.sql.begin(async (tx) => {
    const state = (await lockGroups(tx, [group])).get(group);
    const since = state?.source === source ? state.v1Since : null;
    const mode: GroupSyncResult['mode'] = since ? 'changes' : 'replace';
    ctx.progress?.phase(`sync ${group}`);
    let seen = 0;
    const written = await writeGroup(tx, {
      group,
      mode,
      changes: v1Changes(ctx, feed, group, since),
      onProgress: (n) => {
        ctx.progress?.tick(n - seen);
        seen = n;
      },
    });
    const counts = await setGroupState(tx, group, { feed, source, v1Since: ctx.startedAt });
    return {
      group, feed, mode, transferred: written.received, upserts: written.upserts, deletions: written.deletions, ...counts,
      cursor: null, since: anchoreSince(ctx.startedAt),
    };
  });
}

/** Syncs every listed group (or those in `wanted`) over /v1; returns the results and every group listed. */
export async function syncV1(ctx: SyncContext, wanted: ReadonlySet<string> | undefined): Promise<{ groups: GroupSyncResult[]; listed: string[] }> {
  const groups: GroupSyncResult[] = [];
  const listed: string[] = [];
  for (const feed of await listAll(`${ctx.root}${V1_BASE}`, (u) => feedNames(ctx, u))) {
    for (const group of await listAll(`${ctx.root}${V1_BASE}/${groupSegment(feed)}`, (u) => groupNames(ctx, u))) {
      listed.push(group);
      if (wanted && !wanted.has(group)) continue;
      const result = await syncGroupV1(ctx, feed, group);
      ctx.log.info({ group, mode: result.mode, transferred: result.transferred, upserts: result.upserts, since: result.since }, 'engine group synced');
      groups.push(result);
    }
  }
  return { groups, listed };
}
