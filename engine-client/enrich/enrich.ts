/**
 * Enrichment: what a match's severity, CVSS, KEV listing and EPSS score are, from the matched
 * record and the records of the same CVE in `nvdv2:cves`, `kev:catalog` and `epss:scores`. The
 * CVE is the match's id or one of its record's aliases (a GHSA's CVE), looked up in that order.
 *
 * **Severity** — a distro's or ecosystem's own rating wins, as grype and Anchore do: grype's
 * database takes a record's own severity string, else the record's own CVSS
 * (grype/db/v6/build/internal/transformers/os/transform.go `getSeverities`), and shows NVD's data as
 * a related vulnerability beside it; Anchore reports the feed's severity with NVD's scores as
 * `nvd_data`. So:
 *
 * 1. the record's own `severity` when it is not Unknown (Debian's urgency, Ubuntu's priority, Red
 *    Hat's impact, GitHub's rating) — `severitySource: record`;
 * 2. else the rating of the record's own preferred CVSS metric (below) — `record`;
 * 3. else NVD's record of the CVE: its `severity` (the nvd driver's, from NVD's newest CVSS family),
 *    else the rating of its preferred metric — `nvd`. This is what an Alpine match gets: secdb rates
 *    nothing;
 * 4. else Unknown, `severitySource: null`.
 *
 * A rating from a metric is its `baseSeverity`, else FIRST's scale applied to its `baseScore`, else
 * to the score of its vector (drivers/_framework/cvss); CVSS `NONE` is Negligible.
 *
 * **CVSS shown** — the preferred metric of the record's own, else of NVD's record: NVD's Primary
 * (its own analysis) before metrics that do not say before Secondary ones (a CNA's or CISA-ADP's);
 * then v3.1, v3.0, v4.0, v2.0 (v3 first as NVD derives severity from it; v4.0 is still mostly a
 * CNA's Secondary); then the source's order. Its `from` says whose it is.
 *
 * **KEV, EPSS** — the `kev` and `epss` blocks of the CVE's records in `kev:catalog` and
 * `epss:scores` (the first of the match's ids that has one).
 *
 * A stored document that cannot be read is a problem of the scan (naming the record), never
 * taken as "no severity". A CPE match (`--match cpe`) of a CVE that a package match of the same
 * component already reports, by its id or an alias, is dropped: the package's own data says more.
 */
import { scoreCvss, severityOf, toAirfeedSeverity } from '../../drivers/_framework/cvss/index.ts';
import type { CvssVersion } from '../../drivers/_framework/cvss/index.ts';
import type { Severity } from '../../drivers/_framework/record.ts';
import { compareMatches, type Match, type Problem } from '../match/match.ts';
import type { StoredDoc } from '../store/docs.ts';
import { type CvssFact, type DocFacts, docFacts } from './facts.ts';
import { type CvssSummary, EPSS_GROUP, KEV_GROUP, NVD_GROUP, type SeveritySource } from './types.ts';

/** Reads stored documents (engine-client/store/docs.ts, or a stand-in in tests). */
export interface DocReader {
  byRef(refs: readonly { group: string; id: string }[]): Promise<StoredDoc[]>;
  byId(groups: readonly string[], ids: readonly string[]): Promise<StoredDoc[]>;
}

export interface EnrichOptions {
  reader: DocReader;
  /** The groups the store holds: enrichment groups it lacks are not asked for. */
  available: ReadonlySet<string>;
}

const TYPE_RANK = (t: CvssFact['type']): number => (t === 'Primary' ? 0 : t === null ? 1 : 2);
const VERSION_RANK: Readonly<Record<string, number>> = { '3.1': 0, '3.0': 1, '4.0': 2, '2.0': 3 };

/** The preferred metric of a list (see the module comment); undefined for none. */
export function preferredCvss(list: readonly CvssFact[]): CvssFact | undefined {
  let best: CvssFact | undefined;
  for (const c of list) {
    if (best === undefined) {
      best = c;
      continue;
    }
    const byType = TYPE_RANK(c.type) - TYPE_RANK(best.type);
    const byVersion = (VERSION_RANK[c.version] ?? 9) - (VERSION_RANK[best.version] ?? 9);
    if (byType < 0 || (byType === 0 && byVersion < 0)) best = c;
  }
  return best;
}

const CVSS_RATING: Readonly<Record<string, Severity>> = { NONE: 'Negligible', LOW: 'Low', MEDIUM: 'Medium', HIGH: 'High', CRITICAL: 'Critical' };

/** The rating of a metric in airfeed's words; Unknown when it has neither rating, score nor a vector that scores. */
export function cvssSeverity(c: CvssFact): Severity {
  const rated = c.baseSeverity === null ? undefined : CVSS_RATING[c.baseSeverity.toUpperCase()];
  if (rated) return rated;
  const version = c.version as CvssVersion;
  if (c.baseScore !== null && VERSION_RANK[c.version] !== undefined) return toAirfeedSeverity(severityOf(version, c.baseScore));
  try {
    const s = scoreCvss(c.vector);
    return toAirfeedSeverity(s.baseSeverity);
  } catch {
    return 'Unknown';
  }
}

function summary(c: CvssFact | undefined, from: SeveritySource): CvssSummary | null {
  if (c === undefined) return null;
  return { version: c.version, vector: c.vector, baseScore: c.baseScore, baseSeverity: c.baseSeverity, source: c.source, type: c.type, from };
}

