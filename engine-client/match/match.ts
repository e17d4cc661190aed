/**
 * Matching: a package is vulnerable to a record of its group when its version is below the record's
 * fixed version (or the record knows no fix), compared with the comparator of the record's scheme;
 * language packages are matched against the record's affected ranges and explicit versions when it
 * has them. A `not_affected` entry never matches; `affected`, `will_not_fix`, `deferred` and
 * `under_investigation` entries are "no fix" (record schema v2, drivers/_framework/record-fixed.ts).
 *
 * Distro feeds name source packages and give source versions (DESIGN.md, "source packages"), so a
 * binary is looked up by its source name and compared by its source version; the result says which
 * name and version matched. A version the comparator rejects is reported as a problem of the scan,
 * never guessed: a guessed order would turn into a wrong "fixed" or "affected" verdict.
 */
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { NO_FIX, type Severity } from '../../drivers/_framework/record.ts';
import type { Distro, InstalledPackage, Inventory, PackageKind } from '../inputs/types.ts';
import { packageKey } from '../store/package-key.ts';
import type { AffectedRow } from '../store/types.ts';
import { type Comparator, getComparator, InvalidVersionError, UnknownSchemeError } from '../../drivers/_framework/versions/index.ts';
import { distroGroup, DISTRO_KINDS, groupFor, lookupName, schemeFor } from './namespaces.ts';
import { inRanges } from './ranges.ts';

/** One vulnerability found in one installed package. */
export interface Match {
  /** The installed package, as the input names it. */
  package: string;
  installedVersion: string;
  kind: PackageKind;
  /** The name the record names (the source package for distro binaries). */
  matchedName: string;
  /** The version that was compared (the source version for distro binaries). */
  matchedVersion: string;
  vulnId: string;
  severity: Severity;
  /** The first fixed version; null when no fix is known. */
  fixedVersion: string | null;
  group: string;
  link: string | null;
  /** Where the package was found in the input. */
  location: string;
}

/** Something the scan could not decide, reported instead of guessed. */
export interface Problem {
  package: string;
  version: string;
  location: string;
  vulnId?: string;
  group?: string;
  message: string;
}

export interface MatchResult {
  distro: Distro | null;
  /** Groups consulted, with how many packages were looked up in each. */
  groups: { name: string; packages: number }[];
  /** Language groups the store does not hold: their packages were not checked (a coverage gap, not a failure). */
  unchecked: { group: string; packages: number }[];
  packages: number;
  matches: Match[];
  problems: Problem[];
}

/** Looks up the affected rows of many package names in one group. */
export type Lookup = (group: string, names: readonly string[]) => Promise<AffectedRow[]>;

export interface MatchOptions {
  lookup: Lookup;
  /** The groups the store holds; a package whose group is missing is an error, not a clean result. */
  available: ReadonlySet<string>;
  /** Overrides the inventory's distro (`--distro`). */
  distro?: Distro;
}

interface Candidate {
  pkg: InstalledPackage;
  name: string;
  version: string;
}

/**
 * The name and version a package is matched by. rpm sub-packages share the spec's epoch, which the
 * source rpm's file name omits: the binary's epoch is carried over to the source version.
 */
export function matchKey(pkg: InstalledPackage): { name: string; version: string } {
  if (!DISTRO_KINDS.has(pkg.kind) || !pkg.source) return { name: lookupName(pkg.kind, pkg.name), version: pkg.version };
  let version = pkg.source.version ?? pkg.version;
  if (pkg.kind === 'rpm' && pkg.source.version !== undefined && !version.includes(':')) {
    const epoch = /^(\d+):/.exec(pkg.version)?.[1];
    if (epoch !== undefined && epoch !== '0') version = `${epoch}:${version}`;
  }
  return { name: pkg.source.name, version };
}

/** Severity order, Anchore's: Unknown lowest. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { Unknown: 0, Negligible: 1, Low: 2, Medium: 3, High: 4, Critical: 5 };

function describe(err: unknown): string {
  return err instanceof InvalidVersionError || err instanceof UnknownSchemeError ? err.message : String(err);
}

/** Decides one candidate against one row; returns a match, a problem, or null (not affected). */
function problemOf(c: Candidate, row: AffectedRow, message: string): Problem {
  return { package: c.pkg.name, version: c.version, location: c.pkg.location, vulnId: row.vulnId, group: row.group, message };
}

