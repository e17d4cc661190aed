/** The shapes the CVSS module hands out; see ./index.ts for the rules. */

export const CVSS_VERSIONS = ['2.0', '3.0', '3.1', '4.0'] as const;
export type CvssVersion = (typeof CVSS_VERSIONS)[number];

/** FIRST's qualitative ratings (v3.x/v4.0 spec "Qualitative Severity Rating Scale"); v2 uses Low/Medium/High only. */
export type CvssSeverity = 'None' | 'Low' | 'Medium' | 'High' | 'Critical';

/**
 * Which metric groups a vector defines, in the v4.0 specification's naming ("CVSS Nomenclature":
 * CVSS-B, CVSS-BT, CVSS-BE, CVSS-BTE). For v2/v3.x, T stands for the Temporal group.
 */
export type CvssNomenclature = 'CVSS-B' | 'CVSS-BT' | 'CVSS-BE' | 'CVSS-BTE';

export interface ParsedCvss {
  readonly version: CvssVersion;
  /**
   * The vector in its written form: v2 without the `(…)` or `CVSS:2.0/` some sources wrap it in
   * (the form NVD publishes and FIRST's cvss-v2.0 JSON schema requires); v3.x/v4.0 as given.
   */
  readonly vector: string;
  /** Every metric the vector carries, Not Defined ones included, keyed by abbreviation in the spec's order. */
  readonly metrics: Readonly<Record<string, string>>;
}

export interface CvssScore {
  readonly version: CvssVersion;
  /** As `ParsedCvss.vector`. */
  readonly vector: string;
  /** The Base score: from the base metrics alone, whatever other metrics the vector carries. */
  readonly baseScore: number;
  readonly baseSeverity: CvssSeverity;
  /** v2/v3.x Exploitability sub-score, rounded to one decimal as NVD publishes it; null for v4.0, which has none. */
  readonly exploitabilityScore: number | null;
  /** v2/v3.x Impact sub-score, rounded to one decimal as NVD publishes it (never below 0); null for v4.0. */
  readonly impactScore: number | null;
  /** v2/v3.x Temporal score when the vector defines a temporal metric, else null; always null for v4.0. */
  readonly temporalScore: number | null;
  /** v2/v3.x Environmental score when the vector defines an environmental metric, else null; always null for v4.0. */
  readonly environmentalScore: number | null;
  /** Which groups the vector defines (Not Defined values do not count). */
  readonly nomenclature: CvssNomenclature;
  /**
   * The score of the whole vector as written: for v4.0 the CVSS-B/BT/BE/BTE score, which is the figure
   * NVD publishes as `cvssMetricV40[].cvssData.baseScore` (e.g. 6.6 for `…/VA:H/…/E:U`, whose CVSS-B
   * score is 8.7); for v2/v3.x the environmental score if defined, else the temporal, else the base.
   */
  readonly score: number;
  readonly severity: CvssSeverity;
}