const key = (group: string, id: string): string => `${group}\0${id}`;

/** Parses documents into facts by (group, id); unreadable ones as their reason. */
function readAll(docs: readonly StoredDoc[]): Map<string, DocFacts | string> {
  const out = new Map<string, DocFacts | string>();
  for (const d of docs) {
    let value: unknown;
    try {
      value = JSON.parse(d.doc);
    } catch (err) {
      out.set(key(d.group, d.id), `the stored document is not JSON (${(err as Error).message})`);
      continue;
    }
    out.set(key(d.group, d.id), docFacts(value));
  }
  return out;
}

/**
 * The matches with severity, source, CVSS, KEV and EPSS filled in (new objects, sorted again), and
 * the problems met (a matched record whose document cannot be read keeps its row's severity).
 */
export async function enrichMatches(matches: readonly Match[], options: EnrichOptions): Promise<{ matches: Match[]; problems: Problem[] }> {
  if (matches.length === 0) return { matches: [], problems: [] };
  const refs = [...new Map(matches.map((m) => [key(m.group, m.vulnId), { group: m.group, id: m.vulnId }])).values()];
  const own = readAll(await options.reader.byRef(refs));
  // The match's id first, then its record's aliases, then the ids the matcher merged into it.
  const idsOf = new Map<string, string[]>();
  for (const r of refs) {
    const f = own.get(key(r.group, r.id));
    idsOf.set(key(r.group, r.id), [r.id, ...(typeof f === 'object' && f !== undefined ? f.aliases : [])]);
  }
  for (const m of matches) idsOf.get(key(m.group, m.vulnId))?.push(...(m.aliases ?? []));
  for (const [k, ids] of idsOf) idsOf.set(k, [...new Set(ids)]);
  // A CPE match repeats a package match of the same component that names the CVE (its id or an alias).
  const byPackage = new Set<string>();
  for (const m of matches) if (m.matchedBy === 'package') for (const id of idsOf.get(key(m.group, m.vulnId)) ?? []) byPackage.add(`${m.location}\0${id}`);
  const kept = matches.filter((m) => m.matchedBy !== 'cpe' || !byPackage.has(`${m.location}\0${m.vulnId}`));
  const groups = [NVD_GROUP, KEV_GROUP, EPSS_GROUP].filter((g) => options.available.has(g));
  const related = readAll(await options.reader.byId(groups, [...new Set([...idsOf.values()].flat())]));
  /** The first of `ids` whose record in `group` reads and has what `has` asks for. */
  const find = (group: string, ids: readonly string[], has: (f: DocFacts) => boolean = () => true): { id: string; facts: DocFacts } | undefined => {
    for (const id of ids) {
      const f = related.get(key(group, id));
      if (typeof f === 'object' && has(f)) return { id, facts: f };
    }
    return undefined;
  };

  const problems: Problem[] = [];
  const reported = new Set<string>();
  const problem = (m: Match, group: string, id: string, reason: string): void => {
    const k = `${m.location}\0${group}\0${id}`;
    if (reported.has(k)) return;
    reported.add(k);
    problems.push({ package: m.package, version: m.installedVersion, location: m.location, vulnId: id, group, message: `${reason}: its severity, CVSS, KEV and EPSS are not known` });
  };
  const out = kept.map((m): Match => {
    const mine = own.get(key(m.group, m.vulnId));
    if (typeof mine !== 'object') {
      problem(m, m.group, m.vulnId, mine ?? 'the matched record is not in the store');
      return m;
    }
    const ids = idsOf.get(key(m.group, m.vulnId)) ?? [m.vulnId];
    // The record of a CPE match is NVD's own.
    const ownSource: SeveritySource = m.group === NVD_GROUP ? 'nvd' : 'record';
    const nvd = m.group === NVD_GROUP ? undefined : find(NVD_GROUP, ids);
    for (const group of groups) {
      for (const id of ids) {
        const f = related.get(key(group, id));
        if (typeof f === 'string') problem(m, group, id, f);
      }
    }
    const ownCvss = preferredCvss(mine.cvss);
    const nvdCvss = nvd ? preferredCvss(nvd.facts.cvss) : undefined;
    let severity: Severity = 'Unknown';
    let severitySource: SeveritySource | null = null;
    if (mine.severity !== 'Unknown') [severity, severitySource] = [mine.severity, ownSource];
    else if (ownCvss && cvssSeverity(ownCvss) !== 'Unknown') [severity, severitySource] = [cvssSeverity(ownCvss), ownSource];
    else if (nvd && nvd.facts.severity !== 'Unknown') [severity, severitySource] = [nvd.facts.severity, 'nvd'];
    else if (nvdCvss && cvssSeverity(nvdCvss) !== 'Unknown') [severity, severitySource] = [cvssSeverity(nvdCvss), 'nvd'];
    const kev = find(KEV_GROUP, ids, (f) => f.kev !== null);
    const epss = find(EPSS_GROUP, ids, (f) => f.epss !== null);
    return {
      ...m,
      severity,
      severitySource,
      cvss: ownCvss ? summary(ownCvss, ownSource) : summary(nvdCvss, 'nvd'),
      kev: kev?.facts.kev ? { id: kev.id, ...kev.facts.kev } : null,
      epss: epss?.facts.epss ? { id: epss.id, ...epss.facts.epss } : null,
    };
  });
  return { matches: out.sort(compareMatches), problems };
}
