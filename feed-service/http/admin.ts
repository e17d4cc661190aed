/**
 * /v2/admin: enable and disable feeds and groups, trigger syncs, read sync runs and events. Every
 * call needs an admin bearer token, checked before anything else (so a caller without one learns
 * nothing from validation errors).
 */
import type { FastifyInstance } from 'fastify';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import type { Sql } from '../storage/db.ts';
import { listFeeds, listGroups } from '../storage/groups.ts';
import { listEvents, listRuns } from '../storage/runs.ts';
import { setFeedEnabled, setGroupEnabled } from '../storage/serve-admin.ts';
import type { Auth } from './auth.ts';

/** What the app may ask of the process's scheduler. */
export interface SyncControl {
  /** Starts a sync of the driver now; resolves once its run is recorded, with its id. */
  startSync(driverId: string): Promise<{ runId: number }>;
  /** Schedule and state per driver, for operators. */
  status(): unknown[];
}

export interface AdminOptions {
  sql: Sql;
  auth: Auth;
  sync?: SyncControl | undefined;
}

const security = [{ bearer: [] }];
const nameParam = (key: string) => ({ type: 'object', properties: { [key]: { type: 'string', minLength: 1, maxLength: 200 } }, required: [key] }) as const;
const enabledBody = {
  type: 'object',
  properties: { enabled: { type: 'boolean' } },
  required: ['enabled'],
  additionalProperties: false,
} as const;
const limitParam = { type: 'integer', minimum: 1, maximum: 1000, default: 50 } as const;

/** Registers the administration routes. */
export async function adminRoutes(app: FastifyInstance, opts: AdminOptions): Promise<void> {
  const { sql, auth } = opts;
  app.addHook('onRequest', async (request) => auth.requireAdmin(request));

  app.get('/v2/admin/feeds', {
    schema: { tags: ['admin'], summary: 'Every feed, enabled or not, with its group count', security },
  }, async () => ({ feeds: await listFeeds(sql) }));

  app.get('/v2/admin/groups', {
    schema: { tags: ['admin'], summary: 'Every group, enabled or not', security },
  }, async () => ({ groups: (await listGroups(sql)).map(({ state: _state, ...g }) => g) }));

  app.patch<{ Params: { feed: string }; Body: { enabled: boolean } }>('/v2/admin/feeds/:feed', {
    schema: { tags: ['admin'], summary: 'Enable or disable a feed (its groups are neither synced nor served while disabled)', security, params: nameParam('feed'), body: enabledBody },
  }, async (request) => {
    const feed = await setFeedEnabled(sql, request.params.feed, request.body.enabled);
    if (!feed) throw new AirfeedError('FEED_UNKNOWN', `no feed named "${request.params.feed}"`);
    request.log.info({ feed: feed.name, enabled: feed.enabled }, 'feed enabled flag set');
    return { feed };
  });

  app.patch<{ Params: { group: string }; Body: { enabled: boolean } }>('/v2/admin/groups/:group', {
    schema: { tags: ['admin'], summary: 'Enable or disable a group (disabled: not synced, not served, data kept)', security, params: nameParam('group'), body: enabledBody },
  }, async (request) => {
    const group = await setGroupEnabled(sql, request.params.group, request.body.enabled);
    if (!group) throw new AirfeedError('GROUP_UNKNOWN', `no group named "${request.params.group}"`);
    request.log.info({ group: group.name, enabled: group.enabled }, 'group enabled flag set');
    return { group };
  });

  app.get('/v2/admin/drivers', {
    schema: { tags: ['admin'], summary: 'Drivers with their schedule and scheduler state', security },
  }, async () => ({ drivers: opts.sync?.status() ?? [] }));

  app.post<{ Params: { driver: string } }>('/v2/admin/drivers/:driver/sync', {
    schema: { tags: ['admin'], summary: 'Start a sync of a driver now; 202 with the run id (409 when one is running)', security, params: nameParam('driver') },
  }, async (request, reply) => {
    if (!opts.sync) throw new AirfeedError('UNAVAILABLE', 'this service process was started without a scheduler, so it cannot run syncs');
    const { runId } = await opts.sync.startSync(request.params.driver);
    request.log.info({ driver: request.params.driver, runId }, 'sync triggered');
    return reply.code(202).send({ driver: request.params.driver, runId, status: 'running', run: `/v2/admin/runs?driver=${encodeURIComponent(request.params.driver)}` });
  });

  app.get<{ Querystring: { driver?: string; limit: number } }>('/v2/admin/runs', {
    schema: {
      tags: ['admin'],
      summary: 'Sync runs, newest first',
      security,
      querystring: { type: 'object', properties: { driver: { type: 'string', maxLength: 200 }, limit: limitParam } },
    },
  }, async (request) => ({
    runs: await listRuns(sql, { limit: request.query.limit, ...(request.query.driver ? { driver: request.query.driver } : {}) }),
  }));

  app.get<{ Querystring: { run?: number; limit: number } }>('/v2/admin/events', {
    schema: {
      tags: ['admin'],
      summary: 'Sync events (feeds.sync.*), newest first',
      security,
      querystring: {
        type: 'object',
        properties: { run: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER }, limit: { ...limitParam, default: 100 } },
      },
    },
  }, async (request) => ({
    events: await listEvents(sql, { limit: request.query.limit, ...(request.query.run !== undefined ? { runId: request.query.run } : {}) }),
  }));
}
