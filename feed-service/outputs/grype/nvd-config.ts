/**
 * NVD 2.0 CPE applicability statements → the CPEs grype calls affected, with their version ranges
 * and platforms, walked as grype-db walks them (grype/db/v6/build/transformers/nvd/node.go,
 * affected_range.go):
 *
 * - a configuration without an operator is OR: each OR node contributes its vulnerable CPE matches
 *   (`vulnerable: true`, parts a, h and o); a node with operator AND inside it is dropped (grype
 *   cannot express "all of these together" as one affected package);
 * - an AND configuration ("running on/with", e.g. CVE-2018-5487: NetApp OnCommand Unified Manager
 *   `AND` `cpe:2.3:o:linux:linux_kernel:-`) contributes the vulnerable matches of its OR nodes, each
 *   carrying the configuration's non-vulnerable matches as platform CPEs;
 * - a match with version bounds is one range (`>= 7.2, <= 7.3`); one without is the CPE's exact
 *   version (`cpe:…:libgd:libgd:2.2.5:…` → `= 2.2.5`, with its update as `= 5.1-p2`); ANY gives no
 *   range; NA (`-`) gives the empty constraint;
 * - the same CPE apart from version and update, across nodes and configurations, is one candidate:
 *   its ranges united (sorted by exact version, update, then the four bounds) and its platforms
 *   united (one per CPE apart from version); candidates sorted by their CPE's formatted string;
 * - `negate` is not read (grype-db does not).
 *
 * Platform CPEs keep the order NVD lists them in (grype-db iterates a Go map there, whose order is
 * random: a fixed order keeps rebuilds byte-identical).
 */
import type { CpeConfiguration } from '../../../drivers/_framework/record.ts';
import { type CpeAttributes, cpeKey, formatCpe, parseCpe } from './cpe.ts';

type CpeNode = CpeConfiguration['nodes'][number];
type CpeMatch = CpeNode['cpeMatch'][number];

/** One affected range of a CPE (affected_range.go `affectedCPERange`). */
export interface CpeRange {
  exactVersion: string;
  exactUpdate: string;
  startIncluding: string;
  startExcluding: string;
  endIncluding: string;
  endExcluding: string;
}

export interface Candidate {
  cpe: CpeAttributes;
  platforms: CpeAttributes[];
  ranges: CpeRange[];
}

const PARTS = new Set(['a', 'h', 'o']);

