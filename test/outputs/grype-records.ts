/**
 * Hand-written record schema 2 records of every source kind grype output maps, in the shapes the
 * drivers write (facts taken from the real advisories they are named after: DSA-5497-1 for
 * libwebp, USN-6429-1 and RHSA-2023:5763 for curl, GHSA-h5c8-rqwp-cp95 for Jinja2, GHSA-jfh8-c2jp-5v3q
 * for Log4j, NVD's CVE-2018-5487 and CVE-2018-1000222 configurations, CISA's Log4Shell entry), and a
 * helper that puts them into a test store as the groups their drivers would fill.
 */
import type { VulnRecord } from '../../drivers/_framework/record.ts';
import { applyGroup } from '../../feed-service/storage/apply.ts';
import type { Sql } from '../../feed-service/storage/db.ts';
import { registerGroups } from '../../feed-service/storage/groups.ts';
import { iterate } from '../helpers/records.ts';

type Fix = VulnRecord['fixedIn'][number];

export function rec(group: string, id: string, fixedIn: Fix[], more: Partial<VulnRecord> = {}): VulnRecord {
  return {
    schemaVersion: 2, id, namespace: group, severity: 'Unknown', description: '', link: null, aliases: [], cvss: [], fixedIn, references: [],
    published: null, modified: null, withdrawn: null, metadata: {}, provenance: { driver: 'test', source: 'hand-written' }, ...more,
  };
}

const dsa = { noAdvisory: false, advisories: [{ id: 'DSA-5497-1', link: 'https://security-tracker.debian.org/tracker/DSA-5497-1' }] };

