/**
 * The feed service as a fastify app: built here, never listening (server.ts listens; tests use
 * `inject()`). Routes: /v1/service/feeds (Anchore), /v2 (native), /v2/admin, /v2/bundles (bundle
 * upload and history), /grype/databases/v6 (grype's database listing and archive), /osv (osv-scanner's
 * offline databases), /health, /ready, /metrics, /openapi.json and Swagger UI at /docs.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { Driver } from '../../drivers/_framework/types.ts';
import { DRIVERS } from '../../drivers/index.ts';
import type { Sql } from '../storage/db.ts';
import { adminRoutes, type SyncControl } from './admin.ts';
import { createAuth } from './auth.ts';
import { type BundleUploadOptions, bundleRoutes } from './bundles.ts';
import { type AuthConfig, DEFAULT_OPS_ACCESS, DEFAULT_OVERLAP_SECONDS } from './config.ts';
import { registerExpectContinue } from './continue.ts';
import { registerErrorHandling } from './errors.ts';
import { grypeRoutes } from './grype.ts';
import type { GrypePublisher } from '../outputs/grype/publisher.ts';
import type { OsvPublisher } from '../outputs/osv/publisher.ts';
import type { OutputsNotifier } from '../outputs/notifier.ts';
import { createMetrics, registerHttpMetrics, type ServiceMetrics } from './metrics.ts';
import { opsRoutes } from './ops.ts';
import { osvRoutes } from './osv-export.ts';
import { v1Routes } from './v1.ts';
import { v2Routes } from './v2.ts';

export type { SyncControl } from './admin.ts';

export interface AppOptions {
  sql: Sql;
  log: Logger;
  auth: AuthConfig;
  /** Seconds served before a /v1 `since` (default one hour). */
  overlapSeconds?: number;
  /** Records per /v1 data page (default 1000, as the Anchore service). */
  pageSize?: number;
  /** Shared with the scheduler so sync figures land in the same registry; created when absent. */
  metrics?: ServiceMetrics;
  /** The process's scheduler; without it, the sync trigger answers 503. */
  sync?: SyncControl;
  /** Bundle uploads (POST /v2/bundles): trusted keys, size limit, spool directory; without it, uploads answer 503. */
  bundles?: BundleUploadOptions;
  /** The grype database publisher; without it, /grype/databases answers 503. */
  grype?: GrypePublisher;
  /** The osv-scanner database publisher; without it, /osv answers 503. */
  osv?: OsvPublisher;
  /** Told after a bundle upload was imported. */
  outputs?: OutputsNotifier;
  /** The drivers whose feeds are served (default: the registry); a feed's /v1 shape may come from its driver. */
  drivers?: readonly Driver[];
}

/** Builds the app with every route registered and ready; the caller listens or injects. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { sql, log } = options;
  // Typed as fastify's base logger so the instance keeps the default type parameters.
  const logger: FastifyBaseLogger = log;
  const app = Fastify({
    loggerInstance: logger,
    // One access-log line per request (below) instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    ajv: { customOptions: { coerceTypes: true, removeAdditional: true, useDefaults: true, allErrors: false } },
    // Errors raised before routing (a malformed percent-encoding in the path) get the same body shape.
    frameworkErrors: (error, _request, raw) => {
      // The option's reply type is generic over route schemas that do not exist yet.
      const reply = raw as unknown as FastifyReply;
      void reply.code(400).type('application/json; charset=utf-8').send({ error: { code: 'INPUT_INVALID', message: `the request URL is malformed: ${error.message}` } });
    },
  });
  const metrics = options.metrics ?? createMetrics(sql, log);
  const auth = createAuth(options.auth);

  registerErrorHandling(app);
  registerExpectContinue(app);
  registerHttpMetrics(app, metrics);
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      { method: request.method, url: request.url, route: request.routeOptions.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request completed',
    );
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'airfeed feed service',
        version: '1',
        description:
          '/v1/service/feeds is the Anchore feed API (wire-compatible with Anchore Engine 1.x). /v2 is the native API: ' +
          'records by change-sequence cursor, as JSON pages or NDJSON. /v2/admin and /v2/bundles need an admin bearer token.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, basic: { type: 'http', scheme: 'basic' } },
      },
    },
  });
  const docsAccess = options.auth.docsAccess;
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiHooks: {
      onRequest: (request, _reply, done) => {
        try {
          auth.require(request, docsAccess ?? DEFAULT_OPS_ACCESS);
        } catch (err) {
          done(err as Error);
          return;
        }
        done();
      },
    },
  });

  const v1 = { sql, auth, overlapSeconds: options.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS, pageSize: options.pageSize ?? 1000, drivers: options.drivers ?? DRIVERS };
  await app.register(async (scope) => v1Routes(scope, v1));
  await app.register(async (scope) => v2Routes(scope, { sql, auth }));
  await app.register(async (scope) => adminRoutes(scope, { sql, auth, sync: options.sync }));
  await app.register(async (scope) => bundleRoutes(scope, { sql, auth, log, upload: options.bundles, outputs: options.outputs }));
  await app.register(async (scope) => grypeRoutes(scope, { auth, publisher: options.grype }));
  await app.register(async (scope) => osvRoutes(scope, { auth, publisher: options.osv }));
  await app.register(async (scope) => opsRoutes(scope, { sql, metrics, auth, metricsAccess: options.auth.metricsAccess, docsAccess: options.auth.docsAccess }));
  await app.ready();
  return app;
}
