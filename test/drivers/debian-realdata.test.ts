/**
 * The debian driver on real data in ../shared/realdata (absent in a fresh clone: then skipped): the
 * real slice of the tracker JSON (debian/vunnel-fixture/debian.json) with the full DSA and DLA lists
 * of 2023-04 (debian/security-tracker-data), synced into PostgreSQL. Every count is checked against
 * a count made here from the files themselves, with the codename table and the list format written
 * out again, independently of the driver's code.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { debian } from '../../drivers/debian/index.ts';
import { listGroups } from '../../feed-service/storage/groups.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { skipUnless } from '../helpers/skip.ts';

const REAL = path.resolve(import.meta.dirname, '../../../shared/realdata/debian');
const JSON_FILE = path.join(REAL, 'vunnel-fixture/debian.json');
const DSA = path.join(REAL, 'security-tracker-data/DSA/list');
const DLA = path.join(REAL, 'security-tracker-data/DLA/list');
const present = [JSON_FILE, DSA, DLA].every((f) => existsSync(f));

// Written out here on purpose (not imported from the names table).
const RELEASES: Record<string, string> = { jessie: '8', stretch: '9', buster: '10', bullseye: '11', bookworm: '12', trixie: '13', sid: 'unstable' };

type Tracker = Record<string, Record<string, { releases?: Record<string, { status: string; fixed_version?: string; nodsa_reason?: string }> | unknown[] }>>;

/** Which (codename, source, CVE) each list's advisories fixed: blocks split on header lines, regression blocks borrowing their number's CVEs. */
function listFixes(text: string): { blocks: number; fixes: Map<string, Set<string>> } {
  const blocks = text.split(/\n(?=\[\d)/).filter((b) => /^\[\d/.test(b));
  const cvesOf = new Map<string, string[]>();
  const parsed = blocks.map((b) => {
    const id = /^\[[^\]]+\]\s+(\S+)/.exec(b)?.[1] ?? '';
    const cves = /\{([^}]*)\}/.exec(b)?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
    const base = id.split('-').slice(0, 2).join('-');
    if (cves.length > 0) cvesOf.set(base, [...(cvesOf.get(base) ?? []), ...cves]);
    const lines = [...b.matchAll(/\[([a-z-]+)\] - (\S+) (\S+)/g)].filter((m) => !(m[3] ?? '').startsWith('<'));
    return { id, base, cves, lines };
  });
  const fixes = new Map<string, Set<string>>();
  for (const p of parsed) {
    for (const m of p.lines) {
      for (const cve of p.cves.length > 0 ? p.cves : (cvesOf.get(p.base) ?? [])) {
        const key = `${m[1]} ${m[2]} ${cve}`;
        if (!fixes.has(key)) fixes.set(key, new Set());
        fixes.get(key)?.add(p.id);
      }
    }
  }
  return { blocks: blocks.length, fixes };
}

describe('debian on the real tracker slice and the real DSA/DLA lists', skipUnless(present, '../shared/realdata/debian is absent, as in a fresh clone'), () => {
  let db: TestDb;
  let dir: string;
  beforeAll(async () => {
    db = await createTestDb();
    dir = await tempDir('airfeed-debian-real-');
    await fs.mkdir(path.join(dir, 'mirror/tracker/data'), { recursive: true });
    await fs.mkdir(path.join(dir, 'mirror/data/DSA'), { recursive: true });
    await fs.mkdir(path.join(dir, 'mirror/data/DLA'), { recursive: true });
    await fs.symlink(JSON_FILE, path.join(dir, 'mirror/tracker/data/json'));
    await fs.symlink(DSA, path.join(dir, 'mirror/data/DSA/list'));
    await fs.symlink(DLA, path.join(dir, 'mirror/data/DLA/list'));
  });
  afterAll(async () => {
    await db.drop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('syncs to the records, states and advisories an independent count of the files gives', async () => {
    const tracker = JSON.parse(await fs.readFile(JSON_FILE, 'utf8')) as Tracker;
    const dsa = listFixes(await fs.readFile(DSA, 'utf8'));
    const dla = listFixes(await fs.readFile(DLA, 'utf8'));
    // The README's figures for the 2023-04 lists.
    expect([dsa.blocks, dla.blocks]).toEqual([5406, 3534]);

    const ids = new Map<string, Set<string>>();
    const states = new Map<string, number>();
    let advised = 0;
    for (const [source, issues] of Object.entries(tracker)) {
      for (const [id, issue] of Object.entries(issues)) {
        if (Array.isArray(issue.releases)) continue;
        for (const [codename, e] of Object.entries(issue.releases ?? {})) {
          const release = RELEASES[codename];
          if (release === undefined) continue;
          const group = `debian:${release}`;
          if (!ids.has(group)) ids.set(group, new Set());
          ids.get(group)?.add(id);
          const state = e.status === 'resolved' ? (e.fixed_version === '0' ? 'not_affected' : 'fixed') : e.status === 'open' ? 'affected' : 'under_investigation';
          states.set(state, (states.get(state) ?? 0) + 1);
          const key = `${codename} ${source} ${id}`;
          if (state === 'fixed' && (dsa.fixes.has(key) || dla.fixes.has(key))) advised++;
        }
      }
    }

    const report = await syncDriver(db.sql, debian, { home: path.join(dir, 'home'), http: new HttpClient(), log: silentLogger, source: path.join(dir, 'mirror') });
    expect(report.status, report.error).toBe('succeeded');
    const groups = await listGroups(db.sql, { driver: 'debian' });
    expect(groups.map((g) => [g.name, g.recordCount])).toEqual([...ids].sort(([a], [b]) => (a < b ? -1 : 1)).map(([g, s]) => [g, s.size]));

    const rows = await db.sql<{ doc: string }[]>`select doc from records where group_name like 'debian:%' and not deleted`;
    const stored = rows.map((r) => ({ record: JSON.parse(r.doc) as { fixedIn: { state: string; vendorAdvisory?: { advisories: unknown[] } }[] } }));
    const storedStates = new Map<string, number>();
    let storedAdvised = 0;
    for (const r of stored) {
      for (const f of r.record.fixedIn) {
        storedStates.set(f.state, (storedStates.get(f.state) ?? 0) + 1);
        if ((f.vendorAdvisory?.advisories.length ?? 0) > 0) storedAdvised++;
      }
    }
    expect(Object.fromEntries(storedStates)).toEqual(Object.fromEntries(states));
    expect(storedAdvised).toBe(advised);
    // The slice's 2025 sope fix has no DSA in the 2023 lists; chromium's 2022 fix for bullseye has one.
    expect(advised).toBeGreaterThan(0);
  });
});
