/**
 * /v1/service/feeds: the Anchore feed API, wire-exact (../../../shared/ANCHORE-FEED-API.md).
 *
 * - Lists fit one page: `next_token` is always "" on them, and the `feeds`/`groups` keys are always there.
 * - Data pages hold up to 1000 records in (updated_at, id) order; `next_token` is the keyset position
 *   after the last one (see v1-params.ts), "" on the last page.
 * - `since` serves records updated at or after `since` minus the overlap window, since it is the
 *   engine's clock, not ours, and an apply's records carry its transaction's start time.
 * - Data pages are sent as bytes with `Content-Type: application/json` exactly: fastify would append
 *   `; charset=utf-8`, which makes the engine reject the page.
 */
import type { FastifyInstance } from 'fastify';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import type { VulnRecord } from '../../drivers/_framework/record.ts';
import { isOldRecord, readRecord } from '../../drivers/_framework/record-v1.ts';
import { v1ShapeFor } from '../../drivers/_framework/shapes/index.ts';
import type { Driver } from '../../drivers/_framework/types.ts';
import type { Sql } from '../storage/db.ts';
import { getServedGroup, listServedFeeds, listServedGroups, microsToIso, v1Page } from '../storage/serve.ts';
import type { Auth } from './auth.ts';
import { decodeToken, encodeToken, MAX_TOKEN_LENGTH, parseSince } from './v1-params.ts';

export const V1_BASE = '/v1/service/feeds';

export interface V1Options {
  sql: Sql;
  auth: Auth;
  overlapSeconds: number;
  pageSize: number;
  /** The drivers, for the /v1 shape of a feed that is not one of Anchore's (drivers/_framework/shapes). */
  drivers: readonly Driver[];
}

const tokenParam = { type: 'string', maxLength: MAX_TOKEN_LENGTH, description: 'the next_token of the previous page (lists have one page)' } as const;
const security = [{}, { bearer: [] }, { basic: [] }];

/** An empty `next_token` is what a client sends when it pastes the last one back: treat it as absent. */
function listToken(token: string | undefined): void {
  if (token !== undefined && token !== '') {
    throw new AirfeedError('INPUT_INVALID', 'query parameter "next_token": this list has a single page, so no token is valid here');
  }
}

/** Registers the three Anchore calls. */
export async function v1Routes(app: FastifyInstance, opts: V1Options): Promise<void> {
  const { sql, auth } = opts;
  app.addHook('onRequest', async (request) => auth.requireRead(request));

  app.get<{ Querystring: { next_token?: string } }>(V1_BASE, {
    schema: {
      tags: ['v1 (Anchore)'],
      summary: 'List feeds that have served groups',
      security,
      querystring: { type: 'object', properties: { next_token: tokenParam } },
    },
  }, async (request) => {
    listToken(request.query.next_token);
    const feeds = await listServedFeeds(sql);
    return { feeds: feeds.map((f) => ({ name: f.name, description: f.description, access_tier: 0 })), next_token: '' };
  });

  app.get<{ Params: { feed: string }; Querystring: { next_token?: string } }>(`${V1_BASE}/:feed`, {
    schema: {
      tags: ['v1 (Anchore)'],
      summary: 'List the served groups of a feed',
      security,
      params: { type: 'object', properties: { feed: { type: 'string', maxLength: 200 } }, required: ['feed'] },
      querystring: { type: 'object', properties: { next_token: tokenParam } },
    },
  }, async (request) => {
    listToken(request.query.next_token);
    const groups = await listServedGroups(sql, request.params.feed);
    if (groups.length === 0) throw new AirfeedError('FEED_UNKNOWN', `feed "${request.params.feed}" is not served here (unknown, disabled or without groups)`);
    return { groups: groups.map((g) => ({ name: g.name, description: g.description, access_tier: 0 })), next_token: '' };
  });

  app.get<{ Params: { feed: string; group: string }; Querystring: { since?: string; next_token?: string } }>(`${V1_BASE}/:feed/:group`, {
    schema: {
      tags: ['v1 (Anchore)'],
      summary: 'One page of a group\'s records (Content-Type exactly application/json)',
      description: `Up to ${opts.pageSize} records. With \`since\`, records updated at or after since minus ${opts.overlapSeconds} s. Deleted records are sent with an empty FixedIn.`,
      security,
      params: {
        type: 'object',
        properties: { feed: { type: 'string', maxLength: 200 }, group: { type: 'string', maxLength: 200 } },
        required: ['feed', 'group'],
      },
      querystring: {
        type: 'object',
        properties: {
          since: { type: 'string', maxLength: 64, description: 'ISO 8601 time; UTC when naive (2021-06-03T20:18:03.123456)' },
          next_token: tokenParam,
        },
      },
    },
  }, async (request, reply) => {
    const { feed, group: name } = request.params;
    const group = await getServedGroup(sql, name);
    if (!group || group.feed !== feed) throw new AirfeedError('GROUP_UNKNOWN', `feed "${feed}" has no served group "${name}"`);
    const { since, next_token: token } = request.query;
    const fromUs = since === undefined || since === '' ? undefined : parseSince(since) - opts.overlapSeconds * 1_000_000;
    const after = token === undefined || token === '' ? undefined : decodeToken(token);

    const shape = v1ShapeFor(group.feed, opts.drivers);
    const rows = await v1Page(sql, group.name, { fromUs, after, limit: opts.pageSize });
    const more = rows.length > opts.pageSize;
    const page = more ? rows.slice(0, opts.pageSize) : rows;
    const parts: string[] = new Array<string>(page.length);
    for (let i = 0; i < page.length; i++) {
      const r = page[i];
      if (!r) continue;
      // Stored documents are of the current schema once the startup upgrade has run; an older one is upgraded here.
      const doc = JSON.parse(r.doc) as unknown;
      const record = isOldRecord(doc) ? readRecord(doc, `group ${group.name} record ${r.id}`) : (doc as VulnRecord);
      parts[i] = JSON.stringify(shape(record, { deleted: r.deleted, updatedAt: microsToIso(r.us) }));
    }
    const last = page[page.length - 1];
    const next = more && last ? encodeToken({ us: last.us, id: last.id }) : '';
    const body = `{"data":[${parts.join(',')}],"next_token":"${next}"}`;
    return reply.header('content-type', 'application/json').send(Buffer.from(body, 'utf8'));
  });
}
