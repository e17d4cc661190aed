/**
 * One match per flaw. The same vulnerability is often published under several ids, each its own
 * record: GitHub's GHSA-…, the ecosystem's own database (PYSEC-…, GO-…, RUSTSEC-…) and the CVE, each
 * naming the others in `aliases` (https://ossf.github.io/osv-schema/#aliases-field). The Go group
 * from osv.dev holds both GO-2022-0493 and GHSA-… for one flaw; PyPI holds PYSEC-… beside GHSA-….
 * Two matches of one installed package are the same flaw when their ids are linked through aliases,
 * directly or through a third id (GO-… → CVE-… ← GHSA-…), in whichever group each record is. They
 * become one match:
 *
 * - `vulnId`: a GHSA id of a matched record when there is one (the id Anchore's `github` groups
 *   use), else the matched record id first in code-unit order;
 * - `aliases`: every other id of the flaw (matched records and their aliases), sorted;
 * - `severity`: the highest of the merged records';
 * - `fixedVersion`: the highest fix any of them names (installing it closes every record), null
 *   only when none names a fix; `group` and `link` are those of the chosen record.
 *
 * A withdrawn record (OSV `withdrawn`, Anchore `withdrawn`) no longer applies and is dropped. The
 * facts come from the records themselves (RecordLookup); without a lookup every match stands alone.
 */
import type { Severity } from '../../drivers/_framework/record.ts';
import type { Comparator } from '../../drivers/_framework/versions/index.ts';
import type { PackageKind } from '../inputs/types.ts';
import { comparatorFor } from './ecosystems.ts';
import { type Match, SEVERITY_RANK } from './match.ts';
import { DISTRO_KINDS, ecosystemOf } from './namespaces.ts';

/** What the matcher needs to know of a record beyond its affected rows. */
export interface RecordFacts {
  aliases: string[];
  withdrawn: boolean;
}

/**
 * A record's facts from its `aliases` (OSV) or `CVE` (Anchore Advisory) value and its `withdrawn`
 * value, however the store or the source gives them: the strings of an array, in order (anything
 * else is no aliases); withdrawn when `withdrawn` is a non-empty time (or `true`, or its text).
 */
export function recordFacts(aliases: unknown, withdrawn: unknown): RecordFacts {
  return {
    aliases: Array.isArray(aliases) ? aliases.filter((v): v is string => typeof v === 'string') : [],
    withdrawn: withdrawn === true || (typeof withdrawn === 'string' && withdrawn !== ''),
  };
}

/** The facts of the records `ids` of `group` (ids the store does not hold are left out). */
export type RecordLookup = (group: string, ids: readonly string[]) => Promise<Map<string, RecordFacts>>;

/** The version scheme of a package kind: the ecosystem's, or the distro's package manager's. */
const DISTRO_SCHEME: Readonly<Partial<Record<PackageKind, string>>> = { apk: 'apk', deb: 'dpkg', rpm: 'rpm' };

