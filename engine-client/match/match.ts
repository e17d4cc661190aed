/**
 * Matching: a package is vulnerable to a record of its group when its version is below the record's
 * fixed version (or the record knows no fix), compared with the comparator of the record's scheme;
 * language packages are matched against the record's affected ranges and explicit versions when it
 * has them. A `not_affected` entry never matches; `affected`, `will_not_fix`, `deferred` and
 * `under_investigation` entries are "no fix" (record schema v2, drivers/_framework/record-fixed.ts).
 *
 * Distro feeds name source packages and give source versions (DESIGN.md, "source packages"), so a
 * binary is looked up by its source name and compared by its source version; the result says which
 * name and version matched. A version the comparator rejects (what the ecosystem's own tool
 * refuses) is reported as a problem of the scan, never guessed: a guessed order would turn into a
 * wrong "fixed" or "affected" verdict. A version the tool compares with only a warning (dpkg's
 * `3.0!-5`, Maven's `3.1.52 `) is matched normally, and the warning is reported next to the result
 * (`warnings`), naming the package, the version and, for a record's version, the vulnerability.
 *
 * A match says what the record says about the package (`state`): fixed, affected (no fix yet),
 * will not fix, deferred, under investigation; only a `fixed` entry gives a `fixedVersion`, so a
 * not-affected or will-not-fix statement never becomes a recommended fix. When a record names the
 * package more than once (a public entry and an Ubuntu Pro entry, two ranges), the vulnerability is
 * reported once: the fix the machine can install wins, and a fix published only in a channel the
 * scan did not assume (channels.ts) is reported as `unavailableFix` instead of a fix.
 *
 * rpm: a package of a Red Hat module stream matches only entries of its stream (rpm-module.ts); a
 * Red Hat fix published only for EUS/AUS products is a fix in a channel no plain machine has, so it
 * is reported as `unavailableFix` (channel `eus`), as an Ubuntu Pro fix is without Pro.
 */
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import type { CvssSummary, EpssSummary, KevSummary, SeveritySource } from '../enrich/types.ts';
import { type FixState, NO_FIX, type Severity } from '../../drivers/_framework/record.ts';
import type { Distro, InstalledPackage, Inventory, PackageKind } from '../inputs/types.ts';
import { packageKey } from '../store/package-key.ts';
import type { AffectedRow } from '../store/types.ts';
import { type Comparator, describeWarning, InvalidVersionError, UnknownSchemeError } from '../../drivers/_framework/versions/index.ts';
import { type ProAssumption, ubuntuProAssumption } from './channels.ts';
import { attachAdvisories, combine, type Outcome } from './combine.ts';
import { mergeFlaws, type RecordLookup } from './aliases.ts';
import { comparatorFor, listedVersionIs } from './ecosystems.ts';
import { distroGroup, DISTRO_KINDS, groupFor, lookupName, schemeFor } from './namespaces.ts';
import { moduleApplies } from './rpm-module.ts';
import { inRanges } from './ranges.ts';

/** One vulnerability found in one installed package. */
export interface Match {
  /** The installed package, as the input names it. */
  package: string;
  installedVersion: string;
  /** The package's kind; `cpe` for an SBOM component known only by its CPE (`--match cpe`). */
  kind: PackageKind | 'cpe';
  /** `package`: by name in its distro's or ecosystem's group; `cpe`: by a CPE against NVD's configurations (`--match cpe`). */
  matchedBy: 'package' | 'cpe';
  /** The name the record names (the source package for distro binaries). */
  matchedName: string;
  /** The version that was compared (the source version for distro binaries). */
  matchedVersion: string;
  vulnId: string;
  /**
   * The other ids of the same flaw (GHSA-…, PYSEC-…, GO-…, CVE-…), sorted: the aliases of every
   * record that matched, and the ids of the records merged into this match. Empty when none are known.
   */
  aliases?: string[];
  severity: Severity;
  /**
   * Where `severity` comes from: the matched record itself, or NVD's record of the same CVE (the
   * record's id or an alias) when the record has no severity or CVSS of its own (engine-client/enrich);
   * null while it is Unknown.
   */
  severitySource: SeveritySource | null;
  /** The CVSS metric shown with the severity (the record's own, else NVD's); null when neither has one. */
  cvss: CvssSummary | null;
  /** The CISA KEV listing of the CVE; null when it is not listed (or the engine holds no KEV data). */
  kev: KevSummary | null;
  /** The FIRST EPSS score of the CVE; null when it has none (or the engine holds no EPSS data). */
  epss: EpssSummary | null;
  /** What the record says about the package: every state but `not_affected`, which never matches. */
  state: Exclude<FixState, 'not_affected'>;
  /** The first fixed version the machine can install; null when no fix is known or available to it. */
  fixedVersion: string | null;
  /** A fix published only in a channel the scan did not assume (Ubuntu Pro's `esm-infra`, …), when there is one. */
  unavailableFix?: { version: string; channel: string };
  /** The vendor advisories of the record for this package (DSA/DLA, USN), when the store has them. */
  advisories?: Advisory[];
  /** The module stream the matched entry is limited to (`nodejs:18`). */
  module?: string;
  group: string;
  link: string | null;
  /** Where the package was found in the input. */
  location: string;
}

