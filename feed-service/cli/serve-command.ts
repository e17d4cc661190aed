/** `airfeed serve`: the feed service (Anchore /v1, native /v2, admin, metrics) with scheduled syncs. */
import { type Command, InvalidArgumentError } from 'commander';
import { inputPaths } from '../../drivers/_framework/cli/args.ts';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import {
  DEFAULT_HOST,
  DEFAULT_JITTER_SECONDS,
  DEFAULT_MAX_BUNDLE_BYTES,
  DEFAULT_OPS_ACCESS,
  DEFAULT_OVERLAP_SECONDS,
  DEFAULT_PORT,
  driverEnvName,
} from '../http/config.ts';
import { formatBytes } from '../http/upload.ts';

interface ServeFlags {
  port?: number;
  host?: string;
  schedule: boolean;
  trust?: string[];
}


function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('expected a TCP port number (0-65535)');
  return port;
}

const ENV_HELP = `
Routes:
  /v1/service/feeds[/<feed>[/<group>]]   Anchore feed API (engines: feed URL http://<host>:<port>/v1/service/feeds)
  /v2/feeds, /v2/groups[/<group>[/records?after=<seq>&limit=<n>]], /v2/vulnerabilities/<id>
  /v2/admin/...                          enable/disable, trigger syncs, runs, events (admin bearer token)
  POST /v2/bundles, GET /v2/bundles      import a signed bundle (body: the .tar), import history (admin bearer token)
  /grype/databases/v6/latest.json        grype's database listing and archive (GRYPE_DB_UPDATE_URL=http://<host>:<port>/grype/databases)
  /osv/ecosystems.txt, /osv/<Ecosystem>/all.zip, /osv/<Ecosystem>/modified_id.csv   osv-scanner's offline databases
  /health, /ready                        liveness, readiness: anonymous, status only (details for an admin token)
  /metrics, /openapi.json, /docs         Prometheus, OpenAPI, Swagger UI (who may: AIRFEED_METRICS_ACCESS, AIRFEED_DOCS_ACCESS)

Environment:
  AIRFEED_PORT, AIRFEED_HOST          defaults for --port (${DEFAULT_PORT}) and --host (${DEFAULT_HOST})
  AIRFEED_ADMIN_TOKENS                comma-separated admin bearer tokens (16+ characters each)
  AIRFEED_ADMIN_TOKENS_FILE           a file with admin tokens, one per line (# comments)
  AIRFEED_READ_TOKENS[_FILE]          when set, reads need one of these tokens (Bearer, or Basic password)
  AIRFEED_METRICS_ACCESS              who may read /metrics: anonymous, read or admin (default ${DEFAULT_OPS_ACCESS}: a read
                                      token once AIRFEED_READ_TOKENS is set, else anyone); Bearer or Basic password
  AIRFEED_DOCS_ACCESS                 the same for /openapi.json and /docs (default ${DEFAULT_OPS_ACCESS})
  ${driverEnvName('AIRFEED_SCHEDULE', 'alpine')}             cron (UTC) for a driver, or "off"; default: the driver's own (see \`airfeed drivers\`)
  ${driverEnvName('AIRFEED_SOURCE', 'alpine')}               upstream URL or mirror directory for a driver's scheduled syncs
  AIRFEED_<DRIVER>_<SETTING>[_FILE]   a driver setting such as AIRFEED_NVD_API_KEY (see \`airfeed drivers\`); or in the
                                      configuration file (--config, AIRFEED_CONFIG, default $AIRFEED_HOME/airfeed.json)
  AIRFEED_SCHEDULE_JITTER_SECONDS     random delay before each scheduled sync (default ${DEFAULT_JITTER_SECONDS})
  AIRFEED_SINCE_OVERLAP_SECONDS       records re-sent before a /v1 since (default ${DEFAULT_OVERLAP_SECONDS})
  AIRFEED_TRUST                       comma-separated trusted public key files/directories for bundle uploads
                                      (default $AIRFEED_HOME/trusted-keys; --trust replaces it)
  AIRFEED_MAX_BUNDLE_BYTES            largest bundle upload accepted, in bytes (default ${DEFAULT_MAX_BUNDLE_BYTES} = ${formatBytes(DEFAULT_MAX_BUNDLE_BYTES)})
  AIRFEED_BUNDLE_SPOOL_DIR            where uploads are written while they are verified and imported (default: the OS temp dir)
  AIRFEED_GRYPE, AIRFEED_OSV          build and serve grype's database / osv-scanner's databases: on (default) or off
  AIRFEED_GRYPE_CHECK_SECONDS, AIRFEED_OSV_CHECK_SECONDS   how often to look for store changes made by other processes (default 60)
  plus AIRFEED_HOME, DATABASE_URL, AIRFEED_LOG_LEVEL as for every command

Examples:
  airfeed serve
  AIRFEED_ADMIN_TOKENS=$(openssl rand -hex 32) airfeed serve --host 0.0.0.0 --port 8080
  airfeed serve --no-schedule          # serve only; another replica (or cron + \`airfeed sync\`) syncs
  airfeed serve --trust producer.pub.pem
  curl --fail-with-body -sS -X POST -T full.tar -H "Authorization: Bearer $TOKEN" \\
       -H 'Content-Type: application/x-tar' 'http://127.0.0.1:8080/v2/bundles?allow_expired=false'`;

/** Registers `serve` on the program. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the feed service: Anchore feed API, native /v2 API, administration and metrics; syncs drivers on their schedules')
    .option('-p, --port <port>', `TCP port to listen on (default ${DEFAULT_PORT})`, parsePort)
    .option('-H, --host <address>', `address to listen on (default ${DEFAULT_HOST}; 0.0.0.0 for every interface)`)
    .option('--no-schedule', 'do not run scheduled syncs in this process (serve only; syncs can still be triggered by the admin API)')
    .option('-t, --trust <file|dir>', 'trusted public key file or directory for bundle uploads (repeatable; default: $AIRFEED_HOME/trusted-keys)', inputPaths('trusted key path'))
    .addHelpText('after', ENV_HELP)
    .action(async (flags: ServeFlags) => {
      // The server (fastify, Swagger UI, the database) loads only when serving, so other commands start fast.
      const [{ createLogger }, { DRIVERS }, { loadConfig }, { loadServiceConfig }, { shutdownOnSignals, startServer }] = await Promise.all([
        import('../../drivers/_framework/log.ts'),
        import('../../drivers/index.ts'),
        import('../config.ts'),
        import('../http/config.ts'),
        import('../server.ts'),
      ]);
      const config = loadConfig();
      const log = createLogger().child({}, { level: process.env['AIRFEED_LOG_LEVEL'] ?? 'info' });
      const service = await loadServiceConfig(DRIVERS, { port: flags.port, host: flags.host, schedule: flags.schedule, trust: flags.trust });
      const server = await startServer({ config, service, log });
      if (process.stderr.isTTY) console.error(`airfeed: serving on ${server.url} (API docs at ${server.url}/docs); Ctrl-C stops`);
      const uninstall = shutdownOnSignals(server, log);
      try {
        await server.closed;
      } finally {
        uninstall();
      }
      if (server.fatal) throw new AirfeedError('DB_UNAVAILABLE', server.fatal.message, { cause: server.fatal });
    });
}
