/** The normalized record → Anchore /v1 shapes, including how a tombstone looks in each feed. */
import { describe, expect, it } from 'vitest';
import type { VulnRecord } from '../../drivers/_framework/record.ts';
import { githubRange, toAnchoreGithub, toAnchoreVulnerability } from '../../drivers/_framework/shapes/anchore.ts';
import { toAnchoreNvd } from '../../drivers/_framework/shapes/anchore-nvd.ts';
import { makeRecord } from '../helpers/records.ts';

function debianRecord(): VulnRecord {
  return {
    ...makeRecord('debian:12', 'CVE-2013-7397'),
    severity: 'Medium',
    description: 'Async Http Client skips X.509 certificate verification',
    link: 'https://security-tracker.debian.org/tracker/CVE-2013-7397',
    cvss: [{
      version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: 9.8, baseSeverity: 'CRITICAL',
      exploitabilityScore: null, impactScore: null, source: 'nvd@nist.gov', type: null,
    }],
    fixedIn: [
      {
        package: 'async-http-client', versionScheme: 'dpkg', state: 'fixed', version: '1.6.5-3',
        vendorAdvisory: { noAdvisory: false, advisories: [{ id: 'DSA-0000-0', link: 'https://security-tracker.debian.org/tracker/DSA-0000-0' }] },
      },
      { package: 'libfoo', versionScheme: 'dpkg', state: 'will_not_fix', vendorAdvisory: { noAdvisory: true, advisories: [] } },
    ],
    metadata: { NVD: { CVSSv2: { Score: 4.3, Vectors: 'AV:N/AC:M/Au:N/C:N/I:P' } } },
  };
}

describe('vulnerabilities feed', () => {
  it('maps every field the engine reads, VendorAdvisory included', () => {
    expect(toAnchoreVulnerability(debianRecord(), false)).toEqual({
      Vulnerability: {
        Name: 'CVE-2013-7397',
        NamespaceName: 'debian:12',
        Severity: 'Medium',
        Description: 'Async Http Client skips X.509 certificate verification',
        Link: 'https://security-tracker.debian.org/tracker/CVE-2013-7397',
        CVSS: [{
          version: '3.1',
          vector_string: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
          base_metrics: { base_score: 9.8, base_severity: 'CRITICAL', exploitability_score: null, impact_score: null },
          status: 'N/A',
        }],
        FixedIn: [
          {
            Name: 'async-http-client', NamespaceName: 'debian:12', Version: '1.6.5-3', VersionFormat: 'dpkg',
            VendorAdvisory: { NoAdvisory: false, AdvisorySummary: [{ ID: 'DSA-0000-0', Link: 'https://security-tracker.debian.org/tracker/DSA-0000-0' }] },
          },
          { Name: 'libfoo', NamespaceName: 'debian:12', Version: 'None', VersionFormat: 'dpkg', VendorAdvisory: { NoAdvisory: true, AdvisorySummary: [] } },
        ],
        Metadata: { NVD: { CVSSv2: { Score: 4.3, Vectors: 'AV:N/AC:M/Au:N/C:N/I:P' } } },
      },
    });
  });

  it('serves a tombstone with everything but its fixes', () => {
    const tomb = toAnchoreVulnerability(debianRecord(), true);
    expect(tomb.Vulnerability.FixedIn).toEqual([]);
    expect(tomb.Vulnerability.Name).toBe('CVE-2013-7397');
    expect(tomb.Vulnerability.Metadata).toEqual(debianRecord().metadata);
  });
});

