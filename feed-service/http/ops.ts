/**
 * Operations: liveness (/health: the process answers), readiness (/ready: the database answers and
 * its schema is at the version this code expects), Prometheus metrics and the OpenAPI document.
 * Anonymous: load balancers and Prometheus scrape them without credentials.
 */
import type { FastifyInstance } from 'fastify';
import { ERROR_CODES } from '../../drivers/_framework/errors.ts';
import type { Sql } from '../storage/db.ts';
import { schemaStatus } from '../storage/migrate.ts';
import { ping } from '../storage/serve.ts';
import type { ServiceMetrics } from './metrics.ts';

export interface OpsOptions {
  sql: Sql;
  metrics: ServiceMetrics;
}

/** Registers /health, /ready, /metrics and /openapi.json. */
export async function opsRoutes(app: FastifyInstance, opts: OpsOptions): Promise<void> {
  app.get('/health', { schema: { tags: ['operations'], summary: 'Liveness: the process is up' } }, async () => ({ status: 'ok' }));

  app.get('/ready', {
    schema: { tags: ['operations'], summary: 'Readiness: database reachable and migrations applied (503 otherwise)' },
  }, async (request, reply) => {
    try {
      await ping(opts.sql);
    } catch (err) {
      request.log.warn({ err }, 'readiness: database unreachable');
      return reply.code(503).send({
        error: { code: 'DB_UNAVAILABLE', message: `the database does not answer: ${(err as Error).message}`, hint: ERROR_CODES.DB_UNAVAILABLE.hint },
      });
    }
    const schema = await schemaStatus(opts.sql);
    if (schema.current !== schema.latest) {
      return reply.code(503).send({
        error: {
          code: 'UNAVAILABLE',
          message: `the database schema is at version ${schema.current}, this service needs ${schema.latest}`,
          hint: 'Run `airfeed db migrate` (the service also migrates at start).',
        },
      });
    }
    return { status: 'ready', schemaVersion: schema.current };
  });

  app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus metrics' } }, async (_request, reply) => {
    const text = await opts.metrics.registry.metrics();
    return reply.header('content-type', opts.metrics.registry.contentType).send(text);
  });

  app.get('/openapi.json', { schema: { tags: ['operations'], summary: 'The OpenAPI document (Swagger UI at /docs)' } }, async () => app.swagger());
}
