/**
 * The Anchore /v1 `nvdv2` shape (../../../../shared/ANCHORE-FEED-API.md, "nvdv2 feed"): the NVD 1.1
 * JSON feed's `cve` item plus the flattened fields Anchore's engine reads (its NvdV2FeedDataMapper and
 * NvdV2Metadata: `cvss_v2`, `cvss_v3`, `severity`, `external_references`, `vulnerable_cpes`), made
 * from a record of the nvd driver (drivers/nvd/record.ts) the way NVD's own 1.1 feed was made:
 *
 * ```json
 * {"cve": {"data_type": "CVE", "data_format": "MITRE", "data_version": "4.0",
 *          "CVE_data_meta": {"ID": "CVE-2016-0008", "ASSIGNER": "secure@microsoft.com"},
 *          "problemtype": {"problemtype_data": [{"description": [{"lang": "en", "value": "CWE-200"}]}]},
 *          "references": {"reference_data": [{"url": "…", "name": "…", "refsource": "…", "tags": ["Patch"]}]},
 *          "description": {"description_data": [{"lang": "en", "value": "The graphics device interface …"}]}},
 *  "cvss_v2": {"version": "2.0", "vector_string": "AV:N/AC:M/Au:N/C:P/I:N/A:N", "severity": "Medium",
 *              "base_metrics": {"access_complexity": "MEDIUM", "access_vector": "NETWORK", "authentication": "NONE",
 *                               "availability_impact": "NONE", "base_score": 4.3, "confidentiality_impact": "PARTIAL",
 *                               "exploitability_score": 8.6, "impact_score": 2.9, "integrity_impact": "NONE"},
 *              "additional_information": {"ac_insuf_info": false, "obtain_all_privilege": false,
 *                               "obtain_other_privilege": false, "obtain_user_privilege": false, "user_interaction_required": true}},
 *  "cvss_v3": {"version": "3.0", "vector_string": "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:N/A:N",
 *              "base_metrics": {"attack_complexity": "LOW", "attack_vector": "NETWORK", "availability_impact": "NONE",
 *                               "base_score": 4.3, "base_severity": "Medium", "confidentiality_impact": "LOW",
 *                               "exploitability_score": 2.8, "impact_score": 1.4, "integrity_impact": "NONE",
 *                               "privileges_required": "NONE", "scope": "UNCHANGED", "user_interaction": "REQUIRED"}},
 *  "severity": "Medium", "external_references": [{"url": "…", "source": "secure@microsoft.com", "tags": ["Patch"]}],
 *  "publishedDate": "2016-01-13T05:59Z", "lastModifiedDate": "2019-05-15T19:28Z",
 *  "vulnerable_cpes": ["cpe:2.3:o:microsoft:windows_server_2008:r2:sp1:*:*:*:*:x64:*", …]}
 * ```
 *
 * - `cvss_v3`: NVD's own metric (Primary) before a CNA's (Secondary), 3.1 before 3.0 — 1.1's
 *   `baseMetricV3` was NVD's; a CNA's stands in while NVD has not analysed the CVE. `cvss_v2` likewise.
 *   The metric words (`NETWORK`, `ADJACENT_NETWORK`, `PARTIAL`, …) are read from the vector as NVD
 *   writes them in `cvssData`; ratings are title case as Anchore's engine stores them (`High`).
 *   `additional_information` comes from the record's `metadata.cvssV2Flags` of that source.
 * - `severity`: the record's, the rating of that same v3.x metric, else of the v2 one (how NVD's 1.1
 *   feed rated a CVE), in Anchore's words (NONE → Negligible); a CVE with only a v4.0 metric (1.1 had
 *   none) gets its v4.0 rating rather than Unknown.
 * - `problemtype`: the CWE values of NVD's own (Primary) weaknesses, each once, in order; a CNA's
 *   (Secondary) only when NVD gave none — 1.1 listed NVD's (CVE-2016-9160: CWE-254 from NVD, not
 *   Siemens' CWE-111).
 * - References: the API 2.0 gives a URL, who added it (`source`) and tags; 1.1's `name` and
 *   `refsource` (`MISC`, `CONFIRM`) no longer exist, so `name` is the URL (what NVD's 1.1 feed wrote
 *   for references added after 2023) and `refsource`/`source` is the API's source.
 * - Times in 1.1's form, UTC to the minute (`2016-01-13T05:59Z`).
 * - `vulnerable_cpes`: the `vulnerable: true` criteria of every configuration, in order, once each
 *   (Anchore reads CPEs, not version bounds: the record keeps those for CPE matching). A tombstone
 *   has none, so it matches nothing.
 */
