/** A fresh database per test file on the run's PostgreSQL, migrated, dropped afterwards. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, inject } from 'vitest';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { createSql, type Sql } from '../../feed-service/storage/db.ts';
import { dropDatabase, ensureDatabase } from '../../drivers/_framework/pg/embedded.ts';
import { migrate } from '../../feed-service/storage/migrate.ts';

export interface TestDb {
  sql: Sql;
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Creates and migrates a uniquely named database; `drop()` closes the pool and removes it. */
export async function createTestDb(options: { migrate?: boolean } = {}): Promise<TestDb> {
  const adminUrl = inject('pgAdminUrl');
  const name = `airfeed_t_${randomBytes(5).toString('hex')}`;
  const url = await ensureDatabase(adminUrl, name);
  const sql = createSql(url);
  if (options.migrate !== false) await migrate(sql, silentLogger);
  return {
    sql,
    url,
    name,
    async drop() {
      await sql.end({ timeout: 5 });
      await dropDatabase(adminUrl, name);
    },
  };
}

/**
 * One database for the calling test file (created before all tests, dropped after them), emptied of
 * groups, records, driver state, runs and events before each test. Returns its getter.
 */
export function useSyncTestDb(): () => TestDb {
  let db: TestDb | undefined;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(async () => {
    await db?.drop();
  });
  beforeEach(async () => {
    if (db) await db.sql`truncate records, groups, drivers, events, sync_runs cascade`;
  });
  return () => {
    if (!db) throw new Error('the test database is not created yet (call inside a test or hook)');
    return db;
  };
}

/** A group's stored rows by id: what a change-stream consumer would see move. */
export async function groupRows(sql: Sql, group: string): Promise<{ id: string; seq: number; hash: string; deleted: boolean }[]> {
  return sql`select id, seq, hash, deleted from records where group_name = ${group} order by id`;
}
