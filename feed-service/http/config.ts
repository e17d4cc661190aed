/**
 * Feed service configuration (`airfeed serve`), parsed once from the environment and flags with zod.
 * The database and home settings stay in ../config.ts; this adds what only the service needs.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import cron from 'node-cron';
import { z } from 'zod';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { fileProblem, readInputFile } from '../../drivers/_framework/files.ts';
import type { Driver } from '../../drivers/_framework/types.ts';
import { driverEnvName, loadConfig } from '../config.ts';
import { type DriverSettings, loadDriverSettings } from '../settings.ts';

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';
/** Records re-sent before a /v1 `since`: the engine's clock is not ours, and applies take time. */
export const DEFAULT_OVERLAP_SECONDS = 3600;
export const DEFAULT_JITTER_SECONDS = 60;
/** Largest bundle upload accepted by POST /v2/bundles: 4 GiB. */
export const DEFAULT_MAX_BUNDLE_BYTES = 4 * 2 ** 30;
// Short tokens are guessable; the check names the variable, never the token.
const MIN_TOKEN_LENGTH = 16;

/**
 * Who may call an operations route: anyone, whoever may read (/v1, /v2: anyone unless read tokens
 * are configured), or admins only.
 */
export type Access = 'anonymous' | 'read' | 'admin';
export const ACCESS_LEVELS: readonly Access[] = ['anonymous', 'read', 'admin'];
/**
 * Default of AIRFEED_METRICS_ACCESS and AIRFEED_DOCS_ACCESS: `read`. A service without read tokens
 * stays open as before (its data is public anyway); one with read tokens keeps what /metrics tells
 * (group names and sizes, sync timings, request counts, process figures) and the API description
 * for the callers it gave tokens to. Prometheus sends a token as `authorization` or `basic_auth`.
 */
export const DEFAULT_OPS_ACCESS: Access = 'read';

export interface AuthConfig {
  /** Bearer tokens accepted for /v2/admin calls. None configured: every admin call is refused. */
  adminTokens: readonly string[];
  /** When set, reads (/v1, /v2) need one of these (or an admin token); undefined: anonymous reads. */
  readTokens?: readonly string[] | undefined;
  /** Who may read /metrics (default DEFAULT_OPS_ACCESS). */
  metricsAccess?: Access | undefined;
  /** Who may read /openapi.json and /docs (default DEFAULT_OPS_ACCESS). */
  docsAccess?: Access | undefined;
}

export interface ServiceConfig {
  port: number;
  host: string;
  auth: AuthConfig;
  /** Run scheduled syncs in this process. */
  schedule: boolean;
  /** Cron expression per driver id; null: that driver is not scheduled. */
  schedules: Record<string, string | null>;
  /** Upstream (URL or mirror directory) per driver id, when not the driver's default. */
  sources: Record<string, string>;
  jitterSeconds: number;
  overlapSeconds: number;
  bundles: BundleConfig;
  /** The drivers' settings (config file and environment), handed to their syncs. */
  settings: DriverSettings;
  grype: OutputConfig;
  /** osv-scanner's offline databases at /osv (AIRFEED_OSV=off to stop). */
  osv: OutputConfig;
}

/** An output built from the store and served (grype's database, the osv-scanner export). */
export interface OutputConfig {
  /** Build and serve it (AIRFEED_GRYPE / AIRFEED_OSV `off` to stop). */
  enabled: boolean;
  /** How often the service checks whether the store moved without telling it (a CLI sync or import in another process). */
  checkSeconds: number;
}

/** grype's database at /grype/databases. */
export type GrypeConfig = OutputConfig;

/** Default seconds between checks for store changes made by other processes. */
export const DEFAULT_GRYPE_CHECK_SECONDS = 60;

export interface BundleConfig {
  /** Trusted public key files and directories for uploads (default `<AIRFEED_HOME>/trusted-keys`). */
  trust: string[];
  /** Largest upload accepted, in bytes. */
  maxBytes: number;
  /** Where uploads are spooled; undefined: the OS temp directory. */
  spoolDir: string | undefined;
}

export interface ServeFlags {
  port?: number | undefined;
  host?: string | undefined;
  schedule?: boolean | undefined;
  /** `--trust`: replaces AIRFEED_TRUST when given. */
  trust?: readonly string[] | undefined;
}

