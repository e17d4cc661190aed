/** Process configuration, parsed once from the environment at the boundary. */
import path from 'node:path';
import { z } from 'zod';
import { AirfeedError } from '../drivers/_framework/errors.ts';

const Env = z.object({
  AIRFEED_HOME: z.string().min(1).default('.airfeed'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must start with postgres:// or postgresql://')
    .optional(),
  AIRFEED_PG_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  AIRFEED_CONFIG: z.string().min(1).optional(),
});

/** The configuration file's name under AIRFEED_HOME when AIRFEED_CONFIG (or --config) names none. */
export const CONFIG_FILE_NAME = 'airfeed.json';

export interface Config {
  /** Directory for the embedded database and driver workspaces. */
  home: string;
  /** External database; undefined selects the embedded PostgreSQL under `home`. */
  databaseUrl: string | undefined;
  /** Port for the embedded PostgreSQL; undefined picks a free one at first start and keeps it. */
  embeddedPort: number | undefined;
}

/** Reads the configuration from environment variables (AIRFEED_HOME, DATABASE_URL, AIRFEED_PG_PORT). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AirfeedError('CONFIG_INVALID', `invalid environment: ${issue?.path.join('.')}: ${issue?.message}`, {
      cause: parsed.error,
    });
  }
  return {
    home: path.resolve(parsed.data.AIRFEED_HOME),
    databaseUrl: parsed.data.DATABASE_URL,
    embeddedPort: parsed.data.AIRFEED_PG_PORT,
  };
}

/**
 * The JSON configuration file (driver settings, see settings.ts): AIRFEED_CONFIG (set by the global
 * `--config` flag) or `<AIRFEED_HOME>/airfeed.json`. A file named explicitly must exist; the default
 * one may not.
 */
export function configFile(env: NodeJS.ProcessEnv = process.env): { path: string; explicit: boolean } {
  const given = env['AIRFEED_CONFIG'];
  if (given !== undefined && given !== '') return { path: path.resolve(given), explicit: true };
  return { path: path.join(loadConfig(env).home, CONFIG_FILE_NAME), explicit: false };
}

/** `AIRFEED_SCHEDULE_<DRIVER>`, `AIRFEED_SOURCE_<DRIVER>`, `AIRFEED_<DRIVER>`: the driver id upper-cased, other characters as `_`. */
export function driverEnvName(prefix: string, driverId: string): string {
  return `${prefix}_${driverId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}
