/** Opens the feed service's database: the external one named by DATABASE_URL, or the embedded one under AIRFEED_HOME. */
import path from 'node:path';
import type { Logger } from 'pino';
import { SERVICE_PG_VARIABLES } from '../../drivers/_framework/pg/embedded.ts';
import { type Database, openPostgres } from '../../drivers/_framework/pg/sql.ts';
import type { Config } from '../config.ts';
import { migrate } from './migrate.ts';

export { createSql, type Database, type EmbeddedHandle, type Sql, type Tx } from '../../drivers/_framework/pg/sql.ts';

/** Connects, checks the server answers, and applies pending migrations. */
export async function openDatabase(config: Config, log: Logger, options: { migrate?: boolean } = {}): Promise<Database> {
  const db = await openPostgres({
    url: config.databaseUrl,
    embeddedDir: path.join(config.home, 'db'),
    database: 'airfeed',
    embeddedPort: config.embeddedPort,
    variables: SERVICE_PG_VARIABLES,
    log,
  });
  if (options.migrate !== false) {
    try {
      await migrate(db.sql, log);
    } catch (err) {
      await db.close();
      throw err;
    }
  }
  return db;
}