const TokenList = z
  .string()
  .transform((s) => s.split(/[,\n]/).map((t) => t.trim()).filter((t) => t !== '' && !t.startsWith('#')));

const Env = z.object({
  AIRFEED_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  AIRFEED_HOST: z.string().min(1).optional(),
  AIRFEED_ADMIN_TOKENS: TokenList.optional(),
  AIRFEED_ADMIN_TOKENS_FILE: z.string().min(1).optional(),
  AIRFEED_READ_TOKENS: TokenList.optional(),
  AIRFEED_READ_TOKENS_FILE: z.string().min(1).optional(),
  AIRFEED_SCHEDULE_JITTER_SECONDS: z.coerce.number().int().min(0).max(3600).optional(),
  AIRFEED_SINCE_OVERLAP_SECONDS: z.coerce.number().int().min(0).max(7 * 24 * 3600).optional(),
  AIRFEED_TRUST: z.string().transform((s) => s.split(',').map((p) => p.trim()).filter((p) => p !== '')).optional(),
  AIRFEED_MAX_BUNDLE_BYTES: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  AIRFEED_BUNDLE_SPOOL_DIR: z.string().min(1).optional(),
  AIRFEED_METRICS_ACCESS: z.enum(ACCESS_LEVELS).optional(),
  AIRFEED_DOCS_ACCESS: z.enum(ACCESS_LEVELS).optional(),
  AIRFEED_GRYPE: z.enum(['on', 'off']).optional(),
  AIRFEED_GRYPE_CHECK_SECONDS: z.coerce.number().int().min(1).max(24 * 3600).optional(),
  AIRFEED_OSV: z.enum(['on', 'off']).optional(),
  AIRFEED_OSV_CHECK_SECONDS: z.coerce.number().int().min(1).max(24 * 3600).optional(),
});

export { driverEnvName } from '../config.ts';

function invalid(variable: string, message: string, cause?: unknown): AirfeedError {
  return new AirfeedError('CONFIG_INVALID', `${variable}: ${message}`, cause === undefined ? {} : { cause });
}

async function readTokenFile(variable: string, file: string): Promise<string[]> {
  let text: string;
  try {
    text = (await readInputFile('token file', file)).toString('utf8');
  } catch (err) {
    const detail = err instanceof AirfeedError ? err.details['reason'] : undefined;
    const reason = typeof detail === 'string' ? detail : fileProblem(err).reason;
    throw invalid(variable, `cannot read ${file}: ${reason}`, err);
  }
  return TokenList.parse(text);
}

function checkTokens(variable: string, tokens: string[]): string[] {
  if (tokens.some((t) => t.length < MIN_TOKEN_LENGTH)) {
    throw invalid(variable, `every token must be at least ${MIN_TOKEN_LENGTH} characters (e.g. \`openssl rand -hex 32\`)`);
  }
  return tokens;
}

/** Trust paths (--trust over AIRFEED_TRUST; each must exist, a typo never trusts nothing silently), size limit, spool directory. */
async function bundleConfig(e: z.infer<typeof Env>, flags: ServeFlags, env: NodeJS.ProcessEnv): Promise<BundleConfig> {
  const given = flags.trust !== undefined && flags.trust.length > 0
    ? { name: '--trust', paths: flags.trust }
    : e.AIRFEED_TRUST === undefined ? undefined : { name: 'AIRFEED_TRUST', paths: e.AIRFEED_TRUST };
  let trust: string[];
  if (given) {
    if (given.paths.length === 0) throw invalid(given.name, 'set but lists no path; unset it for the default <AIRFEED_HOME>/trusted-keys');
    trust = given.paths.map((p) => path.resolve(p));
    for (const p of trust) {
      if (!(await fs.stat(p).then(() => true, () => false))) throw invalid(given.name, `trusted key path ${p} does not exist`);
    }
  } else {
    // The default directory may not exist yet: uploads answer 503 until a key is put there.
    trust = [path.join(loadConfig(env).home, 'trusted-keys')];
  }
  const spoolDir = e.AIRFEED_BUNDLE_SPOOL_DIR === undefined ? undefined : path.resolve(e.AIRFEED_BUNDLE_SPOOL_DIR);
  // Created at the first upload when missing; a file there would fail every upload.
  if (spoolDir !== undefined && (await fs.stat(spoolDir).then((st) => !st.isDirectory(), () => false))) {
    throw invalid('AIRFEED_BUNDLE_SPOOL_DIR', `${spoolDir} is a file, not a directory`);
  }
  return { trust, maxBytes: e.AIRFEED_MAX_BUNDLE_BYTES ?? DEFAULT_MAX_BUNDLE_BYTES, spoolDir };
}

