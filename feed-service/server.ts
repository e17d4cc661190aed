/**
 * The listening feed service: database, scheduler and app wired together, with graceful shutdown.
 * On SIGINT/SIGTERM: the scheduler stops starting syncs, the server stops accepting connections and
 * lets in-flight requests finish, running syncs get time to finish, then the pool (and the embedded
 * PostgreSQL, when this process started it) closes. A second signal exits at once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AirfeedError } from '../drivers/_framework/errors.ts';
import { HttpClient } from '../drivers/_framework/http.ts';
import type { Driver } from '../drivers/_framework/types.ts';
import { DRIVERS } from '../drivers/index.ts';
import type { Config } from './config.ts';
import { buildApp } from './http/app.ts';
import { loadServiceTrust } from './http/bundles.ts';
import type { ServiceConfig } from './http/config.ts';
import { createMetrics } from './http/metrics.ts';
import { Scheduler } from './scheduler.ts';
import { GrypePublisher } from './outputs/grype/publisher.ts';
import { fanOut, type OutputsNotifier } from './outputs/notifier.ts';
import { OsvPublisher } from './outputs/osv/publisher.ts';
import { type Database, openDatabase } from './storage/db.ts';
import { upsertFeeds } from './storage/groups.ts';

export interface ServerOptions {
  config: Config;
  service: ServiceConfig;
  log: Logger;
  /** An open database to use (and close on shutdown); opened from `config` when absent. */
  database?: Database;
  drivers?: readonly Driver[];
  /** Seconds in-flight requests get before their connections are closed (default 30). */
  shutdownTimeoutSeconds?: number;
}

export interface RunningServer {
  app: FastifyInstance;
  scheduler: Scheduler;
  /** `http://host:port` actually bound (port 0 resolved). */
  url: string;
  /** Graceful shutdown; safe to call more than once. */
  shutdown(reason?: string): Promise<void>;
  /** Settles when shutdown has finished. */
  closed: Promise<void>;
  /** Set when the service stopped because its embedded database died and could not be restarted. */
  fatal?: Error;
}

/** Why the service cannot listen on host:port, for a person: the address named, and what to do. */
function listenError(err: unknown, host: string, port: number): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const reasons: Record<string, [string, string]> = {
    EADDRINUSE: ['another process already listens there (EADDRINUSE)', `Stop the other process (e.g. \`ss -ltnp 'sport = :${port}'\` shows it), or choose another port with --port (or AIRFEED_PORT).`],
    EACCES: ['this user may not listen on that port (EACCES; ports below 1024 need privileges)', 'Choose a port from 1024 up with --port (or AIRFEED_PORT), and put a proxy in front if clients need the low port.'],
    EADDRNOTAVAIL: ['that address is not one of this machine (EADDRNOTAVAIL)', 'Choose an address this machine has with --host (or AIRFEED_HOST): 127.0.0.1, 0.0.0.0 for every interface, or one of `ip -brief address`.'],
  };
  const known = code === undefined ? undefined : reasons[code];
  if (!known) return err;
  return new AirfeedError('LISTEN_FAILED', `cannot listen on ${address}: ${known[0]}`, { cause: err, hint: known[1] });
}

/** How often `serve` checks that its embedded PostgreSQL still runs. */
const EMBEDDED_CHECK_MS = 1000;
const EMBEDDED_RESTARTS = 3;