/** A vendor advisory: `{id: "DSA-5380-1", link: "https://security-tracker.debian.org/tracker/DSA-5380-1"}`. */
export interface Advisory {
  id: string;
  link: string | null;
}

/** Which record entries' advisories a match wants: its group, vulnerability and matched (source) package. */
export interface AdvisoryKey {
  group: string;
  vulnId: string;
  package: string;
}

/** Looks advisories up; the map's keys are `group\0vulnId\0package`. */
export type AdvisoryLookup = (keys: readonly AdvisoryKey[]) => Promise<Map<string, Advisory[]>>;

/** Something the scan could not decide, reported instead of guessed. */
export interface Problem {
  package: string;
  version: string;
  location: string;
  vulnId?: string;
  group?: string;
  message: string;
}

/** A version that was compared although its scheme's tool warns about it (not a failure of the scan). */
export interface ScanWarning {
  package: string;
  /** The version warned about: the installed one, or the record's. */
  version: string;
  location: string;
  /** Set when the version is the record's (a fixed version or range event). */
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
  /** Packages compared against their group's data without a problem (not counting packages of unchecked groups). */
  checked: number;
  matches: Match[];
  problems: Problem[];
  /** Versions compared with a warning, each once per package (and vulnerability for a record's version). */
  warnings: ScanWarning[];
  /** What the scan assumed about Ubuntu Pro (channels.ts): set for Ubuntu scans and whenever a record's fix was in a channel. */
  ubuntuPro?: ProAssumption;
}

/** Looks up the affected rows of many package names in one group. */
export type Lookup = (group: string, names: readonly string[]) => Promise<AffectedRow[]>;

