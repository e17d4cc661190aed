/**
 * The decision of one installed package against one affected row of its group: a match, a problem
 * (a version the scheme's own tool refuses, reported instead of guessed), or null (not affected);
 * plus the warnings of versions the tool compares only with a warning. The rules are in match.ts's
 * module doc; this is the hot path of a scan.
 */
import { NO_FIX } from '../../drivers/_framework/record.ts';
import type { AffectedRow } from '../store/types.ts';
import { type Comparator, describeWarning, InvalidVersionError, UnknownSchemeError } from '../../drivers/_framework/versions/index.ts';
import { comparatorFor, listedVersionIs } from './ecosystems.ts';
import { schemeFor } from './namespaces.ts';
import { moduleApplies } from './rpm-module.ts';
import { inRanges } from './ranges.ts';
import type { Candidate, Match, Problem, ScanWarning } from './types.ts';

function describe(err: unknown): string {
  return err instanceof InvalidVersionError || err instanceof UnknownSchemeError ? err.message : String(err);
}

/** A problem of one candidate with one row: the scan reports it instead of a verdict. */
function problemOf(c: Candidate, row: AffectedRow, message: string): Problem {
  return { package: c.pkg.name, version: c.version, location: c.pkg.location, vulnId: row.vulnId, group: row.group, message };
}

/**
 * Per-candidate state of the matching loop: parsed installed versions per scheme, and the warnings
 * found so far (deduplicated by their text). `cache` holds the warnings of record versions across
 * the whole scan (distro fixed versions repeat across packages).
 */
export interface Decision {
  parsed: Map<string, unknown>;
  warnings: ScanWarning[];
  warned: Set<string>;
  /** Warnings by scheme and version; null for a version the scheme rejects. */
  cache: Map<string, readonly string[] | null>;
}

function warnOnce(d: Decision, w: ScanWarning): void {
  const key = `${w.vulnId ?? ''}\0${w.version}\0${w.message}`;
  if (d.warned.has(key)) return;
  d.warned.add(key);
  d.warnings.push(w);
}

/** The warnings of a version, cached per scheme and text (they are rare, the versions are not). */
function warningsOf(d: Decision, cmp: Comparator, v: string): readonly string[] | null {
  const key = `${cmp.scheme}\0${v}`;
  let w = d.cache.get(key);
  if (w === undefined) {
    try {
      w = cmp.warnings(v);
    } catch (err) {
      // Only an OSV listed version gets here invalid (ranges and fixes were parsed before): ecosystems.ts.
      if (!(err instanceof InvalidVersionError)) throw err;
      w = null;
    }
    d.cache.set(key, w);
  }
  return w;
}

/** The warnings of a row's versions for one comparator: computed once per row, reported per package. */
const rowWarnings = new WeakMap<AffectedRow, { cmp: Comparator; items: readonly { version: string; message: string }[] }>();

/** Reports the warnings of the record's versions that a decision compared against. */
function recordWarnings(d: Decision, c: Candidate, row: AffectedRow, cmp: Comparator, fixedText: string | null): void {
  let held = rowWarnings.get(row);
  if (held === undefined || held.cmp !== cmp) {
    const versions: string[] = [];
    if (row.ranges && row.ranges.length > 0) {
      for (const range of row.ranges) {
        if (range.type === 'GIT') continue;
        for (const e of range.events) {
          const v = 'introduced' in e ? e.introduced : 'fixed' in e ? e.fixed : 'last_affected' in e ? e.last_affected : e.limit;
          if (!('introduced' in e && v === '0') && !('limit' in e && v === '*')) versions.push(v);
        }
      }
    } else if (fixedText !== null) versions.push(fixedText);
    if (row.versions) versions.push(...row.versions);
    const items: { version: string; message: string }[] = [];
    for (const v of versions) {
      const warnings = warningsOf(d, cmp, v);
      if (warnings === null) {
        items.push({ version: v, message: `the record lists a version its scheme does not compare, matched only by being the same string: ${describeWarning(cmp.scheme, v, 'not a valid version')}` });
        continue;
      }
      for (const w of warnings) items.push({ version: v, message: `the record's version is compared with a warning: ${describeWarning(cmp.scheme, v, w)}` });
    }
    rowWarnings.set(row, (held = { cmp, items }));
  }
  for (const { version, message } of held.items) {
    warnOnce(d, { package: c.pkg.name, version, location: c.pkg.location, vulnId: row.vulnId, group: row.group, message });
  }
}

