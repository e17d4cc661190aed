/**
 * The /v1 `nvdv2` shape against what it was derived from: NVD's retired 1.1 JSON feed. The 2016
 * API 2.0 page (../shared/realdata/nvd/v2.0-feeds/nvdcve-2016.json.gz, 2024-10) goes through the
 * driver and the served /v1 shape; the final 1.1 feed of 2016 (nvd/v1.1-feeds, 2023-12) is read with
 * JSON.parse. For the CVEs in both whose lastModified did not move between the two (5,393 of 5,539),
 * every field the two share must agree, except where the 2.0 data cannot say what 1.1 said:
 *
 * - `refsource` (1.1's `MISC`, `CONFIRM`, …) no longer exists; the 2.0 `source` (who added the
 *   reference: `secure@microsoft.com`) takes its place: 0 agree, by construction;
 * - `ASSIGNER`: 483 CVEs name another CNA e-mail in 2.0 than in 1.1 (`secure@dell.com` → now
 *   `security_alert@emc.com`): NVD changed source identifiers without touching lastModified;
 * - the v2 flags: 1.1 leaves `acInsufInfo` out where 2.0 says `false` (6,868 of 9,219 v2 metrics of the
 *   1.1 file have no such key), so only the flags 1.1 states are compared;
 * - reference tags: one CVE (CVE-2016-6827) lists two URLs differing only in case; 1.1 kept the tags on
 *   one of them, 2.0 on both.
 * Skipped without ../shared.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { SettingValues } from '../../drivers/_framework/settings.ts';
import { v1ShapeFor } from '../../drivers/_framework/shapes/index.ts';
import { DRIVERS } from '../../drivers/index.ts';
import { nvd } from '../../drivers/nvd/index.ts';
import { tempDir } from '../helpers/mirror.ts';
import { skipUnless } from '../helpers/skip.ts';

const SHARED = path.resolve(import.meta.dirname, '../../../shared/realdata/nvd');
const V20 = path.join(SHARED, 'v2.0-feeds/nvdcve-2016.json.gz');
const V11 = path.join(SHARED, 'v1.1-feeds/nvdcve-1.1-2016.json.gz');
const present = existsSync(V20) && existsSync(V11);

const Flags = z.object({
  acInsufInfo: z.boolean().optional(), obtainAllPrivilege: z.boolean().optional(), obtainUserPrivilege: z.boolean().optional(),
  obtainOtherPrivilege: z.boolean().optional(), userInteractionRequired: z.boolean().optional(),
});
interface V11Node { cpe_match?: { vulnerable: boolean; cpe23Uri: string }[] | undefined; children?: V11Node[] | undefined }
const V11Node: z.ZodType<V11Node> = z.lazy(() => z.object({
  cpe_match: z.array(z.object({ vulnerable: z.boolean(), cpe23Uri: z.string() })).optional(),
  children: z.array(V11Node).optional(),
}));
/** The parts of a 1.1 `CVE_Items[]` entry compared. */
const V11Item = z.object({
  cve: z.object({
    CVE_data_meta: z.object({ ID: z.string(), ASSIGNER: z.string() }),
    problemtype: z.object({ problemtype_data: z.array(z.object({ description: z.array(z.object({ value: z.string() })) })) }),
    references: z.object({ reference_data: z.array(z.object({ url: z.string(), refsource: z.string(), tags: z.array(z.string()) })) }),
    description: z.object({ description_data: z.array(z.object({ lang: z.string(), value: z.string() })) }),
  }),
  configurations: z.object({ nodes: z.array(V11Node) }),
  impact: z.object({
    baseMetricV3: z.object({
      cvssV3: z.object({
        version: z.string(), vectorString: z.string(), baseScore: z.number(), baseSeverity: z.string(), attackVector: z.string(), attackComplexity: z.string(),
        privilegesRequired: z.string(), userInteraction: z.string(), scope: z.string(), confidentialityImpact: z.string(), integrityImpact: z.string(), availabilityImpact: z.string(),
      }),
      exploitabilityScore: z.number(), impactScore: z.number(),
    }).optional(),
    baseMetricV2: Flags.extend({
      cvssV2: z.object({
        version: z.string(), vectorString: z.string(), baseScore: z.number(), accessVector: z.string(), accessComplexity: z.string(), authentication: z.string(),
        confidentialityImpact: z.string(), integrityImpact: z.string(), availabilityImpact: z.string(),
      }),
      severity: z.string(), exploitabilityScore: z.number(), impactScore: z.number(),
    }).optional(),
  }),
  publishedDate: z.string(),
  lastModifiedDate: z.string(),
});
type V11Item = z.infer<typeof V11Item>;
const V11Feed = z.object({ CVE_Items: z.array(z.unknown()) });

