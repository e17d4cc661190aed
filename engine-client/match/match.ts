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
import type { Distro, InstalledPackage, Inventory } from '../inputs/types.ts';
import type { Severity } from '../../drivers/_framework/record.ts';
import { packageKey } from '../store/package-key.ts';
import type { AffectedRow } from '../store/types.ts';
import { ubuntuProAssumption } from './channels.ts';
import { attachAdvisories, combine, type Outcome } from './combine.ts';
import { mergeFlaws } from './aliases.ts';
import { decide, type Decision } from './decide.ts';
import { checkDistro, missingRelease } from './distro.ts';
import { distroGroup, DISTRO_KINDS, groupFor, lookupName, schemeFor } from './namespaces.ts';
import type { Candidate, Match, MatchOptions, MatchResult, Problem, ScanWarning } from './types.ts';

export type { Advisory, AdvisoryKey, AdvisoryLookup, Lookup, Match, MatchOptions, MatchResult, Problem, ScanWarning } from './types.ts';
export { checkDistro } from './distro.ts';

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
