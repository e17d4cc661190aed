/**
 * Each mapping module on hand-written records (grype-records.ts): the rows grype-db would write for
 * the same upstream data, blob texts compared byte for byte (key order and left-out empty fields
 * are part of grype's format).
 */
import { describe, expect, it } from 'vitest';
import { kevBlobText, packageBlobText, vulnerabilityBlobText } from '../../feed-service/outputs/grype/blobs.ts';
import { formatCpe, parseCpe } from '../../feed-service/outputs/grype/cpe.ts';
import { entryOs, releaseOs } from '../../feed-service/outputs/grype/distro-os.ts';
import { enforceSemverConstraint, osvIntervals } from '../../feed-service/outputs/grype/map-common.ts';
import { kevUrls } from '../../feed-service/outputs/grype/map-enrichment.ts';
import { normalizeName } from '../../feed-service/outputs/grype/map-language.ts';
import { mappingFor } from '../../feed-service/outputs/grype/mappers.ts';
import type { GrypeEntry, PackageHandle } from '../../feed-service/outputs/grype/model.ts';
import { cpeCandidates } from '../../feed-service/outputs/grype/nvd-config.ts';
import { DEBIAN, EPSS, KEV, LANGUAGE, NVD, rec, RHEL, UBUNTU } from './grype-records.ts';
import type { VulnRecord } from '../../drivers/_framework/record.ts';

function map(r: VulnRecord): GrypeEntry | null {
  const m = mappingFor(r.namespace);
  if (!m) throw new Error(`no mapping for ${r.namespace}`);
  return m.map(r);
}

interface BlobJson {
  qualifiers?: { rpm_modularity?: string };
  ranges: { version: { type?: string; constraint?: string }; fix?: { version?: string; state?: string } }[];
}
const parse = (text: string): BlobJson => JSON.parse(text) as BlobJson;

const handles = (hs: PackageHandle[]): [string, string, string, string][] =>
  hs.map((h) => [h.os ? `${h.os.name} ${h.os.major}.${h.os.minor}${h.os.label}${h.os.channel ? `+${h.os.channel}` : ''}` : '-', h.pkg.ecosystem, h.pkg.name, packageBlobText(h.blob)]);

describe('providers', () => {
  it("choose the mapping by group, with vunnel's provider names", () => {
    const p = (g: string): string | undefined => mappingFor(g)?.provider;
    expect([p('alpine:3.20'), p('debian:12'), p('debian:unstable'), p('ubuntu:22.04'), p('rhel:9')]).toEqual(['alpine', 'debian', 'debian', 'ubuntu', 'rhel']);
    expect([p('github:npm'), p('github:java'), p('nvdv2:cves'), p('kev:catalog'), p('epss:scores')]).toEqual(['github', 'github', 'nvd', 'kev', 'epss']);
    expect([p('fake:1'), p('github:unknown'), p('debian:bookworm')]).toEqual([undefined, undefined, undefined]);
  });
});

describe('operating systems', () => {
  it('are named and versioned as grype-db writes them, codenames from the names table', () => {
    expect(releaseOs('debian:12')).toEqual({ name: 'debian', releaseId: 'debian', major: '12', minor: '', label: '', codename: 'bookworm', channel: '' });
    expect(releaseOs('debian:unstable')).toEqual({ name: 'debian', releaseId: 'debian', major: '', minor: '', label: 'unstable', codename: '', channel: '' });
    expect(releaseOs('ubuntu:22.04')).toEqual({ name: 'ubuntu', releaseId: 'ubuntu', major: '22', minor: '4', label: '', codename: 'jammy', channel: '' });
    expect(releaseOs('ubuntu:24.10').codename).toBe('oracular');
    expect(releaseOs('rhel:9')).toEqual({ name: 'redhat', releaseId: 'rhel', major: '9', minor: '', label: '', codename: '', channel: '' });
    expect(releaseOs('alpine:3.20')).toMatchObject({ name: 'alpine', major: '3', minor: '20', codename: '' });
    expect(releaseOs('alpine:edge')).toMatchObject({ major: '', minor: '', label: 'edge' });
  });

  it('put Ubuntu Pro fixes in the esm channel and Red Hat EUS fixes in the eus channel of their minor', () => {
    expect(entryOs('ubuntu:16.04', { channel: 'esm-infra' })).toMatchObject({ name: 'ubuntu', major: '16', minor: '4', codename: 'xenial', channel: 'esm' });
    expect(entryOs('ubuntu:16.04', { channel: 'esm-apps' })?.channel).toBe('esm');
    expect(entryOs('ubuntu:22.04', { channel: 'fips-updates' })).toBeNull();
    expect(entryOs('rhel:8', { channel: 'eus', product: { id: 'AppStream-8.4.0.Z.EUS', cpe: 'cpe:/a:redhat:rhel_eus:8.4::appstream' } }))
      .toEqual({ name: 'redhat', releaseId: 'rhel', major: '8', minor: '4', label: '', codename: '', channel: 'eus' });
    // The product alone says EUS.
    expect(entryOs('rhel:9', { product: { cpe: 'cpe:/o:redhat:rhel_eus:9.2::baseos' } })).toMatchObject({ major: '9', minor: '2', channel: 'eus' });
    expect(entryOs('rhel:9', { product: { cpe: 'cpe:/o:redhat:enterprise_linux:9::baseos' } })).toMatchObject({ major: '9', minor: '', channel: '' });
  });
});