const words = z.string().optional();
/** The served /v1 shape, as far as it is compared. */
const V1 = z.object({
  cve: z.object({
    CVE_data_meta: z.object({ ID: z.string(), ASSIGNER: z.string() }),
    problemtype: z.object({ problemtype_data: z.array(z.object({ description: z.array(z.object({ value: z.string() })) })) }),
    references: z.object({ reference_data: z.array(z.object({ url: z.string(), refsource: z.string() })) }),
    description: z.object({ description_data: z.array(z.object({ lang: z.string(), value: z.string() })) }),
  }),
  cvss_v3: z.object({
    version: z.string(), vector_string: z.string(),
    base_metrics: z.object({
      base_score: z.number(), base_severity: z.string(), exploitability_score: z.number().nullable(), impact_score: z.number().nullable(), attack_vector: words,
      attack_complexity: words, privileges_required: words, user_interaction: words, scope: words, confidentiality_impact: words, integrity_impact: words, availability_impact: words,
    }),
  }).nullable(),
  cvss_v2: z.object({
    version: z.string(), vector_string: z.string(), severity: z.string(),
    base_metrics: z.object({
      base_score: z.number(), exploitability_score: z.number().nullable(), impact_score: z.number().nullable(), access_vector: words, access_complexity: words,
      authentication: words, confidentiality_impact: words, integrity_impact: words, availability_impact: words,
    }),
    additional_information: z.record(z.string(), z.boolean()).optional(),
  }).nullable(),
  severity: z.string(),
  external_references: z.array(z.object({ url: z.string(), source: z.string(), tags: z.array(z.string()) })),
  publishedDate: z.string(),
  lastModifiedDate: z.string(),
  vulnerable_cpes: z.array(z.string()),
});
type V1 = z.infer<typeof V1>;

const RATING: Record<string, string> = { CRITICAL: 'Critical', HIGH: 'High', MEDIUM: 'Medium', LOW: 'Low', NONE: 'Negligible' };
const title = (w: string): string => w.charAt(0) + w.slice(1).toLowerCase();
const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function oldCpes(item: V11Item): string[] {
  const out = new Set<string>();
  const walk = (n: V11Node): void => {
    for (const m of n.cpe_match ?? []) if (m.vulnerable) out.add(m.cpe23Uri);
    for (const c of n.children ?? []) walk(c);
  };
  for (const n of item.configurations.nodes) walk(n);
  return [...out].sort();
}

const cwes = (p: { problemtype_data: { description: { value: string }[] }[] }): string[] => (p.problemtype_data[0]?.description ?? []).map((d) => d.value).sort();

/** The fields both shapes have, as [ours, 1.1's]. */
function fields(v1: V1, old: V11Item): Record<string, [unknown, unknown]> {
  const v3 = old.impact.baseMetricV3;
  const v2 = old.impact.baseMetricV2;
  const a3 = v1.cvss_v3?.base_metrics;
  const a2 = v1.cvss_v2;
  const oldRefs = old.cve.references.reference_data;
  const flags = v2 ? (Object.keys(Flags.shape) as (keyof typeof Flags.shape)[]).filter((k) => v2[k] !== undefined) : [];
  return {
    description: [v1.cve.description.description_data, old.cve.description.description_data],
    assigner: [v1.cve.CVE_data_meta.ASSIGNER, old.cve.CVE_data_meta.ASSIGNER],
    // Order within problemtype carries no meaning (1.1 and 2.0 list some CWEs in other orders).
    cwe: [cwes(v1.cve.problemtype), cwes(old.cve.problemtype)],
    referenceUrls: [v1.external_references.map((r) => r.url).sort(), oldRefs.map((r) => r.url).sort()],
    referenceTags: [v1.external_references.map((r) => `${r.url} ${[...r.tags].sort().join(',')}`).sort(), oldRefs.map((r) => `${r.url} ${[...r.tags].sort().join(',')}`).sort()],
    refsource: [v1.cve.references.reference_data.map((r) => r.refsource), oldRefs.map((r) => r.refsource)],
    cvssV3: [
      a3 && v1.cvss_v3 ? [v1.cvss_v3.version, v1.cvss_v3.vector_string, a3.base_score, a3.base_severity, a3.exploitability_score, a3.impact_score, a3.attack_vector, a3.attack_complexity, a3.privileges_required, a3.user_interaction, a3.scope, a3.confidentiality_impact, a3.integrity_impact, a3.availability_impact] : null,
      v3 ? [v3.cvssV3.version, v3.cvssV3.vectorString, v3.cvssV3.baseScore, title(v3.cvssV3.baseSeverity), v3.exploitabilityScore, v3.impactScore, v3.cvssV3.attackVector, v3.cvssV3.attackComplexity, v3.cvssV3.privilegesRequired, v3.cvssV3.userInteraction, v3.cvssV3.scope, v3.cvssV3.confidentialityImpact, v3.cvssV3.integrityImpact, v3.cvssV3.availabilityImpact] : null,
    ],
    cvssV2: [
      a2 ? [a2.version, a2.vector_string, a2.severity, a2.base_metrics.base_score, a2.base_metrics.exploitability_score, a2.base_metrics.impact_score, a2.base_metrics.access_vector, a2.base_metrics.access_complexity, a2.base_metrics.authentication, a2.base_metrics.confidentiality_impact, a2.base_metrics.integrity_impact, a2.base_metrics.availability_impact] : null,
      v2 ? [v2.cvssV2.version, v2.cvssV2.vectorString, title(v2.severity), v2.cvssV2.baseScore, v2.exploitabilityScore, v2.impactScore, v2.cvssV2.accessVector, v2.cvssV2.accessComplexity, v2.cvssV2.authentication, v2.cvssV2.confidentialityImpact, v2.cvssV2.integrityImpact, v2.cvssV2.availabilityImpact] : null,
    ],
    // The flags 1.1 states (it leaves acInsufInfo out where 2.0 says false).
    cvssV2Flags: [flags.map((k) => a2?.additional_information?.[snake(k)]), flags.map((k) => v2?.[k])],
    severity: [v1.severity, v3 ? RATING[v3.cvssV3.baseSeverity] : v2 ? RATING[v2.severity] : 'Unknown'],
    publishedDate: [v1.publishedDate, old.publishedDate],
    lastModifiedDate: [v1.lastModifiedDate, old.lastModifiedDate],
    vulnerableCpes: [[...v1.vulnerable_cpes].sort(), oldCpes(old)],
  };
}

