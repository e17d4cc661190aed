/**
 * The grype database finds what airfeed's engine finds, and nothing else: for Alpine data (the demo
 * mirror and the test fixture mirror), for the engine's own fixture inventories, and for every other
 * distro group type (hand-written Debian 12 and unstable, Ubuntu 16.04 and 22.04, RHEL 9 records of
 * every state), every installed package is matched twice, by the engine's matcher over the store's
 * records and by grype's lookup (grype-lookup.ts) over the SQLite file, and the two must name the
 * same vulnerabilities with the same fixes. Installed versions are every fixed version any record
 * names for the package, plus one below all of them and one above, so each range is tried below, at
 * and past its fix.
 *
 * What is compared is a machine on the plain release: fixes published only in a subscription channel
 * (Ubuntu Pro, RHEL EUS) are grype's channel rows, which such a machine's lookup does not read, and
 * module-stream entries are matched by the rpm matcher's modularity rules (checked on their own
 * below); the engine's channel and module-stream matching belong to its own tests.
 */
import path from 'node:path';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Distro } from '../../engine-client/inputs/index.ts';
import { parseInput } from '../../engine-client/inputs/index.ts';
import { buildGrypeDatabase } from '../../feed-service/outputs/grype/build.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { compare, type Compared, KINDS, syntheticInventory } from './grype-compare.ts';
import { DEMO_MIRROR, openReadOnly, syncAlpine } from './grype-helpers.ts';
import { grypeFindings, resolveOs } from './grype-lookup.ts';
import { DEBIAN, putRecords, RHEL, UBUNTU } from './grype-records.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');

for (const [label, mirror] of [['demo mirror', DEMO_MIRROR], ['test fixture mirror', path.join(FIXTURES, 'alpine/mirror')]] as const) {
  describe(`grype lookup = engine match, Alpine ${label}`, () => {
    let db: TestDb;
    let grype: Database.Database;
    beforeAll(async () => {
      db = await createTestDb();
      await syncAlpine(db.sql, mirror);
      const dir = await tempDir('airfeed-grype-lookup-');
      await buildGrypeDatabase(db.sql, dir);
      grype = openReadOnly(path.join(dir, 'vulnerability.db'));
    });
    afterAll(async () => {
      grype.close();
      await db.drop();
    });

    it('agrees for every package and version the records name, in every release', async () => {
      const groups = await db.sql<{ name: string }[]>`select name from groups order by name`;
      expect(groups.length).toBeGreaterThan(1);
      let total: Compared = { packages: 0, affected: 0, matches: 0 };
      for (const { name } of groups) {
        const inv = await syntheticInventory(db.sql, name);
        const c = await compare(db.sql, grype, inv, { id: 'alpine', release: name.slice('alpine:'.length) });
        total = { packages: total.packages + c.packages, affected: total.affected + c.affected, matches: total.matches + c.matches };
      }
      // Both sides found things (so agreeing is not agreeing on nothing), and cleared versions at or past a fix.
      expect(total.matches).toBeGreaterThan(10);
      expect(total.affected).toBeGreaterThan(0);
      expect(total.affected).toBeLessThan(total.packages);
    });

    it("agrees on the engine's fixture inventories", async () => {
      const inputs: [string, Distro][] = [
        ['engine/inputs/apk-installed', { id: 'alpine', release: '3.20' }],
        ['engine/inputs/syft-alpine-edge.json', { id: 'alpine', release: 'edge' }],
        ['engine/inputs/cyclonedx-1.5-syft-alpine.json', { id: 'alpine', release: '3.20' }],
      ];
      for (const [file, distro] of inputs) {
        const inv = await parseInput(path.join(FIXTURES, file));
        const apk = { ...inv, packages: inv.packages.filter((p) => p.kind === 'apk') };
        expect(apk.packages.length, file).toBeGreaterThan(0);
        await compare(db.sql, grype, apk, inv.distro ?? distro);
      }
    });
  });
}

