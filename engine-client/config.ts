/**
 * The engine's configuration, parsed once from the environment at the boundary. The engine keeps
 * its own home and database, apart from the feed service's, since it usually runs on other machines
 * (CI runners, admission controllers) inside the air gap.
 */
import path from 'node:path';
import { z } from 'zod';
import { parseDuration } from '../bundles/manifest.ts';
import { AirfeedError } from '../drivers/_framework/errors.ts';

export const DEFAULT_ENGINE_HOME = '.airfeed-engine';
export const DEFAULT_MAX_AGE = '3d';

const Env = z.object({
  AIRFEED_ENGINE_HOME: z.string().min(1).default(DEFAULT_ENGINE_HOME),
  AIRFEED_ENGINE_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  AIRFEED_ENGINE_PG_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  AIRFEED_ENGINE_MAX_AGE: z
    .string()
    .default(DEFAULT_MAX_AGE)
    .transform((text, ctx) => {
      try {
        return { text: text.trim(), ms: parseDuration(text) };
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
});

export interface EngineConfig {
  /** Directory of the embedded database (`db/`) and the engine's temp files. */
  home: string;
  /** External database; undefined selects the embedded PostgreSQL under `home`. */
  databaseUrl: string | undefined;
  /** Port for the embedded PostgreSQL; undefined picks a free one at first start and keeps it. */
  embeddedPort: number | undefined;
  /** Groups whose data is older than this are reported stale, as given (`3d`). */
  maxAge: string;
  /** `maxAge` in milliseconds. */
  maxAgeMs: number;
}

/** Reads AIRFEED_ENGINE_HOME, AIRFEED_ENGINE_DATABASE_URL, AIRFEED_ENGINE_PG_PORT and AIRFEED_ENGINE_MAX_AGE. */
export function loadEngineConfig(env: NodeJS.ProcessEnv = process.env): EngineConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AirfeedError('CONFIG_INVALID', `invalid environment: ${issue?.path.join('.')}: ${issue?.message}`, { cause: parsed.error });
  }
  const maxAge = parsed.data.AIRFEED_ENGINE_MAX_AGE;
  return {
    home: path.resolve(parsed.data.AIRFEED_ENGINE_HOME),
    databaseUrl: parsed.data.AIRFEED_ENGINE_DATABASE_URL,
    embeddedPort: parsed.data.AIRFEED_ENGINE_PG_PORT,
    maxAge: maxAge.text,
    maxAgeMs: maxAge.ms,
  };
}
