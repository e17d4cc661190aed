/** What every CLI command needs: configuration, logger, database, HTTP client. */
import type { Logger } from 'pino';
import type { HttpClient } from '../../drivers/_framework/http.ts';
import type { Config } from '../config.ts';
import type { DriverSettings } from '../settings.ts';
import type { Database } from '../storage/db.ts';

export interface CliContext {
  config: Config;
  log: Logger;
  db: Database;
  http: HttpClient;
  /** Every registered driver's settings (config file and environment). */
  settings: DriverSettings;
}

/** Opens the database (migrating it), runs `fn`, and always closes the database again. */
export async function withContext<T>(fn: (ctx: CliContext) => Promise<T>, options: { migrate?: boolean } = {}): Promise<T> {
  // Loaded on use, not at the top: `--help` and `--version` never load the database or HTTP clients.
  const [{ loadConfig }, { createLogger }, { openDatabase }, http, { DRIVERS }, { loadDriverSettings }] = await Promise.all([
    import('../config.ts'),
    import('../../drivers/_framework/log.ts'),
    import('../storage/db.ts'),
    import('../../drivers/_framework/http.ts'),
    import('../../drivers/index.ts'),
    import('../settings.ts'),
  ]);
  const config = loadConfig();
  // On a terminal, people read the progress line and the summary; logs only say what went wrong.
  const log = createLogger().child({}, { level: process.env['AIRFEED_LOG_LEVEL'] ?? (process.stderr.isTTY ? 'warn' : 'info') });
  // Read before the database opens: a bad configuration file fails fast.
  const settings = await loadDriverSettings(DRIVERS);
  for (const warning of settings.warnings) log.warn({ file: settings.file }, warning);
  const db = await openDatabase(config, log, options);
  try {
    return await fn({ config, log, db, http: new http.HttpClient(), settings });
  } finally {
    await db.close();
  }
}
