/**
 * One NVD CVE (API 2.0 `vulnerabilities[].cve`, api.ts) → one record of group `nvdv2:cves`, id = the
 * CVE id. NVD names CPEs, not packages, so `fixedIn` is empty: the record gives severity, CVSS, CWE,
 * CPE applicability and references to the distro records of the same CVE, and to CPE matching.
 *
 * - `description`: the first English description (`""` when NVD has none); the others go to
 *   `descriptions` (`{lang: "es", value: "Se ha encontrado una vulnerabilidad …"}`), empty ones dropped.
 * - `cvss`: every metric, newest CVSS version first (`cvssMetricV40`, `V31`, `V30`, `V2`), each in
 *   NVD's order, with its `source` (`nvd@nist.gov`, `cna@vuldb.com`) and `type` (Primary/Secondary);
 *   the scores are NVD's published ones; `baseSeverity` is inside `cvssData` for v3.x/v4.0 and beside
 *   it for v2.
 * - `severity`: the rating NVD's own 1.1 feeds derived (`impact.baseMetricV3` else `baseMetricV2`),
 *   taken from the API 2.0 metrics: a v3.x metric, else a v2 one — NVD's Primary metric first, 3.1
 *   over 3.0, then a Secondary (a CNA's, while NVD has not analysed the CVE). Only when a CVE has no
 *   v3.x or v2 metric at all does a v4.0 one give it (CVE-2024-… scored by their CNA in 4.0 only).
 *   NVD's words map to airfeed's: CRITICAL → Critical, …, NONE → Negligible (cvss/severity.ts);
 *   no metric → Unknown.
 * - `weaknesses`: one entry per CWE value of `weaknesses[].description[]` (`CWE-79`,
 *   `NVD-CWE-noinfo`, `NVD-CWE-Other`) with the weakness's source and type, repeats dropped.
 * - `configurations`: NVD's applicability statements as they are (operator, negate, nodes, every
 *   cpeMatch with its version bounds); a node without cpeMatch and a configuration without nodes
 *   are dropped (the record schema refuses them empty).
 * - `references`: url, source, tags (absent when empty), in NVD's order.
 * - `status`: `vulnStatus`; `published`/`modified`: NVD's times in UTC with `Z`.
 * - `link`: https://nvd.nist.gov/vuln/detail/<id>.
 * - `metadata` keeps what NVD gives that the record has no field for, under NVD's names:
 *   `sourceIdentifier` (the CNA, 1.1's `ASSIGNER`), `cveTags`, `evaluatorComment`,
 *   `evaluatorSolution`, `evaluatorImpact`, `vendorComments`, the `cisa*` KEV fields, and
 *   `cvssV2Flags` (`{"nvd@nist.gov": {acInsufInfo, obtainAllPrivilege, obtainUserPrivilege,
 *   obtainOtherPrivilege, userInteractionRequired}}`, the v2 flags 1.1 carried in `baseMetricV2`).
 *
 * Values a record cannot hold are upstream defects and fail the group: SOURCE_INVALID naming the
 * file, the CVE and the field (a CWE value such as `CWE-79a`, a CPE that is not CPE 2.3).
 */
import { AirfeedError } from '../_framework/errors.ts';
import { toAirfeedSeverity } from '../_framework/cvss/index.ts';
import {
  type CpeConfiguration, type Cvss, CVSS_SEVERITIES, NVD_STATUSES, RECORD_SCHEMA_VERSION, type Reference, type Severity, type VulnRecord,
} from '../_framework/record.ts';
import { type CvssMetric, METRIC_KEYS, type NvdCve, utcIso } from './api.ts';

export const GROUP = 'nvdv2:cves';
export const DRIVER_ID = 'nvd';

const CWE_VALUE = /^(CWE-\d+|NVD-CWE-noinfo|NVD-CWE-Other)$/;
const CPE23 = /^cpe:2\.3:[aho*-]:/;
const STATUSES: ReadonlySet<string> = new Set(NVD_STATUSES);
const CVSS_WORDS: ReadonlySet<string> = new Set(CVSS_SEVERITIES);

type CvssSeverityWord = (typeof CVSS_SEVERITIES)[number];
const WORD_TO_RATING = { NONE: 'None', LOW: 'Low', MEDIUM: 'Medium', HIGH: 'High', CRITICAL: 'Critical' } as const;

