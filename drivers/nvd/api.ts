/**
 * The NVD CVE API 2.0 response, as served by https://services.nvd.nist.gov/rest/json/cves/2.0
 * (schema: https://csrc.nist.gov/schema/nvd/api/2.0/cve_api_json_2.0.schema) and as written to the
 * year files of NVD mirrors (one page per published year, `resultsPerPage` = `totalResults`):
 *
 * ```json
 * {"resultsPerPage":2393,"startIndex":0,"totalResults":2393,"format":"NVD_CVE","version":"2.0",
 *  "timestamp":"2024-10-25T01:15:13.497","vulnerabilities":[{"cve":{"id":"CVE-2005-10003",
 *   "sourceIdentifier":"cna@vuldb.com","published":"2024-10-17T14:15:03.800",
 *   "lastModified":"2024-10-18T12:52:33.507","vulnStatus":"Awaiting Analysis",
 *   "cveTags":[{"sourceIdentifier":"cna@vuldb.com","tags":["unsupported-when-assigned"]}],
 *   "descriptions":[{"lang":"en","value":"A vulnerability classified as critical …"},{"lang":"es","value":"…"}],
 *   "metrics":{"cvssMetricV40":[{"source":"cna@vuldb.com","type":"Secondary","cvssData":{"version":"4.0",
 *     "vectorString":"CVSS:4.0/AV:N/AC:H/…","baseScore":6.3,"baseSeverity":"MEDIUM",…}}],…},
 *   "weaknesses":[{"source":"cna@vuldb.com","type":"Primary","description":[{"lang":"en","value":"CWE-78"}]}],
 *   "configurations":[{"operator":"AND","nodes":[{"operator":"OR","negate":false,"cpeMatch":[{"vulnerable":true,
 *     "criteria":"cpe:2.3:a:microsoft:internet_explorer:6:*:*:*:*:*:*:*","matchCriteriaId":"693D3C1C-…"}]}]}],
 *   "references":[{"url":"https://vuldb.com/?id.280960","source":"cna@vuldb.com","tags":["Third Party Advisory"]}]}}]}
 * ```
 *
 * What airfeed reads is typed here and checked; other members are accepted and dropped (zod's
 * default object mode: cheaper than keeping them), so a field NVD adds later does not stop a sync. Times have no zone and are UTC (`2024-10-17T14:15:03.800`).
 * Oddities of the real data: v2 puts `baseSeverity` beside `cvssData`, v3.x and v4.0 inside it; v4.0
 * metrics have no exploitability or impact sub-scores; 973 v2 metrics of the 2002–2016 pages lack
 * `userInteractionRequired`; a Rejected CVE has `"metrics": {}` and `"references": []`.
 */
import { z } from 'zod';

/** NVD's own time form (UTC, no zone), or an ISO time with a zone (`Z`, `+00:00`). */
export const NVD_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?$/;
export const NvdTime = z.string().regex(NVD_TIME, 'must be a time such as 2024-10-17T14:15:03.800');

/** `CVE-YYYY-NNNN…` as the CVE program assigns them. */
export const CVE_ID = /^CVE-\d{4}-\d{4,}$/;

const LangString = z.object({ lang: z.string(), value: z.string() });

const CvssData = z.object({
  version: z.enum(['2.0', '3.0', '3.1', '4.0']),
  vectorString: z.string().min(1),
  baseScore: z.number().min(0).max(10),
  baseSeverity: z.string().optional(),
});

/** One `cvssMetricV2[]` / `cvssMetricV30[]` / `cvssMetricV31[]` / `cvssMetricV40[]` entry. */
export const CvssMetric = z.object({
  source: z.string().min(1).optional(),
  type: z.enum(['Primary', 'Secondary']).optional(),
  cvssData: CvssData,
  baseSeverity: z.string().optional(),
  exploitabilityScore: z.number().min(0).max(10).optional(),
  impactScore: z.number().min(0).max(10).optional(),
  acInsufInfo: z.boolean().optional(),
  obtainAllPrivilege: z.boolean().optional(),
  obtainUserPrivilege: z.boolean().optional(),
  obtainOtherPrivilege: z.boolean().optional(),
  userInteractionRequired: z.boolean().optional(),
});
export type CvssMetric = z.infer<typeof CvssMetric>;