import { parseCvssVector } from '../cvss/parse.ts';
import type { Cvss, VulnRecord } from '../record.ts';

type Words = Readonly<Record<string, string>>;
const IMPACT_V2: Words = { N: 'NONE', P: 'PARTIAL', C: 'COMPLETE' };
const IMPACT_V3: Words = { N: 'NONE', L: 'LOW', H: 'HIGH' };
const V2_METRICS: Readonly<Record<string, readonly [string, Words]>> = {
  AV: ['access_vector', { L: 'LOCAL', A: 'ADJACENT_NETWORK', N: 'NETWORK' }],
  AC: ['access_complexity', { H: 'HIGH', M: 'MEDIUM', L: 'LOW' }],
  Au: ['authentication', { M: 'MULTIPLE', S: 'SINGLE', N: 'NONE' }],
  C: ['confidentiality_impact', IMPACT_V2],
  I: ['integrity_impact', IMPACT_V2],
  A: ['availability_impact', IMPACT_V2],
};
const V3_METRICS: Readonly<Record<string, readonly [string, Words]>> = {
  AV: ['attack_vector', { N: 'NETWORK', A: 'ADJACENT_NETWORK', L: 'LOCAL', P: 'PHYSICAL' }],
  AC: ['attack_complexity', { L: 'LOW', H: 'HIGH' }],
  PR: ['privileges_required', { N: 'NONE', L: 'LOW', H: 'HIGH' }],
  UI: ['user_interaction', { N: 'NONE', R: 'REQUIRED' }],
  S: ['scope', { U: 'UNCHANGED', C: 'CHANGED' }],
  C: ['confidentiality_impact', IMPACT_V3],
  I: ['integrity_impact', IMPACT_V3],
  A: ['availability_impact', IMPACT_V3],
};
const V2_FLAGS = [
  ['acInsufInfo', 'ac_insuf_info'], ['obtainAllPrivilege', 'obtain_all_privilege'], ['obtainOtherPrivilege', 'obtain_other_privilege'],
  ['obtainUserPrivilege', 'obtain_user_privilege'], ['userInteractionRequired', 'user_interaction_required'],
] as const;

/** `HIGH` → `High`. */
function title(word: string | null): string | null {
  return word === null ? null : word.charAt(0) + word.slice(1).toLowerCase();
}

/** The base metric words of a vector, by Anchore's names; none when the vector does not parse. */
function vectorWords(vector: string, table: typeof V2_METRICS): Record<string, string> {
  let metrics: Readonly<Record<string, string>>;
  try {
    metrics = parseCvssVector(vector).metrics;
  } catch {
    return {};
  }
  const out: Record<string, string> = {};
  for (const [key, [name, words]] of Object.entries(table)) {
    const value = metrics[key];
    const word = value === undefined ? undefined : words[value];
    if (word !== undefined) out[name] = word;
  }
  return out;
}

/** NVD's metric of the versions given: Primary before Secondary, then the first listed version first. */
export function nvdMetric(r: VulnRecord, versions: readonly string[]): Cvss | undefined {
  let best: Cvss | undefined;
  let bestRank = Infinity;
  for (const c of r.cvss) {
    const v = versions.indexOf(c.version);
    if (v < 0) continue;
    const rank = (c.type === 'Primary' ? 0 : 1) * versions.length + v;
    if (rank < bestRank) {
      best = c;
      bestRank = rank;
    }
  }
  return best;
}

function sortedKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function cvssV2(r: VulnRecord, c: Cvss | undefined): Record<string, unknown> | null {
  if (!c) return null;
  const flagsBySource = r.metadata['cvssV2Flags'];
  const flags = flagsBySource !== null && typeof flagsBySource === 'object' ? (flagsBySource as Record<string, Record<string, unknown>>)[c.source ?? ''] : undefined;
  const additional: Record<string, unknown> = {};
  for (const [from, to] of V2_FLAGS) if (typeof flags?.[from] === 'boolean') additional[to] = flags[from];
  return {
    version: c.version,
    vector_string: c.vector,
    severity: title(c.baseSeverity),
    base_metrics: sortedKeys({ ...vectorWords(c.vector, V2_METRICS), base_score: c.baseScore, exploitability_score: c.exploitabilityScore, impact_score: c.impactScore }),
    ...(Object.keys(additional).length > 0 ? { additional_information: additional } : {}),
  };
}

function cvssV3(c: Cvss | undefined): Record<string, unknown> | null {
  if (!c) return null;
  return {
    version: c.version,
    vector_string: c.vector,
    base_metrics: sortedKeys({
      ...vectorWords(c.vector, V3_METRICS), base_score: c.baseScore, base_severity: title(c.baseSeverity), exploitability_score: c.exploitabilityScore, impact_score: c.impactScore,
    }),
  };
}

/** The vulnerable CPE criteria of a record's configurations, first occurrence order. */
export function vulnerableCpes(r: VulnRecord): string[] {
  const seen = new Set<string>();
  for (const conf of r.configurations ?? []) {
    for (const node of conf.nodes) for (const m of node.cpeMatch) if (m.vulnerable) seen.add(m.criteria);
  }
  return [...seen];
}

/** `2016-01-13T05:59:00.000Z` → `2016-01-13T05:59Z`, the 1.1 feed's form. */
export function nvd11Time(iso: string | null): string | null {
  return iso === null ? null : `${iso.slice(0, 16)}Z`;
}

/** The `nvdv2` feed shape. */
export function toAnchoreNvd(r: VulnRecord, deleted: boolean): Record<string, unknown> {
  const weaknesses = r.weaknesses ?? [];
  const primary = weaknesses.filter((w) => w.type === 'Primary');
  const cwes = [...new Set((primary.length > 0 ? primary : weaknesses).map((w) => w.id))];
  const assigner = r.metadata['sourceIdentifier'] ?? r.metadata['assigner'];
  return {
    cve: {
      data_type: 'CVE',
      data_format: 'MITRE',
      data_version: '4.0',
      CVE_data_meta: { ID: r.id, ASSIGNER: typeof assigner === 'string' ? assigner : '' },
      problemtype: { problemtype_data: [{ description: cwes.map((value) => ({ lang: 'en', value })) }] },
      references: { reference_data: r.references.map((ref) => ({ url: ref.url, name: ref.url, refsource: ref.source ?? '', tags: ref.tags ?? [] })) },
      description: { description_data: [{ lang: 'en', value: r.description }] },
    },
    cvss_v2: cvssV2(r, nvdMetric(r, ['2.0'])),
    cvss_v3: cvssV3(nvdMetric(r, ['3.1', '3.0'])),
    severity: r.severity,
    external_references: r.references.map((ref) => ({ url: ref.url, source: ref.source ?? ref.type ?? '', tags: ref.tags ?? [] })),
    publishedDate: nvd11Time(r.published),
    lastModifiedDate: nvd11Time(r.modified),
    vulnerable_cpes: deleted ? [] : vulnerableCpes(r),
  };
}