export interface MatchOptions {
  lookup: Lookup;
  /** The groups the store holds; a package whose group is missing is an error, not a clean result. */
  available: ReadonlySet<string>;
  /** Overrides the inventory's distro (`--distro`). */
  distro?: Distro;
  /** `--ubuntu-pro`: the machine has Ubuntu Pro, so fixes in its ESM channels are available. */
  ubuntuPro?: boolean;
  /** Looks up the vendor advisories of the matches (store/advisories.ts); none are attached without it. */
  advisories?: AdvisoryLookup;
  /**
   * The aliases and withdrawal of matched records: when given, withdrawn records do not match and
   * the matches of one package that are the same flaw under several ids become one (match/aliases.ts).
   */
  records?: RecordLookup;
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

/**
 * Per-candidate state of the matching loop: parsed installed versions per scheme, and the warnings
 * found so far (deduplicated by their text). `cache` holds the warnings of record versions across
 * the whole scan (distro fixed versions repeat across packages).
 */
interface Decision {
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

// No closures per (package, row) pair in this hot path: under tsx each one costs a naming call.
function decide(c: Candidate, row: AffectedRow, d: Decision): Match | Problem | null {
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

/** What `--distro` to suggest for packages of a distro kind that came without a release. */
const DISTRO_EXAMPLES: Readonly<Record<string, string>> = {
  apk: '--distro alpine:3.20 (for an Alpine system)',
  deb: '--distro debian:12 or --distro ubuntu:22.04 (for a Debian or Ubuntu system)',
  rpm: '--distro rhel:9 (for RHEL and its rebuilds: Rocky, AlmaLinux, CentOS Stream)',
};

/**
 * Refuses distro packages (apk, deb, rpm) when no distro release is known (neither the input nor
 * `distro` names one): their group is per release. The hint suggests releases of the kind found
 * (a dpkg status file wants debian or ubuntu, never alpine). The scan calls this before it opens
 * the database, so the mistake is reported at once.
 */
export function checkDistro(inv: Inventory, distro: Distro | undefined): void {
  if (distro !== undefined) return;
  const byKind = new Map<PackageKind, string[]>();
  for (const pkg of inv.packages) {
    if (!DISTRO_KINDS.has(pkg.kind)) continue;
    const names = byKind.get(pkg.kind);
    if (names) names.push(pkg.name);
    else byKind.set(pkg.kind, [pkg.name]);
  }
  if (byKind.size === 0) return;
  const kinds = [...byKind.keys()].sort();
  const what = kinds
    .map((k) => {
      const names = byKind.get(k) ?? [];
      return `${names.length} ${k} packages (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''})`;
    })
    .join(' and ');
  const examples = kinds.map((k) => DISTRO_EXAMPLES[k] ?? '--distro <id>:<release>').join('; ');
  throw new AirfeedError('SCAN_DISTRO_UNKNOWN', `${inv.file}: ${what} need a distro release, and the input names none`, {
    hint: `Say which release the packages come from: ${examples}; or --os-release <file> with the scanned system's /etc/os-release.`,
  });
}

function byGroup(inv: Inventory, distro: Distro | undefined): Map<string, Candidate[]> {
  checkDistro(inv, distro);
  const groups = new Map<string, Candidate[]>();
  for (const pkg of inv.packages) {
    const group = groupFor(pkg.kind, distro);
    if (group === undefined) continue; // a distro kind without a distro: refused above
    let list = groups.get(group);
    if (!list) groups.set(group, (list = []));
    list.push({ pkg, ...matchKey(pkg) });
  }
  return groups;
}

/**
 * The error for a distro release the store does not hold: names the release, the releases of the
 * same distro it does hold (or that it holds none), and the two ways to get the data in.
 */
function missingRelease(group: string, distro: Distro, inv: Inventory, available: ReadonlySet<string>): AirfeedError {
  const held = [...available].filter((g) => g.startsWith(`${distro.id}:`)).sort();
  const holds = held.length > 0 ? `of ${distro.id} it holds ${held.join(', ')}` : `it holds no ${distro.id} release at all`;
  return new AirfeedError('ENGINE_DB_EMPTY', `the engine holds no data for ${group} (the packages of ${inv.file} come from it); ${holds}`, {
    hint:
      `Get ${group} into the engine: \`airfeed-engine sync --from <url> --groups ${group}\` from a feed service that serves it, ` +
      `or \`airfeed-engine import <bundle.tar>\` with a bundle that holds it. If the packages come from another release, say which with --distro.`,
  });
}

// One collator for the sort: `localeCompare(x, 'en')` gives the same order but looks the locale up
// on every call, which dominated the time of a scan with thousands of matches.
const english = new Intl.Collator('en');
/** The order of a scan's matches: severity (highest first), package, id, group. */
export const compareMatches = (a: Match, b: Match): number =>
  SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || english.compare(a.package, b.package) || english.compare(a.vulnId, b.vulnId) || english.compare(a.group, b.group);

/** Matches every package of an inventory; results sorted by severity (highest first), package, id. */
export async function matchInventory(inv: Inventory, options: MatchOptions): Promise<MatchResult> {
  const distro = options.distro ?? inv.distro;
  const groups = byGroup(inv, distro);
  const distroName = distro ? distroGroup(distro) : undefined;
  if (distro !== undefined && distroName !== undefined && groups.has(distroName) && !options.available.has(distroName)) {
    throw missingRelease(distroName, distro, inv, options.available);
  }
  const matches: Match[] = [];
  const problems: Problem[] = [];
  const warnings: ScanWarning[] = [];
  const cache = new Map<string, readonly string[] | null>();
  const consulted: { name: string; packages: number }[] = [];
  const pro = ubuntuProAssumption(inv, options.ubuntuPro);
  let channelSeen = false;
  const unchecked: { group: string; packages: number }[] = [];
  let checked = 0;
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
      const d: Decision = { parsed: new Map<string, unknown>(), warnings, warned: new Set<string>(), cache };
      const byVuln = new Map<string, Outcome[]>();
      let clean = true;
      for (const row of byName.get(c.name) ?? []) {
        if (row.channel !== null) channelSeen = true;
        const out = decide(c, row, d);
        if (out === null) continue;
        if ('vulnId' in out && 'severity' in out) {
          const list = byVuln.get(out.vulnId);
          const outcome = { match: out, channel: row.channel, scheme: schemeFor(c.pkg.kind, row.scheme) };
          if (list) list.push(outcome);
          else byVuln.set(out.vulnId, [outcome]);
        } else {
          problems.push(out);
          clean = false;
        }
      }
      // One record can name a package twice (two ranges, a public and a Pro entry): one match per vulnerability.
      for (const outcomes of byVuln.values()) matches.push(combine(outcomes, pro));
      if (clean) checked++;
    }
  }
  if (options.advisories) await attachAdvisories(matches, options.advisories);
  // The same flaw under several ids (GHSA, PYSEC, GO, CVE) in one package becomes one match (aliases.ts).
  const merged = await mergeFlaws(matches, options.records);
  return {
    distro: distro ?? null, groups: consulted, unchecked, packages: inv.packages.length, checked, matches: merged.sort(compareMatches), problems, warnings,
    ...(distro?.id === 'ubuntu' || channelSeen ? { ubuntuPro: pro } : {}),
  };
}