/** The metric lists, newest CVSS version first (the order NVD writes them). */
export const METRIC_KEYS = ['cvssMetricV40', 'cvssMetricV31', 'cvssMetricV30', 'cvssMetricV2'] as const;

const Metrics = z.object({
  cvssMetricV40: z.array(CvssMetric).optional(),
  cvssMetricV31: z.array(CvssMetric).optional(),
  cvssMetricV30: z.array(CvssMetric).optional(),
  cvssMetricV2: z.array(CvssMetric).optional(),
});

const CpeMatch = z.object({
  vulnerable: z.boolean(),
  criteria: z.string().min(1),
  matchCriteriaId: z.string().min(1),
  versionStartIncluding: z.string().optional(),
  versionStartExcluding: z.string().optional(),
  versionEndIncluding: z.string().optional(),
  versionEndExcluding: z.string().optional(),
});

const Node = z.object({
  operator: z.enum(['AND', 'OR']),
  negate: z.boolean().optional(),
  cpeMatch: z.array(CpeMatch),
});

export const Configuration = z.object({
  operator: z.enum(['AND', 'OR']).optional(),
  negate: z.boolean().optional(),
  nodes: z.array(Node),
});
export type Configuration = z.infer<typeof Configuration>;

const Weakness = z.object({
  source: z.string().optional(),
  type: z.string().optional(),
  description: z.array(LangString),
});

const Reference = z.object({
  url: z.string().min(1),
  source: z.string().optional(),
  tags: z.array(z.string()).optional(),
});

const VendorComment = z.object({ organization: z.string(), comment: z.string(), lastModified: z.string() });
const CveTag = z.object({ sourceIdentifier: z.string().optional(), tags: z.array(z.string()) });

/** One `vulnerabilities[].cve`. */
export const NvdCve = z.object({
  id: z.string().regex(CVE_ID, 'must be a CVE id (CVE-YYYY-NNNN)'),
  sourceIdentifier: z.string().optional(),
  published: NvdTime,
  lastModified: NvdTime,
  vulnStatus: z.string().optional(),
  evaluatorComment: z.string().optional(),
  evaluatorSolution: z.string().optional(),
  evaluatorImpact: z.string().optional(),
  cisaExploitAdd: z.string().optional(),
  cisaActionDue: z.string().optional(),
  cisaRequiredAction: z.string().optional(),
  cisaVulnerabilityName: z.string().optional(),
  cveTags: z.array(CveTag).optional(),
  descriptions: z.array(LangString),
  references: z.array(Reference),
  metrics: Metrics.optional(),
  weaknesses: z.array(Weakness).optional(),
  configurations: z.array(Configuration).optional(),
  vendorComments: z.array(VendorComment).optional(),
});
export type NvdCve = z.infer<typeof NvdCve>;

/** One element of `vulnerabilities[]`. */
export const NvdItem = z.object({ cve: NvdCve });

/** The scalar members of a page, before (or after) its `vulnerabilities`. */
export const PageHeader = z.object({
  resultsPerPage: z.number().int().min(0).optional(),
  startIndex: z.number().int().min(0).optional(),
  totalResults: z.number().int().min(0).optional(),
  format: z.literal('NVD_CVE').optional(),
  version: z.literal('2.0').optional(),
  timestamp: z.string().optional(),
});
export type PageHeader = z.infer<typeof PageHeader>;

/** NVD's time (UTC without a zone) as an ISO time in UTC: `2024-10-17T14:15:03.800` → `2024-10-17T14:15:03.800Z`. */
export function utcIso(time: string): string {
  if (/(Z|[+-]\d{2}:\d{2})$/.test(time)) return new Date(time).toISOString();
  // Minutes only (`2016-01-13T05:59`) gets seconds, so the result is what z.iso.datetime accepts.
  return /T\d{2}:\d{2}$/.test(time) ? `${time}:00Z` : `${time}Z`;
}
