/** A fresh engine database per test file: created like createTestDb, migrated with the engine's migrations. */
import { silentLogger } from '../../drivers/_framework/log.ts';
import { migrateEngine } from '../../engine-client/store/db.ts';
import { createTestDb, type TestDb } from './db.ts';

/** Creates a uniquely named database with the engine schema; `drop()` closes the pool and removes it. */
export async function createEngineTestDb(): Promise<TestDb> {
  const db = await createTestDb({ migrate: false });
  await migrateEngine(db.sql, silentLogger);
  return db;
}
