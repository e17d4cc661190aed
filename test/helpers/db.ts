/** A fresh database per test file on the run's PostgreSQL, migrated, dropped afterwards. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { createSql, type Sql } from '../../feed-service/storage/db.ts';
import { ensureDatabase } from '../../feed-service/storage/embedded.ts';
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
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
