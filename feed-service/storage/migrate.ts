/**
 * The feed service's schema: its migration files and lock, run by the shared runner
 * (drivers/_framework/pg/migrate.ts), then the data migration of stored records to the current
 * record schema (upgrade-records.ts), which has nothing to do once it has run.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { listMigrations as listIn, type Migration, migrate as migrateWith, schemaStatus as statusWith } from '../../drivers/_framework/pg/migrate.ts';
import type { Sql } from './db.ts';
import { upgradeStoredRecords } from './upgrade-records.ts';

/** `feed-service/storage/migrations/NNN_name.sql`. */
export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
// Arbitrary constant naming airfeed's migration lock among advisory locks (the engine's is 7_324_101).
const MIGRATION_LOCK = 7_324_001;

/** Applies the feed service's pending migrations and upgrades stored records; returns the SQL versions applied now. */
export async function migrate(sql: Sql, log: Logger): Promise<number[]> {
  const applied = await migrateWith(sql, log, { dir: MIGRATIONS_DIR, lockKey: MIGRATION_LOCK });
  await upgradeStoredRecords(sql, log);
  return applied;
}

/** The service schema's version and the newest this code knows. */
export async function schemaStatus(sql: Sql): Promise<{ current: number; latest: number }> {
  return statusWith(sql, { dir: MIGRATIONS_DIR });
}

/** The service's migration files, in version order. */
export async function listMigrations(): Promise<Migration[]> {
  return listIn(MIGRATIONS_DIR);
}
