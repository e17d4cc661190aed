/**
 * grype's lookup finds what the engine finds on real driver output: the Debian, Ubuntu, Red Hat,
 * OSV and NVD drivers synced from their fixture mirrors (the upstreams' own layouts, as the
 * conformance suite syncs them), one grype database exported from the store, and for each distro
 * release every package and version the records name (below, at and past every fix) and the
 * engine's fixture inventories (a bookworm dpkg status, a syft CycloneDX SBOM of Ubuntu 22.04, an
 * `rpm -qa` of RHEL 9), matched both ways: the same vulnerability ids, the same fix versions and the
 * same fix state (`fixed`, `not-fixed`, `wont-fix`) as grype's model gives them. Language packages
 * (the lockfiles of every ecosystem the OSV mirror holds) are looked up as grype looks them up: by
 * package type and name, on handles without an operating system. Records that say a package is not
 * affected never appear as an affected handle of it, and NVD's configurations become CPE handles.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import type { FixedIn } from '../../drivers/_framework/record.ts';
import { getDriver } from '../../drivers/index.ts';
import { ecosystemByGroup } from '../../drivers/_framework/names.ts';
import { type Distro, type InstalledPackage, type Inventory, type PackageKind, parseInput } from '../../engine-client/inputs/index.ts';
import { comparatorFor } from '../../engine-client/match/ecosystems.ts';
import { matchInventory } from '../../engine-client/match/match.ts';
import { schemeFor } from '../../engine-client/match/namespaces.ts';
import { buildGrypeDatabase } from '../../feed-service/outputs/grype/build.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { compare, type Compared, grypeFixState, KINDS, storeLookup, syntheticInventory } from './grype-compare.ts';
import { openReadOnly } from './grype-helpers.ts';
import { constraintClauses, grypeFindingStates, satisfies } from './grype-lookup.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const INPUTS = path.join(ROOT, 'test/fixtures/engine/inputs');
const DRIVERS = ['debian', 'ubuntu', 'redhat', 'osv', 'nvd'];

/** The driver's fixture mirror, as test/drivers/conformance.test.ts finds it. */
function fixtureMirror(id: string): string {
  const found = [path.join(ROOT, 'test/fixtures/drivers', id), path.join(ROOT, 'drivers', id, 'demo-mirror')].find((p) => existsSync(p));
  if (found === undefined) throw new Error(`driver ${id} has no fixture mirror`);
  return found;
}

/** syft's package type of an engine package kind (what grype's `packages.ecosystem` holds). */
const SYFT_TYPE: Readonly<Record<string, string>> = {
  cargo: 'rust-crate', composer: 'php-composer', gem: 'gem', go: 'go-module', maven: 'java-archive', npm: 'npm', nuget: 'dotnet', pypi: 'python',
};

/** grype's name normalization of a language package (grype/db/v6/name): PEP 503 for Python, lower case for Java. */
function grypeName(name: string, kind: string): string {
  if (kind === 'pypi') return name.replace(/[-_.]+/g, '-').toLowerCase();
  if (kind === 'maven') return name.toLowerCase();
  return name;
}

let db: TestDb;
let grype: Database.Database;
beforeAll(async () => {
  db = await createTestDb();
  for (const id of DRIVERS) {
    const report = await syncDriver(db.sql, getDriver(id), { home: await tempDir(`airfeed-grype-drv-${id}-`), http: new HttpClient(), log: silentLogger, source: fixtureMirror(id) });
    expect(report.status, `${id}: ${report.error ?? ''}`).toBe('succeeded');
  }
  const dir = await tempDir('airfeed-grype-drivers-');
  await buildGrypeDatabase(db.sql, dir);
  grype = openReadOnly(path.join(dir, 'vulnerability.db'));
}, 300_000);
afterAll(async () => {
  grype?.close();
  await db?.drop();
});

