/**
 * The facts enrichment reads from a stored document: its severity, CVSS metrics, aliases, and the
 * KEV and EPSS blocks. The engine keeps each record as its source sent it, so four shapes are read:
 *
 * - the normalized record (record schema v2, from /v2 and bundles): `severity`, `cvss[]`,
 *   `aliases`, `kev`, `epss` (drivers/_framework/record.ts);
 * - Anchore /v1 `vulnerabilities` (`Vulnerability.Severity`, `Vulnerability.CVSS[]` as
 *   `{version, vector_string, base_metrics: {base_score, base_severity}}`, KEV and EPSS under
 *   `Metadata.kev` / `Metadata.epss` as airfeed's enrichment feed serves them);
 * - Anchore /v1 `github` (`Advisory.Severity`, `Advisory.CVE[]` as aliases);
 * - Anchore /v1 `nvdv2` (`severity`, `cvss_v3` and `cvss_v2`: one metric of each family, whose
 *   scorer the shape does not say).
 *
 * Fields are read loosely (a newer producer may add more); a document that is none of these is
 * reported by the caller, never taken for "no severity".
 */
import { z } from 'zod';
import { CVSS_SEVERITIES, CVSS_VERSIONS, Severity } from '../../drivers/_framework/record.ts';

/** One CVSS metric of a document. */
export interface CvssFact {
  version: string;
  vector: string;
  baseScore: number | null;
  baseSeverity: string | null;
  source: string | null;
  type: 'Primary' | 'Secondary' | null;
}

export interface KevFact {
  dateAdded: string;
  dueDate: string;
  requiredAction: string;
  knownRansomwareCampaignUse: string;
  vulnerabilityName: string;
}

export interface EpssFact {
  score: number;
  percentile: number;
  date: string;
}

/** What a document says that enrichment uses. */
export interface DocFacts {
  severity: Severity;
  cvss: CvssFact[];
  aliases: string[];
  kev: KevFact | null;
  epss: EpssFact | null;
}

const text = z.string().min(1);
const score = z.number().min(0).max(10).nullable();

const Cvss = z.object({
  version: z.enum(CVSS_VERSIONS),
  vector: text,
  baseScore: score,
  baseSeverity: z.enum(CVSS_SEVERITIES).nullable(),
  source: text.nullable(),
  type: z.enum(['Primary', 'Secondary']).nullable(),
});

const Kev = z.object({
  dateAdded: z.iso.date(),
  dueDate: z.iso.date(),
  requiredAction: z.string(),
  knownRansomwareCampaignUse: z.string(),
  vulnerabilityName: z.string(),
});

const Epss = z.object({ score: z.number().min(0).max(1), percentile: z.number().min(0).max(1), date: z.iso.date() });

const Normalized = z.object({
  schemaVersion: z.literal(2),
  severity: Severity,
  cvss: z.array(Cvss),
  aliases: z.array(z.string()),
  kev: Kev.optional(),
  epss: Epss.optional(),
});

// Anchore's nvdv2 puts a v3 metric's rating in `base_metrics.base_severity` and a v2 metric's beside
// `base_metrics` as `severity` (NVD 1.1's baseMetricV2.severity), e.g.
// {"version": "2.0", "vector_string": "AV:N/AC:M/Au:N/C:P/I:N/A:N", "severity": "Medium", "base_metrics": {"base_score": 4.3, …}}.
const AnchoreCvss = z.object({
  version: z.string(),
  vector_string: text,
  severity: z.string().nullable().optional(),
  base_metrics: z.object({ base_score: score.optional(), base_severity: z.string().nullable().optional() }),
});

const AnchoreVulnerability = z.object({
  Vulnerability: z.object({
    Severity: Severity,
    CVSS: z.array(AnchoreCvss).optional(),
    Metadata: z.object({ kev: Kev.optional(), epss: Epss.optional() }).optional(),
  }),
});

const AnchoreAdvisory = z.object({ Advisory: z.object({ Severity: Severity, CVE: z.array(z.string()).optional() }) });

const AnchoreNvd = z.object({ severity: Severity, cvss_v3: AnchoreCvss.nullable().optional(), cvss_v2: AnchoreCvss.nullable().optional() });

function fromAnchoreCvss(c: z.infer<typeof AnchoreCvss>, source: string | null, type: CvssFact['type']): CvssFact {
  return { version: c.version, vector: c.vector_string, baseScore: c.base_metrics.base_score ?? null, baseSeverity: c.base_metrics.base_severity ?? c.severity ?? null, source, type };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The facts of a parsed document, or a reason string when it is not one of the shapes above. */
export function docFacts(doc: unknown): DocFacts | string {
  if (!isObject(doc)) return 'the stored document is not a JSON object';
  if ('schemaVersion' in doc) {
    const r = Normalized.safeParse(doc);
    if (!r.success) return `the stored record does not read as record schema v2 (${r.error.issues[0]?.path.join('.') ?? ''}: ${r.error.issues[0]?.message ?? ''})`;
    return { severity: r.data.severity, cvss: r.data.cvss, aliases: r.data.aliases, kev: r.data.kev ?? null, epss: r.data.epss ?? null };
  }
  if ('Vulnerability' in doc) {
    const r = AnchoreVulnerability.safeParse(doc);
    if (!r.success) return `the stored Anchore vulnerability does not read (${r.error.issues[0]?.path.join('.') ?? ''}: ${r.error.issues[0]?.message ?? ''})`;
    const v = r.data.Vulnerability;
    return { severity: v.Severity, cvss: (v.CVSS ?? []).map((c) => fromAnchoreCvss(c, null, null)), aliases: [], kev: v.Metadata?.kev ?? null, epss: v.Metadata?.epss ?? null };
  }
  if ('Advisory' in doc) {
    const r = AnchoreAdvisory.safeParse(doc);
    if (!r.success) return `the stored Anchore advisory does not read (${r.error.issues[0]?.path.join('.') ?? ''}: ${r.error.issues[0]?.message ?? ''})`;
    return { severity: r.data.Advisory.Severity, cvss: [], aliases: r.data.Advisory.CVE ?? [], kev: null, epss: null };
  }
  if ('cve' in doc) {
    const r = AnchoreNvd.safeParse(doc);
    if (!r.success) return `the stored Anchore nvdv2 record does not read (${r.error.issues[0]?.path.join('.') ?? ''}: ${r.error.issues[0]?.message ?? ''})`;
    // One metric per family (NVD's Primary one when it has one), without saying whose: source and type unknown.
    const cvss = [r.data.cvss_v3, r.data.cvss_v2].filter((c) => c !== null && c !== undefined).map((c) => fromAnchoreCvss(c, null, null));
    return { severity: r.data.severity, cvss, aliases: [], kev: null, epss: null };
  }
  return 'the stored document is neither a normalized record nor an Anchore record';
}
