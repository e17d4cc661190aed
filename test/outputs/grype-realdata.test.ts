/**
 * The grype database on the real Alpine secdb snapshot in ../shared/realdata (absent in a fresh
 * clone: then skipped): one affected package handle per (record, package), every release an
 * operating system, and for three releases (the oldest, the newest numbered, edge) grype's lookup
 * finds exactly what the engine finds, for every package at every version any record names for it.
 */
import path from 'node:path';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstalledPackage } from '../../engine-client/inputs/index.ts';
import { matchInventory } from '../../engine-client/match/match.ts';
import { fromNormalized } from '../../engine-client/sources/convert.ts';
import type { AffectedRow } from '../../engine-client/store/types.ts';
import { buildGrypeDatabase, type BuildResult } from '../../feed-service/outputs/grype/build.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { skipUnless } from '../helpers/skip.ts';
import { REALDATA_ABSENT, REALDATA_ALPINE, realdataPresent } from '../helpers/alpine-count.ts';
import { tempDir } from '../helpers/mirror.ts';
import { openReadOnly, syncAlpine } from './grype-helpers.ts';
import { grypeFindings, resolveOs } from './grype-lookup.ts';

describe('grype database on the real Alpine snapshot', skipUnless(realdataPresent, REALDATA_ABSENT), () => {
  let db: TestDb;
  let result: BuildResult;
  let grype: Database.Database;
  beforeAll(async () => {
    db = await createTestDb();
    await syncAlpine(db.sql, REALDATA_ALPINE);
    const dir = await tempDir('airfeed-grype-real-');
    result = await buildGrypeDatabase(db.sql, dir);
    grype = openReadOnly(path.join(dir, 'vulnerability.db'));
  }, 600_000);
  afterAll(async () => {
    grype?.close();
    await db.drop();
  });

  it('holds one handle per record and package, and one operating system per release', async () => {
    const [expected] = await db.sql<{ pairs: number; groups: number }[]>`
      select count(*)::int as pairs, count(distinct r.group_name)::int as groups
      from records r, jsonb_array_elements(r.doc::jsonb->'fixedIn') f where not r.deleted`;
    expect(result.counts.affectedPackages).toBe(expected!.pairs);
    expect(result.counts.operatingSystems).toBe(expected!.groups);
    expect(result.groups).toHaveLength(expected!.groups);
  });

  it('finds what the engine finds, in the oldest, the newest numbered and the edge release', { timeout: 600_000 }, async () => {
    const groups = (await db.sql<{ name: string }[]>`select name from groups`).map((g) => g.name);
    const numbered = groups.filter((g) => /^alpine:\d+\.\d+$/.test(g)).sort((a, b) => {
      const [, am = 0, an = 0] = /(\d+)\.(\d+)$/.exec(a)!.map(Number);
      const [, bm = 0, bn = 0] = /(\d+)\.(\d+)$/.exec(b)!.map(Number);
      return am - bm || an - bn;
    });
    const chosen = [numbered[0]!, numbered.at(-1)!, 'alpine:edge'];
    const versions = new Map<string, Set<string>>();
    for (const r of await db.sql<{ package: string; version: string }[]>`
      select distinct f->>'package' as package, f->>'version' as version
      from records r, jsonb_array_elements(r.doc::jsonb->'fixedIn') f where not r.deleted`) {
      let s = versions.get(r.package);
      if (!s) versions.set(r.package, (s = new Set(['0', '99999.0-r0'])));
      s.add(r.version);
    }
    let compared = 0;
    let found = 0;
    for (const group of chosen) {
      const rows = await db.sql<{ id: string; doc: string }[]>`select id, doc from records where group_name = ${group} and not deleted`;
      const affected: AffectedRow[] = [];
      for (const r of rows) {
        const u = fromNormalized(JSON.parse(r.doc), group, r.id, r.doc);
        if (typeof u === 'string') throw new Error(u);
        for (const a of u.affected) affected.push({ group, vulnId: r.id, package: a.package, scheme: a.scheme, state: a.state, fixed: a.fixed, ranges: a.ranges, versions: a.versions, channel: a.channel, severity: u.severity, link: u.link });
      }
      const packages: InstalledPackage[] = [];
      for (const name of new Set(affected.map((a) => a.package))) {
        for (const version of versions.get(name) ?? []) packages.push({ name, version, kind: 'apk', location: `${name}@${version}` });
      }
      const release = group.slice('alpine:'.length);
      const engine = await matchInventory({ file: group, format: 'apk-installed', packages }, {
        lookup: async (_g, names) => affected.filter((a) => names.includes(a.package)),
        available: new Set([group]),
        distro: { id: 'alpine', release },
      });
      const byLocation = new Map<string, { id: string; fix: string | null }[]>();
      for (const m of engine.matches) {
        const list = byLocation.get(m.location) ?? [];
        list.push({ id: m.vulnId, fix: m.fixedVersion });
        byLocation.set(m.location, list);
      }
      const osIds = resolveOs(grype, 'alpine', release === 'edge' ? '3.22_alpha20241231' : `${release}.0`);
      expect(osIds).toHaveLength(1);
      const mismatches: string[] = [];
      for (const p of packages) {
        const want = (byLocation.get(p.location) ?? []).sort((a, b) => (a.id < b.id ? -1 : 1));
        const got = grypeFindings(grype, osIds, [p.name], p.version);
        if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push(`${group} ${p.location}: grype ${JSON.stringify(got)} engine ${JSON.stringify(want)}`);
        compared++;
        found += want.length;
      }
      expect(mismatches.slice(0, 10)).toEqual([]);
    }
    expect(compared).toBeGreaterThan(1000);
    expect(found).toBeGreaterThan(1000);
  });
});
