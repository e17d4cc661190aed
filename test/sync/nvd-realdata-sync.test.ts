/**
 * The nvd driver on the real NVD pages in ../shared/realdata/nvd/v2.0-feeds (15 year pages 2002–2016
 * with 80,844 CVEs and the `modified` page with 2,393; absent in a fresh clone: then skipped). The
 * counts are checked against a count made here, directly from the files with `JSON.parse`, not with
 * the driver's reader or sort:
 *
 * - the year pages alone, then with the modified page on top: the second sync changes exactly the
 *   CVEs the modified page holds (its new CVEs added, the ones it shares with the year pages
 *   rewritten, its Rejected new ones never stored) and nothing else;
 * - the whole group then holds the distinct CVE ids of all files minus those whose latest version is
 *   Rejected, and /v2 and /v1 page through exactly those ids.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { nvd } from '../../drivers/nvd/index.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { createTestDb, groupRows, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { skipUnless } from '../helpers/skip.ts';
import { makeApp } from '../service/service-helpers.ts';

const REAL = path.resolve(import.meta.dirname, '../../../shared/realdata/nvd/v2.0-feeds');
const present = existsSync(REAL);
const G = 'nvdv2:cves';
/** A sync of 80,000 CVEs takes 20–60 s on a small, busy machine. */
const SLOW = { timeout: 600_000 };

interface Seen {
  lastModified: string;
  rejected: boolean;
}

/** id → latest version (lastModified; on a tie the file named last), straight from the files. */
async function latest(files: string[]): Promise<Map<string, Seen>> {
  const out = new Map<string, Seen>();
  for (const f of [...files].sort()) {
    const doc = JSON.parse(gunzipSync(await fs.readFile(path.join(REAL, f))).toString('utf8')) as { vulnerabilities: { cve: { id: string; lastModified: string; vulnStatus: string } }[] };
    for (const { cve } of doc.vulnerabilities) {
      const prev = out.get(cve.id);
      if (!prev || cve.lastModified >= prev.lastModified) out.set(cve.id, { lastModified: cve.lastModified, rejected: cve.vulnStatus === 'Rejected' });
    }
  }
  return out;
}

const live = (m: Map<string, Seen>): string[] => [...m].filter(([, s]) => !s.rejected).map(([id]) => id).sort();

describe('nvd on the real NVD pages', skipUnless(present, `${REAL} is absent (a clone without ../shared)`), () => {
  let db: TestDb;
  let home: string;
  let mirror: string;
  let app: FastifyInstance;
  let years: string[];
  let all: Map<string, Seen>;

  beforeAll(async () => {
    db = await createTestDb();
    home = await tempDir('airfeed-nvd-real-');
    mirror = path.join(home, 'mirror');
    await fs.mkdir(mirror);
    years = (await fs.readdir(REAL)).filter((f) => /^nvdcve-\d{4}\.json\.gz$/.test(f)).sort();
    for (const f of years) await fs.symlink(path.join(REAL, f), path.join(mirror, f));
    all = await latest([...years, 'nvdcve-modified.json.gz']);
    app = await makeApp(db.sql);
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
    await fs.rm(home, { recursive: true, force: true });
  });

  const sync = () => syncDriver(db.sql, nvd, { home, http: new HttpClient(), log: silentLogger, source: mirror });

  it('syncs the 15 year pages: every distinct CVE id but the Rejected ones', SLOW, async () => {
    expect(years).toHaveLength(15);
    const expected = live(await latest(years));
    const report = await sync();
    expect(report.status, report.error).toBe('succeeded');
    expect(report.groups[G]).toMatchObject({ added: expected.length, changed: 0, removed: 0 });
    expect(expected.length).toBe(79_957);
    expect((await groupRows(db.sql, G)).map((r) => r.id)).toEqual(expected);
  });

  it('the modified page on top changes exactly the CVEs it holds', SLOW, async () => {
    const before = new Map((await groupRows(db.sql, G)).map((r) => [r.id, r]));
    const modified = await latest(['nvdcve-modified.json.gz']);
    await fs.symlink(path.join(REAL, 'nvdcve-modified.json.gz'), path.join(mirror, 'nvdcve-modified.json.gz'));
    const report = await sync();
    expect(report.status, report.error).toBe('succeeded');
    const after = await groupRows(db.sql, G);
    const moved = after.filter((r) => { const b = before.get(r.id); return !b || b.seq !== r.seq; }).map((r) => r.id).sort();
    // Every CVE of the modified page is newer than, or as new as, its year-page version (a tie goes to
    // the file named last, so its provenance moves to the modified page); its Rejected CVEs are new ones.
    const expectedMoved = [...modified].filter(([id, s]) => !s.rejected || before.has(id)).map(([id]) => id).sort();
    expect(moved).toEqual(expectedMoved);
    const added = expectedMoved.filter((id) => !before.has(id)).length;
    expect(report.groups[G]).toMatchObject({ added, changed: expectedMoved.length - added, removed: 0, unchanged: before.size - (expectedMoved.length - added) });
    expect({ modified: modified.size, moved: moved.length, added }).toEqual({ modified: 2393, moved: 2381, added: 1932 });
  });

  it('holds exactly the distinct ids of all pages minus the Rejected, and pages them on /v2 and /v1', SLOW, async () => {
    const expected = live(all);
    expect(expected.length).toBe(81_889);
    expect(all.size - expected.length).toBe(899);
    const rows = await groupRows(db.sql, G);
    expect(rows.filter((r) => !r.deleted).map((r) => r.id)).toEqual(expected);

    const v2: string[] = [];
    for (let after = 0, more = true; more;) {
      const page = (await app.inject({ method: 'GET', url: `/v2/groups/${G}/records?after=${after}&limit=10000` })).json<{ next: number; more: boolean; records: { id: string }[] }>();
      v2.push(...page.records.map((r) => r.id));
      ({ next: after, more } = page);
    }
    expect(v2.sort()).toEqual(expected);

    const v1: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const res = await app.inject({ method: 'GET', url: `/v1/service/feeds/nvdv2/${G}${token ? `?next_token=${token}` : ''}` });
      const page = res.json<{ data: { cve: { CVE_data_meta: { ID: string } } }[]; next_token: string }>();
      v1.push(...page.data.map((d) => d.cve.CVE_data_meta.ID));
      token = page.next_token;
      pages++;
    } while (token !== '');
    expect(v1.sort()).toEqual(expected);
    expect(pages).toBeGreaterThan(80);
  });
});
