/**
 * CVSS v4.0 scores. v4.0 has no closed-form equation: the score of a vector is looked up by its
 * MacroVector (the six equivalence sets EQ1–EQ6) in the table FIRST publishes with the specification
 * and then interpolated by the vector's severity distance to that MacroVector's highest-severity vectors
 * (spec section "CVSS v4.0 Scoring", https://www.first.org/cvss/v4.0/specification-document).
 * That algorithm and its 270-entry table come from `ae-cvss-calculator` (metaeffekt, Apache-2.0): it
 * agrees with every v4.0 line of Red Hat's cvss test vectors (1,694) and with every v4.0 score NVD
 * published in ../shared/realdata (test/drivers/cvss-realdata.test.ts).
 *
 * The library is lenient (a missing metric silently scores 0, a repeated one keeps the last), so it
 * only ever sees a vector ./parse.ts has already checked, rebuilt in the specification's metric order
 * without Not Defined values or supplemental metrics (which never change the score).
 *
 * The library takes ~0.2 ms a vector (it builds an object model and scores four variants), while real
 * data repeats a few thousand distinct vectors; so results are memoized by the rebuilt vector, in a map
 * bounded at MEMO_LIMIT entries and emptied when full (memory stays bounded whatever the input size).
 */
import ae from 'ae-cvss-calculator';
import { METRICS } from './metrics.ts';

export interface V4Scores {
  /** CVSS-B: the score of the base metrics alone. */
  readonly base: number;
  /** The score of the whole vector: base, threat and environmental metrics as defined. */
  readonly vector: number;
}

const MEMO_LIMIT = 10_000;
const memo = new Map<string, V4Scores>();

/** Both v4.0 scores of a parsed vector's metrics (./parse.ts). */
export function scoreV4(m: Readonly<Record<string, string>>): V4Scores {
  let text = 'CVSS:4.0';
  for (const def of METRICS['4.0']) {
    const v = m[def.key];
    if (v !== undefined && v !== 'X' && def.group !== 'supplemental') text += `/${def.key}:${v}`;
  }
  const known = memo.get(text);
  if (known) return known;
  const scores = new ae.Cvss4P0(text).calculateScores();
  const base = scores.baseMetricsOnly;
  if (typeof base !== 'number' || !Number.isFinite(base) || !Number.isFinite(scores.overall)) {
    throw new Error(`ae-cvss-calculator gave no score for ${text}`);
  }
  const result: V4Scores = { base, vector: scores.overall };
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(text, result);
  return result;
}
