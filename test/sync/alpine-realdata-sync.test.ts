/** Syncing the whole real Alpine snapshot into PostgreSQL gives the independently counted groups and records. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { alpine } from '../../drivers/alpine/index.ts';
import { listGroups } from '../../feed-service/storage/groups.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { expectedCounts, REALDATA_ABSENT, REALDATA_ALPINE, realdataPresent } from '../helpers/alpine-count.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { skipUnless } from '../helpers/skip.ts';

describe('sync of the real Alpine secdb', skipUnless(realdataPresent, REALDATA_ABSENT), () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('stores every group with the independently counted number of records, and re-syncs to no change', async () => {
    const home = await tempDir('airfeed-real-');
    const options = { home, http: new HttpClient(), log: silentLogger, source: REALDATA_ALPINE };
    const report = await syncDriver(db.sql, alpine, options);
    expect(report.status).toBe('succeeded');
    const expected = await expectedCounts();
    const groups = await listGroups(db.sql);
    expect(groups.map((g) => [g.name, g.recordCount])).toEqual([...expected].map(([name, e]) => [name, e.ids.size]).sort());
    const [stored] = await db.sql<{ n: number }[]>`select count(*)::int as n from records where not deleted`;
    expect(stored?.n).toBe([...expected.values()].reduce((n, e) => n + e.ids.size, 0));

    const seq = await db.sql`select last_value from change_seq`;
    const again = await syncDriver(db.sql, alpine, { ...options, force: true });
    expect(Object.values(again.groups).every((g) => g.added + g.changed + g.removed === 0)).toBe(true);
    expect(await db.sql`select last_value from change_seq`).toEqual(seq);
  });
});