/** Opens the database, builds the app, listens, and starts the scheduler (unless disabled). */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const { service, log } = opts;
  const db = opts.database ?? (await openDatabase(opts.config, log));
  const drivers = opts.drivers ?? DRIVERS;
  for (const warning of service.settings.warnings) log.warn({ file: service.settings.file }, warning);
  try {
    // Feeds come from the registry: a new driver's feed is listed before its first sync.
    await upsertFeeds(db.sql, drivers.map((d) => d.feed));
  } catch (err) {
    await db.close();
    throw err;
  }
  const metrics = createMetrics(db.sql, log);
  const grype = service.grype.enabled
    ? new GrypePublisher({
      sql: db.sql, root: path.join(opts.config.home, 'outputs', 'grype'), log: log.child({ component: 'grype' }),
      checkSeconds: service.grype.checkSeconds, onOutcome: (outcome, seconds) => metrics.observeOutput('grype', outcome, seconds),
    })
    : undefined;
  const osv = service.osv.enabled
    ? new OsvPublisher({
      sql: db.sql, root: path.join(opts.config.home, 'outputs', 'osv'), log: log.child({ component: 'osv' }),
      checkSeconds: service.osv.checkSeconds, onOutcome: (outcome, seconds) => metrics.observeOutput('osv', outcome, seconds),
    })
    : undefined;
  const listeners = [grype?.notify, osv?.notify].filter((n): n is OutputsNotifier => n !== undefined);
  const outputs = listeners.length > 0 ? fanOut(listeners) : undefined;
  const scheduler = new Scheduler({
    sql: db.sql,
    log: log.child({ component: 'scheduler' }),
    home: opts.config.home,
    http: new HttpClient(),
    drivers,
    schedules: service.schedules,
    sources: service.sources,
    settings: service.settings,
    jitterSeconds: service.jitterSeconds,
    onSync: (driver, outcome, seconds) => metrics.observeSync(driver, outcome, seconds),
    ...(outputs ? { outputs } : {}),
  });
  let app: FastifyInstance;
  // Responses in progress, so shutdown can close each keep-alive connection once its response is out.
  const inFlight = new Set<ServerResponse>();
  try {
    app = await buildApp({
      sql: db.sql, log, auth: service.auth, overlapSeconds: service.overlapSeconds, metrics, sync: scheduler, bundles: service.bundles,
      drivers: opts.drivers ?? DRIVERS,
      ...(grype ? { grype } : {}),
      ...(osv ? { osv } : {}),
      ...(outputs ? { outputs } : {}),
    });
    app.server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
      inFlight.add(res);
      res.once('close', () => inFlight.delete(res));
    });
    await app.listen({ port: service.port, host: service.host }).catch((err: unknown) => {
      throw listenError(err, service.host, service.port);
    });
  } catch (err) {
    await db.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : service.port;
  const url = `http://${service.host.includes(':') ? `[${service.host}]` : service.host}:${port}`;
  if (service.auth.adminTokens.length === 0) log.warn({}, 'no admin token configured: /v2/admin calls are refused (set AIRFEED_ADMIN_TOKENS)');
  await loadServiceTrust(service.bundles.trust).then(
    (trust) => log.info({ trustedKeys: trust.keys.size, trust: service.bundles.trust, maxBundleBytes: service.bundles.maxBytes }, 'bundle uploads accepted'),
    (err: unknown) => log.warn({ err, trust: service.bundles.trust }, 'bundle uploads are refused until a trusted key is configured (AIRFEED_TRUST or <AIRFEED_HOME>/trusted-keys)'),
  );
  log.info({ url, schedule: service.schedule, readsAnonymous: service.auth.readTokens === undefined }, 'feed service listening');
  if (service.schedule) scheduler.start();
  await grype?.start();
  await osv?.start();

  let closing: Promise<void> | undefined;
  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  const running: RunningServer = { app, scheduler, url, shutdown: (reason) => shutdown(reason), closed };
  const stopWatching = db.embedded ? watchEmbedded(db.embedded, log, (err) => {
    running.fatal = err;
    void shutdown('the embedded PostgreSQL died and could not be restarted');
  }) : () => undefined;
  const shutdown = (reason = 'requested'): Promise<void> => {
    stopWatching();
    closing ??= (async () => {
      log.info({ reason }, 'feed service shutting down');
      const stopping = scheduler.stop();
      const force = setTimeout(() => {
        log.warn({}, 'in-flight requests did not finish in time; closing their connections');
        app.server.closeAllConnections();
      }, (opts.shutdownTimeoutSeconds ?? 30) * 1000);
      // A keep-alive connection whose response finishes after close() began would otherwise stay
      // open for fastify's 72 s keep-alive timeout. End it once the response is fully handed to the
      // kernel ('finish'), not before: a streamed body may still sit in the socket's buffer.
      for (const res of inFlight) {
        if (!res.headersSent) res.shouldKeepAlive = false;
        const socket = res.socket;
        res.once('finish', () => socket?.end());
      }
      try {
        await app.close();
      } finally {
        clearTimeout(force);
      }
      await stopping;
      await grype?.stop();
      await osv?.stop();
      await db.close();
      log.info({}, 'feed service stopped');
    })().finally(resolveClosed);
    return closing;
  };
  return running;
}

/**
 * Notices a dead embedded PostgreSQL (killed, crashed) and starts it again; the connection pool
 * reconnects on its next query. Gives up after a few failed restarts and calls `onFatal`, so the
 * service exits non-zero for its supervisor rather than answer 503 forever. Returns the stopper.
 */
function watchEmbedded(embedded: NonNullable<Database['embedded']>, log: Logger, onFatal: (err: Error) => void): () => void {
  let busy = false;
  let stopped = false;
  const timer = setInterval(() => {
    if (busy || stopped) return;
    busy = true;
    void (async () => {
      if (await embedded.alive()) return;
      log.error({}, 'the embedded PostgreSQL is gone; starting it again');
      let lastError: unknown;
      for (let attempt = 1; attempt <= EMBEDDED_RESTARTS && !stopped; attempt++) {
        try {
          await embedded.restart();
          log.warn({ attempt }, 'the embedded PostgreSQL runs again');
          return;
        } catch (err) {
          lastError = err;
          log.error({ err, attempt }, 'restarting the embedded PostgreSQL failed');
        }
      }
      if (!stopped) onFatal(new Error(`the embedded PostgreSQL died and ${EMBEDDED_RESTARTS} restarts failed: ${(lastError as Error | undefined)?.message ?? 'stopped'}`, { cause: lastError }));
    })().finally(() => (busy = false));
  }, EMBEDDED_CHECK_MS);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

/**
 * Shuts `server` down on SIGINT or SIGTERM; returns the uninstaller. Other listeners of those
 * signals are set aside meanwhile, so no library cuts in-flight requests by exiting at once; our
 * shutdown gives up the embedded server's lease itself (Database.close). A second signal hands over
 * to them (or exits) without waiting.
 */
export function shutdownOnSignals(server: RunningServer, log: Logger): () => void {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const saved = new Map(signals.map((s) => [s, process.listeners(s)]));
  let received = 0;
  const restore = (): void => {
    for (const s of signals) {
      process.off(s, handler);
      for (const l of saved.get(s) ?? []) if (!process.listeners(s).includes(l)) process.on(s, l);
    }
  };
  function handler(signal: NodeJS.Signals): void {
    received++;
    if (received > 1) {
      log.warn({ signal }, 'second signal: exiting without waiting');
      restore();
      const others = saved.get(signal as (typeof signals)[number]) ?? [];
      if (others.length === 0) process.exit(1);
      for (const l of others) l(signal);
      return;
    }
    server.shutdown(signal).catch((err: unknown) => log.error({ err }, 'shutdown failed'));
  }
  for (const s of signals) {
    for (const l of saved.get(s) ?? []) process.off(s, l);
    process.on(s, handler);
  }
  return restore;
}
