/**
 * A database of every source kind (the Alpine demo mirror plus the hand-written Debian, Ubuntu,
 * RHEL, language, NVD, KEV and EPSS records): the rows grype reads besides the handles' blobs —
 * providers, operating systems with codenames and channels, aliases, CWE, KEV and EPSS tables, CPEs —
 * and a rebuild of the same store that gives the same bytes.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGrypeDatabase, type BuildResult } from '../../feed-service/outputs/grype/build.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { DEMO_MIRROR, openReadOnly, syncAlpine } from './grype-helpers.ts';
import { putAll } from './grype-records.ts';

let db: TestDb;
let dir: string;
let result: BuildResult;
let sqlite: Database.Database;

beforeAll(async () => {
  db = await createTestDb();
  await syncAlpine(db.sql, DEMO_MIRROR);
  await db.sql`update groups set last_success = '2025-02-19T00:00:00Z'`;
  await putAll(db.sql, '2025-02-20T12:00:00Z');
  dir = await tempDir('airfeed-grype-kinds-');
  result = await buildGrypeDatabase(db.sql, dir);
  sqlite = openReadOnly(path.join(dir, 'vulnerability.db'));
});
afterAll(async () => {
  sqlite.close();
  await db.drop();
});

const all = (q: string, ...args: unknown[]): Record<string, unknown>[] => sqlite.prepare(q).all(...args) as Record<string, unknown>[];

describe('a database of every source kind', () => {
  it("names one provider per source, as vunnel does, each captured at its groups' newest freshness", () => {
    expect(all('select id, version, processor, date_captured from providers order by id')).toEqual(
      ['alpine', 'debian', 'epss', 'github', 'kev', 'nvd', 'rhel', 'ubuntu'].map((id) => ({
        id, version: '2', processor: 'airfeed@0.1.0', date_captured: id === 'alpine' ? '2025-02-19 00:00:00+00:00' : '2025-02-20 12:00:00+00:00',
      })),
    );
    expect(result.unmapped).toEqual([]);
    expect(result.latest.built).toBe('2025-02-20T12:00:00Z');
  });

  it('writes the operating systems of every release and channel with codenames', () => {
    const rows = all(`select name, release_id, major_version, minor_version, label_version, codename, channel from operating_systems
      where name <> 'alpine' order by name, major_version, minor_version, label_version, channel`);
    expect(rows).toEqual([
      { name: 'debian', release_id: 'debian', major_version: '', minor_version: '', label_version: 'unstable', codename: '', channel: '' },
      { name: 'debian', release_id: 'debian', major_version: '12', minor_version: '', label_version: '', codename: 'bookworm', channel: '' },
      { name: 'redhat', release_id: 'rhel', major_version: '9', minor_version: '', label_version: '', codename: '', channel: '' },
      { name: 'redhat', release_id: 'rhel', major_version: '9', minor_version: '0', label_version: '', codename: '', channel: 'eus' },
      { name: 'ubuntu', release_id: 'ubuntu', major_version: '16', minor_version: '4', label_version: '', codename: 'xenial', channel: '' },
      { name: 'ubuntu', release_id: 'ubuntu', major_version: '16', minor_version: '4', label_version: '', codename: 'xenial', channel: 'esm' },
      { name: 'ubuntu', release_id: 'ubuntu', major_version: '22', minor_version: '4', label_version: '', codename: 'jammy', channel: '' },
    ]);
  });

  it('keeps one vulnerability handle per provider and name, and writes their aliases', () => {
    expect(all("select name, provider_id, status from vulnerability_handles where name in ('CVE-2023-38545', 'CVE-2014-2901', 'UBUNTU-CVE-2014-2901', 'CVE-2020-99999') order by name, provider_id")).toEqual([
      { name: 'CVE-2014-2901', provider_id: 'ubuntu', status: 'active' },
      { name: 'CVE-2023-38545', provider_id: 'rhel', status: 'active' },
      { name: 'CVE-2023-38545', provider_id: 'ubuntu', status: 'active' },
    ]);
    expect(all('select name, alias from vulnerability_aliases order by name, alias')).toEqual([
      { name: 'GHSA-h5c8-rqwp-cp95', alias: 'CVE-2024-22195' },
      { name: 'GHSA-jfh8-c2jp-5v3q', alias: 'CVE-2021-44228' },
      { name: 'GO-2024-2611', alias: 'CVE-2024-24786' },
    ]);
    // grype dates a vulnerability without a modified time by its publication.
    expect(all("select published_date, modified_date from vulnerability_handles where name = 'CVE-2024-0001'")).toEqual([
      { published_date: '2024-01-02 00:00:00+00:00', modified_date: '2024-01-02 00:00:00+00:00' },
    ]);
  });

  it('looks up language packages by syft type and normalized name, with no operating system', () => {
    expect(all(`select p.ecosystem, p.name, a.operating_system_id os from affected_package_handles a join packages p on p.id = a.package_id
      join vulnerability_handles v on v.id = a.vulnerability_id where v.provider_id = 'github' order by p.ecosystem, p.name`)).toEqual([
      { ecosystem: 'go-module', name: 'google.golang.org/protobuf', os: null },
      { ecosystem: 'java-archive', name: 'org.apache.logging.log4j:log4j-core', os: null },
      { ecosystem: 'npm', name: 'left-pad', os: null },
      { ecosystem: 'python', name: 'jinja2', os: null },
    ]);
  });

  it('writes unaffected handles for packages a distro says are not affected', () => {
    expect(all(`select v.provider_id, p.ecosystem, p.name, o.name os from unaffected_package_handles u join packages p on p.id = u.package_id
      join vulnerability_handles v on v.id = u.vulnerability_id join operating_systems o on o.id = u.operating_system_id order by p.name`)).toEqual([
      { provider_id: 'debian', ecosystem: 'deb', name: 'chromium', os: 'debian' },
      { provider_id: 'rhel', ecosystem: 'rpm', name: 'curl-minimal-compat', os: 'redhat' },
    ]);
  });

  it('writes NVD CPEs (ANY as empty), CWE, KEV and EPSS rows', () => {
    expect(all('select part, vendor, product, edition, language, software_edition, target_hardware, target_software, other from cpes order by vendor, product')).toEqual([
      { part: 'o', vendor: 'canonical', product: 'ubuntu_linux', edition: '', language: '', software_edition: 'lts', target_hardware: '', target_software: '', other: '' },
      { part: 'o', vendor: 'debian', product: 'debian_linux', edition: '', language: '', software_edition: '', target_hardware: '', target_software: '', other: '' },
      { part: 'a', vendor: 'libgd', product: 'libgd', edition: '', language: '', software_edition: '', target_hardware: '', target_software: '', other: '' },
      { part: 'a', vendor: 'microsoft', product: 'visual_c++', edition: '', language: '', software_edition: '', target_hardware: '', target_software: '', other: '' },
      { part: 'a', vendor: 'netapp', product: 'oncommand_unified_manager', edition: '', language: '', software_edition: '', target_hardware: '', target_software: '', other: '' },
      { part: 'a', vendor: 'oracle', product: 'jdk', edition: '', language: '', software_edition: '', target_hardware: '', target_software: '', other: '' },
      { part: 'a', vendor: 'python', product: 'pillow', edition: '', language: '', software_edition: '', target_hardware: '', target_software: 'python', other: '' },
    ]);
    expect(all('select count(*) n from affected_cpe_handles')).toEqual([{ n: 7 }]);
    expect(all('select cve, cwe, source, type from cwe_handles order by cve')).toEqual([
      { cve: 'CVE-2018-1000222', cwe: 'CWE-415', source: 'nvd@nist.gov', type: 'Primary' },
      { cve: 'CVE-2018-5487', cwe: 'CWE-20', source: 'nvd@nist.gov', type: 'Primary' },
    ]);
    expect(all("select k.cve, json_extract(b.value, '$.known_ransomware_campaign_use') ransomware from known_exploited_vulnerability_handles k join blobs b on b.id = k.blob_id"))
      .toEqual([{ cve: 'CVE-2021-44228', ransomware: 'known' }]);
    expect(all('select cve, epss, percentile from epss_handles order by cve')).toEqual([
      { cve: 'CVE-2021-44228', epss: 0.94358, percentile: 0.99957 },
      { cve: 'CVE-2023-4863', epss: 0.32173, percentile: 0.97035 },
    ]);
    expect(all('select date from epss_metadata')).toEqual([{ date: '2025-02-20 00:00:00+00:00' }]);
    expect(result.counts).toMatchObject({ kev: 1, epss: 2, cwes: 2, aliases: 3, affectedCpes: 7, unaffectedPackages: 2 });
  });

  it('rebuilds the same store into the same bytes', async () => {
    const again = await tempDir('airfeed-grype-kinds-again-');
    const second = await buildGrypeDatabase(db.sql, again);
    expect((await fs.readFile(second.archive)).equals(await fs.readFile(result.archive))).toBe(true);
    expect(second.latest).toEqual(result.latest);
  });
});
