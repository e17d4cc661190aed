/**
 * Opens the engine's own PostgreSQL: embedded under `<home>/db` (database `airfeed_engine`), or the
 * external one named by AIRFEED_ENGINE_DATABASE_URL. Same server handling as the feed service (the
 * shared kit in drivers/_framework/pg), but its own database, migrations and migration lock: the
 * engine's tables are shaped for lookups, not for serving changes.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import type { PgVariables } from '../../drivers/_framework/pg/embedded.ts';
import { migrate, schemaStatus } from '../../drivers/_framework/pg/migrate.ts';
import { type Database, openPostgres, type Sql } from '../../drivers/_framework/pg/sql.ts';
import type { EngineConfig } from '../config.ts';

export type { Database, Sql, Tx } from '../../drivers/_framework/pg/sql.ts';

/** The database the engine creates on the embedded server. */
export const ENGINE_DATABASE = 'airfeed_engine';
/** The engine's migration files (`NNN_name.sql`). */
export const ENGINE_MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
/** The engine's database variables, named in its messages (never the service's DATABASE_URL). */
export const ENGINE_PG_VARIABLES: PgVariables = { home: 'AIRFEED_ENGINE_HOME', url: 'AIRFEED_ENGINE_DATABASE_URL', port: 'AIRFEED_ENGINE_PG_PORT' };
// Arbitrary constant naming the engine's migration lock among advisory locks (the service's is 7_324_001).
const ENGINE_MIGRATION_LOCK = 7_324_101;


/**
 * Refuses a database that holds the feed service's schema: both have a `groups` table and a
 * `schema_migrations` history, so sharing one database would corrupt both.
 */
async function assertNotServiceDatabase(sql: Sql, description: string): Promise<void> {
  const rows = await sql<{ records: string | null }[]>`select to_regclass('public.records')::text as records`;
  if (rows[0]?.records) {
    throw new AirfeedError(
      'CONFIG_INVALID',
      `${description} holds a feed service database (it has a records table): give the engine a database of its own in AIRFEED_ENGINE_DATABASE_URL`,
    );
  }
}

/** Applies the engine's pending migrations; returns the versions applied now. */
export async function migrateEngine(sql: Sql, log: Logger): Promise<number[]> {
  return migrate(sql, log, { dir: ENGINE_MIGRATIONS_DIR, lockKey: ENGINE_MIGRATION_LOCK });
}

/** The engine schema's version and the newest this code knows. */
export async function engineSchemaStatus(sql: Sql): Promise<{ current: number; latest: number }> {
  return schemaStatus(sql, { dir: ENGINE_MIGRATIONS_DIR });
}

/** Connects (starting the embedded server when no URL is configured), checks it answers, and migrates. */
export async function openEngineDatabase(config: EngineConfig, log: Logger, options: { migrate?: boolean } = {}): Promise<Database> {
  const db = await openPostgres({
    url: config.databaseUrl,
    embeddedDir: path.join(config.home, 'db'),
    database: ENGINE_DATABASE,
    embeddedPort: config.embeddedPort,
    variables: ENGINE_PG_VARIABLES,
    log,
  });
  try {
    await assertNotServiceDatabase(db.sql, db.description);
    if (options.migrate !== false) await migrateEngine(db.sql, log);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