/** True for a Rejected CVE (a tombstone, never a record). */
export function isRejected(cve: Pick<NvdCve, 'vulnStatus'>): boolean {
  return cve.vulnStatus === 'Rejected';
}

/** airfeed's severity for one of NVD's words (`HIGH` → High, `NONE` → Negligible). */
export function severityOfWord(word: CvssSeverityWord): Severity {
  return toAirfeedSeverity(WORD_TO_RATING[word]);
}

function defect(where: string, id: string, what: string): AirfeedError {
  return new AirfeedError('SOURCE_INVALID', `${where}: ${id}: ${what}`, { details: { id } });
}

function cvssOf(m: CvssMetric, where: string, id: string): Cvss {
  const word = (m.cvssData.baseSeverity ?? m.baseSeverity ?? null)?.toUpperCase() ?? null;
  if (word !== null && !CVSS_WORDS.has(word)) throw defect(where, id, `CVSS ${m.cvssData.version} baseSeverity "${word}" is not one of ${CVSS_SEVERITIES.join(', ')}`);
  return {
    version: m.cvssData.version,
    vector: m.cvssData.vectorString,
    baseScore: m.cvssData.baseScore,
    baseSeverity: word as CvssSeverityWord | null,
    exploitabilityScore: m.exploitabilityScore ?? null,
    impactScore: m.impactScore ?? null,
    source: m.source ?? null,
    type: m.type ?? null,
  };
}

/** The metric the severity comes from (module doc): v3.x, else v2, else v4.0; Primary first, then newer. */
export function severityMetric(cvss: readonly Cvss[]): Cvss | undefined {
  const rank = (c: Cvss): number => {
    const family = c.version === '3.1' || c.version === '3.0' ? 0 : c.version === '2.0' ? 1 : 2;
    const primary = c.type === 'Primary' ? 0 : 1;
    const newer = c.version === '3.1' ? 0 : 1;
    return family * 4 + primary * 2 + newer;
  };
  let best: Cvss | undefined;
  for (const c of cvss) if (c.baseSeverity !== null && (best === undefined || rank(c) < rank(best))) best = c;
  return best;
}

