/**
 * The record's typed blocks for what NVD, Red Hat, Ubuntu, OSV, CISA KEV and FIRST EPSS publish
 * beside the affected packages: CVSS metrics, weaknesses (CWE), CPE configurations, references,
 * credits, descriptions in other languages, and the enrichment blocks. Field names follow the
 * upstream that defines them (NVD API 2.0, OSV, the KEV catalog), so a driver maps one to one.
 */
import { z } from 'zod';

const nonEmpty = z.string().min(1);
const cweId = z.string().regex(/^CWE-\d+$/, 'must be a CWE id such as CWE-79');

/** CVSS versions NVD, Red Hat, Ubuntu and OSV publish. */
export const CVSS_VERSIONS = ['2.0', '3.0', '3.1', '4.0'] as const;
/** FIRST's severity names as NVD writes them in `baseSeverity` (v2: LOW, MEDIUM, HIGH only). */
export const CVSS_SEVERITIES = ['NONE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;

/**
 * One CVSS metric as a source publishes it (NVD `metrics.cvssMetricV31[]`, Red Hat `cvss3`, OSV
 * `severity[]`). Scores the source does not give are null (OSV gives a vector only; scoring vectors
 * is drivers/_framework/cvss's job). `source` is who scored it (`nvd@nist.gov`, `secalert@redhat.com`),
 * `type` NVD's Primary/Secondary.
 */
export const Cvss = z.strictObject({
  version: z.enum(CVSS_VERSIONS),
  vector: nonEmpty,
  baseScore: z.number().min(0).max(10).nullable(),
  baseSeverity: z.enum(CVSS_SEVERITIES).nullable(),
  exploitabilityScore: z.number().min(0).max(10).nullable(),
  impactScore: z.number().min(0).max(10).nullable(),
  source: nonEmpty.nullable(),
  type: z.enum(['Primary', 'Secondary']).nullable(),
});
export type Cvss = z.infer<typeof Cvss>;

/** A vendor's own rating in its own words (Ubuntu priority `medium`, Red Hat impact `Important`, Debian urgency). */
export const VendorSeverity = z.strictObject({ source: nonEmpty, value: nonEmpty });

/** One CWE of NVD's `weaknesses[]`, flattened to one entry per CWE id (`NVD-CWE-noinfo`, `NVD-CWE-Other` kept). */
/** A weakness id: `CWE-<n>`, `NVD-CWE-noinfo` or `NVD-CWE-Other`. */
export const WEAKNESS_ID = /^(CWE-\d+|NVD-CWE-noinfo|NVD-CWE-Other)$/;
export const Weakness = z.strictObject({
  id: z.string().regex(WEAKNESS_ID, 'must be CWE-<n>, NVD-CWE-noinfo or NVD-CWE-Other'),
  source: nonEmpty.nullable(),
  type: z.enum(['Primary', 'Secondary']).nullable(),
});

/** NVD 2.0 `cpeMatch` (https://nvd.nist.gov/developers/vulnerabilities): at most one start and one end bound. */
/** The start of a CPE 2.3 formatted string. */
export const CPE23_PREFIX = /^cpe:2\.3:[aho*-]:/;
export const CpeMatch = z
  .strictObject({
    vulnerable: z.boolean(),
    criteria: z.string().regex(CPE23_PREFIX, 'must be a CPE 2.3 formatted string'),
    matchCriteriaId: nonEmpty,
    versionStartIncluding: nonEmpty.optional(),
    versionStartExcluding: nonEmpty.optional(),
    versionEndIncluding: nonEmpty.optional(),
    versionEndExcluding: nonEmpty.optional(),
  })
  .refine((m) => !(m.versionStartIncluding !== undefined && m.versionStartExcluding !== undefined), 'at most one start bound')
  .refine((m) => !(m.versionEndIncluding !== undefined && m.versionEndExcluding !== undefined), 'at most one end bound');

/** NVD 2.0 `configurations[].nodes[]`. */
export const CpeNode = z.strictObject({
  operator: z.enum(['AND', 'OR']),
  negate: z.boolean(),
  cpeMatch: z.array(CpeMatch).min(1),
});

/** NVD 2.0 `configurations[]`: its own operator and negate when NVD gives them (AND for "running on/with"). */
export const CpeConfiguration = z.strictObject({
  operator: z.enum(['AND', 'OR']).optional(),
  negate: z.boolean().optional(),
  nodes: z.array(CpeNode).min(1),
});
export type CpeConfiguration = z.infer<typeof CpeConfiguration>;

/** OSV reference types (https://ossf.github.io/osv-schema/#references-field). */
export const REFERENCE_TYPES = ['ADVISORY', 'ARTICLE', 'DETECTION', 'DISCUSSION', 'EVIDENCE', 'FIX', 'GIT', 'INTRODUCED', 'PACKAGE', 'REPORT', 'WEB'] as const;

/** A reference: OSV's `type`, NVD's `source` and `tags` (`Patch`, `Vendor Advisory`, …) when given. */
export const Reference = z.strictObject({
  url: nonEmpty,
  type: z.enum(REFERENCE_TYPES).optional(),
  source: nonEmpty.optional(),
  tags: z.array(nonEmpty).min(1).optional(),
});
export type Reference = z.infer<typeof Reference>;

/** OSV credit types. */
export const CREDIT_TYPES = [
  'ANALYST', 'COORDINATOR', 'FINDER', 'OTHER', 'REMEDIATION_DEVELOPER', 'REMEDIATION_REVIEWER', 'REMEDIATION_VERIFIER', 'REPORTER', 'SPONSOR', 'TOOL',
] as const;
export const Credit = z.strictObject({
  name: nonEmpty,
  contact: z.array(nonEmpty).min(1).optional(),
  type: z.enum(CREDIT_TYPES).optional(),
});

/** A description in a language other than English (NVD `descriptions[]` with `lang` `es`); English is `description`. */
/** A language tag such as `es` or `pt-BR`. */
export const LANG_TAG = /^[a-z]{2,3}(-[A-Za-z0-9]+)*$/;
export const Description = z.strictObject({
  lang: z.string().regex(LANG_TAG, 'must be a language tag such as es').refine((l) => l !== 'en', 'English is the record\'s description'),
  value: nonEmpty,
});

/** NVD `vulnStatus` values. */
export const NVD_STATUSES = ['Analyzed', 'Awaiting Analysis', 'Deferred', 'Modified', 'Received', 'Rejected', 'Undergoing Analysis'] as const;

/**
 * CISA Known Exploited Vulnerabilities, one catalog entry (field names as the catalog writes them;
 * `cveID` is the record id, `shortDescription` its description). Absent `notes` and `cwes` are `""`
 * and `[]`, so each entry has one spelling.
 */
export const Kev = z.strictObject({
  vendorProject: z.string(),
  product: z.string(),
  vulnerabilityName: z.string(),
  dateAdded: z.iso.date(),
  dueDate: z.iso.date(),
  requiredAction: z.string(),
  knownRansomwareCampaignUse: z.enum(['Known', 'Unknown']),
  notes: z.string(),
  cwes: z.array(cweId),
});
export type Kev = z.infer<typeof Kev>;

/** FIRST EPSS for one CVE: probability of exploitation in 30 days, its percentile, and the scores' date. */
export const Epss = z.strictObject({
  score: z.number().min(0).max(1),
  percentile: z.number().min(0).max(1),
  date: z.iso.date(),
});
export type Epss = z.infer<typeof Epss>;