describe('grype lookup = engine match on the distro drivers\' fixture output', () => {
  it('agrees for every package and version the records name, in every release', async () => {
    const groups = (await db.sql<{ name: string }[]>`select name from groups where name ~ '^(debian|ubuntu|rhel):' order by name`).map((g) => g.name);
    for (const prefix of ['debian:', 'ubuntu:', 'rhel:']) expect(groups.some((g) => g.startsWith(prefix)), prefix).toBe(true);
    let total: Compared = { packages: 0, affected: 0, matches: 0 };
    for (const name of groups) {
      const [id = '', release = ''] = name.split(':');
      const inv = await syntheticInventory(db.sql, name, KINDS[id]);
      const c = await compare(db.sql, grype, inv, { id, release });
      total = { packages: total.packages + c.packages, affected: total.affected + c.affected, matches: total.matches + c.matches };
    }
    expect(total.matches).toBeGreaterThan(20);
    expect(total.affected).toBeLessThan(total.packages);
  });

  it("agrees on the engine's fixture inventories of Debian 12, Ubuntu 22.04 and RHEL 9", async () => {
    const inputs: [string, Distro][] = [
      ['dpkg-status-bookworm', { id: 'debian', release: '12' }],
      ['cyclonedx-1.5-syft-ubuntu2204.json', { id: 'ubuntu', release: '22.04' }],
      ['rpm-qa-nevra.txt', { id: 'rhel', release: '9' }],
    ];
    let total = 0;
    for (const [file, distro] of inputs) {
      const inv = await parseInput(path.join(INPUTS, file));
      const own = { ...inv, packages: inv.packages.filter((p) => p.kind === KINDS[distro.id]) };
      expect(own.packages.length, file).toBeGreaterThan(0);
      total += (await compare(db.sql, grype, own, inv.distro ?? distro)).matches;
    }
    // The inventories hold packages the fixture records name (curl, zlib, openssl …): agreeing is not agreeing on nothing.
    expect(total).toBeGreaterThan(0);
  });

  it('never writes a not-affected package as affected, and gives it an unaffected handle', async () => {
    const rows = await db.sql<{ id: string; group_name: string; doc: string }[]>`select id, group_name, doc from records where group_name ~ '^(debian|ubuntu|rhel):' and not deleted`;
    const affected = grype.prepare(`
      select b.value from affected_package_handles a join packages p on p.id = a.package_id join vulnerability_handles v on v.id = a.vulnerability_id join blobs b on b.id = a.blob_id
      join operating_systems o on o.id = a.operating_system_id
      where v.name = ? and p.name = ? and o.release_id = ? and (o.major_version = ? or o.label_version = ?) and o.channel = ''`);
    const unaffected = grype.prepare(`
      select count(*) n from unaffected_package_handles a join packages p on p.id = a.package_id join vulnerability_handles v on v.id = a.vulnerability_id
      join operating_systems o on o.id = a.operating_system_id
      where v.name = ? and p.name = ? and o.release_id = ? and (o.major_version = ? or o.label_version = ?)`);
    let checked = 0;
    for (const r of rows) {
      const doc = JSON.parse(r.doc) as { fixedIn: FixedIn[]; upstream?: string[] };
      const [distro = '', release = ''] = r.group_name.split(':');
      const major = release.split('.')[0] ?? '';
      const vuln = r.id.startsWith('UBUNTU-') && doc.upstream?.[0] ? doc.upstream[0] : r.id;
      const byPackage = new Map<string, FixedIn[]>();
      for (const f of doc.fixedIn.filter((x) => x.channel === undefined && x.moduleStream === undefined)) byPackage.set(f.package, [...(byPackage.get(f.package) ?? []), f]);
      for (const [pkg, entries] of byPackage) {
        if (!entries.every((f) => f.state === 'not_affected')) continue;
        checked++;
        const handles = affected.all(vuln, pkg, distro, major, release) as { value: string }[];
        expect(handles, `${r.group_name} ${r.id} ${pkg} is not affected`).toEqual([]);
        expect((unaffected.get(vuln, pkg, distro, major, release) as { n: number }).n, `${r.group_name} ${r.id} ${pkg}`).toBeGreaterThan(0);
      }
    }
    // Debian's <not-affected> and Red Hat's known_not_affected are in the fixtures.
    expect(checked).toBeGreaterThan(2);
  });
});

function addCompared(a: Compared, b: Compared): Compared {
  return { packages: a.packages + b.packages, affected: a.affected + b.affected, matches: a.matches + b.matches };
}

/** Matches the language packages of `inv` both ways: the engine over the store, grype by type and name on handles without an OS. */
async function compareLanguage(inv: Inventory, groups: ReadonlySet<string>): Promise<Compared> {
  const engine = await matchInventory(inv, { lookup: storeLookup(db.sql), available: groups });
  expect(engine.problems, inv.file).toEqual([]);
  let matches = 0;
  let affected = 0;
  for (const pkg of inv.packages) {
    const type = SYFT_TYPE[pkg.kind];
    if (type === undefined) continue;
    const want = engine.matches.filter((m) => m.location === pkg.location).map((m) => ({ id: m.vulnId, fix: m.fixedVersion, state: grypeFixState(m) })).sort((a, b) => (a.id < b.id ? -1 : 1));
    // grype compares by the installed package's type (a python package by PEP 440), as the engine does by its kind.
    const cmp = comparatorFor(pkg.kind, schemeFor(pkg.kind, ''));
    const got = grypeFindingStates(grype, null, [grypeName(pkg.name, pkg.kind)], pkg.version, { ecosystem: type, compare: (a, b) => cmp.compare(a, b) });
    expect(got, `${inv.file}: ${pkg.name} ${pkg.version}`).toEqual(want);
    matches += want.length;
    if (want.length > 0) affected++;
  }
  return { packages: inv.packages.length, affected, matches };
}