describe('grype lookup = engine match, Debian, Ubuntu and RHEL records of every state', () => {
  let db: TestDb;
  let grype: Database.Database;
  beforeAll(async () => {
    db = await createTestDb();
    await putRecords(db.sql, 'debian', 'vulnerabilities', DEBIAN);
    await putRecords(db.sql, 'ubuntu', 'vulnerabilities', UBUNTU);
    await putRecords(db.sql, 'redhat', 'vulnerabilities', RHEL);
    const dir = await tempDir('airfeed-grype-lookup-distros-');
    await buildGrypeDatabase(db.sql, dir);
    grype = openReadOnly(path.join(dir, 'vulnerability.db'));
  });
  afterAll(async () => {
    grype.close();
    await db.drop();
  });

  it('agrees for every package and version the records name, in every release', async () => {
    const groups = await db.sql<{ name: string }[]>`select name from groups order by name`;
    expect(groups.map((g) => g.name)).toEqual(['debian:12', 'debian:unstable', 'rhel:9', 'ubuntu:16.04', 'ubuntu:22.04']);
    let total: Compared = { packages: 0, affected: 0, matches: 0 };
    for (const { name } of groups) {
      const [id = '', release = ''] = name.split(':');
      const inv = await syntheticInventory(db.sql, name, KINDS[id]);
      const c = await compare(db.sql, grype, inv, { id, release });
      total = { packages: total.packages + c.packages, affected: total.affected + c.affected, matches: total.matches + c.matches };
    }
    expect(total.matches).toBeGreaterThan(15);
    expect(total.affected).toBeLessThan(total.packages);
  });

  it('reads channel rows only for a host in the channel, and module streams by the rpm modularity qualifier', () => {
    const pro = resolveOs(grype, 'ubuntu', '16.04').length;
    expect(pro).toBe(1);
    // The Pro fix is on the esm channel row: a plain 16.04 host sees "no fix yet", a Pro host the fix.
    expect(grypeFindings(grype, resolveOs(grype, 'ubuntu', '16.04'), ['wolfssl'], '3.4.8+dfsg-1', { ecosystem: 'deb' })).toEqual([{ id: 'CVE-2014-2901', fix: null }]);
    const esm = (grype.prepare("select id from operating_systems where name = 'ubuntu' and channel = 'esm'").all() as { id: number }[]).map((r) => r.id);
    expect(grypeFindings(grype, esm, ['wolfssl'], '3.4.8+dfsg-1', { ecosystem: 'deb' })).toEqual([{ id: 'CVE-2014-2901', fix: '3.4.8+dfsg-1ubuntu0.1~esm1' }]);
    expect(grypeFindings(grype, esm, ['wolfssl'], '3.4.8+dfsg-1ubuntu0.1~esm1', { ecosystem: 'deb' })).toEqual([]);
    // RHEL 9.4 reads the major's rows; an EUS 9.0 host its channel's.
    const eus = (grype.prepare("select id from operating_systems where name = 'redhat' and channel = 'eus' and minor_version = '0'").all() as { id: number }[]).map((r) => r.id);
    expect(grypeFindings(grype, eus, ['curl'], '0:7.76.1-19.el9_0.3', { ecosystem: 'rpm' })).toEqual([{ id: 'CVE-2023-38545', fix: '0:7.76.1-19.el9_0.4' }]);
    expect(grypeFindings(grype, resolveOs(grype, 'rhel', '9.4'), ['curl'], '0:7.76.1-19.el9_0.4', { ecosystem: 'rpm' })).toEqual([{ id: 'CVE-2023-38545', fix: '0:7.76.1-26.el9_3.2' }]);
    // nodejs from the nodejs:18 module stream, from outside any module, from the nodejs:16 stream (will not be fixed).
    const rhel = resolveOs(grype, 'rhel', '9.4');
    expect(grypeFindings(grype, rhel, ['nodejs'], '1:18.19.0-1.module+el9.3.0+21000+0', { ecosystem: 'rpm', module: 'nodejs:18' })).toEqual([{ id: 'CVE-2024-22019', fix: '1:18.19.1-1.module+el9.3.0+21388+b7f6bb4f' }]);
    expect(grypeFindings(grype, rhel, ['nodejs'], '1:16.20.2-4.el9_3', { ecosystem: 'rpm' })).toEqual([]);
    expect(grypeFindings(grype, rhel, ['nodejs'], '1:16.20.2-4.el9_3', { ecosystem: 'rpm', module: 'nodejs:16' })).toEqual([{ id: 'CVE-2024-22019', fix: null }]);
  });
});

describe('grype lookup, the parts that decide an operating system', () => {
  let db: TestDb;
  let grype: Database.Database;
  beforeAll(async () => {
    db = await createTestDb();
    await syncAlpine(db.sql, DEMO_MIRROR);
    const dir = await tempDir('airfeed-grype-os-');
    await buildGrypeDatabase(db.sql, dir);
    grype = openReadOnly(path.join(dir, 'vulnerability.db'));
  });
  afterAll(async () => {
    grype.close();
    await db.drop();
  });

  it('resolves point releases, edge alphas and unknown minors as grype does', () => {
    const os = (id: number): string => {
      const r = grype.prepare('select major_version, minor_version, label_version from operating_systems where id = ?').get(id) as Record<string, string>;
      return r['label_version'] || `${r['major_version']}.${r['minor_version']}`;
    };
    expect(resolveOs(grype, 'alpine', '3.20.3').map(os)).toEqual(['3.20']);
    expect(resolveOs(grype, 'alpine', '3.21_alpha20240807').map(os)).toEqual(['edge']);
    expect(resolveOs(grype, 'alpine', '3.21.0_alpha20240807').map(os)).toEqual(['edge']);
    // No 3.22 rows: grype falls back to every 3.x release it has.
    expect(resolveOs(grype, 'alpine', '3.22.1').map(os)).toEqual(['3.19', '3.20']);
    // postmarketOS 24.06 is built on Alpine 3.20.
    expect(resolveOs(grype, 'postmarketos', '24.06').map(os)).toEqual(['3.20']);
    expect(resolveOs(grype, 'debian', '12')).toEqual([]);
  });
});