function v2Flags(metrics: readonly CvssMetric[]): Record<string, Record<string, boolean>> | undefined {
  const out: Record<string, Record<string, boolean>> = {};
  for (const m of metrics) {
    const flags: Record<string, boolean> = {};
    for (const k of ['acInsufInfo', 'obtainAllPrivilege', 'obtainUserPrivilege', 'obtainOtherPrivilege', 'userInteractionRequired'] as const) {
      const v = m[k];
      if (v !== undefined) flags[k] = v;
    }
    if (Object.keys(flags).length > 0) out[m.source ?? ''] = flags;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function configurationsOf(cve: NvdCve, where: string): CpeConfiguration[] {
  const out: CpeConfiguration[] = [];
  for (const conf of cve.configurations ?? []) {
    const nodes: CpeConfiguration['nodes'] = [];
    for (const node of conf.nodes) {
      if (node.cpeMatch.length === 0) continue;
      nodes.push({
        operator: node.operator,
        negate: node.negate ?? false,
        cpeMatch: node.cpeMatch.map((m) => {
          if (!CPE23.test(m.criteria)) throw defect(where, cve.id, `configurations: criteria "${m.criteria}" is not a CPE 2.3 formatted string`);
          if (m.versionStartIncluding !== undefined && m.versionStartExcluding !== undefined) throw defect(where, cve.id, `configurations: ${m.criteria} has two start bounds`);
          if (m.versionEndIncluding !== undefined && m.versionEndExcluding !== undefined) throw defect(where, cve.id, `configurations: ${m.criteria} has two end bounds`);
          return {
            vulnerable: m.vulnerable,
            criteria: m.criteria,
            matchCriteriaId: m.matchCriteriaId,
            ...(m.versionStartIncluding ? { versionStartIncluding: m.versionStartIncluding } : {}),
            ...(m.versionStartExcluding ? { versionStartExcluding: m.versionStartExcluding } : {}),
            ...(m.versionEndIncluding ? { versionEndIncluding: m.versionEndIncluding } : {}),
            ...(m.versionEndExcluding ? { versionEndExcluding: m.versionEndExcluding } : {}),
          };
        }),
      });
    }
    if (nodes.length === 0) continue;
    out.push({ ...(conf.operator ? { operator: conf.operator } : {}), ...(conf.negate !== undefined ? { negate: conf.negate } : {}), nodes });
  }
  return out;
}

function weaknessesOf(cve: NvdCve, where: string): NonNullable<VulnRecord['weaknesses']> {
  const out: NonNullable<VulnRecord['weaknesses']> = [];
  const seen = new Set<string>();
  for (const w of cve.weaknesses ?? []) {
    const type = w.type === 'Primary' || w.type === 'Secondary' ? w.type : null;
    for (const d of w.description) {
      if (!CWE_VALUE.test(d.value)) throw defect(where, cve.id, `weaknesses: "${d.value}" is not a CWE id (CWE-<n>, NVD-CWE-noinfo or NVD-CWE-Other)`);
      const key = `${d.value}\u0000${w.source ?? ''}\u0000${type ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ id: d.value, source: w.source ?? null, type });
    }
  }
  return out;
}

function referencesOf(cve: NvdCve): Reference[] {
  return cve.references.map((r) => {
    const tags = (r.tags ?? []).filter((t) => t !== '');
    return { url: r.url, ...(r.source ? { source: r.source } : {}), ...(tags.length > 0 ? { tags } : {}) };
  });
}

function metadataOf(cve: NvdCve): Record<string, unknown> {
  const md: Record<string, unknown> = {};
  if (cve.sourceIdentifier) md['sourceIdentifier'] = cve.sourceIdentifier;
  if (cve.cveTags && cve.cveTags.some((t) => t.tags.length > 0)) md['cveTags'] = cve.cveTags;
  for (const k of ['evaluatorComment', 'evaluatorSolution', 'evaluatorImpact', 'cisaExploitAdd', 'cisaActionDue', 'cisaRequiredAction', 'cisaVulnerabilityName'] as const) {
    const v = cve[k];
    if (v !== undefined && v !== '') md[k] = v;
  }
  if (cve.vendorComments && cve.vendorComments.length > 0) md['vendorComments'] = cve.vendorComments;
  const flags = v2Flags(cve.metrics?.cvssMetricV2 ?? []);
  if (flags) md['cvssV2Flags'] = flags;
  return md;
}

/**
 * The record of one (non-rejected) CVE. `where` names the file for errors (`nvd: nvdcve-2016.json.gz`),
 * `source` is the record's provenance (the mirror file, or the API URL of the CVE).
 */
export function toRecord(cve: NvdCve, where: string, source: string): VulnRecord {
  const cvss: Cvss[] = [];
  for (const key of METRIC_KEYS) for (const m of cve.metrics?.[key] ?? []) cvss.push(cvssOf(m, where, cve.id));
  const pick = severityMetric(cvss);
  const english = cve.descriptions.find((d) => d.lang === 'en');
  const others = cve.descriptions.filter((d) => d !== english && d.lang !== 'en' && d.value !== '').map((d) => ({ lang: d.lang, value: d.value }));
  const weaknesses = weaknessesOf(cve, where);
  const configurations = configurationsOf(cve, where);
  return {
    schemaVersion: RECORD_SCHEMA_VERSION,
    id: cve.id,
    namespace: GROUP,
    severity: pick?.baseSeverity ? severityOfWord(pick.baseSeverity) : 'Unknown',
    description: english?.value ?? '',
    ...(others.length > 0 ? { descriptions: others } : {}),
    link: `https://nvd.nist.gov/vuln/detail/${cve.id}`,
    aliases: [],
    ...(cve.vulnStatus !== undefined && STATUSES.has(cve.vulnStatus) ? { status: cve.vulnStatus as VulnRecord['status'] } : {}),
    cvss,
    ...(weaknesses.length > 0 ? { weaknesses } : {}),
    ...(configurations.length > 0 ? { configurations } : {}),
    fixedIn: [],
    references: referencesOf(cve),
    published: utcIso(cve.published),
    modified: utcIso(cve.lastModified),
    withdrawn: null,
    metadata: metadataOf(cve),
    provenance: { driver: DRIVER_ID, source },
  };
}