function comparatorOfKind(kind: PackageKind | 'cpe'): Comparator | undefined {
  // A component known only by its CPE (`--match cpe`) has no ecosystem comparator.
  if (kind === 'cpe') return undefined;
  try {
    return comparatorFor(kind, DISTRO_KINDS.has(kind) ? (DISTRO_SCHEME[kind] ?? '') : ecosystemOf(kind).scheme);
  } catch {
    return undefined;
  }
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The id a merged match is reported under (see the module comment). */
export function primaryId(ids: readonly string[]): string {
  const sorted = [...ids].sort(byCodeUnit);
  return sorted.find((id) => id.startsWith('GHSA-')) ?? sorted[0] ?? '';
}

/** The highest of some fixed versions by `cmp` (a version it rejects is passed over); null when there are none. */
function highestFix(fixes: readonly string[], cmp: Comparator | undefined): string | null {
  let best: string | null = null;
  for (const f of fixes) {
    if (best === null) best = f;
    else if (cmp !== undefined && cmp.valid(f) && cmp.valid(best) && cmp.compare(f, best) > 0) best = f;
  }
  return best;
}

/** Merges the matches of one package that are one flaw; `facts` has each matched record's. */
function mergePackage(matches: Match[], facts: (m: Match) => RecordFacts | undefined): Match[] {
  // Union-find over the matches, joined when their id sets (own id and aliases) share an id.
  const parent = matches.map((_, i) => i);
  const find = (i: number): number => {
    let root = i;
    for (let up = parent[root] ?? root; up !== root; up = parent[root] ?? root) root = up;
    return root;
  };
  const owner = new Map<string, number>();
  matches.forEach((m, i) => {
    for (const id of [m.vulnId, ...(facts(m)?.aliases ?? [])]) {
      const j = owner.get(id);
      if (j === undefined) owner.set(id, i);
      else parent[find(i)] = find(j);
    }
  });
  const clusters = new Map<number, Match[]>();
  matches.forEach((m, i) => {
    const root = find(i);
    const list = clusters.get(root);
    if (list) list.push(m);
    else clusters.set(root, [m]);
  });
  const out: Match[] = [];
  for (const cluster of clusters.values()) {
    const ids = new Set<string>();
    for (const m of cluster) for (const id of [m.vulnId, ...(facts(m)?.aliases ?? [])]) ids.add(id);
    const primary = primaryId(cluster.map((m) => m.vulnId));
    const chosen = cluster.find((m) => m.vulnId === primary) ?? cluster[0];
    if (chosen === undefined) continue;
    ids.delete(primary);
    const severity = cluster.reduce<Severity>((s, m) => (SEVERITY_RANK[m.severity] > SEVERITY_RANK[s] ? m.severity : s), chosen.severity);
    const fixes = cluster.map((m) => m.fixedVersion).filter((f): f is string => f !== null);
    const fixedVersion = cluster.length === 1 ? chosen.fixedVersion : highestFix(fixes, comparatorOfKind(chosen.kind));
    out.push({ ...chosen, aliases: [...ids].sort(byCodeUnit), severity, fixedVersion });
  }
  return out;
}

/** The matches with withdrawn records dropped and each package's aliases of one flaw merged. */
export async function mergeFlaws(matches: readonly Match[], lookup: RecordLookup | undefined): Promise<Match[]> {
  const facts = new Map<string, RecordFacts>();
  const key = (group: string, id: string): string => `${group}\0${id}`;
  if (lookup !== undefined) {
    const idsByGroup = new Map<string, Set<string>>();
    for (const m of matches) {
      const set = idsByGroup.get(m.group);
      if (set) set.add(m.vulnId);
      else idsByGroup.set(m.group, new Set([m.vulnId]));
    }
    for (const [group, ids] of [...idsByGroup].sort(([a], [b]) => byCodeUnit(a, b))) {
      for (const [id, f] of await lookup(group, [...ids].sort(byCodeUnit))) facts.set(key(group, id), f);
    }
  }
  const factsOf = (m: Match): RecordFacts | undefined => facts.get(key(m.group, m.vulnId));
  const byPackage = new Map<string, Match[]>();
  for (const m of matches) {
    if (factsOf(m)?.withdrawn === true) continue;
    const k = `${m.location}\0${m.package}\0${m.installedVersion}`;
    const list = byPackage.get(k);
    if (list) list.push(m);
    else byPackage.set(k, [m]);
  }
  const out: Match[] = [];
  for (const list of byPackage.values()) {
    const [only] = list;
    // Most packages have one match: nothing to merge.
    if (list.length === 1 && only !== undefined) out.push({ ...only, aliases: [...(factsOf(only)?.aliases ?? [])].filter((a) => a !== only.vulnId).sort(byCodeUnit) });
    else out.push(...mergePackage(list, factsOf));
  }
  return out;
}
