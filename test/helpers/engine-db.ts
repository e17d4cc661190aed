/** A fresh engine database per test file: created like createTestDb, migrated with the engine's migrations. */
import { silentLogger } from '../../drivers/_framework/log.ts';
import type { VulnRecord } from '../../drivers/_framework/record.ts';
import { fromNormalized } from '../../engine-client/sources/convert.ts';
import { migrateEngine, type Sql } from '../../engine-client/store/db.ts';
import { lockGroups, setGroupState, writeGroup } from '../../engine-client/store/write.ts';
import { createTestDb, type TestDb } from './db.ts';
import { iterate } from './records.ts';

/** Creates a uniquely named database with the engine schema; `drop()` closes the pool and removes it. */
export async function createEngineTestDb(): Promise<TestDb> {
  const db = await createTestDb({ migrate: false });
  await migrateEngine(db.sql, silentLogger);
  return db;
}

/** Writes normalized records into an engine store through its one writer, a transaction per group, as a sync does. */
export async function seedEngine(sql: Sql, records: readonly VulnRecord[], source = 'service http://test'): Promise<void> {
  const groups = [...new Set(records.map((r) => r.namespace))].sort();
  for (const group of groups) {
    const changes = records.filter((r) => r.namespace === group).map((r) => {
      const c = fromNormalized(r, group, r.id);
      if (typeof c === 'string') throw new Error(c);
      return c;
    });
    await sql.begin(async (tx) => {
      await lockGroups(tx, [group]);
      await writeGroup(tx, { group, mode: 'replace', changes: iterate(changes) });
      await setGroupState(tx, group, { feed: group.slice(0, group.indexOf(':')), source });
    });
  }
}
