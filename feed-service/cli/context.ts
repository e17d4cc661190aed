/** What every CLI command needs: configuration, logger, database, HTTP client. */
import type { Logger } from 'pino';
import type { HttpClient } from '../../drivers/_framework/http.ts';
import type { Config } from '../config.ts';
import type { Database } from '../storage/db.ts';

export interface CliContext {
  config: Config;
  log: Logger;
  db: Database;
  http: HttpClient;
}

/** Opens the database (migrating it), runs `fn`, and always closes the database again. */
export async function withContext<T>(fn: (ctx: CliContext) => Promise<T>, options: { migrate?: boolean } = {}): Promise<T> {
  // Loaded on use, not at the top: `--help` and `--version` never load the database or HTTP clients.
  const [{ loadConfig }, { createLogger }, { openDatabase }, http] = await Promise.all([
    import('../config.ts'),
    import('../../drivers/_framework/log.ts'),
    import('../storage/db.ts'),
    import('../../drivers/_framework/http.ts'),
  ]);
  const config = loadConfig();
  // On a terminal, people read the progress line and the summary; logs only say what went wrong.
  const log = createLogger().child({}, { level: process.env['AIRFEED_LOG_LEVEL'] ?? (process.stderr.isTTY ? 'warn' : 'info') });
  const db = await openDatabase(config, log, options);
  try {
    return await fn({ config, log, db, http: new http.HttpClient() });
  } finally {
    await db.close();
  }
}
