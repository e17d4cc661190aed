/**
 * What every mapping module shares: CVE ids among aliases, references deduplicated as grype-db's
 * `DeduplicateReferences` does (same URL and same tags is one reference), the severity blocks, the
 * vulnerability status, and the OSV-range → grype-constraint conversion that grype-db applies to
 * OSV-shaped data (grype/db/v6/build/transformers/osv, `getGrypeRangesFromRange`).
 */
import type { FixedIn, RangeEvent, VulnRecord } from '../../../drivers/_framework/record.ts';
import type { Range, Reference, Severity } from './blobs.ts';
import type { VulnerabilityStatus } from './model.ts';

const CVE = /^CVE-\d{4}-\d{4,}$/;

export function isCve(id: string): boolean {
  return CVE.test(id);
}

/** The CVE ids among a record's aliases (not the record's own id), in record order, once each. */
export function cveAliases(r: Pick<VulnRecord, 'id' | 'aliases'>): string[] {
  const out: string[] = [];
  for (const a of r.aliases) if (isCve(a) && a !== r.id && !out.includes(a)) out.push(a);
  return out;
}

/** Drops references that repeat an earlier one (same URL and same tags), keeping the first. */
export function dedupeReferences(refs: readonly Reference[]): Reference[] {
  const seen = new Set<string>();
  const out: Reference[] = [];
  for (const r of refs) {
    const key = JSON.stringify([r.url, r.tags ?? []]);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(r);
  }
  return out;
}

/** `withdrawn` → `rejected` (the record no longer stands), else `active`. */
export function withdrawnStatus(r: VulnRecord): VulnerabilityStatus {
  return r.withdrawn ? 'rejected' : 'active';
}

/** The provider's own rating as grype keeps it (a lower-case word); none for `Unknown`. */
export function wordSeverity(r: VulnRecord, scheme: 'CHMLN' | 'CHML', rank: number): Severity[] {
  return r.severity === 'Unknown' ? [] : [{ scheme, value: r.severity.toLowerCase(), rank }];
}

/** Every CVSS metric of the record as a vector severity, in record order. */
export function cvssSeverities(r: VulnRecord, rank: (c: VulnRecord['cvss'][number]) => number): Severity[] {
  return r.cvss.map((c) => ({ scheme: 'CVSS', value: { vector: c.vector, version: c.version }, ...(c.source ? { source: c.source } : {}), rank: rank(c) }));
}

/** One interval an OSV range describes: a constraint in grype's syntax and the fix it ends in, if any. */
export interface Interval {
  constraint: string;
  fixed: string | null;
}

/**
 * The intervals of an OSV range's events, walked in order as grype-db does: `introduced` (other
 * than "0") opens `>= v`; `fixed` closes with `< v` and names the fix; `last_affected` closes with
 * `<= v` and no fix; an interval still open at the end is emitted as is. An interval that is every
 * version (`introduced: "0"` and nothing else) is the empty constraint. Clauses are joined with
 * `, ` (grype's conjunction).
 *
 * `limit` (other than `*`) bounds the whole range: no version at or past it is affected (OSV
 * schema; the engine's ranges.ts reads it so). grype-db drops it, which turns GHSA-7jq2-fw4p-8h3c's
 * `introduced 3.0.0, limit 3.5.0` into `>= 3.0.0`, every later release affected; here every
 * interval of the range gets `< limit` as well, so grype's lookup finds what the data says.
 */
export function osvIntervals(events: readonly RangeEvent[]): Interval[] {
  const out: Interval[] = [];
  let clauses: string[] = [];
  let open = false;
  for (const e of events) {
    if ('introduced' in e) {
      clauses = e.introduced === '0' ? [] : [`>= ${e.introduced}`];
      open = true;
    } else if ('fixed' in e) {
      out.push({ constraint: [...clauses, `< ${e.fixed}`].join(', '), fixed: e.fixed });
      clauses = [];
      open = false;
    } else if ('last_affected' in e) {
      out.push({ constraint: [...clauses, `<= ${e.last_affected}`].join(', '), fixed: null });
      clauses = [];
      open = false;
    }
  }
  if (open) out.push({ constraint: clauses.join(', '), fixed: null });
  const limits = events.flatMap((e) => ('limit' in e && e.limit !== '*' ? [`< ${e.limit}`] : []));
  if (limits.length === 0) return out;
  return out.map((i) => ({ ...i, constraint: [...(i.constraint === '' ? [] : [i.constraint]), ...limits].join(', ') }));
}

/**
 * grype-db's `EnforceSemVerConstraint`: the comparison clauses of a constraint, joined by `,` with
 * every space removed (`>= 1.2.0, < 1.4.3` → `>=1.2.0,<1.4.3`). The GitHub transformer applies it to
 * every ecosystem's range, and the OSV transformer to `semver` ranges.
 */
export function enforceSemverConstraint(constraint: string): string {
  if (constraint.trim().toLowerCase() === 'none' || constraint.trim() === '') return '';
  const clauses = constraint.match(/[><=]+\s*[^<>=,]+/g) ?? [];
  return clauses.join(', ').replace(/ /g, '');
}

/** `= 1.0.1 || = 1.0.2`: an explicit version list (OSV `versions`) as a grype disjunction. */
export function exactVersions(versions: readonly string[]): string {
  return versions.map((v) => `= ${v}`).join(' || ');
}

/** The grype ranges of an entry's OSV ranges (GIT ranges name commits, not versions: left out). */
export function osvRanges(f: FixedIn, type: string, normalize: (c: string) => string): Range[] {
  const out: Range[] = [];
  for (const range of f.ranges ?? []) {
    if (range.type === 'GIT') continue;
    for (const i of osvIntervals(range.events)) {
      out.push({
        version: { type, constraint: normalize(i.constraint) },
        fix: i.fixed !== null ? { version: i.fixed, state: 'fixed' } : { version: '', state: 'not-fixed' },
      });
    }
  }
  return out;
}
