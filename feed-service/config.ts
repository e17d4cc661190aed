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
});

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
