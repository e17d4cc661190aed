/** The normalization drivers/_framework/shapes/osv.ts documents: what OSV in → record → OSV out may change. */
import { OSV_SCHEMA_VERSION } from '../../drivers/_framework/shapes/osv.ts';

/** An OSV document as the OSV view gives it back after a round trip through a record. */
export function normalizeOsv(doc: Record<string, unknown>): Record<string, unknown> {
  const drop = (o: Record<string, unknown>, keys: string[]): void => {
    for (const k of keys) {
      const v = o[k];
      if (v === null || v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0)) delete o[k];
    }
  };
  const out = structuredClone(doc);
  out['schema_version'] = OSV_SCHEMA_VERSION;
  drop(out, ['aliases', 'related', 'upstream', 'severity', 'affected', 'references', 'credits', 'summary', 'details', 'database_specific']);
  if (Array.isArray(out['severity'])) {
    const sev = out['severity'] as { type: string }[];
    out['severity'] = [...sev.filter((s) => s.type.startsWith('CVSS_')), ...sev.filter((s) => !s.type.startsWith('CVSS_'))];
  }
  for (const a of (out['affected'] as Record<string, unknown>[] | undefined) ?? []) {
    drop(a, ['versions', 'ecosystem_specific', 'database_specific']);
    for (const r of (a['ranges'] as Record<string, unknown>[] | undefined) ?? []) drop(r, ['database_specific']);
  }
  for (const c of (out['credits'] as Record<string, unknown>[] | undefined) ?? []) drop(c, ['contact']);
  return out;
}

