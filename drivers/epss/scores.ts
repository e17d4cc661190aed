/**
 * FIRST's EPSS score file (https://www.first.org/epss/data_stats), one a day, as served at
 * https://epss.cyentia.com/epss_scores-current.csv.gz: gzip-compressed CSV, a comment line naming
 * the model and the day the scores are for, a header, then one row per CVE (~300,000):
 *
 * ```
 * #model_version:v2023.03.01,score_date:2025-02-20T00:00:00+0000
 * cve,epss,percentile
 * CVE-1999-0001,0.00383,0.73075
 * ```
 *
 * `epss` is the probability of exploitation activity in the next 30 days, `percentile` the share of
 * scored CVEs with a lower or equal score; both in 0…1. The comment must give `score_date` (what the
 * scores are for, and the file's fingerprint); `model_version` is kept when given.
 */
import { AirfeedError } from '../_framework/errors.ts';

/** The file's name upstream; a mirror may hold it uncompressed as `epss_scores-current.csv`. */
export const SCORES_FILE = 'epss_scores-current.csv.gz';
export const SCORES_FILES = [SCORES_FILE, 'epss_scores-current.csv'] as const;

export const COLUMNS = ['cve', 'epss', 'percentile'] as const;
export const CVE_ID = /^CVE-\d{4}-\d{4,}$/;

export interface ScoresHeader {
  /** `2025-02-20`: the UTC day of `score_date`. */
  date: string;
  /** `v2023.03.01`, when the file names it. */
  modelVersion: string | null;
}

/** Parses the comment line (`#model_version:…,score_date:…`); `label` names the file in errors. */
export function parseComment(line: string, label: string): ScoresHeader {
  if (!line.startsWith('#')) throw new AirfeedError('SOURCE_INVALID', `${label}: line 1: expected the "#model_version:…,score_date:…" comment, found ${JSON.stringify(line.slice(0, 80))}`);
  const fields = new Map<string, string>();
  for (const part of line.slice(1).split(',')) {
    const at = part.indexOf(':');
    if (at > 0) fields.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  const raw = fields.get('score_date');
  if (raw === undefined) throw new AirfeedError('SOURCE_INVALID', `${label}: line 1: the comment names no score_date (${JSON.stringify(line.slice(0, 80))})`);
  // `2025-02-20T00:00:00+0000`: ISO 8601 with an offset JavaScript wants written `+00:00`.
  const ms = Date.parse(raw.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(ms)) throw new AirfeedError('SOURCE_INVALID', `${label}: line 1: score_date ${JSON.stringify(raw)} is not a date`);
  return { date: new Date(ms).toISOString().slice(0, 10), modelVersion: fields.get('model_version') ?? null };
}

/** A score or percentile: a decimal in 0…1. */
export function probability(text: string, what: string, label: string, line: number): number {
  const v = /^\d+(\.\d+)?(e-?\d+)?$/i.test(text.trim()) ? Number(text) : NaN;
  if (!(v >= 0 && v <= 1)) throw new AirfeedError('SOURCE_INVALID', `${label}: line ${line}: ${what} ${JSON.stringify(text)} is not a number from 0 to 1`, { details: { line } });
  return v;
}
