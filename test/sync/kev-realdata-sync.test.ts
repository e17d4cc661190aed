/**
 * The KEV driver on three real CISA catalogs (../shared/realdata/kev: 2025.02.12 with 1,270 entries,
 * 2025.05.05 with 1,332, 2025.08.25 with 1,404; absent in a fresh clone: then skipped), synced one
 * after the other: each sync's added/changed/removed counts must equal a count made here, directly
 * from the JSON files (entries compared by CVE id and by their fields), and the last one must hold
 * exactly the current catalog.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { kev } from '../../drivers/kev/index.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { skipUnless } from '../helpers/skip.ts';

const REALDATA = path.resolve(import.meta.dirname, '../../../shared/realdata/kev/cisa-kev-2025-08-25');
const present = existsSync(REALDATA);
const CATALOGS = [
  'history/known_exploited_vulnerabilities-2025.02.12.json.gz',
  'history/known_exploited_vulnerabilities-2025.05.05.json.gz',
  'known_exploited_vulnerabilities.json',
];

type Entry = Record<string, unknown> & { cveID: string };

async function catalogBytes(file: string): Promise<Buffer> {
  const raw = await fs.readFile(path.join(REALDATA, file));
  return file.endsWith('.gz') ? gunzipSync(raw) : raw;
}

/** The independent count: by id, an entry is added, removed, or changed when any field differs. */
function expectedChanges(before: Map<string, Entry>, after: Map<string, Entry>): { added: number; changed: number; removed: number; unchanged: number } {
  let added = 0;
  let changed = 0;
  let unchanged = 0;
  for (const [id, e] of after) {
    const old = before.get(id);
    if (!old) added++;
    else if (isDeepStrictEqual(old, e)) unchanged++;
    else changed++;
  }
  const removed = [...before.keys()].filter((id) => !after.has(id)).length;
  return { added, changed, removed, unchanged };
}

describe('kev on three real catalogs', skipUnless(present, `${path.relative(path.resolve(import.meta.dirname, '../..'), REALDATA)} is absent, as in a fresh clone`), () => {
  let db: TestDb;
  let home: string;
  beforeAll(async () => {
    db = await createTestDb();
    home = await tempDir('airfeed-kev-real-');
  });
  afterAll(async () => {
    await db.drop();
    await fs.rm(home, { recursive: true, force: true });
  });

  it('applies each release with the added, changed and removed counts the catalogs themselves give', async () => {
    const mirror = path.join(home, 'mirror');
    await fs.mkdir(mirror, { recursive: true });
    let before = new Map<string, Entry>();
    const sizes: number[] = [];
    for (const file of CATALOGS) {
      const bytes = await catalogBytes(file);
      const doc = JSON.parse(bytes.toString('utf8')) as { vulnerabilities: Entry[] };
      const after = new Map(doc.vulnerabilities.map((e) => [e.cveID, e]));
      sizes.push(after.size);
      await fs.writeFile(path.join(mirror, 'known_exploited_vulnerabilities.json'), bytes);
      const report = await syncDriver(db.sql, kev, { home, http: new HttpClient(), log: silentLogger, source: mirror });
      expect(report.status, report.error).toBe('succeeded');
      expect({ file, ...report.groups['kev:catalog'] }).toEqual({ file, ...expectedChanges(before, after), skipped: false });
      const live = await db.sql<{ id: string }[]>`select id from records where group_name = 'kev:catalog' and not deleted order by id`;
      expect(live.map((r) => r.id)).toEqual([...after.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      before = after;
    }
    expect(sizes).toEqual([1270, 1332, 1404]);
    const again = await syncDriver(db.sql, kev, { home, http: new HttpClient(), log: silentLogger, source: mirror });
    expect(again.status).toBe('unchanged');
  });
});