/** Decides one candidate against one row; returns a match, a problem, or null (not affected). */
// No closures per (package, row) pair in this hot path: under tsx each one costs a naming call.
export function decide(c: Candidate, row: AffectedRow, d: Decision): Match | Problem | null {
  // The record says this package here never had the flaw: whatever the version, no match.
  if (row.state === 'not_affected') return null;
  // An entry of another module stream (or of none) is about another build of the package.
  if (!moduleApplies(c.pkg.module, row.module)) return null;
  const parsed = d.parsed;
  let cmp: Comparator;
  const scheme = schemeFor(c.pkg.kind, row.scheme);
  try {
    cmp = comparatorFor(c.pkg.kind, scheme);
  } catch (err) {
    return problemOf(c, row, describe(err));
  }
  const fixedText = row.state !== 'fixed' || row.fixed === NO_FIX ? null : row.fixed;
  const hasRanges = row.ranges !== null && row.ranges.length > 0;
  const hasVersions = row.versions !== null && row.versions.length > 0;
  // No fix, no ranges, no version list: every version is affected, so no comparison is needed and none can fail.
  if (fixedText === null && !hasRanges && !hasVersions) return matchOf(c, row, null);
  let installed = parsed.get(scheme);
  if (installed === undefined) {
    try {
      installed = cmp.parse(c.version);
    } catch (err) {
      return problemOf(c, row, `installed version cannot be compared: ${describe(err)}`);
    }
    parsed.set(scheme, installed);
    for (const w of warningsOf(d, cmp, c.version) ?? []) {
      warnOnce(d, { package: c.pkg.name, version: c.version, location: c.pkg.location, message: `installed version is compared with a warning: ${describeWarning(scheme, c.version, w)}` });
    }
  }
  let affected = false;
  let fixed: string | null = fixedText;
  try {
    if (hasRanges && row.ranges) {
      const verdict = inRanges(installed, row.ranges, cmp);
      affected = verdict.affected;
      // Only a `fixed` entry names a fix: a range's end in another state is not one to recommend.
      fixed = row.state === 'fixed' ? (verdict.fixed ?? (affected ? fixed : null)) : null;
    } else if (fixedText !== null) {
      affected = cmp.compareParsed(installed, cmp.parse(fixedText)) < 0;
    }
    // OSV: a version in the explicit list is affected, whatever the ranges say.
    if (!affected && hasVersions && row.versions) {
      for (const v of row.versions) {
        if (listedVersionIs(cmp, installed, c.version, v).equal) {
          affected = true;
          break;
        }
      }
    }
  } catch (err) {
    return problemOf(c, row, `the record's version cannot be compared: ${describe(err)}`);
  }
  recordWarnings(d, c, row, cmp, fixedText);
  return affected ? matchOf(c, row, fixed) : null;
}

function matchOf(c: Candidate, row: AffectedRow, fixed: string | null): Match {
  const m: Match = {
    package: c.pkg.name,
    installedVersion: c.pkg.version,
    kind: c.pkg.kind,
    matchedBy: 'package',
    matchedName: c.name,
    matchedVersion: c.version,
    vulnId: row.vulnId,
    severity: row.severity,
    // What the affected row knows; engine-client/enrich fills in the rest from the stored records.
    severitySource: row.severity === 'Unknown' ? null : 'record',
    cvss: null,
    kev: null,
    epss: null,
    state: row.state === 'not_affected' ? 'affected' : row.state,
    fixedVersion: fixed,
    group: row.group,
    link: row.link,
    location: c.pkg.location,
  };
  if (row.module) m.module = row.module;
  return m;
}
