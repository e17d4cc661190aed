/** What every CLI command needs: configuration, logger, database, HTTP client. */
import type { Logger } from 'pino';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { createLogger } from '../../drivers/_framework/log.ts';
import { type Config, loadConfig } from '../config.ts';
import { type Database, openDatabase } from '../storage/db.ts';

export interface CliContext {
  config: Config;
  log: Logger;
  db: Database;
  http: HttpClient;
}

/** Opens the database (migrating it), runs `fn`, and always closes the database again. */
export async function withContext<T>(fn: (ctx: CliContext) => Promise<T>, options: { migrate?: boolean } = {}): Promise<T> {
  const config = loadConfig();
  // On a terminal, people read the progress line and the summary; logs only say what went wrong.
  const log = createLogger().child({}, { level: process.env['AIRFEED_LOG_LEVEL'] ?? (process.stderr.isTTY ? 'warn' : 'info') });
  const db = await openDatabase(config, log, options);
  try {
    return await fn({ config, log, db, http: new HttpClient() });
  } finally {
    await db.close();
  }
}
