/**
 * CVSS vectors → scores, for CVSS 2.0, 3.0, 3.1 and 4.0. Pure: no I/O, no clock.
 *
 * Upstreams publish CVSS as a vector with a score (NVD, Red Hat, Ubuntu) or as a vector alone (OSV's
 * `severity[].score`, e.g. `CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H`); `scoreCvss` gives what the
 * vector alone determines:
 *
 *   scoreCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H')
 *     → { version: '3.1', baseScore: 9.8, baseSeverity: 'Critical', exploitabilityScore: 3.9, impactScore: 5.9, … }
 *   scoreCvss('AV:N/AC:L/Au:N/C:N/I:N/A:P')
 *     → { version: '2.0', baseScore: 5, baseSeverity: 'Medium', exploitabilityScore: 10, impactScore: 2.9, … }
 *
 * - `baseScore` always comes from the base metrics alone: temporal, threat, environmental and
 *   supplemental metrics in the vector do not change it (`…/E:U/RL:O/RC:C` still has the base 9.8).
 * - v4.0 is where "the" score needs care: a v4.0 vector with threat or environmental metrics has one
 *   score for the whole vector (CVSS-BT/BE/BTE), and NVD publishes *that* as `baseScore`
 *   (CVE-2024-41128 `CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N/E:U/…`: 6.6, whose
 *   CVSS-B is 8.7). `score` and `nomenclature` carry that figure; compare an upstream's v4.0
 *   `baseScore` with `score`, not with `baseScore`. For a vector of base metrics only (130 of the 136
 *   distinct v4.0 vectors NVD published in ../shared/realdata) the two are equal.
 * - Exploitability and impact sub-scores exist for v2 and v3.x only (null for v4.0).
 * - Severity: ./severity.ts (v2 on NVD's Low/Medium/High ranges; v3.x/v4.0 None…Critical) and the
 *   mapping to airfeed's Unknown…Critical (None → Negligible).
 * - Accepted vector forms and the errors thrown: ./parse.ts.
 *
 * v2 and v3.x are computed here from the FIRST equations in exact decimals (./v2.ts, ./v3.ts); v4.0's
 * MacroVector lookup comes from the ae-cvss-calculator library (./v4.ts).
 */
import { NOT_DEFINED, METRICS } from './metrics.ts';
import { parseCvssVector } from './parse.ts';
import { severityOf } from './severity.ts';
import type { CvssNomenclature, CvssScore, ParsedCvss } from './types.ts';
import { scoreV2 } from './v2.ts';
import { scoreV3 } from './v3.ts';
import { scoreV4 } from './v4.ts';

export { parseCvssVector } from './parse.ts';
export { severityOf, toAirfeedSeverity } from './severity.ts';
export { CVSS_VERSIONS } from './types.ts';
export type { CvssNomenclature, CvssScore, CvssSeverity, CvssVersion, ParsedCvss } from './types.ts';

/** Whether the vector gives a metric of the group a value other than Not Defined. */
function defines(p: ParsedCvss, groups: readonly string[]): boolean {
  const nd = NOT_DEFINED[p.version];
  return METRICS[p.version].some((d) => groups.includes(d.group) && p.metrics[d.key] !== undefined && p.metrics[d.key] !== nd);
}

function nomenclatureOf(p: ParsedCvss): CvssNomenclature {
  const t = defines(p, ['temporal', 'threat']);
  const e = defines(p, ['environmental']);
  return t && e ? 'CVSS-BTE' : t ? 'CVSS-BT' : e ? 'CVSS-BE' : 'CVSS-B';
}

/** Scores a parsed vector (see `scoreCvss`). */
export function scoreParsedCvss(p: ParsedCvss): CvssScore {
  const nomenclature = nomenclatureOf(p);
  const hasT = nomenclature === 'CVSS-BT' || nomenclature === 'CVSS-BTE';
  const hasE = nomenclature === 'CVSS-BE' || nomenclature === 'CVSS-BTE';
  if (p.version === '4.0') {
    const s = scoreV4(p.metrics);
    return {
      version: p.version,
      vector: p.vector,
      baseScore: s.base,
      baseSeverity: severityOf(p.version, s.base),
      exploitabilityScore: null,
      impactScore: null,
      temporalScore: null,
      environmentalScore: null,
      nomenclature,
      score: s.vector,
      severity: severityOf(p.version, s.vector),
    };
  }
  const s = p.version === '2.0' ? scoreV2(p.metrics) : scoreV3(p.metrics, p.version);
  const temporalScore = hasT ? s.temporal : null;
  const environmentalScore = hasE ? s.environmental : null;
  const score = environmentalScore ?? temporalScore ?? s.base;
  return {
    version: p.version,
    vector: p.vector,
    baseScore: s.base,
    baseSeverity: severityOf(p.version, s.base),
    exploitabilityScore: s.exploitability,
    impactScore: s.impact,
    temporalScore,
    environmentalScore,
    nomenclature,
    score,
    severity: severityOf(p.version, score),
  };
}

/**
 * Parses and scores a CVSS 2.0/3.0/3.1/4.0 vector. Throws AirfeedError SOURCE_INVALID naming the vector
 * and the metric when the vector is malformed (./parse.ts).
 */
export function scoreCvss(vector: string): CvssScore {
  return scoreParsedCvss(parseCvssVector(vector));
}
