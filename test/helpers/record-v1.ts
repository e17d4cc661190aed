/**
 * Version 1 documents as airfeed 0.1 wrote them, for upgrade tests: `toV1` writes a version 2
 * record of the shapes 0.1 could produce (no v2-only fields) back in the version 1 spelling.
 */
import type { VulnRecord } from '../../drivers/_framework/record.ts';
import type { VulnRecordV1 } from '../../drivers/_framework/record-v1.ts';

/** The version 1 spelling of a record: fixed → its version, not_affected → "0", other states → "None". */
export function toV1(r: VulnRecord): VulnRecordV1 {
  const { schemaVersion: _v, fixedIn, cvss, ...rest } = r;
  const scheme = (s: string): VulnRecordV1['fixedIn'][number]['versionScheme'] => {
    if (s === 'crates' || s === 'nuget') throw new Error(`version 1 had no ${s} scheme`);
    return s as VulnRecordV1['fixedIn'][number]['versionScheme'];
  };
  return {
    ...rest,
    cvss: cvss.map((c) => ({ version: c.version, vector: c.vector, baseScore: c.baseScore, baseSeverity: c.baseSeverity, source: c.source })),
    fixedIn: fixedIn.map((f) => ({
      package: f.package,
      version: f.state === 'fixed' ? (f.version ?? 'None') : f.state === 'not_affected' ? '0' : 'None',
      versionScheme: scheme(f.versionScheme),
      ...(f.vendorAdvisory ? { vendorAdvisory: f.vendorAdvisory } : {}),
      ...(f.ranges ? { ranges: f.ranges.map((x) => ({ type: x.type, events: x.events })) } : {}),
      ...(f.ecosystem ? { ecosystem: f.ecosystem } : {}),
    })),
    references: r.references.map((x) => ({ url: x.url, ...(x.type ? { type: x.type } : {}) })),
  };
}