describe('github feed', () => {
  const ghsa: VulnRecord = {
    ...makeRecord('github:npm', 'GHSA-gvcj-pfq2-wxj7'),
    severity: 'High',
    description: 'High severity vulnerability that affects electron',
    link: 'https://github.com/advisories/GHSA-gvcj-pfq2-wxj7',
    aliases: ['CVE-2016-1202'],
    fixedIn: [{
      package: 'electron', versionScheme: 'semver', state: 'fixed', version: '0.33.5', ecosystem: 'npm',
      ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '0.33.5' }] }],
    }],
  };

  it('builds the Advisory shape with ranges, identifier and CVEs', () => {
    expect(toAnchoreGithub(ghsa, false, '2024-01-01T00:00:00.000000Z')).toEqual({
      Advisory: {
        ghsaId: 'GHSA-gvcj-pfq2-wxj7', namespace: 'github:npm', Severity: 'High',
        Summary: 'High severity vulnerability that affects electron', url: 'https://github.com/advisories/GHSA-gvcj-pfq2-wxj7',
        CVE: ['CVE-2016-1202'], Metadata: { CVE: ['CVE-2016-1202'] }, withdrawn: null,
        FixedIn: [{ name: 'electron', range: '< 0.33.5', identifier: '0.33.5', ecosystem: 'npm', namespace: 'github:npm' }],
      },
      Vulnerability: {},
    });
  });

  it('withdraws a tombstone: non-null withdrawn, no FixedIn', () => {
    const out = toAnchoreGithub(ghsa, true, '2024-05-06T07:08:09.123456Z') as { Advisory: { withdrawn: string; FixedIn: unknown[] } };
    expect(out.Advisory.withdrawn).toBe('2024-05-06T07:08:09.123456Z');
    expect(out.Advisory.FixedIn).toEqual([]);
  });

  it('writes OSV ranges as Anchore range strings', () => {
    const f = ghsa.fixedIn[0]!;
    expect(githubRange({ ...f, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '1.2.0' }, { fixed: '1.4.3' }, { introduced: '2.0.0' }, { fixed: '2.0.1' }] }] })).toBe('>= 1.2.0 < 1.4.3 || >= 2.0.0 < 2.0.1');
    expect(githubRange({ ...f, ranges: [{ type: 'SEMVER', events: [{ introduced: '3.0.0' }, { last_affected: '3.1.0' }] }] })).toBe('>= 3.0.0 <= 3.1.0');
    expect(githubRange({ ...f, ranges: [{ type: 'SEMVER', events: [{ introduced: '3.0.0' }] }] })).toBe('>= 3.0.0');
    const { ranges: _ranges, version: _version, ...bare } = f;
    expect(githubRange({ ...bare, version: '0.33.5' })).toBe('< 0.33.5');
    expect(githubRange({ ...bare, state: 'affected' })).toBe('None');
  });
});

describe('nvdv2 feed', () => {
  it('builds the NVD 1.1 item shape; a tombstone has no vulnerable CPEs', () => {
    const r: VulnRecord = {
      ...debianRecord(),
      namespace: 'nvdv2:cves',
      metadata: {},
      fixedIn: [],
      weaknesses: [{ id: 'CWE-20', source: 'nvd@nist.gov', type: 'Primary' }],
      configurations: [{
        nodes: [{
          operator: 'OR', negate: false,
          cpeMatch: [
            { vulnerable: true, criteria: 'cpe:2.3:a:x:y:1.0:*:*:*:*:*:*:*', matchCriteriaId: 'A1B2' },
            { vulnerable: false, criteria: 'cpe:2.3:o:x:os:-:*:*:*:*:*:*:*', matchCriteriaId: 'C3D4' },
          ],
        }],
      }],
    };
    const out = toAnchoreNvd(r, false);
    expect(out['cve']).toMatchObject({ CVE_data_meta: { ID: 'CVE-2013-7397' }, problemtype: { problemtype_data: [{ description: [{ lang: 'en', value: 'CWE-20' }] }] } });
    expect(out['cvss_v3']).toMatchObject({ version: '3.1', base_metrics: { base_score: 9.8 } });
    expect(out['cvss_v2']).toBeNull();
    expect(out['vulnerable_cpes']).toEqual(['cpe:2.3:a:x:y:1.0:*:*:*:*:*:*:*']);
    expect(toAnchoreNvd(r, true)['vulnerable_cpes']).toEqual([]);
  });
});
