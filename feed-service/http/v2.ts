/**
 * /v2: airfeed's native read API. Records of a group are read by change sequence: a client keeps the
 * highest `seq` it has seen per group and asks for `after=<seq>`; it gets every record added,
 * changed or deleted (tombstones, `"deleted": true`) since, in sequence order. Writers of one group
 * are serialized and commit sequence values in order, so a cursor never skips a committed change.
 *
 * Records are sent as stored (the normalized record, canonical JSON) without parsing them, either
 * as a JSON page with the next cursor, or, with `Accept: application/x-ndjson`, as one stream of
 * lines read through a server-side cursor with backpressure: memory holds a batch or two, whatever
 * the group size.
 *
 * The OSV views of records (`…/osv`) are in v2-osv.ts.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import type { Sql } from '../storage/db.ts';
import { getServedGroup, listServedFeeds, listServedGroups, recordsById, type ServedGroup, type V2Row, v2Page, v2RawStream } from '../storage/serve.ts';
import type { Auth } from './auth.ts';
import { registerOsvRoutes } from './v2-osv.ts';

export interface V2Options {
  sql: Sql;
  auth: Auth;
}

export const DEFAULT_PAGE = 1000;
export const MAX_PAGE = 10_000;
export const NDJSON = 'application/x-ndjson';
const JSON_TYPE = 'application/json; charset=utf-8';
const security = [{}, { bearer: [] }, { basic: [] }];
const groupParam = { type: 'object', properties: { group: { type: 'string', maxLength: 200 } }, required: ['group'] } as const;

/** One record as served: its place in the change stream and the stored document, embedded as is. */
export function recordJson(r: V2Row): string {
  return `{"seq":${r.seq},"id":${JSON.stringify(r.id)},"deleted":${r.deleted},"updatedAt":"${r.updatedAt}","record":${r.doc}}`;
}

function groupJson(g: ServedGroup): Record<string, unknown> {
  return {
    name: g.name,
    feed: g.feed,
    driver: g.driver,
    description: g.description,
    enabled: g.enabled,
    recordCount: g.recordCount,
    maxSeq: g.maxSeq,
    lastSync: g.lastSync,
    lastSuccess: g.lastSuccess,
    // Stale: the input vanished upstream; the data is kept and served, but frozen since then.
    stale: g.vanishedAt !== null,
    vanishedAt: g.vanishedAt,
  };
}

/** True when the Accept header names NDJSON (with any q other than 0). */
export function wantsNdjson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept.split(',').some((part) => {
    const [type = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    return type === NDJSON && !params.some((p) => /^q=0(\.0*)?$/.test(p));
  });
}

async function servedGroup(sql: Sql, name: string): Promise<ServedGroup> {
  const group = await getServedGroup(sql, name);
  if (!group) throw new AirfeedError('GROUP_UNKNOWN', `no served group "${name}" (unknown, or disabled)`);
  return group;
}

const P_SEQ = Buffer.from('{"seq":');
const P_ID = Buffer.from(',"id":');
const P_DELETED = Buffer.from(',"deleted":');
const P_UPDATED = Buffer.from(',"updatedAt":"');
const P_RECORD = Buffer.from('","record":');
const P_END = Buffer.from('}\n');

/** NDJSON lines (the same bytes as recordJson + newline) from raw column bytes, one buffer per batch. */
async function* ndjsonLines(rows: AsyncIterable<Buffer[][]>): AsyncGenerator<Buffer> {
  for await (const batch of rows) {
    const parts: Buffer[] = [];
    for (const [seq, id, deleted, updated, doc] of batch) {
      if (!seq || !id || !deleted || !updated || !doc) continue;
      parts.push(P_SEQ, seq, P_ID, id, P_DELETED, deleted, P_UPDATED, updated, P_RECORD, doc, P_END);
    }
    yield Buffer.concat(parts);
  }
}

/** Registers the /v2 read routes. */
export async function v2Routes(app: FastifyInstance, opts: V2Options): Promise<void> {
  const { sql, auth } = opts;
  app.addHook('onRequest', async (request) => auth.requireRead(request));

  app.get('/v2/feeds', {
    schema: { tags: ['v2'], summary: 'Feeds with served groups', security },
  }, async () => ({ feeds: await listServedFeeds(sql) }));

  app.get<{ Querystring: { feed?: string } }>('/v2/groups', {
    schema: {
      tags: ['v2'],
      summary: 'Served groups: enabled flag, record count, last sync, last success, highest change sequence, stale (input vanished upstream)',
      security,
      querystring: { type: 'object', properties: { feed: { type: 'string', maxLength: 200 } } },
    },
  }, async (request) => ({ groups: (await listServedGroups(sql, request.query.feed)).map(groupJson) }));

  app.get<{ Params: { group: string } }>('/v2/groups/:group', {
    schema: { tags: ['v2'], summary: 'One served group', security, params: groupParam },
  }, async (request) => groupJson(await servedGroup(sql, request.params.group)));

  app.get<{ Params: { group: string }; Querystring: { after: number; limit?: number } }>('/v2/groups/:group/records', {
    schema: {
      tags: ['v2'],
      summary: 'Records changed after a change-sequence cursor: a JSON page, or NDJSON with Accept: application/x-ndjson',
      description:
        'JSON: `{group, after, next, more, records}`; pass `next` as `after` for the following page. NDJSON: one record per line ' +
        '(all of them unless `limit` is given); the last line\'s `seq` is the next cursor. Tombstones have `"deleted": true`.',
      security,
      params: groupParam,
      querystring: {
        type: 'object',
        properties: {
          after: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0, description: 'change-sequence cursor (exclusive)' },
          limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE, description: `records per page (JSON: default ${DEFAULT_PAGE})` },
        },
      },
    },
  }, async (request, reply) => {
    const group = await servedGroup(sql, request.params.group);
    const { after, limit } = request.query;
    if (wantsNdjson(request)) {
      // A 4 MiB buffer lets the next batch be fetched while the previous one is on the wire.
      const stream = Readable.from(ndjsonLines(v2RawStream(sql, group.name, after, limit)), { objectMode: false, highWaterMark: 4 * 1024 * 1024 });
      stream.on('error', (err) => request.log.warn({ err, group: group.name }, 'ndjson stream ended early'));
      return reply.header('content-type', NDJSON).send(stream);
    }
    const size = limit ?? DEFAULT_PAGE;
    const rows = await v2Page(sql, group.name, after, size);
    const more = rows.length > size;
    const page = more ? rows.slice(0, size) : rows;
    const next = page[page.length - 1]?.seq ?? after;
    const body = `{"group":${JSON.stringify(group.name)},"after":${after},"next":${next},"more":${more},"records":[${page.map(recordJson).join(',')}]}`;
    return reply.header('content-type', JSON_TYPE).send(body);
  });

  app.get<{ Params: { id: string } }>('/v2/vulnerabilities/:id', {
    schema: {
      tags: ['v2'],
      summary: 'One vulnerability id across all served groups (tombstones included)',
      security,
      params: { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 200 } }, required: ['id'] },
    },
  }, async (request, reply) => {
    const rows = await recordsById(sql, request.params.id);
    if (rows.length === 0) throw new AirfeedError('NOT_FOUND', `no served group has a record "${request.params.id}"`);
    const items = rows.map((r) => `{"group":${JSON.stringify(r.group)},"feed":${JSON.stringify(r.feed)},${recordJson(r).slice(1)}`);
    return reply.header('content-type', JSON_TYPE).send(`{"id":${JSON.stringify(request.params.id)},"records":[${items.join(',')}]}`);
  });

  registerOsvRoutes(app, sql);
}
