/**
 * Opens the engine's own PostgreSQL: embedded under `<home>/db` (database `airfeed_engine`), or the
 * external one named by AIRFEED_ENGINE_DATABASE_URL. Same server handling as the feed service
 * (feed-service/storage), but its own database, migrations and migration lock: the engine's tables
 * are shaped for lookups, not for serving changes.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { createSql, type Database, type Sql } from '../../feed-service/storage/db.ts';
import { ensureDatabase, startEmbedded } from '../../drivers/_framework/pg/embedded.ts';
import { migrate, schemaStatus } from '../../feed-service/storage/migrate.ts';
import type { EngineConfig } from '../config.ts';

export type { Database, Sql, Tx } from '../../feed-service/storage/db.ts';

/** The database the engine creates on the embedded server. */
export const ENGINE_DATABASE = 'airfeed_engine';
/** The engine's migration files (`NNN_name.sql`). */
export const ENGINE_MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
// Arbitrary constant naming the engine's migration lock among advisory locks (the service's is 7_324_001).
const ENGINE_MIGRATION_LOCK = 7_324_101;

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

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
  let url = config.databaseUrl;
  let stopServer = async (): Promise<void> => undefined;
  let description: string;
  if (url === undefined) {
    const dir = path.join(config.home, 'db');
    const server = await startEmbedded(dir, log, config.embeddedPort, 'AIRFEED_ENGINE_HOME');
    stopServer = server.stop;
    try {
      url = await ensureDatabase(server.adminUrl, ENGINE_DATABASE);
    } catch (err) {
      await stopServer();
      throw new AirfeedError('DB_UNAVAILABLE', `cannot create database ${ENGINE_DATABASE} on the embedded PostgreSQL in ${dir}: ${(err as Error).message}`, { cause: err });
    }
    description = `embedded PostgreSQL (${dir}, port ${server.port})`;
  } else {
    description = redact(url);
  }
  const sql = createSql(url);
  const close = async (): Promise<void> => {
    await sql.end({ timeout: 5 });
    await stopServer();
  };
  try {
    await sql`select 1`;
  } catch (err) {
    await sql.end({ timeout: 1 }).catch(() => undefined);
    await stopServer();
    throw new AirfeedError('DB_UNAVAILABLE', `cannot connect to the engine database ${description}: ${(err as Error).message}`, { cause: err });
  }
  try {
    await assertNotServiceDatabase(sql, description);
    if (options.migrate !== false) await migrateEngine(sql, log);
  } catch (err) {
    await close();
    throw err;
  }
  return { sql, description, close };
}