export const DEBIAN: VulnRecord[] = [
  rec('debian:12', 'CVE-2023-4863', [
    { package: 'chromium', versionScheme: 'dpkg', state: 'not_affected' },
    { package: 'firefox-esr', versionScheme: 'dpkg', state: 'fixed', version: '115.2.1esr-1~deb12u1' },
    { package: 'libwebp', versionScheme: 'dpkg', state: 'fixed', version: '1.2.4-4+deb12u1', vendorAdvisory: dsa },
  ], {
    severity: 'High', description: ' Heap buffer overflow in libwebp in Google Chrome prior to 116.0.5845.187. ',
    link: 'https://security-tracker.debian.org/tracker/CVE-2023-4863', published: '2023-09-12T15:15:24Z',
    cvss: [{ version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H', baseScore: 8.8, baseSeverity: 'HIGH', exploitabilityScore: null, impactScore: null, source: 'nvd@nist.gov', type: 'Primary' }],
  }),
  rec('debian:12', 'CVE-2023-52425', [
    { package: 'expat', versionScheme: 'dpkg', state: 'will_not_fix', vendorAdvisory: { noAdvisory: true, advisories: [] } },
    { package: 'imagemagick', versionScheme: 'dpkg', state: 'affected' },
  ], { severity: 'Low', link: 'https://security-tracker.debian.org/tracker/CVE-2023-52425' }),
  rec('debian:unstable', 'CVE-2023-4863', [{ package: 'libwebp', versionScheme: 'dpkg', state: 'fixed', version: '1.3.2-0.1' }], {
    severity: 'High', link: 'https://security-tracker.debian.org/tracker/CVE-2023-4863',
  }),
];

export const UBUNTU: VulnRecord[] = [
  rec('ubuntu:22.04', 'CVE-2023-38545', [
    { package: 'curl', versionScheme: 'dpkg', state: 'fixed', version: '7.81.0-1ubuntu1.14', vendorAdvisory: { noAdvisory: false, advisories: [{ id: 'USN-6429-1', link: 'https://ubuntu.com/security/notices/USN-6429-1' }] } },
    { package: 'libcurl3-nss', versionScheme: 'dpkg', state: 'deferred' },
    { package: 'rust-curl', versionScheme: 'dpkg', state: 'under_investigation' },
  ], { severity: 'High', link: 'https://ubuntu.com/security/CVE-2023-38545', vendorSeverities: [{ source: 'Ubuntu', value: 'high' }] }),
  // Canonical's OSV: named UBUNTU-CVE-…, the CVE upstream; a Pro-only fix next to the public "no fix yet".
  rec('ubuntu:16.04', 'UBUNTU-CVE-2014-2901', [
    { package: 'wolfssl', versionScheme: 'dpkg', state: 'affected', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }] },
    { package: 'wolfssl', versionScheme: 'dpkg', state: 'fixed', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.4.8+dfsg-1ubuntu0.1~esm1' }] }], channel: 'esm-apps', ecosystem: 'Ubuntu:Pro:16.04:LTS' },
  ], { severity: 'Medium', upstream: ['CVE-2014-2901'], published: '2019-11-21T23:15:00Z', modified: '2025-08-01T04:49:26Z' }),
  rec('ubuntu:22.04', 'UBUNTU-CVE-2020-99999', [{ package: 'openssl', versionScheme: 'dpkg', state: 'affected' }], { upstream: ['CVE-2020-99999'], withdrawn: '2024-01-01T00:00:00Z', modified: '2024-01-01T00:00:00Z' }),
];

export const RHEL: VulnRecord[] = [
  rec('rhel:9', 'CVE-2023-38545', [
    { package: 'curl', versionScheme: 'rpm', state: 'fixed', version: '0:7.76.1-26.el9_3.2', vendorAdvisory: { noAdvisory: false, advisories: [{ id: 'RHSA-2023:5763', link: 'https://access.redhat.com/errata/RHSA-2023:5763' }] }, product: { id: 'BaseOS-9.3.0.Z.MAIN', cpe: 'cpe:/o:redhat:enterprise_linux:9::baseos' } },
    { package: 'curl', versionScheme: 'rpm', state: 'fixed', version: '0:7.76.1-19.el9_0.4', channel: 'eus', product: { id: 'BaseOS-9.0.0.Z.EUS', cpe: 'cpe:/o:redhat:rhel_eus:9.0::baseos' } },
    { package: 'curl-minimal-compat', versionScheme: 'rpm', state: 'not_affected' },
  ], { severity: 'High', link: 'https://access.redhat.com/security/cve/CVE-2023-38545' }),
  rec('rhel:9', 'CVE-2024-22019', [
    { package: 'nodejs', versionScheme: 'rpm', state: 'fixed', version: '1:18.19.1-1.module+el9.3.0+21388+b7f6bb4f', moduleStream: 'nodejs:18' },
    { package: 'nodejs', versionScheme: 'rpm', state: 'fixed', version: '1:16.20.2-4.el9_3' },
    { package: 'nodejs', versionScheme: 'rpm', state: 'will_not_fix', moduleStream: 'nodejs:16', vendorAdvisory: { noAdvisory: true, advisories: [] } },
  ], { severity: 'High' }),
];

export const LANGUAGE: VulnRecord[] = [
  rec('github:python', 'GHSA-h5c8-rqwp-cp95', [
    { package: 'Jinja2', versionScheme: 'pep440', state: 'fixed', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.1.3' }] }] },
  ], {
    severity: 'Medium', title: 'Jinja vulnerable to HTML attribute injection when passing user input as keys to xmlattr filter', description: 'The `xmlattr` filter …',
    aliases: ['CVE-2024-22195'], link: 'https://github.com/advisories/GHSA-h5c8-rqwp-cp95', published: '2024-01-11T15:20:48Z', modified: '2024-01-30T19:23:45Z',
    references: [{ url: 'https://github.com/pallets/jinja/security/advisories/GHSA-h5c8-rqwp-cp95', type: 'WEB' }, { url: 'https://github.com/advisories/GHSA-h5c8-rqwp-cp95', type: 'ADVISORY' }],
    cvss: [{ version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N', baseScore: null, baseSeverity: null, exploitabilityScore: null, impactScore: null, source: null, type: null }],
  }),
  rec('github:java', 'GHSA-jfh8-c2jp-5v3q', [
    {
      package: 'org.apache.logging.log4j:log4j-core', versionScheme: 'maven', state: 'fixed',
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '2.0-beta9' }, { fixed: '2.3.1' }, { introduced: '2.4' }, { fixed: '2.12.2' }, { introduced: '2.13.0' }, { fixed: '2.15.0' }] }],
      purl: 'pkg:maven/org.apache.logging.log4j/log4j-core',
    },
  ], { severity: 'Critical', title: 'Remote code injection in Log4j', aliases: ['CVE-2021-44228'], published: '2021-12-10T00:40:56Z', modified: '2025-01-01T00:00:00Z' }),
  rec('github:go', 'GO-2024-2611', [
    { package: 'google.golang.org/protobuf', versionScheme: 'go', state: 'affected', ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { last_affected: '1.32.0' }] }] },
    { package: 'github.com/example/gitonly', versionScheme: 'go', state: 'affected', ranges: [{ type: 'GIT', repo: 'https://github.com/example/gitonly', events: [{ introduced: '0' }, { fixed: '5d4f0d2b0a1f3c6e7a8b9c0d1e2f3a4b5c6d7e8f' }] }] },
  ], { aliases: ['CVE-2024-24786', 'GHSA-8r3f-844c-mc37'], modified: '2024-06-04T22:21:00Z' }),
  rec('github:npm', 'GHSA-xxxx-npm-list', [
    { package: 'left-pad', versionScheme: 'semver', state: 'affected', versions: ['1.0.1', '1.0.2'], purl: 'pkg:npm/left-pad' },
  ], { withdrawn: '2024-02-02T00:00:00Z', modified: '2024-02-02T00:00:00Z' }),
];