describe('grype lookup = engine match on the OSV driver\'s fixture output (language packages)', () => {
  it('agrees for every package of every ecosystem at every version its ranges name, and below and past them', async () => {
    const groups = (await db.sql<{ name: string }[]>`select name from groups where name like 'github:%' order by name`).map((g) => g.name);
    expect(groups.length).toBeGreaterThan(3);
    let total: Compared = { packages: 0, affected: 0, matches: 0 };
    for (const group of groups) {
      const eco = ecosystemByGroup(group);
      if (eco === undefined) throw new Error(`no ecosystem for ${group}`);
      const versions = new Map<string, Set<string>>();
      for (const { doc } of await db.sql<{ doc: string }[]>`select doc from records where group_name = ${group} and not deleted`) {
        for (const f of (JSON.parse(doc) as { fixedIn: FixedIn[] }).fixedIn) {
          let set = versions.get(f.package);
          if (!set) versions.set(f.package, (set = new Set(['0.0.1', '999.0.0'])));
          for (const r of (f.ranges ?? []).filter((x) => x.type !== 'GIT')) for (const e of r.events) for (const v of Object.values(e)) if (v !== '0') set.add(String(v));
          for (const v of [f.version, ...(f.versions ?? [])]) if (v !== undefined) set.add(v);
        }
      }
      const packages: InstalledPackage[] = [...versions].flatMap(([name, set]) => [...set].sort().map((version) => ({ name, version, kind: eco.kind as PackageKind, location: `${group}/${name}@${version}` })));
      total = addCompared(total, await compareLanguage({ file: `synthetic ${group}`, format: 'cyclonedx', packages }, new Set([group])));
    }
    expect(total.matches).toBeGreaterThan(10);
    expect(total.affected).toBeLessThan(total.packages);
  });

  it('finds every match of every lockfile by package type and name, with the same fix and state', async () => {
    const groups = new Set((await db.sql<{ name: string }[]>`select name from groups`).map((g) => g.name));
    const dir = path.join(INPUTS, 'lockfiles');
    let matches = 0;
    for (const file of (await readdir(dir)).sort()) {
      let inv: Inventory;
      try {
        inv = await parseInput(path.join(dir, file));
      } catch {
        continue; // not an input the engine reads on its own (go.sum beside go.mod)
      }
      matches += (await compareLanguage(inv, groups)).matches;
    }
    expect(matches).toBeGreaterThan(0);
  });
});

describe('grype CPE handles from the NVD driver\'s fixture output', () => {
  it('gives every CVE with a vulnerable CPE configuration affected CPE handles whose constraints grype can read', async () => {
    const rows = await db.sql<{ id: string; doc: string }[]>`select id, doc from records where group_name = 'nvdv2:cves' and not deleted order by id`;
    expect(rows.length).toBeGreaterThan(2);
    const handles = grype.prepare(`
      select c.vendor, c.product, b.value from affected_cpe_handles a join cpes c on c.id = a.cpe_id
      join vulnerability_handles v on v.id = a.vulnerability_id join blobs b on b.id = a.blob_id where v.name = ? and v.provider_id = 'nvd'`);
    let withCpes = 0;
    for (const r of rows) {
      const vulnerable = /"vulnerable":\s*true/.test(r.doc);
      const found = handles.all(r.id) as { vendor: string; product: string; value: string }[];
      expect(found.length > 0, `${r.id}: CPE handles iff a configuration names a vulnerable CPE`).toBe(vulnerable);
      for (const h of found) {
        const blob = JSON.parse(h.value) as { cves: string[]; ranges: { version: { constraint?: string } }[] };
        expect(blob.cves).toEqual([r.id]);
        for (const range of blob.ranges) expect(() => constraintClauses(range.version.constraint ?? ''), `${r.id} ${h.vendor}:${h.product}`).not.toThrow();
      }
      if (vulnerable) withCpes++;
    }
    expect(withCpes).toBeGreaterThan(2);
    // xz 5.6.0 and 5.6.1 were the backdoored releases (CVE-2024-3094): exactly those versions.
    const xz = (handles.all('CVE-2024-3094') as { product: string; value: string }[]).filter((h) => h.product === 'xz');
    const constraints = xz.flatMap((h) => (JSON.parse(h.value) as { ranges: { version: { constraint?: string } }[] }).ranges.map((x) => x.version.constraint ?? ''));
    expect(constraints.some((c) => satisfies(c, '5.6.1', 'semver'))).toBe(true);
    expect(constraints.some((c) => satisfies(c, '5.4.6', 'semver'))).toBe(false);
  });
});
