/** What enrichment reads from stored documents of each shape, and how it picks and rates a CVSS metric. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateRecord } from '../../../drivers/_framework/record.ts';
import { OUTPUT_SHAPES } from '../../../drivers/_framework/shapes/index.ts';
import { cvssSeverity, preferredCvss } from '../../../engine-client/enrich/enrich.ts';
import { type CvssFact, docFacts } from '../../../engine-client/enrich/facts.ts';
import { kevV1Shape } from '../../../drivers/kev/shape.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const load = (file: string) => (JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/engine/enrich', file), 'utf8')) as unknown[]).map((r) => validateRecord(r));
const sudo = load('nvd-records.json').find((r) => r.id === 'CVE-2021-3156');
const kev = load('kev-records.json')[0];
const ctx = { deleted: false, updatedAt: null };

const cv = (version: string, type: CvssFact['type'], baseScore: number | null, baseSeverity: string | null = null, vector = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'): CvssFact =>
  ({ version, vector, baseScore, baseSeverity, source: type === 'Primary' ? 'nvd@nist.gov' : null, type });

describe('docFacts', () => {
  it('reads a normalized record: severity, CVSS, aliases, KEV, EPSS', () => {
    if (!sudo || !kev) throw new Error('fixtures');
    const f = docFacts(JSON.parse(JSON.stringify(sudo)));
    expect(f).toMatchObject({ severity: 'High', aliases: [], kev: null, epss: null });
    expect(typeof f === 'object' && f.cvss.map((c) => `${c.version} ${c.baseScore} ${c.type}`)).toEqual(['3.1 7.8 Primary', '3.1 7.8 Secondary', '2.0 7.2 Primary']);
    expect(docFacts(JSON.parse(JSON.stringify(kev)))).toMatchObject({ kev: { dateAdded: '2022-04-06', dueDate: '2022-04-27', knownRansomwareCampaignUse: 'Unknown' } });
  });

  it("reads the Anchore /v1 shapes: nvdv2's metrics (whose, not said), the enrichment feed's Metadata.kev, github's CVE aliases", () => {
    if (!sudo || !kev) throw new Error('fixtures');
    const nvd = docFacts(OUTPUT_SHAPES['anchore-nvdv2'].render(sudo, ctx));
    expect(nvd).toEqual({
      severity: 'High', aliases: [], kev: null, epss: null,
      cvss: [
        { version: '3.1', vector: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', baseScore: 7.8, baseSeverity: 'High', source: null, type: null },
        { version: '2.0', vector: 'AV:L/AC:L/Au:N/C:C/I:C/A:C', baseScore: 7.2, baseSeverity: 'High', source: null, type: null },
      ],
    });
    expect(docFacts(kevV1Shape(kev, ctx))).toMatchObject({ severity: 'Unknown', kev: { dateAdded: '2022-04-06' } });
    expect(docFacts({ Advisory: { ghsaId: 'GHSA-35jh-r3h4-6jhm', Severity: 'High', CVE: ['CVE-2021-23337'], FixedIn: [] } })).toEqual({
      severity: 'High', cvss: [], aliases: ['CVE-2021-23337'], kev: null, epss: null,
    });
  });

  it('says why a document is none of these instead of reading it as "no severity"', () => {
    expect(docFacts([])).toBe('the stored document is not a JSON object');
    expect(docFacts({ schemaVersion: 2, severity: 'Severe', cvss: [], aliases: [] })).toMatch(/^the stored record does not read as record schema v2 \(severity: /);
    expect(docFacts({ hello: 'world' })).toBe('the stored document is neither a normalized record nor an Anchore record');
  });
});

describe('preferredCvss and cvssSeverity', () => {
  it("prefers NVD's Primary, then a metric that does not say whose, then a Secondary; v3.1, v3.0, v4.0, v2.0 within", () => {
    const secondary31 = cv('3.1', 'Secondary', 9.8);
    const primary20 = cv('2.0', 'Primary', 7.5);
    const primary31 = cv('3.1', 'Primary', 5.3);
    const unsaid40 = cv('4.0', null, 8.7);
    expect(preferredCvss([secondary31, primary20])).toBe(primary20);
    expect(preferredCvss([secondary31, primary20, primary31])).toBe(primary31);
    expect(preferredCvss([secondary31, unsaid40])).toBe(unsaid40);
    expect(preferredCvss([cv('2.0', 'Secondary', 5), cv('4.0', 'Secondary', 6), cv('3.0', 'Secondary', 7)])?.version).toBe('3.0');
    expect(preferredCvss([])).toBeUndefined();
  });

  it("rates by the source's baseSeverity, else FIRST's scale of its score, else of its vector", () => {
    expect(cvssSeverity(cv('3.1', 'Primary', 9.8, 'CRITICAL'))).toBe('Critical');
    expect(cvssSeverity(cv('3.1', 'Primary', 0, 'NONE'))).toBe('Negligible');
    expect(cvssSeverity(cv('3.1', null, 7.0))).toBe('High');
    expect(cvssSeverity(cv('2.0', null, 9.3))).toBe('High');
    expect(cvssSeverity(cv('3.1', null, null))).toBe('Critical');
    expect(cvssSeverity(cv('3.1', null, null, null, 'not a vector'))).toBe('Unknown');
  });
});