/** Reads the service configuration from `env` and the CLI flags; throws CONFIG_INVALID naming the variable. */
export async function loadServiceConfig(drivers: readonly Driver[], flags: ServeFlags = {}, env: NodeJS.ProcessEnv = process.env): Promise<ServiceConfig> {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(String(issue?.path.join('.') ?? 'environment'), issue?.message ?? 'invalid', parsed.error);
  }
  const e = parsed.data;
  const admin = [...(e.AIRFEED_ADMIN_TOKENS ?? [])];
  if (e.AIRFEED_ADMIN_TOKENS_FILE) admin.push(...(await readTokenFile('AIRFEED_ADMIN_TOKENS_FILE', e.AIRFEED_ADMIN_TOKENS_FILE)));
  let read: string[] | undefined;
  if (e.AIRFEED_READ_TOKENS !== undefined || e.AIRFEED_READ_TOKENS_FILE !== undefined) {
    read = [...(e.AIRFEED_READ_TOKENS ?? [])];
    if (e.AIRFEED_READ_TOKENS_FILE) read.push(...(await readTokenFile('AIRFEED_READ_TOKENS_FILE', e.AIRFEED_READ_TOKENS_FILE)));
    // Asking for protected reads and configuring no token would silently lock every reader out.
    if (read.length === 0) throw invalid('AIRFEED_READ_TOKENS', 'set but lists no token; unset it for anonymous reads');
    checkTokens('AIRFEED_READ_TOKENS', read);
  }
  checkTokens('AIRFEED_ADMIN_TOKENS', admin);

  const schedules: Record<string, string | null> = {};
  const sources: Record<string, string> = {};
  for (const d of drivers) {
    const name = driverEnvName('AIRFEED_SCHEDULE', d.id);
    const value = env[name]?.trim();
    if (value === undefined || value === '') schedules[d.id] = d.defaultSchedule;
    else if (value === 'off') schedules[d.id] = null;
    else if (!cron.validate(value)) throw invalid(name, `"${value}" is not a cron expression (e.g. "17 */6 * * *"), or "off"`);
    else schedules[d.id] = value;
    const source = env[driverEnvName('AIRFEED_SOURCE', d.id)]?.trim();
    if (source) sources[d.id] = source;
  }

  const bundles = await bundleConfig(e, flags, env);
  const settings = await loadDriverSettings(drivers, env);

  const port = flags.port ?? e.AIRFEED_PORT ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw invalid('--port', `${port} is not a TCP port (0-65535)`);
  return {
    port,
    host: flags.host ?? e.AIRFEED_HOST ?? DEFAULT_HOST,
    auth: { adminTokens: admin, readTokens: read, metricsAccess: e.AIRFEED_METRICS_ACCESS ?? DEFAULT_OPS_ACCESS, docsAccess: e.AIRFEED_DOCS_ACCESS ?? DEFAULT_OPS_ACCESS },
    schedule: flags.schedule ?? true,
    schedules,
    sources,
    jitterSeconds: e.AIRFEED_SCHEDULE_JITTER_SECONDS ?? DEFAULT_JITTER_SECONDS,
    overlapSeconds: e.AIRFEED_SINCE_OVERLAP_SECONDS ?? DEFAULT_OVERLAP_SECONDS,
    bundles,
    settings,
    grype: { enabled: e.AIRFEED_GRYPE !== 'off', checkSeconds: e.AIRFEED_GRYPE_CHECK_SECONDS ?? DEFAULT_GRYPE_CHECK_SECONDS },
    osv: { enabled: e.AIRFEED_OSV !== 'off', checkSeconds: e.AIRFEED_OSV_CHECK_SECONDS ?? DEFAULT_GRYPE_CHECK_SECONDS },
  };
}
