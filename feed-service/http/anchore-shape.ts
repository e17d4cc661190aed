/**
 * The Anchore /v1 record shapes, computed from the stored normalized record (see
 * ../../../shared/ANCHORE-FEED-API.md#records). The v1 protocol has no deletions, so a tombstone is
 * served in the one form the engine understands as "no longer applies": the same record with an
 * empty `FixedIn` (vulnerabilities, github with a non-null `withdrawn`) or no vulnerable CPEs (nvdv2).
 */
import type { Cvss, FixedIn, VulnRecord } from '../../drivers/_framework/record.ts';
import { NO_FIX } from '../../drivers/_framework/record.ts';

export interface AnchoreFixedIn {
  Name: string;
  NamespaceName: string;
  Version: string;
  VersionFormat: string;
  VendorAdvisory?: { NoAdvisory: boolean; AdvisorySummary: { ID: string; Link: string | null }[] };
}

export interface AnchoreCvss {
  version: string;
  vector_string: string;
  base_metrics: { base_score: number | null; base_severity: string | null; exploitability_score: number | null; impact_score: number | null };
  status: string;
}

export interface AnchoreVulnerability {
  Vulnerability: {
    Name: string;
    NamespaceName: string;
    Severity: string;
    Description: string;
    Link: string | null;
    CVSS: AnchoreCvss[];
    FixedIn: AnchoreFixedIn[];
    Metadata: Record<string, unknown>;
  };
}

function cvssOf(c: Cvss): AnchoreCvss {
  return {
    version: c.version,
    vector_string: c.vector,
    base_metrics: { base_score: c.baseScore, base_severity: c.baseSeverity, exploitability_score: null, impact_score: null },
    status: 'N/A',
  };
}

function fixedInOf(f: FixedIn, namespace: string): AnchoreFixedIn {
  const out: AnchoreFixedIn = { Name: f.package, NamespaceName: namespace, Version: f.version, VersionFormat: f.versionScheme };
  if (f.vendorAdvisory) {
    out.VendorAdvisory = {
      NoAdvisory: f.vendorAdvisory.noAdvisory,
      AdvisorySummary: f.vendorAdvisory.advisories.map((a) => ({ ID: a.id, Link: a.link })),
    };
  }
  return out;
}

/** The `vulnerabilities` feed shape; a tombstone keeps its fields and loses its fixes. */
export function toAnchoreVulnerability(r: VulnRecord, deleted: boolean): AnchoreVulnerability {
  return {
    Vulnerability: {
      Name: r.id,
      NamespaceName: r.namespace,
      Severity: r.severity,
      Description: r.description,
      Link: r.link,
      CVSS: r.cvss.map(cvssOf),
      FixedIn: deleted ? [] : r.fixedIn.map((f) => fixedInOf(f, r.namespace)),
      Metadata: r.metadata,
    },
  };
}

/** `>= 1.2.0 < 1.4.3 || >= 2.0.0 < 2.0.1` from OSV range events; `< fix` when there are none. */
export function githubRange(f: FixedIn): string {
  const alternatives: string[] = [];
  for (const range of f.ranges ?? []) {
    if (range.type === 'GIT') continue;
    let lower: string | undefined;
    for (const event of range.events) {
      if ('introduced' in event) {
        lower = event.introduced === '0' ? '' : `>= ${event.introduced}`;
      } else if ('fixed' in event) {
        alternatives.push([lower, `< ${event.fixed}`].filter(Boolean).join(' '));
        lower = undefined;
      } else if ('last_affected' in event) {
        alternatives.push([lower, `<= ${event.last_affected}`].filter(Boolean).join(' '));
        lower = undefined;
      } else if ('limit' in event) {
        alternatives.push([lower, `< ${event.limit}`].filter(Boolean).join(' '));
        lower = undefined;
      }
    }
    // An introduced with no end: every later version is affected.
    if (lower !== undefined) alternatives.push(lower === '' ? '>= 0' : lower);
  }
  if (alternatives.length > 0) return alternatives.join(' || ');
  return f.version === NO_FIX ? NO_FIX : `< ${f.version}`;
}

/** The `github` feed shape; a tombstone is a withdrawn advisory (withdrawn = when it was removed). */
export function toAnchoreGithub(r: VulnRecord, deleted: boolean, updatedAt: string): Record<string, unknown> {
  const ecosystem = r.namespace.slice(r.namespace.indexOf(':') + 1);
  const cves = [r.id, ...r.aliases].filter((a) => a.startsWith('CVE-'));
  const withdrawn = r.withdrawn ?? (deleted ? updatedAt : null);
  return {
    Advisory: {
      ghsaId: r.id,
      namespace: r.namespace,
      Severity: r.severity,
      Summary: r.description,
      url: r.link ?? `https://github.com/advisories/${r.id}`,
      CVE: cves,
      Metadata: { ...r.metadata, CVE: cves },
      withdrawn,
      FixedIn:
        withdrawn !== null
          ? []
          : r.fixedIn.map((f) => ({
              name: f.package,
              range: githubRange(f),
              identifier: f.version === NO_FIX ? null : f.version,
              ecosystem,
              namespace: r.namespace,
            })),
    },
    Vulnerability: {},
  };
}

function nvdCvss(c: Cvss | undefined): Record<string, unknown> | null {
  if (!c) return null;
  return {
    version: c.version,
    vector_string: c.vector,
    severity: c.baseSeverity,
    base_metrics: { base_score: c.baseScore, base_severity: c.baseSeverity, exploitability_score: null, impact_score: null },
  };
}

/**
 * The `nvdv2` feed shape, from what the normalized record carries: CPEs come from
 * `metadata.vulnerable_cpes` and CWEs from `metadata.cwes` when a driver puts them there. A tombstone
 * has no vulnerable CPEs, so it matches nothing.
 */
export function toAnchoreNvd(r: VulnRecord, deleted: boolean): Record<string, unknown> {
  const cpes = Array.isArray(r.metadata['vulnerable_cpes']) ? (r.metadata['vulnerable_cpes'] as unknown[]).filter((c) => typeof c === 'string') : [];
  const cwes = Array.isArray(r.metadata['cwes']) ? (r.metadata['cwes'] as unknown[]).filter((c) => typeof c === 'string') : [];
  return {
    cve: {
      CVE_data_meta: { ID: r.id, ASSIGNER: typeof r.metadata['assigner'] === 'string' ? r.metadata['assigner'] : '' },
      description: { description_data: [{ lang: 'en', value: r.description }] },
      problemtype: { problemtype_data: [{ description: cwes.map((value) => ({ lang: 'en', value })) }] },
    },
    cvss_v2: nvdCvss(r.cvss.find((c) => c.version === '2.0')),
    cvss_v3: nvdCvss(r.cvss.find((c) => c.version.startsWith('3.'))),
    severity: r.severity,
    external_references: r.references.map((ref) => ({ url: ref.url, source: ref.type ?? '', tags: [] })),
    publishedDate: r.published,
    lastModifiedDate: r.modified,
    vulnerable_cpes: deleted ? [] : cpes,
  };
}

/** The served /v1 record of a stored document, by the group's feed. */
export function toAnchoreRecord(feed: string, r: VulnRecord, deleted: boolean, updatedAt: string): unknown {
  if (feed === 'github') return toAnchoreGithub(r, deleted, updatedAt);
  if (feed === 'nvdv2') return toAnchoreNvd(r, deleted);
  return toAnchoreVulnerability(r, deleted);
}