describe('nvd /v1 against the NVD 1.1 feed of 2016', skipUnless(present, `${V20} or ${V11} is absent (a clone without ../shared)`), () => {
  let dir: string;
  const agree = new Map<string, number>();
  const differ = new Map<string, string[]>();
  let both = 0;
  let unmoved = 0;

  beforeAll(async () => {
    dir = await tempDir('airfeed-nvd-v11-');
    const mirror = path.join(dir, 'mirror');
    await fs.mkdir(mirror);
    await fs.symlink(V20, path.join(mirror, 'nvdcve-2016.json.gz'));
    const ws = path.join(dir, 'ws');
    await nvd.fetch({ source: mirror, workspace: ws, state: {}, settings: SettingValues.none('nvd'), http: new HttpClient(), log: silentLogger, progress: { phase: () => undefined, tick: () => undefined } });
    const feed = V11Feed.parse(JSON.parse(gunzipSync(await fs.readFile(V11)).toString('utf8')));
    const old = new Map<string, unknown>(feed.CVE_Items.map((i) => [z.object({ cve: z.object({ CVE_data_meta: z.object({ ID: z.string() }) }) }).parse(i).cve.CVE_data_meta.ID, i]));
    const shape = v1ShapeFor('nvdv2', DRIVERS);
    for await (const g of nvd.parse({ workspace: ws, log: silentLogger })) {
      for await (const r of g.records) {
        const raw = old.get(r.id);
        if (raw === undefined) continue;
        const o = V11Item.parse(raw);
        both++;
        const v1 = V1.parse(shape(r, { deleted: false, updatedAt: '2024-10-25T00:00:00Z' }));
        if (v1.lastModifiedDate !== o.lastModifiedDate) continue;
        unmoved++;
        for (const [name, [ours, theirs]] of Object.entries(fields(v1, o))) {
          if (JSON.stringify(ours) === JSON.stringify(theirs)) agree.set(name, (agree.get(name) ?? 0) + 1);
          else differ.set(name, [...(differ.get(name) ?? []), r.id]);
        }
      }
    }
  }, 600_000);
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('compares the 5,393 CVEs whose lastModified did not move, of 5,539 in both', () => {
    expect({ both, unmoved }).toEqual({ both: 5539, unmoved: 5393 });
  });

  it('agrees on every shared field of every one of them: description, CWEs, references, CVSS v3 and v2, severity, dates, vulnerable CPEs', () => {
    for (const f of ['description', 'cwe', 'referenceUrls', 'cvssV3', 'cvssV2', 'cvssV2Flags', 'severity', 'publishedDate', 'lastModifiedDate', 'vulnerableCpes']) {
      expect({ field: f, agree: agree.get(f) ?? 0, first: differ.get(f)?.slice(0, 3) ?? [] }).toEqual({ field: f, agree: 5393, first: [] });
    }
  });

  it('differs only where the 2.0 data cannot say what 1.1 said: refsource, renamed CNAs, one case-twin URL', () => {
    expect(agree.get('refsource') ?? 0).toBe(0);
    expect(agree.get('assigner')).toBe(5393 - 483);
    expect(differ.get('referenceTags')).toEqual(['CVE-2016-6827']);
  });
});
