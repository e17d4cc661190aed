/**
 * The Anchore /v1 `nvdv2` shape: the NVD 1.1 `cve` item plus the flattened fields the Anchore engine
 * reads (../../../../shared/ANCHORE-FEED-API.md, "nvdv2 feed"), from the record's typed NVD fields:
 * CWEs from `weaknesses`, CPEs from the vulnerable `cpeMatch` criteria of `configurations` (in order,
 * once each: the 1.1 shape has no version bounds), references with NVD's source and tags. The
 * assigner is `metadata.assigner` when a driver puts it there. A tombstone has no vulnerable CPEs,
 * so it matches nothing.
 */
import type { Cvss, VulnRecord } from '../record.ts';

function nvdCvss(c: Cvss | undefined): Record<string, unknown> | null {
  if (!c) return null;
  return {
    version: c.version,
    vector_string: c.vector,
    severity: c.baseSeverity,
    base_metrics: { base_score: c.baseScore, base_severity: c.baseSeverity, exploitability_score: c.exploitabilityScore, impact_score: c.impactScore },
  };
}

/** NVD's own (Primary) metric of a version family when there is one, else the first. */
function pick(r: VulnRecord, versions: readonly string[]): Cvss | undefined {
  const all = r.cvss.filter((c) => versions.includes(c.version));
  return all.find((c) => c.type === 'Primary') ?? all[0];
}

/** The vulnerable CPE criteria of a record's configurations, first occurrence order. */
export function vulnerableCpes(r: VulnRecord): string[] {
  const seen = new Set<string>();
  for (const conf of r.configurations ?? []) {
    for (const node of conf.nodes) for (const m of node.cpeMatch) if (m.vulnerable) seen.add(m.criteria);
  }
  return [...seen];
}

/** The `nvdv2` feed shape. */
export function toAnchoreNvd(r: VulnRecord, deleted: boolean): Record<string, unknown> {
  const cwes = [...new Set((r.weaknesses ?? []).map((w) => w.id))];
  return {
    cve: {
      CVE_data_meta: { ID: r.id, ASSIGNER: typeof r.metadata['assigner'] === 'string' ? r.metadata['assigner'] : '' },
      description: { description_data: [{ lang: 'en', value: r.description }] },
      problemtype: { problemtype_data: [{ description: cwes.map((value) => ({ lang: 'en', value })) }] },
    },
    cvss_v2: nvdCvss(pick(r, ['2.0'])),
    cvss_v3: nvdCvss(pick(r, ['3.0', '3.1'])),
    severity: r.severity,
    external_references: r.references.map((ref) => ({ url: ref.url, source: ref.source ?? ref.type ?? '', tags: ref.tags ?? [] })),
    publishedDate: r.published,
    lastModifiedDate: r.modified,
    vulnerable_cpes: deleted ? [] : vulnerableCpes(r),
  };
}