describe('distro records', () => {
  it('Debian: fixed with the DSA as an advisory reference, not-affected as an unaffected handle, CHMLN and CVSS severities', () => {
    const e = map(DEBIAN[0]!)!;
    expect(e.provider).toBe('debian');
    expect(vulnerabilityBlobText(e.vulnerability!.blob)).toBe(JSON.stringify({
      id: 'CVE-2023-4863', description: 'Heap buffer overflow in libwebp in Google Chrome prior to 116.0.5845.187.',
      refs: [{ url: 'https://security-tracker.debian.org/tracker/CVE-2023-4863' }],
      severities: [{ scheme: 'CHMLN', value: 'high', rank: 1 }, { scheme: 'CVSS', value: { vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H', version: '3.1' }, source: 'nvd@nist.gov', rank: 2 }],
    }));
    expect(handles(e.unaffectedPackages)).toEqual([['debian 12.', 'deb', 'chromium', '{"ranges":[{"version":{"type":"dpkg"},"fix":{"state":"not-affected"}}]}']]);
    expect(handles(e.affectedPackages)).toEqual([
      ['debian 12.', 'deb', 'firefox-esr', '{"ranges":[{"version":{"type":"dpkg","constraint":"< 115.2.1esr-1~deb12u1"},"fix":{"version":"115.2.1esr-1~deb12u1","state":"fixed"}}]}'],
      ['debian 12.', 'deb', 'libwebp', JSON.stringify({ ranges: [{ version: { type: 'dpkg', constraint: '< 1.2.4-4+deb12u1' }, fix: { version: '1.2.4-4+deb12u1', state: 'fixed', detail: { references: [{ url: 'https://security-tracker.debian.org/tracker/DSA-5497-1', id: 'DSA-5497-1', tags: ['advisory'] }] } } }] })],
    ]);
    expect(e.affectedPackages[0]?.os?.codename).toBe('bookworm');
  });

  it('Debian: will-not-fix is wont-fix and an open issue not-fixed, both every version; unstable is a label', () => {
    expect(handles(map(DEBIAN[1]!)!.affectedPackages)).toEqual([
      ['debian 12.', 'deb', 'expat', '{"ranges":[{"version":{"type":"dpkg"},"fix":{"state":"wont-fix"}}]}'],
      ['debian 12.', 'deb', 'imagemagick', '{"ranges":[{"version":{"type":"dpkg"},"fix":{"state":"not-fixed"}}]}'],
    ]);
    expect(handles(map(DEBIAN[2]!)!.affectedPackages)[0]?.slice(0, 3)).toEqual(['debian .unstable', 'deb', 'libwebp']);
  });

  it('Ubuntu: the USN as a reference, deferred and under investigation as not-fixed', () => {
    const e = map(UBUNTU[0]!)!;
    expect(handles(e.affectedPackages)).toEqual([
      ['ubuntu 22.4', 'deb', 'curl', JSON.stringify({ ranges: [{ version: { type: 'dpkg', constraint: '< 7.81.0-1ubuntu1.14' }, fix: { version: '7.81.0-1ubuntu1.14', state: 'fixed', detail: { references: [{ url: 'https://ubuntu.com/security/notices/USN-6429-1', id: 'USN-6429-1', tags: ['advisory'] }] } } }] })],
      ['ubuntu 22.4', 'deb', 'libcurl3-nss', '{"ranges":[{"version":{"type":"dpkg"},"fix":{"state":"not-fixed"}}]}'],
      ['ubuntu 22.4', 'deb', 'rust-curl', '{"ranges":[{"version":{"type":"dpkg"},"fix":{"state":"not-fixed"}}]}'],
    ]);
  });

  it("Ubuntu from OSV: named by the upstream CVE, the Pro fix in the esm channel, a withdrawn record left out", () => {
    const e = map(UBUNTU[1]!)!;
    expect(e.vulnerability).toMatchObject({ name: 'CVE-2014-2901', status: 'active', published: '2019-11-21T23:15:00Z' });
    expect(e.vulnerability!.blob.id).toBe('CVE-2014-2901');
    expect(handles(e.affectedPackages)).toEqual([
      ['ubuntu 16.4', 'deb', 'wolfssl', '{"ranges":[{"version":{"type":"dpkg"},"fix":{"state":"not-fixed"}}]}'],
      ['ubuntu 16.4+esm', 'deb', 'wolfssl', '{"ranges":[{"version":{"type":"dpkg","constraint":"< 3.4.8+dfsg-1ubuntu0.1~esm1"},"fix":{"version":"3.4.8+dfsg-1ubuntu0.1~esm1","state":"fixed"}}]}'],
    ]);
    expect(map(UBUNTU[2]!)).toBeNull();
  });

  it('RHEL: rpm_modularity on every affected handle, module streams apart, EUS fixes in their channel, not-affected without qualifiers', () => {
    const e = map(RHEL[0]!)!;
    expect(e.provider).toBe('rhel');
    expect(handles(e.affectedPackages)).toEqual([
      ['redhat 9.', 'rpm', 'curl', JSON.stringify({ qualifiers: { rpm_modularity: '' }, ranges: [{ version: { type: 'rpm', constraint: '< 0:7.76.1-26.el9_3.2' }, fix: { version: '0:7.76.1-26.el9_3.2', state: 'fixed', detail: { references: [{ url: 'https://access.redhat.com/errata/RHSA-2023:5763', id: 'RHSA-2023:5763', tags: ['advisory'] }] } } }] })],
      ['redhat 9.0+eus', 'rpm', 'curl', '{"qualifiers":{"rpm_modularity":""},"ranges":[{"version":{"type":"rpm","constraint":"< 0:7.76.1-19.el9_0.4"},"fix":{"version":"0:7.76.1-19.el9_0.4","state":"fixed"}}]}'],
    ]);
    expect(handles(e.unaffectedPackages)).toEqual([['redhat 9.', 'rpm', 'curl-minimal-compat', '{"ranges":[{"version":{"type":"rpm"},"fix":{"state":"not-affected"}}]}']]);
    expect(handles(map(RHEL[1]!)!.affectedPackages).map((h) => [h[2], parse(h[3]).qualifiers?.rpm_modularity, parse(h[3]).ranges[0]?.fix?.state])).toEqual([
      ['nodejs', 'nodejs:18', 'fixed'], ['nodejs', '', 'fixed'], ['nodejs', 'nodejs:16', 'wont-fix'],
    ]);
  });

  it("Alpine: a fix of \"0\" stays an affected < 0 range (grype-db writes no unaffected handles for apk)", () => {
    const e = map(rec('alpine:3.20', 'CVE-2024-0002', [{ package: 'zlib', versionScheme: 'apk', state: 'not_affected' }]))!;
    expect(e.unaffectedPackages).toEqual([]);
    expect(handles(e.affectedPackages)).toEqual([['alpine 3.20', 'apk', 'zlib', '{"ranges":[{"version":{"type":"apk","constraint":"< 0"},"fix":{"version":"0","state":"fixed"}}]}']]);
  });

  it('a not-affected entry next to other entries of its package is the never-matching < 0 range', () => {
    const e = map(rec('debian:12', 'CVE-2024-0003', [
      { package: 'linux', versionScheme: 'dpkg', state: 'not_affected' }, { package: 'linux', versionScheme: 'dpkg', state: 'fixed', version: '6.1.76-1' },
    ]))!;
    expect(e.unaffectedPackages).toEqual([]);
    expect(parse(handles(e.affectedPackages)[0]![3]).ranges.map((r) => r.version.constraint)).toEqual(['< 0', '< 6.1.76-1']);
  });
});

describe('language records', () => {
  it('GHSA (PyPI): the github provider, the summary as description, CHML severity, PEP 503 name, constraint as grype-db normalizes GitHub ranges', () => {
    const e = map(LANGUAGE[0]!)!;
    expect(e.provider).toBe('github');
    expect(vulnerabilityBlobText(e.vulnerability!.blob)).toBe(JSON.stringify({
      id: 'GHSA-h5c8-rqwp-cp95', description: 'Jinja vulnerable to HTML attribute injection when passing user input as keys to xmlattr filter',
      refs: [{ url: 'https://github.com/advisories/GHSA-h5c8-rqwp-cp95' }, { url: 'https://github.com/pallets/jinja/security/advisories/GHSA-h5c8-rqwp-cp95' }],
      aliases: ['CVE-2024-22195'],
      severities: [{ scheme: 'CHML', value: 'medium', rank: 0 }, { scheme: 'CVSS', value: { vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N', version: '3.1' }, rank: 0 }],
    }));
    expect(handles(e.affectedPackages)).toEqual([['-', 'python', 'jinja2', '{"cves":["CVE-2024-22195"],"ranges":[{"version":{"type":"python","constraint":"<3.1.3"},"fix":{"version":"3.1.3","state":"fixed"}}]}']]);
  });

  it('GHSA (Maven): one range per interval of the OSV range, the java-archive package lower-cased', () => {
    const [h] = map(LANGUAGE[1]!)!.affectedPackages;
    expect(h?.pkg).toEqual({ ecosystem: 'java-archive', name: 'org.apache.logging.log4j:log4j-core' });
    expect(h?.blob.ranges?.map((r) => [r.version.type, r.version.constraint, r.fix?.version])).toEqual([
      ['java', '>=2.0-beta9,<2.3.1', '2.3.1'], ['java', '>=2.4,<2.12.2', '2.12.2'], ['java', '>=2.13.0,<2.15.0', '2.15.0'],
    ]);
  });

  it('Go: last_affected is <= without a fix; a GIT-only entry gets no handle; CVE aliases only', () => {
    const e = map(LANGUAGE[2]!)!;
    expect(handles(e.affectedPackages)).toEqual([['-', 'go-module', 'google.golang.org/protobuf', '{"cves":["CVE-2024-24786"],"ranges":[{"version":{"type":"go","constraint":"<=1.32.0"},"fix":{"state":"not-fixed"}}]}']]);
    expect(e.vulnerability?.blob.aliases).toEqual(['CVE-2024-24786']);
  });

  it('npm: an explicit version list as a disjunction; a withdrawn advisory is rejected', () => {
    const e = map(LANGUAGE[3]!)!;
    expect(e.vulnerability).toMatchObject({ status: 'rejected', withdrawn: '2024-02-02T00:00:00Z' });
    expect(handles(e.affectedPackages)).toEqual([['-', 'npm', 'left-pad', '{"ranges":[{"version":{"type":"npm","constraint":"= 1.0.1 || = 1.0.2"},"fix":{"state":"not-fixed"}}]}']]);
  });

  it("a range whose versions grype's format rejects is typed Unknown (fuzzy), as grype-db's validation leaves it", () => {
    // PyPA's PYSEC-2019-125 (steam) is fixed in "2019-09-12", which is no PEP 440 version; Go's "1.6.0" is one (grype adds the v).
    const osvFix = (pkg: string, scheme: 'pep440' | 'go', fixed: string): Parameters<typeof rec>[2][number] =>
      ({ package: pkg, versionScheme: scheme, state: 'fixed', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }] });
    const types = (r: VulnRecord): string[] => map(r)!.affectedPackages.flatMap((h) => (h.blob.ranges ?? []).map((x) => `${x.version.type} ${x.version.constraint}`));
    expect(types(rec('github:python', 'PYSEC-2019-125', [osvFix('steam', 'pep440', '2019-09-12'), osvFix('jinja2', 'pep440', '3.1.3')]))).toEqual(['Unknown <2019-09-12', 'python <3.1.3']);
    expect(types(rec('github:go', 'GO-2020-0001', [osvFix('github.com/gin-gonic/gin', 'go', '1.6.0'), osvFix('example.com/m', 'go', 'not.a.version')]))).toEqual(['go <1.6.0', 'Unknown <not.a.version']);
  });

  it('normalizes names and constraints as grype does', () => {
    expect(normalizeName('Foo_Bar.baz--x', 'python')).toBe('foo-bar-baz-x');
    expect(normalizeName('Org.Example:Lib', 'java-archive')).toBe('org.example:lib');
    expect(normalizeName('Left_Pad', 'npm')).toBe('Left_Pad');
    expect(enforceSemverConstraint('>= 1.2.0, < 1.4.3')).toBe('>=1.2.0,<1.4.3');
    expect(enforceSemverConstraint('>= 1.2.0 < 1.4.3')).toBe('>=1.2.0,<1.4.3');
    expect(enforceSemverConstraint('')).toBe('');
    expect(osvIntervals([{ introduced: '0' }])).toEqual([{ constraint: '', fixed: null }]);
    // limit bounds every interval of its range (grype-db drops it; the engine and OSV do not).
    expect(osvIntervals([{ introduced: '1.0' }, { limit: '2.0' }])).toEqual([{ constraint: '>= 1.0, < 2.0', fixed: null }]);
    expect(osvIntervals([{ introduced: '0' }, { fixed: '1.1' }, { introduced: '1.5' }, { limit: '3.0' }])).toEqual([
      { constraint: '< 1.1, < 3.0', fixed: '1.1' }, { constraint: '>= 1.5, < 3.0', fixed: null },
    ]);
    expect(osvIntervals([{ introduced: '0' }, { limit: '*' }])).toEqual([{ constraint: '', fixed: null }]);
  });
});

describe('NVD records', () => {
  it('CVE-2018-5487: an AND configuration is the application with the kernel as its platform; severities ranked as grype-db ranks them', () => {
    const e = map(NVD[0]!)!;
    expect(e.provider).toBe('nvd');
    expect(e.vulnerability?.status).toBe('active');
    expect(vulnerabilityBlobText(e.vulnerability!.blob)).toBe(JSON.stringify({
      id: 'CVE-2018-5487', description: NVD[0]!.description,
      refs: [{ url: 'https://nvd.nist.gov/vuln/detail/CVE-2018-5487' }, { url: 'https://security.netapp.com/advisory/ntap-20180523-0001/', tags: ['patch', 'vendor-advisory'] }],
      severities: [
        { scheme: 'CVSS', value: { vector: 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', version: '3.0' }, source: 'nvd@nist.gov', rank: 1 },
        { scheme: 'CVSS', value: { vector: 'AV:N/AC:L/Au:N/C:P/I:P/A:P', version: '2.0' }, source: 'nvd@nist.gov', rank: 1 },
        { scheme: 'CVSS', value: { vector: 'CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:A/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', version: '4.0' }, source: 'security@zabbix.com', rank: 2 },
      ],
    }));
    expect(e.affectedCpes).toEqual([{
      cpe: { part: 'a', vendor: 'netapp', product: 'oncommand_unified_manager', edition: '', language: '', softwareEdition: '', targetHardware: '', targetSoftware: '', other: '' },
      blob: { cves: ['CVE-2018-5487'], qualifiers: { platform_cpes: ['cpe:2.3:o:linux:linux_kernel:-:*:*:*:*:*:*:*'] }, ranges: [{ version: { type: '', constraint: '>= 7.2, <= 7.3' } }] },
    }]);
    expect(packageBlobText(e.affectedCpes[0]!.blob)).toBe('{"cves":["CVE-2018-5487"],"qualifiers":{"platform_cpes":["cpe:2.3:o:linux:linux_kernel:-:*:*:*:*:*:*:*"]},"ranges":[{"version":{"constraint":">= 7.2, <= 7.3"}}]}');
    expect(e.cwes).toEqual([{ cve: 'CVE-2018-5487', cwe: 'CWE-20', source: 'nvd@nist.gov', type: 'Primary' }]);
  });

  it('CVE-2018-1000222: exact versions, one handle per product across configurations, sorted', () => {
    const e = map(NVD[1]!)!;
    expect(e.affectedCpes.map((h) => [h.cpe.vendor, h.cpe.product, h.cpe.softwareEdition, h.blob.ranges?.map((r) => r.version.constraint)])).toEqual([
      ['libgd', 'libgd', '', ['= 2.2.5']],
      ['canonical', 'ubuntu_linux', 'lts', ['= 14.04', '= 16.04', '= 18.04']],
      ['debian', 'debian_linux', '', ['= 8.0']],
    ]);
    expect(e.vulnerability?.status).toBe('active');
  });

  it('infers the fix from an end-excluding bound, reads the version format from the target software, and knows JVM products', () => {
    const e = map(NVD[2]!)!;
    expect(e.vulnerability?.status).toBe('analyzing');
    expect(e.affectedCpes.map((h) => [h.cpe.product, parse(packageBlobText(h.blob)).ranges])).toEqual([
      ['visual_c++', [{ version: { constraint: '>= 14.0, < 14.1' }, fix: { version: '14.1', state: 'fixed' } }]],
      ['jdk', [{ version: { type: 'jvm', constraint: '= 1.8.0-update_391' } }]],
      ['pillow', [{ version: { type: 'python', constraint: '< 10.2.0' }, fix: { version: '10.2.0', state: 'fixed' } }]],
    ]);
  });

  it('statuses: Rejected, Received and none', () => {
    const status = (s: VulnRecord['status']): string | undefined => map(rec('nvdv2:cves', 'CVE-2024-9', [], s ? { status: s } : {}))?.vulnerability?.status;
    expect([status('Rejected'), status('Received'), status('Deferred'), status('Undergoing Analysis'), status(undefined)]).toEqual(['rejected', '', '', 'analyzing', '']);
  });

  it('CPE strings: quoted characters unquoted in the row, ANY empty, quoted again when written out', () => {
    const c = parseCpe('cpe:2.3:a:microsoft:visual_c\\+\\+:2015:*:*:*:*:*:x64:*');
    expect(c).toMatchObject({ vendor: 'microsoft', product: 'visual_c++', version: '2015', update: '', targetHw: 'x64' });
    expect(formatCpe(c)).toBe('cpe:2.3:a:microsoft:visual_c\\+\\+:2015:*:*:*:*:*:x64:*');
    expect(() => parseCpe('cpe:2.3:a:too:few')).toThrow('has 3');
    // A configuration node with operator AND inside an OR configuration is dropped, as grype-db drops it.
    expect(cpeCandidates([{ nodes: [{ operator: 'AND', negate: false, cpeMatch: [{ vulnerable: true, criteria: 'cpe:2.3:a:x:y:1:*:*:*:*:*:*:*', matchCriteriaId: 'a' }] }] }])).toEqual([]);
  });
});

describe('enrichment records', () => {
  it("KEV: dates as times, the ransomware flag lower-cased, URLs out of the notes and brackets", () => {
    const e = map(KEV[0]!)!;
    expect(e.vulnerability).toBeNull();
    expect(e.provider).toBe('kev');
    expect(kevBlobText(e.kev[0]!.blob)).toBe(JSON.stringify({
      cve: 'CVE-2021-44228', vendor_project: 'Apache', product: 'Log4j2', date_added: '2021-12-10T00:00:00Z',
      required_action: KEV[0]!.kev!.requiredAction, due_date: '2021-12-24T00:00:00Z', known_ransomware_campaign_use: 'known', notes: 'CISA guidance available',
      urls: ['https://nvd.nist.gov/vuln/detail/CVE-2021-44228', 'https://www.cisa.gov/uscert/apache-log4j-vulnerability-guidance'], cwes: ['CWE-20', 'CWE-400', 'CWE-502'],
    }));
    expect(kevUrls('CISA Mitigation Instructions: https://a.example ; https://b.example', [])).toEqual({ urls: ['https://b.example'], notes: 'CISA Mitigation Instructions: https://a.example' });
  });

  it('EPSS: score and percentile per CVE, with the date', () => {
    expect(map(EPSS[0]!)).toMatchObject({ provider: 'epss', vulnerability: null, epss: [{ cve: 'CVE-2021-44228', epss: 0.94358, percentile: 0.99957, date: '2025-02-20' }] });
  });
});
