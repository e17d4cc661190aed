/**
 * Operations: liveness (/health: the process answers), readiness (/ready: the database answers and
 * its schema is at the version this code expects), Prometheus metrics and the OpenAPI document.
 *
 * /health and /ready stay anonymous (load balancers and orchestrators probe them without
 * credentials), so they tell anonymous callers the status only: the database's address, its error
 * text and the schema version go to the log, and to callers with an admin token (`details`).
 * /metrics and /openapi.json (with Swagger UI at /docs, app.ts) answer whom AIRFEED_METRICS_ACCESS
 * and AIRFEED_DOCS_ACCESS allow (auth.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { Sql } from '../storage/db.ts';
import { schemaStatus } from '../storage/migrate.ts';
import { ping } from '../storage/serve.ts';
import type { Auth } from './auth.ts';
import { type Access, DEFAULT_OPS_ACCESS } from './config.ts';
import { httpHint } from './errors.ts';
import type { ServiceMetrics } from './metrics.ts';

export interface OpsOptions {
  sql: Sql;
  metrics: ServiceMetrics;
  auth: Auth;
  metricsAccess?: Access | undefined;
  docsAccess?: Access | undefined;
}

/** Registers /health, /ready, /metrics and /openapi.json. */
export async function opsRoutes(app: FastifyInstance, opts: OpsOptions): Promise<void> {
  const { auth } = opts;
  app.get('/health', { schema: { tags: ['operations'], summary: 'Liveness: the process is up' } }, async () => ({ status: 'ok' }));

  app.get('/ready', {
    schema: {
      tags: ['operations'],
      summary: 'Readiness: database reachable and migrations applied (503 otherwise); details for an admin token',
    },
  }, async (request, reply) => {
    const admin = auth.isAdmin(request);
    try {
      await ping(opts.sql);
    } catch (err) {
      request.log.warn({ err }, 'readiness: database unreachable');
      return reply.code(503).send({
        error: {
          code: 'DB_UNAVAILABLE',
          message: 'not ready: the database does not answer',
          hint: httpHint('DB_UNAVAILABLE'),
          ...(admin ? { details: { error: (err as Error).message } } : {}),
        },
      });
    }
    const schema = await schemaStatus(opts.sql);
    if (schema.current !== schema.latest) {
      request.log.warn({ schemaVersion: schema.current, latest: schema.latest }, 'readiness: migrations pending');
      return reply.code(503).send({
        error: {
          code: 'UNAVAILABLE',
          message: 'not ready: the database schema is not at the version this service needs',
          hint: 'The service applies its migrations at start; try again later (its operator runs the migrations if they failed).',
          ...(admin ? { details: { schemaVersion: schema.current, latestVersion: schema.latest } } : {}),
        },
      });
    }
    return admin ? { status: 'ready', schemaVersion: schema.current } : { status: 'ready' };
  });

  const metricsAccess = opts.metricsAccess ?? DEFAULT_OPS_ACCESS;
  app.get('/metrics', {
    onRequest: async (request) => auth.require(request, metricsAccess),
    schema: { tags: ['operations'], summary: `Prometheus metrics (access: ${metricsAccess}, AIRFEED_METRICS_ACCESS)` },
  }, async (_request, reply) => {
    const text = await opts.metrics.registry.metrics();
    return reply.header('content-type', opts.metrics.registry.contentType).send(text);
  });

  const docsAccess = opts.docsAccess ?? DEFAULT_OPS_ACCESS;
  app.get('/openapi.json', {
    onRequest: async (request) => auth.require(request, docsAccess),
    schema: { tags: ['operations'], summary: `The OpenAPI document; Swagger UI at /docs (access: ${docsAccess}, AIRFEED_DOCS_ACCESS)` },
  }, async () => app.swagger());
}
