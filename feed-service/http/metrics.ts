/**
 * Prometheus metrics, in a registry per app (never prom-client's global one), so two apps in one
 * process keep separate counts. Group and driver figures are read from the database at scrape time:
 * they then agree across replicas that share it.
 */
import type { FastifyInstance } from 'fastify';
import client from 'prom-client';
import type { Logger } from 'pino';
import type { Sql } from '../storage/db.ts';
import { listOutputs } from '../storage/outputs.ts';
import { driverStats, groupStats } from '../storage/serve-admin.ts';

export type SyncOutcome = 'succeeded' | 'unchanged' | 'failed' | 'skipped';

export interface ServiceMetrics {
  registry: client.Registry;
  /** Records one sync attempt of this process (skipped: another replica or process had it). */
  observeSync(driver: string, outcome: SyncOutcome, seconds: number): void;
  /** Records one rebuild check of an output by this process that did something (built, failed, emptied). */
  observeOutput(output: string, outcome: string, seconds: number): void;
}

/** Creates the registry with process, HTTP, sync and database-derived metrics. */
export function createMetrics(sql: Sql, log: Logger): ServiceMetrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'airfeed_' });

  const syncDuration = new client.Histogram({
    name: 'airfeed_sync_duration_seconds',
    help: 'Duration of sync runs started by this process, by driver and outcome',
    labelNames: ['driver', 'outcome'],
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
    registers: [registry],
  });
  const syncRuns = new client.Counter({
    name: 'airfeed_sync_runs_total',
    help: 'Sync attempts of this process by driver and outcome (skipped: locked or already done elsewhere)',
    labelNames: ['driver', 'outcome'],
    registers: [registry],
  });

  const outputBuilds = new client.Counter({
    name: 'airfeed_output_builds_total',
    help: 'Output builds (grype database, osv-scanner export) by this process, by outcome: built, failed, empty (no data left to build from)',
    labelNames: ['output', 'outcome'],
    registers: [registry],
  });
  const outputDuration = new client.Histogram({
    name: 'airfeed_output_build_duration_seconds',
    help: 'Duration of output builds by this process',
    labelNames: ['output', 'outcome'],
    buckets: [0.5, 1, 5, 15, 60, 300, 900, 3600],
    registers: [registry],
  });

  // One query per scrape for the gauges that share it.
  const groups = memo(() => safe(() => groupStats(sql), log));
  const drivers = memo(() => safe(() => driverStats(sql), log));
  const outputs = memo(() => safe(() => listOutputs(sql), log));

  new client.Gauge({
    name: 'airfeed_group_records',
    help: 'Live records (tombstones excluded) per group',
    labelNames: ['feed', 'group', 'enabled'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const g of await groups()) this.set({ feed: g.feed, group: g.name, enabled: String(g.enabled) }, g.recordCount);
    },
  });
  new client.Gauge({
    name: 'airfeed_group_seconds_since_last_success',
    help: 'Seconds since the last successful sync of each group (absent when never synced)',
    labelNames: ['feed', 'group'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const g of await groups()) if (g.sinceSuccess !== null) this.set({ feed: g.feed, group: g.name }, g.sinceSuccess);
    },
  });
  new client.Gauge({
    name: 'airfeed_group_stale',
    help: '1 when the group\'s input vanished upstream (its data is kept and served but no longer updated), else 0',
    labelNames: ['feed', 'group'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const g of await groups()) this.set({ feed: g.feed, group: g.name }, g.stale ? 1 : 0);
    },
  });
  new client.Gauge({
    name: 'airfeed_driver_seconds_since_last_success',
    help: 'Seconds since the last successful sync of each driver, by any replica',
    labelNames: ['driver'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const d of await drivers()) if (d.sinceSuccess !== null) this.set({ driver: d.driver }, d.sinceSuccess);
    },
  });
  new client.Gauge({
    name: 'airfeed_driver_last_run_duration_seconds',
    help: 'Duration of the newest finished sync run of each driver, by any replica, labelled with its status',
    labelNames: ['driver', 'status'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const d of await drivers()) {
        if (d.lastDuration !== null && d.lastStatus !== null) this.set({ driver: d.driver, status: d.lastStatus }, d.lastDuration);
      }
    },
  });

  new client.Gauge({
    name: 'airfeed_output_last_build_timestamp_seconds',
    help: 'When each output (grype, osv) was last built successfully, by any process (Unix time)',
    labelNames: ['output'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const o of await outputs()) if (o.builtAt) this.set({ output: o.name }, o.builtAt.getTime() / 1000);
    },
  });
  new client.Gauge({
    name: 'airfeed_output_data_timestamp_seconds',
    help: "The data time of each output (grype's `built`; for osv the same): the newest data it holds (Unix time)",
    labelNames: ['output'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const o of await outputs()) if (o.dataTime) this.set({ output: o.name }, o.dataTime.getTime() / 1000);
    },
  });
  new client.Gauge({
    name: 'airfeed_output_data_seq',
    help: 'The highest change sequence among the groups each output was last built from',
    labelNames: ['output'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const o of await outputs()) if (o.dataSeq !== null) this.set({ output: o.name }, o.dataSeq);
    },
  });
  new client.Gauge({
    name: 'airfeed_output_bytes',
    help: 'Size of each output as published (the grype archive; every file of the osv export)',
    labelNames: ['output'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const o of await outputs()) if (o.bytes !== null) this.set({ output: o.name }, o.bytes);
    },
  });
  new client.Gauge({
    name: 'airfeed_output_failing',
    help: '1 when the newest build attempt of an output failed (the previous build is still served), else 0',
    labelNames: ['output'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const o of await outputs()) this.set({ output: o.name }, o.lastError !== null ? 1 : 0);
    },
  });

  return {
    registry,
    observeSync(driver, outcome, seconds) {
      syncRuns.inc({ driver, outcome });
      if (outcome !== 'skipped') syncDuration.observe({ driver, outcome }, seconds);
    },
    observeOutput(output, outcome, seconds) {
      outputBuilds.inc({ output, outcome });
      outputDuration.observe({ output, outcome }, seconds);
    },
  };
}

// A scrape while the database is down still answers: the process metrics are what matters then.
async function safe<T>(fn: () => Promise<T[]>, log: Logger): Promise<T[]> {
  try {
    return await fn();
  } catch (err) {
    log.warn({ err }, 'metrics: database figures unavailable');
    return [];
  }
}

function memo<T>(fn: () => Promise<T>, ttlMs = 1000): () => Promise<T> {
  let cached: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = Date.now();
    if (!cached || now - cached.at > ttlMs) cached = { at: now, value: fn() };
    return cached.value;
  };
}

/** Counts every request and its latency by method, route pattern (bounded cardinality) and status. */
export function registerHttpMetrics(app: FastifyInstance, metrics: ServiceMetrics): void {
  const requests = new client.Counter({
    name: 'airfeed_http_requests_total',
    help: 'HTTP requests by method, route and status code',
    labelNames: ['method', 'route', 'status_code'],
    registers: [metrics.registry],
  });
  const latency = new client.Histogram({
    name: 'airfeed_http_request_duration_seconds',
    help: 'HTTP request latency (until the last byte was handed to the socket) by method and route',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
    registers: [metrics.registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status_code: String(reply.statusCode) });
    latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
}