// No closures per (package, row) pair in this hot path: under tsx each one costs a naming call.
function decide(c: Candidate, row: AffectedRow, parsed: Map<string, unknown>): Match | Problem | null {
  // The record says this package here never had the flaw: whatever the version, no match.
  if (row.state === 'not_affected') return null;
  let cmp: Comparator;
  const scheme = schemeFor(c.pkg.kind, row.scheme);
  try {
    cmp = getComparator(scheme);
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
  }
  let affected = false;
  let fixed: string | null = fixedText;
  try {
    if (hasRanges && row.ranges) {
      const verdict = inRanges(installed, row.ranges, cmp);
      affected = verdict.affected;
      fixed = verdict.fixed ?? (affected ? fixed : null);
    } else if (fixedText !== null) {
      affected = cmp.compareParsed(installed, cmp.parse(fixedText)) < 0;
    }
    // OSV: a version in the explicit list is affected, whatever the ranges say.
    if (!affected && hasVersions && row.versions) {
      for (const v of row.versions) {
        if (cmp.compareParsed(installed, cmp.parse(v)) === 0) {
          affected = true;
          break;
        }
      }
    }
  } catch (err) {
    return problemOf(c, row, `the record's version cannot be compared: ${describe(err)}`);
  }
  return affected ? matchOf(c, row, fixed) : null;
}

function matchOf(c: Candidate, row: AffectedRow, fixed: string | null): Match {
  return {
    package: c.pkg.name,
    installedVersion: c.pkg.version,
    kind: c.pkg.kind,
    matchedName: c.name,
    matchedVersion: c.version,
    vulnId: row.vulnId,
    severity: row.severity,
    fixedVersion: fixed,
    group: row.group,
    link: row.link,
    location: c.pkg.location,
  };
}

function byGroup(inv: Inventory, distro: Distro | undefined): Map<string, Candidate[]> {
  const groups = new Map<string, Candidate[]>();
  const distroless: string[] = [];
  for (const pkg of inv.packages) {
    const group = groupFor(pkg.kind, distro);
    if (group === undefined) {
      distroless.push(pkg.name);
      continue;
    }
    let list = groups.get(group);
    if (!list) groups.set(group, (list = []));
    list.push({ pkg, ...matchKey(pkg) });
  }
  if (distroless.length > 0) {
    throw new AirfeedError(
      'SCAN_DISTRO_UNKNOWN',
      `${inv.file}: ${distroless.length} ${inv.packages[0]?.kind ?? ''} packages (${distroless.slice(0, 3).join(', ')}${distroless.length > 3 ? ', …' : ''}) need a distro release, and the input names none`,
    );
  }
  return groups;
}

const order = (a: Match, b: Match): number =>
  SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.package.localeCompare(b.package, 'en') || a.vulnId.localeCompare(b.vulnId, 'en') || a.group.localeCompare(b.group, 'en');

/** Matches every package of an inventory; results sorted by severity (highest first), package, id. */
export async function matchInventory(inv: Inventory, options: MatchOptions): Promise<MatchResult> {
  const distro = options.distro ?? inv.distro;
  const groups = byGroup(inv, distro);
  const distroName = distro ? distroGroup(distro) : undefined;
  if (distroName !== undefined && groups.has(distroName) && !options.available.has(distroName)) {
    const near = [...options.available].filter((g) => g.startsWith(`${distro?.id ?? ''}:`)).sort();
    throw new AirfeedError(
      'ENGINE_DB_EMPTY',
      `the engine holds no data for ${distroName} (the packages of ${inv.file} come from it)${near.length > 0 ? `; it has ${near.join(', ')}` : ''}`,
    );
  }
  const matches: Match[] = [];
  const problems: Problem[] = [];
  const consulted: { name: string; packages: number }[] = [];
  const unchecked: { group: string; packages: number }[] = [];
  for (const [group, candidates] of [...groups].sort(([a], [b]) => a.localeCompare(b, 'en'))) {
    // Language groups absent from the store are a gap in coverage, not a failure of the scan.
    if (!options.available.has(group)) {
      unchecked.push({ group, packages: candidates.length });
      continue;
    }
    consulted.push({ name: group, packages: candidates.length });
    const rows = await options.lookup(group, [...new Set(candidates.map((c) => c.name))]);
    const byName = new Map<string, AffectedRow[]>();
    for (const row of rows) {
      const key = packageKey(group, row.package);
      const list = byName.get(key);
      if (list) list.push(row);
      else byName.set(key, [row]);
    }
    for (const c of candidates) {
      const parsed = new Map<string, unknown>();
      const seen = new Set<string>();
      for (const row of byName.get(c.name) ?? []) {
        const out = decide(c, row, parsed);
        if (out === null) continue;
        if ('vulnId' in out && 'severity' in out) {
          // One record can name a package twice (two ranges); report the vulnerability once.
          if (seen.has(out.vulnId)) continue;
          seen.add(out.vulnId);
          matches.push(out);
        } else problems.push(out);
      }
    }
  }
  return { distro: distro ?? null, groups: consulted, unchecked, packages: inv.packages.length, matches: matches.sort(order), problems };
}
