/**
 * The Anchore /v1 `vulnerabilities` and `github` record shapes, from the normalized record (see
 * ../../../../shared/ANCHORE-FEED-API.md#records; `nvdv2` is in anchore-nvd.ts). The v1 protocol
 * has no deletions, so a tombstone is served in the one form the engine understands as "no longer
 * applies": the same record with an empty `FixedIn` (vulnerabilities, github with a non-null
 * `withdrawn`).
 *
 * Per-package states in Anchore's words (`FixedIn[].Version`):
 * - `fixed` → the version (or, for ranges without a version, the first `fixed` event);
 * - `not_affected` → `"0"`: every version is at or above it, so nothing matches (the secdb spelling);
 *   the github feed has no such entry and leaves it out;
 * - `affected`, `deferred`, `under_investigation` → `"None"` (no fix: every version matches);
 * - `will_not_fix` → `"None"` with `VendorAdvisory: {NoAdvisory: true}` (Anchore's "won't fix").
 * A fix published only in a subscription `channel` keeps its version: a machine that has the fix
 * installed is not flagged, one below it is, whatever Anchore then says about availability.
 */
import { type Cvss, type FixedIn, NO_FIX, type VulnRecord } from '../record.ts';

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

export interface AnchoreGithub {
  Advisory: {
    ghsaId: string;
    namespace: string;
    Severity: string;
    Summary: string;
    url: string;
    CVE: string[];
    Metadata: Record<string, unknown>;
    withdrawn: string | null;
    FixedIn: { name: string; range: string; identifier: string | null; ecosystem: string; namespace: string }[];
  };
  Vulnerability: Record<string, never>;
}

/** Anchore's "never affected" version. */
export const NOT_AFFECTED_VERSION = '0';

function cvssOf(c: Cvss): AnchoreCvss {
  return {
    version: c.version,
    vector_string: c.vector,
    base_metrics: { base_score: c.baseScore, base_severity: c.baseSeverity, exploitability_score: c.exploitabilityScore, impact_score: c.impactScore },
    status: 'N/A',
  };
}

/** The first `fixed` event of an entry's non-GIT ranges, or null. */
export function firstFixedEvent(f: FixedIn): string | null {
  for (const range of f.ranges ?? []) {
    if (range.type === 'GIT') continue;
    for (const e of range.events) if ('fixed' in e) return e.fixed;
  }
  return null;
}

/** `FixedIn[].Version` for an entry (rules in the module comment). */
export function anchoreVersion(f: FixedIn): string {
  if (f.state === 'not_affected') return NOT_AFFECTED_VERSION;
  if (f.state !== 'fixed') return NO_FIX;
  return f.version ?? firstFixedEvent(f) ?? NO_FIX;
}

function fixedInOf(f: FixedIn, namespace: string): AnchoreFixedIn {
  const out: AnchoreFixedIn = { Name: f.package, NamespaceName: namespace, Version: anchoreVersion(f), VersionFormat: f.versionScheme };
  if (f.vendorAdvisory) {
    out.VendorAdvisory = {
      NoAdvisory: f.vendorAdvisory.noAdvisory,
      AdvisorySummary: f.vendorAdvisory.advisories.map((a) => ({ ID: a.id, Link: a.link })),
    };
  } else if (f.state === 'will_not_fix') {
    out.VendorAdvisory = { NoAdvisory: true, AdvisorySummary: [] };
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

/**
 * `>= 1.2.0 < 1.4.3 || >= 2.0.0 < 2.0.1` from OSV range events (GitHub's `vulnerableVersionRange`
 * without its commas, as Anchore's feed served it): `introduced` `>=` (left out for `0`), `fixed`
 * and `limit` `<`, `last_affected` `<=`, an `introduced` without an end `>= x` (`>= 0`: every
 * version). GIT ranges (commits) are not versions and are left out. An entry with an explicit
 * `versions` list and no version range is `= 1.0.0 || = 1.0.1` (GitHub's spelling of one version).
 * Without either: `< fix`, or `None` when nothing is fixed.
 */
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
  if (alternatives.length === 0) for (const v of f.versions ?? []) alternatives.push(`= ${v}`);
  if (alternatives.length > 0) return alternatives.join(' || ');
  return f.state === 'fixed' && f.version !== undefined ? `< ${f.version}` : NO_FIX;
}

/**
 * The advisory's page for /v1 `url` when the record has no `link`: GitHub's for `GHSA-…` (what
 * Anchore's feed served), the database's own for the ids of the OSV databases airfeed reads
 * (`GO-…` pkg.go.dev, `RUSTSEC-…` rustsec.org), osv.dev's for any other id (`PYSEC-…`, `MAL-…`).
 */
export function advisoryUrl(id: string): string {
  if (id.startsWith('GHSA-')) return `https://github.com/advisories/${id}`;
  if (id.startsWith('GO-')) return `https://pkg.go.dev/vuln/${id}`;
  if (id.startsWith('RUSTSEC-')) return `https://rustsec.org/advisories/${id}.html`;
  return `https://osv.dev/vulnerability/${encodeURIComponent(id)}`;
}

/** The `github` feed shape; a tombstone is a withdrawn advisory (withdrawn = when it was removed). */
export function toAnchoreGithub(r: VulnRecord, deleted: boolean, updatedAt: string | null): AnchoreGithub {
  const ecosystem = r.namespace.slice(r.namespace.indexOf(':') + 1);
  const cves = [r.id, ...r.aliases].filter((a) => a.startsWith('CVE-'));
  const withdrawn = r.withdrawn ?? (deleted ? updatedAt : null);
  return {
    Advisory: {
      ghsaId: r.id,
      namespace: r.namespace,
      Severity: r.severity,
      Summary: r.title ?? r.description,
      url: r.link ?? advisoryUrl(r.id),
      CVE: cves,
      Metadata: { ...r.metadata, CVE: cves },
      withdrawn,
      FixedIn:
        withdrawn !== null
          ? []
          : r.fixedIn
              .filter((f) => f.state !== 'not_affected')
              .map((f) => ({
                name: f.package,
                range: githubRange(f),
                identifier: f.state === 'fixed' ? (f.version ?? firstFixedEvent(f)) : null,
                ecosystem,
                namespace: r.namespace,
              })),
    },
    Vulnerability: {},
  };
}