const match = (criteria: string, vulnerable: boolean, more: Record<string, string> = {}): { vulnerable: boolean; criteria: string; matchCriteriaId: string } =>
  ({ vulnerable, criteria, matchCriteriaId: `id-${criteria.length}-${vulnerable ? 1 : 0}`, ...more });

export const NVD: VulnRecord[] = [
  rec('nvdv2:cves', 'CVE-2018-5487', [], {
    status: 'Analyzed', published: '2018-05-24T14:29:00.390Z', modified: '2018-07-05T13:52:30.627Z', severity: 'Critical',
    description: 'NetApp OnCommand Unified Manager for Linux versions 7.2 through 7.3 ship with the Java Management Extension Remote Method Invocation (JMX RMI) service bound to the network, and are susceptible to unauthenticated remote code execution.',
    references: [{ url: 'https://security.netapp.com/advisory/ntap-20180523-0001/', source: 'security-alert@netapp.com', tags: ['Vendor Advisory', 'Patch'] }],
    cvss: [
      { version: '2.0', vector: 'AV:N/AC:L/Au:N/C:P/I:P/A:P', baseScore: 7.5, baseSeverity: 'HIGH', exploitabilityScore: 10, impactScore: 6.4, source: 'nvd@nist.gov', type: 'Primary' },
      { version: '4.0', vector: 'CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:A/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', baseScore: 8.1, baseSeverity: 'HIGH', exploitabilityScore: null, impactScore: null, source: 'security@zabbix.com', type: 'Secondary' },
      { version: '3.0', vector: 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: 9.8, baseSeverity: 'CRITICAL', exploitabilityScore: 3.9, impactScore: 5.9, source: 'nvd@nist.gov', type: 'Primary' },
    ],
    weaknesses: [{ id: 'CWE-20', source: 'nvd@nist.gov', type: 'Primary' }, { id: 'NVD-CWE-noinfo', source: 'nvd@nist.gov', type: 'Secondary' }],
    configurations: [{
      operator: 'AND', nodes: [
        { operator: 'OR', negate: false, cpeMatch: [match('cpe:2.3:a:netapp:oncommand_unified_manager:*:*:*:*:*:*:*:*', true, { versionStartIncluding: '7.2', versionEndIncluding: '7.3' })] },
        { operator: 'OR', negate: false, cpeMatch: [match('cpe:2.3:o:linux:linux_kernel:-:*:*:*:*:*:*:*', false)] },
      ],
    }],
  }),
  rec('nvdv2:cves', 'CVE-2018-1000222', [], {
    status: 'Modified', published: '2018-08-20T20:29:01.347Z', modified: '2020-03-31T02:15:12.667Z',
    weaknesses: [{ id: 'CWE-415', source: 'nvd@nist.gov', type: 'Primary' }],
    configurations: [
      { nodes: [{ operator: 'OR', negate: false, cpeMatch: [match('cpe:2.3:a:libgd:libgd:2.2.5:*:*:*:*:*:*:*', true)] }] },
      { nodes: [{ operator: 'OR', negate: false, cpeMatch: [
        match('cpe:2.3:o:canonical:ubuntu_linux:14.04:*:*:*:lts:*:*:*', true), match('cpe:2.3:o:canonical:ubuntu_linux:16.04:*:*:*:lts:*:*:*', true),
        match('cpe:2.3:o:canonical:ubuntu_linux:18.04:*:*:*:lts:*:*:*', true),
      ] }] },
      { nodes: [{ operator: 'OR', negate: false, cpeMatch: [match('cpe:2.3:o:debian:debian_linux:8.0:*:*:*:*:*:*:*', true)] }] },
    ],
  }),
  rec('nvdv2:cves', 'CVE-2024-0001', [], {
    status: 'Awaiting Analysis', published: '2024-01-02T00:00:00Z',
    configurations: [{ nodes: [{ operator: 'OR', negate: false, cpeMatch: [
      match('cpe:2.3:a:python:pillow:*:*:*:*:*:python:*:*', true, { versionEndExcluding: '10.2.0' }),
      match('cpe:2.3:a:microsoft:visual_c\\+\\+:*:*:*:*:*:*:*:*', true, { versionStartIncluding: '14.0', versionEndExcluding: '14.1' }),
      match('cpe:2.3:a:oracle:jdk:1.8.0:update_391:*:*:*:*:*:*', true),
    ] }] }],
  }),
];

