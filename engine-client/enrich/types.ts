/** What a match carries beside its record's own data: the CVSS metric shown, the KEV listing, the EPSS score. */
import type { Severity } from '../../drivers/_framework/record.ts';

/** The groups the engine enriches matches from (the feeds `nvdv2` and `enrichment`). */
export const NVD_GROUP = 'nvdv2:cves';
export const KEV_GROUP = 'kev:catalog';
export const EPSS_GROUP = 'epss:scores';
export const ENRICHMENT_GROUPS = [EPSS_GROUP, KEV_GROUP, NVD_GROUP] as const;

/** Where a match's severity comes from: its own record, NVD's record of the same CVE, or nowhere (Unknown). */
export type SeveritySource = 'record' | 'nvd';

/** One CVSS metric as a match shows it (record schema v2 `cvss[]`, plus where it was taken from). */
export interface CvssSummary {
  version: string;
  vector: string;
  baseScore: number | null;
  /** FIRST's rating as the source wrote it (`HIGH`), or computed from the score when it wrote none. */
  baseSeverity: string | null;
  /** Who scored it (`nvd@nist.gov`, a CNA's id, `secalert@redhat.com`); null when the source does not say. */
  source: string | null;
  /** NVD's Primary (its own analysis) or Secondary (a CNA's or ADP's); null when the source does not say. */
  type: 'Primary' | 'Secondary' | null;
  /** `record`: the matched record's own metric; `nvd`: NVD's record of the same CVE. */
  from: SeveritySource;
}

/** A CISA KEV listing (record schema v2 `kev`, the fields a reader acts on). */
export interface KevSummary {
  /** The CVE the catalog lists (the match's id or one of its aliases). */
  id: string;
  dateAdded: string;
  dueDate: string;
  requiredAction: string;
  knownRansomwareCampaignUse: string;
  vulnerabilityName: string;
}

/** A FIRST EPSS score (record schema v2 `epss`). */
export interface EpssSummary {
  /** The CVE the score is for (the match's id or one of its aliases). */
  id: string;
  /** Probability of exploitation activity in the next 30 days, 0–1. */
  score: number;
  /** The share of scored CVEs with a lower or equal score, 0–1. */
  percentile: number;
  /** The scores' date (YYYY-MM-DD). */
  date: string;
}

/** A severity and its source, as a match reports them. */
export interface RatedSeverity {
  severity: Severity;
  severitySource: SeveritySource | null;
}
