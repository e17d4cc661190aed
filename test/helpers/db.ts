/** A fresh database per test file on the run's PostgreSQL, migrated, dropped afterwards. */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
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
