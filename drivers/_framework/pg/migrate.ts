/**
 * Forward-only numbered migrations: `<dir>/NNN_name.sql`, each applied once in its own
 * transaction, recorded in schema_migrations. A transaction-level advisory lock keeps concurrent
 * starters from applying the same migration twice. The feed service (feed-service/storage/migrate.ts)
 * and the engine's store (engine-client/store/db.ts) each run it with their own directory and lock key.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type postgres from 'postgres';
import { AirfeedError } from '../errors.ts';


/** Which migrations to run. */
export interface MigrateOptions {
  /** Directory of `NNN_name.sql` files. */
  dir: string;
  /** Advisory lock key serializing concurrent migrators of this schema. */
  lockKey: number;
}

export interface Migration {
  version: number;
  name: string;
  file: string;
}

/** Lists the migration files in version order; rejects gaps and duplicates. */
export async function listMigrations(dir: string): Promise<Migration[]> {
  const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const out: Migration[] = [];
  for (const file of files) {
    const m = /^(\d{3})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!m?.[1] || !m[2]) throw new AirfeedError('DB_MIGRATION_FAILED', `migration file ${file} is not named NNN_name.sql`);
    const version = Number(m[1]);
    if (version !== out.length + 1) throw new AirfeedError('DB_MIGRATION_FAILED', `migration ${file} breaks the numbering (expected ${out.length + 1})`);
    out.push({ version, name: m[2], file: path.join(dir, file) });
  }
  return out;
}

/** Applies pending migrations; returns the versions applied now. */
export async function migrate(sql: postgres.Sql, log: Logger, options: MigrateOptions): Promise<number[]> {
  const migrations = await listMigrations(options.dir);
  const lockKey = options.lockKey;
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${lockKey})`;
    await tx`create table if not exists schema_migrations (
      version integer primary key, name text not null, applied_at timestamptz not null default now())`;
    const rows = await tx<{ version: number }[]>`select version from schema_migrations order by version`;
    const applied = new Set(rows.map((r) => r.version));
    const newest = Math.max(0, ...applied);
    if (newest > migrations.length) {
      throw new AirfeedError(
        'DB_MIGRATION_FAILED',
        `the database is at schema version ${newest} but this airfeed knows only ${migrations.length}; upgrade airfeed`,
      );
    }
    const done: number[] = [];
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      const text = await fs.readFile(m.file, 'utf8');
      try {
        await tx.savepoint(async (sp) => {
          // Migration files are static SQL shipped with the code, never built from input.
          await sp.unsafe(text);
          await sp`insert into schema_migrations (version, name) values (${m.version}, ${m.name})`;
        });
      } catch (err) {
        throw new AirfeedError('DB_MIGRATION_FAILED', `migration ${path.basename(m.file)} failed: ${(err as Error).message}`, { cause: err });
      }
      log.info({ version: m.version, name: m.name }, 'migration applied');
      done.push(m.version);
    }
    return done;
  });
}

/** The schema version the database is at, and whether migrations are pending. */
export async function schemaStatus(sql: postgres.Sql, options: Pick<MigrateOptions, 'dir'>): Promise<{ current: number; latest: number }> {
  const latest = (await listMigrations(options.dir)).length;
  const exists = await sql<{ t: string | null }[]>`select to_regclass('schema_migrations')::text as t`;
  if (!exists[0]?.t) return { current: 0, latest };
  const rows = await sql<{ v: number | null }[]>`select max(version) as v from schema_migrations`;
  return { current: rows[0]?.v ?? 0, latest };
}