export const KEV: VulnRecord[] = [
  rec('kev:catalog', 'CVE-2021-44228', [], {
    description: 'Apache Log4j2 contains a vulnerability where JNDI features do not protect against attacker-controlled JNDI-related endpoints, allowing for remote code execution.',
    published: '2021-12-10T00:00:00Z',
    kev: {
      vendorProject: 'Apache', product: 'Log4j2', vulnerabilityName: 'Apache Log4j2 Remote Code Execution Vulnerability', dateAdded: '2021-12-10', dueDate: '2021-12-24',
      requiredAction: 'For all affected software assets, apply updates per vendor instructions or follow [https://www.cisa.gov/uscert/apache-log4j-vulnerability-guidance].',
      knownRansomwareCampaignUse: 'Known', notes: 'https://nvd.nist.gov/vuln/detail/CVE-2021-44228; CISA guidance available',
      cwes: ['CWE-20', 'CWE-400', 'CWE-502'],
    },
  }),
];

export const EPSS: VulnRecord[] = [
  rec('epss:scores', 'CVE-2021-44228', [], { epss: { score: 0.94358, percentile: 0.99957, date: '2025-02-20' } }),
  rec('epss:scores', 'CVE-2023-4863', [], { epss: { score: 0.32173, percentile: 0.97035, date: '2025-02-20' } }),
];

/** The group each set lives in, its driver and feed, as the drivers declare them. */
export const SOURCES: { records: VulnRecord[]; driver: string; feed: string }[] = [
  { records: DEBIAN, driver: 'debian', feed: 'vulnerabilities' },
  { records: UBUNTU, driver: 'ubuntu', feed: 'vulnerabilities' },
  { records: RHEL, driver: 'redhat', feed: 'vulnerabilities' },
  { records: LANGUAGE, driver: 'osv', feed: 'github' },
  { records: NVD, driver: 'nvd', feed: 'nvdv2' },
  { records: KEV, driver: 'kev', feed: 'enrichment' },
  { records: EPSS, driver: 'epss', feed: 'enrichment' },
];

/** Puts records into the store as complete snapshots of their groups, last confirmed current at `fresh`. */
export async function putRecords(sql: Sql, driver: string, feed: string, records: readonly VulnRecord[], fresh = '2025-02-20T12:00:00Z'): Promise<void> {
  const groups = [...new Set(records.map((r) => r.namespace))].sort();
  await registerGroups(sql, driver, feed, groups.map((name) => ({ name, description: `test group ${name}` })));
  for (const group of groups) {
    await applyGroup(sql, { group, complete: true, records: iterate(records.filter((r) => r.namespace === group)) });
    await sql`update groups set last_success = ${fresh}::timestamptz where name = ${group}`;
  }
}

/** Every hand-written source in the store. */
export async function putAll(sql: Sql, fresh?: string): Promise<void> {
  for (const s of SOURCES) await putRecords(sql, s.driver, s.feed, s.records, fresh);
}
