/**
 * One OSV document → the record of one group (drivers/_framework/shapes/osv-in.ts `fromOsv` does
 * the field mapping; the OSV view gives the document back, see README.md "Round trip"). Rules:
 *
 * - One record per OSV id and group. The record holds the document's `affected[]` entries of the
 *   group's ecosystem only (`Maven` and `Maven:https://maven.google.com` are both `github:java`); a
 *   GitHub advisory that also names a PyPI package is in `github:python` too, with that entry —
 *   osv.dev puts the document in both ecosystems' zips. Entries of an ecosystem airfeed does not
 *   map are counted (tally.ts) and left out; a document with none of the group's entries gives no
 *   record (`elsewhere`).
 * - A `withdrawn` document gives no record: its id becomes a tombstone (group counts are live
 *   records; the /v1 github feed then serves it with `withdrawn` set, see shapes/anchore.ts).
 * - `severity` (Anchore's six values): GitHub's own rating in `database_specific.severity`
 *   (`LOW`, `MODERATE`, `HIGH`, `CRITICAL` → Low, Medium, High, Critical, as Anchore's feed and
 *   vunnel map it), else the rating of the newest CVSS version given (4.0, then 3.1, 3.0, 2.0),
 *   else `Unknown` (the Go database rates nothing).
 * - `cvss[]`: each OSV `severity[]` vector with the scores drivers/_framework/cvss computes (OSV
 *   publishes vectors only); a vector that does not parse is kept without scores and reported.
 * - `weaknesses`: GitHub's `database_specific.cwe_ids` (`["CWE-611"]`), beside the document's own
 *   `database_specific`, which is kept as given.
 * - `link` stays null (OSV has no such field; the /v1 github shape names the advisory page).
 */
import { z } from 'zod';
import { scoreCvss, toAirfeedSeverity } from '../_framework/cvss/index.ts';
import type { CvssScore } from '../_framework/cvss/index.ts';
import { AirfeedError } from '../_framework/errors.ts';
import { ecosystemByOsv, type EcosystemEntry } from '../_framework/names.ts';
import { describeIssues, type Severity, type VulnRecord } from '../_framework/record.ts';
import { fromOsv } from '../_framework/shapes/osv-in.ts';
import { summarize } from './document.ts';
import type { Tally } from './tally.ts';

export type Conversion = { kind: 'record'; record: VulnRecord } | { kind: 'withdrawn'; id: string } | { kind: 'elsewhere'; id: string };

export interface ConvertOptions {
  ecosystem: EcosystemEntry;
  /** Names the file (and entry) in errors: `osv: npm/all.zip entry "GHSA-….json"`. */
  label: string;
  /** `provenance.source`: where the record came from, relative to the source (`npm/GHSA-….json`). */
  source: string;
  tally: Tally;
}

const GITHUB_SEVERITY: Readonly<Record<string, Severity>> = { LOW: 'Low', MODERATE: 'Medium', HIGH: 'High', CRITICAL: 'Critical' };
const CVSS_PREFERENCE = ['4.0', '3.1', '3.0', '2.0'] as const;

/** Scores of vectors seen, bounded: real feeds repeat a few thousand distinct vectors. */
const scored = new Map<string, CvssScore | null>();
const SCORED_MAX = 20_000;

function score(vector: string): CvssScore | null {
  const hit = scored.get(vector);
  if (hit !== undefined) return hit;
  let s: CvssScore | null;
  try {
    s = scoreCvss(vector);
  } catch {
    s = null;
  }
  if (scored.size >= SCORED_MAX) scored.clear();
  scored.set(vector, s);
  return s;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The entries of `affected[]` that belong to `ecosystem`'s group; the others are tallied. */
function ownEntries(doc: Record<string, unknown>, ecosystem: EcosystemEntry, tally: Tally): unknown[] {
  const affected = Array.isArray(doc['affected']) ? (doc['affected'] as unknown[]) : [];
  return affected.filter((a) => {
    const pkg = isObject(a) ? a['package'] : undefined;
    const eco = isObject(pkg) ? pkg['ecosystem'] : undefined;
    if (typeof eco !== 'string') {
      tally.packageless++;
      return false;
    }
    const mapped = ecosystemByOsv(eco);
    if (!mapped) tally.addUnmapped(eco);
    // A mapped ecosystem other than this group's: its own group holds the entry.
    return mapped?.group === ecosystem.group;
  });
}

function severityOf(doc: Record<string, unknown>, cvss: readonly VulnRecord['cvss'][number][]): Severity {
  const specific = doc['database_specific'];
  const github = isObject(specific) && typeof specific['severity'] === 'string' ? GITHUB_SEVERITY[specific['severity']] : undefined;
  if (github) return github;
  for (const version of CVSS_PREFERENCE) {
    const c = cvss.find((x) => x.version === version && x.baseSeverity !== null);
    if (c) {
      const s = score(c.vector);
      if (s) return toAirfeedSeverity(s.severity);
    }
  }
  return 'Unknown';
}

function weaknessesOf(doc: Record<string, unknown>): VulnRecord['weaknesses'] {
  const specific = doc['database_specific'];
  const ids = isObject(specific) && Array.isArray(specific['cwe_ids']) ? specific['cwe_ids'] : [];
  const out = [...new Set(ids.filter((id): id is string => typeof id === 'string' && /^CWE-\d+$/.test(id)))];
  return out.length > 0 ? out.map((id) => ({ id, source: null, type: null })) : undefined;
}

/** The record of `value` (a decoded OSV document) in `options.ecosystem`'s group; see the module doc. */
export function convert(value: unknown, options: ConvertOptions): Conversion {
  const summary = summarize(value);
  if (!summary || !isObject(value)) throw new AirfeedError('SOURCE_INVALID', `${options.label}: not an OSV document (no string "id" and "modified")`);
  const entries = ownEntries(value, options.ecosystem, options.tally);
  if (summary.withdrawn) {
    options.tally.withdrawn++;
    return { kind: 'withdrawn', id: summary.id };
  }
  if (entries.length === 0) return { kind: 'elsewhere', id: summary.id };
  let record: VulnRecord;
  try {
    record = fromOsv({ ...value, affected: entries }, { group: options.ecosystem.group, provenance: { driver: 'osv', source: options.source } });
  } catch (err) {
    const detail = err instanceof z.ZodError ? describeIssues(err) : (err as Error).message.replace(/^fromOsv: /, '');
    throw new AirfeedError('SOURCE_INVALID', `${options.label}: OSV record ${summary.id} does not fit: ${detail}`, { cause: err });
  }
  const cvss = record.cvss.map((c) => {
    const s = score(c.vector);
    if (!s) {
      options.tally.addBadVector(`${summary.id}: ${c.vector}`);
      return c;
    }
    return {
      ...c,
      baseScore: s.score,
      baseSeverity: s.severity.toUpperCase() as NonNullable<typeof c.baseSeverity>,
      exploitabilityScore: s.exploitabilityScore,
      impactScore: s.impactScore,
    };
  });
  const weaknesses = weaknessesOf(value);
  return { kind: 'record', record: { ...record, severity: severityOf(value, cvss), cvss, ...(weaknesses ? { weaknesses } : {}) } };
}