function rangeKey(r: CpeRange): string {
  return [r.exactVersion, r.exactUpdate, r.startIncluding, r.startExcluding, r.endIncluding, r.endExcluding].join('\u0000');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortRanges(rs: Iterable<CpeRange>): CpeRange[] {
  const byKey = new Map<string, CpeRange>();
  for (const r of rs) byKey.set(rangeKey(r), r);
  return [...byKey.values()].sort((a, b) =>
    cmp(a.exactVersion, b.exactVersion) || cmp(a.exactUpdate, b.exactUpdate) || cmp(a.startIncluding, b.startIncluding) ||
    cmp(a.startExcluding, b.startExcluding) || cmp(a.endIncluding, b.endIncluding) || cmp(a.endExcluding, b.endExcluding));
}

/** The exact-version range of a CPE without bounds: none for ANY; NA's update is not an update. */
function exactRange(c: CpeAttributes): CpeRange[] {
  if (c.version === '') return [];
  return [{ exactVersion: c.version, exactUpdate: c.update === '-' ? '' : c.update, startIncluding: '', startExcluding: '', endIncluding: '', endExcluding: '' }];
}

function matchRange(m: CpeMatch, c: CpeAttributes): CpeRange[] {
  if (m.versionStartIncluding === undefined && m.versionStartExcluding === undefined && m.versionEndIncluding === undefined && m.versionEndExcluding === undefined) {
    return exactRange(c);
  }
  return [{
    exactVersion: '', exactUpdate: '', startIncluding: m.versionStartIncluding ?? '', startExcluding: m.versionStartExcluding ?? '',
    endIncluding: m.versionEndIncluding ?? '', endExcluding: m.versionEndExcluding ?? '',
  }];
}

function vulnerable(node: CpeNode): Candidate[] {
  const out: Candidate[] = [];
  for (const m of node.cpeMatch) {
    if (!m.vulnerable) continue;
    const cpe = parseCpe(m.criteria);
    if (!PARTS.has(cpe.part)) continue;
    out.push({ cpe, platforms: [], ranges: matchRange(m, cpe) });
  }
  return out;
}

/** Matches that are platforms: not vulnerable anywhere in the node (a CPE listed vulnerable is never its own platform). */
function platforms(node: CpeNode): CpeAttributes[] {
  const byKey = new Map<string, CpeAttributes[]>();
  const candidates = new Set<string>();
  for (const m of node.cpeMatch) {
    const cpe = parseCpe(m.criteria);
    const key = cpeKey(cpe);
    if (m.vulnerable) {
      candidates.add(key);
      byKey.delete(key);
    } else if (!candidates.has(key)) {
      const list = byKey.get(key);
      if (list) list.push(cpe);
      else byKey.set(key, [cpe]);
    }
  }
  return [...byKey.values()].flat();
}

function andNodes(nodes: readonly CpeNode[]): Candidate[] {
  const found: Candidate[] = [];
  const allPlatforms: CpeAttributes[] = [];
  for (const node of nodes) {
    if (node.operator !== 'OR') continue; // an AND node at this depth: all-of-these, which grype drops
    found.push(...vulnerable(node));
    allPlatforms.push(...platforms(node));
  }
  const unique = new Map<string, Candidate>();
  for (const c of found) {
    const key = cpeKey(c.cpe);
    const prev = unique.get(key);
    if (prev) prev.ranges = [...prev.ranges, ...c.ranges];
    else unique.set(key, { ...c, ranges: [...c.ranges] });
  }
  return [...unique.values()].map((c) => (allPlatforms.length > 0 ? { ...c, platforms: allPlatforms } : c));
}

function orNodes(nodes: readonly CpeNode[]): Candidate[] {
  return nodes.flatMap((node) => (node.operator === 'AND' ? andNodes([node]) : vulnerable(node)));
}

/** The affected CPE candidates of a record's configurations (rules in the module comment). */
export function cpeCandidates(configurations: readonly CpeConfiguration[]): Candidate[] {
  const all = configurations.flatMap((c) => ((c.operator ?? 'OR') === 'AND' ? andNodes(c.nodes) : orNodes(c.nodes)));
  const merged = new Map<string, Candidate>();
  for (const c of all) {
    const key = cpeKey(c.cpe);
    const prev = merged.get(key);
    if (!prev) {
      merged.set(key, { cpe: c.cpe, platforms: [...c.platforms], ranges: [...c.ranges] });
      continue;
    }
    const seen = new Set(prev.platforms.map(cpeKey));
    for (const p of c.platforms) {
      if (seen.has(cpeKey(p))) continue;
      seen.add(cpeKey(p));
      prev.platforms.push(p);
    }
    prev.ranges.push(...c.ranges);
  }
  return [...merged.values()]
    .map((c) => ({ ...c, ranges: sortRanges(c.ranges.length > 0 ? c.ranges : exactRange(c.cpe)) }))
    .sort((a, b) => cmp(formatCpe(a.cpe), formatCpe(b.cpe)));
}

/** A range as grype's constraint text (affected_range.go `String`). */
export function rangeConstraint(r: CpeRange): string {
  const parts: string[] = [];
  if (r.startIncluding !== '') parts.push(`>= ${r.startIncluding}`);
  else if (r.startExcluding !== '') parts.push(`> ${r.startExcluding}`);
  if (r.endExcluding !== '') parts.push(`< ${r.endExcluding}`);
  else if (r.endIncluding !== '') parts.push(`<= ${r.endIncluding}`);
  if (parts.length === 0 && r.exactVersion !== '' && r.exactVersion !== '-') {
    const withUpdate = r.exactUpdate !== '' && r.exactUpdate !== '-' ? `${r.exactVersion}-${r.exactUpdate}` : r.exactVersion;
    parts.push(`= ${withUpdate}`);
  }
  return parts.join(', ');
}

/**
 * The fix NVD's bounds imply (transform.go `getFix`): the one end-excluding version that is not
 * also named as affected (start-including, end-including, or the CPE's own version); none otherwise.
 */
export function inferredFix(r: CpeRange, cpe: CpeAttributes): string | null {
  const unspecified = new Set(['*', '-', '']);
  const possiblyFixed = new Set<string>();
  if (!unspecified.has(r.endExcluding)) possiblyFixed.add(r.endExcluding);
  for (const v of [r.startIncluding, r.endIncluding, cpe.version]) if (!unspecified.has(v)) possiblyFixed.delete(v);
  return possiblyFixed.size === 1 ? [...possiblyFixed][0]! : null;
}
