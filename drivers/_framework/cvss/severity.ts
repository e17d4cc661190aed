/**
 * Qualitative severity of a CVSS score, and its place in airfeed's vocabulary.
 *
 * - v3.0, v3.1 (spec §5 "Qualitative Severity Rating Scale") and v4.0 (the same scale, spec
 *   "Qualitative Severity Rating Scale"): None 0.0, Low 0.1–3.9, Medium 4.0–6.9, High 7.0–8.9,
 *   Critical 9.0–10.0.
 * - v2.0 has no rating in its guide; NVD's ranges are the ones published with every v2 score
 *   (https://nvd.nist.gov/vuln-metrics/cvss): Low 0.0–3.9, Medium 4.0–6.9, High 7.0–10.0. So a v2 score of
 *   0.0 is Low, as NVD publishes `AV:N/AC:L/Au:N/C:N/I:N/A:N` (CVE-1999-0497: 0.0, LOW).
 *
 * Airfeed's severities are Anchore's: Unknown, Negligible, Low, Medium, High, Critical. CVSS "None"
 * (a 0.0 score: assessed, and found to have no impact) maps to Negligible — a known, harmless finding,
 * as Debian and Ubuntu use the word — not to Unknown, which means "nobody rated it". The other four
 * keep their names.
 */
import { AirfeedError } from '../errors.ts';
import type { Severity } from '../record.ts';
import type { CvssSeverity, CvssVersion } from './types.ts';

/** The rating of `score` under `version`'s scale. Throws INPUT_INVALID for a score outside 0–10. */
export function severityOf(version: CvssVersion, score: number): CvssSeverity {
  if (!Number.isFinite(score) || score < 0 || score > 10) {
    throw new AirfeedError('INPUT_INVALID', `CVSS ${version} score ${score} is outside 0.0–10.0`, { details: { version, score } });
  }
  if (version === '2.0') return score < 4 ? 'Low' : score < 7 ? 'Medium' : 'High';
  if (score === 0) return 'None';
  return score < 4 ? 'Low' : score < 7 ? 'Medium' : score < 9 ? 'High' : 'Critical';
}

const TO_AIRFEED: Readonly<Record<CvssSeverity, Severity>> = {
  None: 'Negligible',
  Low: 'Low',
  Medium: 'Medium',
  High: 'High',
  Critical: 'Critical',
};

/** A CVSS rating in airfeed's vocabulary (None → Negligible). */
export function toAirfeedSeverity(severity: CvssSeverity): Severity {
  return TO_AIRFEED[severity];
}
