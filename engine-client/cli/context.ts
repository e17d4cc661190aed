/** What every engine command that touches the store needs: configuration, logger, database. */
import path from 'node:path';
import type { Logger } from 'pino';
import type { TrustStore } from '../../bundles/keys.ts';
import { createLogger } from '../../drivers/_framework/log.ts';
import type { EngineConfig } from '../config.ts';
import type { Database } from '../store/db.ts';

export interface EngineContext {
  config: EngineConfig;
  log: Logger;
  db: Database;
}

/** The process logger: on a terminal people read the output, so logs only say what went wrong. */
export function cliLogger(): Logger {
  return createLogger().child({}, { level: process.env['AIRFEED_LOG_LEVEL'] ?? (process.stderr.isTTY ? 'warn' : 'info') });
}

/** Opens the engine's database (migrating it), runs `fn`, and always closes the database again. */
export async function withEngine<T>(fn: (ctx: EngineContext) => Promise<T>, options: { migrate?: boolean } = {}): Promise<T> {
  // Loaded on use, not at the top: `--help`, `--version` and `versions` never load the database.
  const [{ loadEngineConfig }, { openEngineDatabase }] = await Promise.all([import('../config.ts'), import('../store/db.ts')]);
  const config = loadEngineConfig();
  const log = cliLogger();
  const db = await openEngineDatabase(config, log, options);
  try {
    return await fn({ config, log, db });
  } finally {
    await db.close();
  }
}

/** Trust from --trust paths, or the engine's directory `<AIRFEED_ENGINE_HOME>/trusted-keys`. */
export async function engineTrust(paths: string[]): Promise<TrustStore> {
  const [{ resolveTrust }, { loadEngineConfig }] = await Promise.all([import('../../bundles/keys.ts'), import('../config.ts')]);
  return resolveTrust(paths, path.join(loadEngineConfig().home, 'trusted-keys'));
}
