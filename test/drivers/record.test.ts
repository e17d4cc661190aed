/**
 * Record schema v2: its one-spelling rules, the version 1 upgrade, and that what NVD (API 2.0), CISA
 * KEV and FIRST EPSS publish fits the typed fields as is (the real-data parts skip, saying why, when
 * ../shared is absent).
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isAirfeedError } from '../../drivers/_framework/errors.ts';
import { type Cvss, FixedIn, RECORD_SCHEMA_VERSION, validateRecord, VERSION_SCHEMES, type VulnRecord, VulnRecord as VulnRecordSchema } from '../../drivers/_framework/record.ts';
import { readRecord, upgradeV1Record, type VulnRecordV1 } from '../../drivers/_framework/record-v1.ts';
import { SCHEME_NAMES } from '../../drivers/_framework/versions/index.ts';
import { makeRecord } from '../helpers/records.ts';
import { skipUnless } from '../helpers/skip.ts';

const SHARED = path.resolve(import.meta.dirname, '../../../shared/realdata');
const absent = (p: string): string => `${path.relative(path.resolve(import.meta.dirname, '../..'), p)} is absent, as in a fresh clone`;

function problems(value: unknown): string[] {
  const r = VulnRecordSchema.safeParse(value);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('record schema v2', () => {
  it('has exactly the comparator registry\'s version schemes', () => {
    expect([...VERSION_SCHEMES]).toEqual([...SCHEME_NAMES]);
  });

  it('states: a fix has a version or ranges, nothing else has a version, and "None"/"0" are states', () => {
    const f = (x: Record<string, unknown>) => FixedIn.safeParse({ package: 'p', versionScheme: 'apk', ...x });
    expect(f({ state: 'fixed', version: '1.0-r0' }).success).toBe(true);
    expect(f({ state: 'fixed', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.0-r0' }] }] }).success).toBe(true);
    expect(f({ state: 'not_affected' }).success).toBe(true);
    expect(f({ state: 'fixed' }).error?.issues[0]?.message).toBe('a "fixed" entry needs a version or ranges');
    expect(f({ state: 'affected', version: '1.0-r0' }).error?.issues[0]?.message).toBe('a "affected" entry has no fixed version');
    expect(f({ state: 'affected', version: 'None' }).error?.issues.map((i) => i.message)).toContain('version "None" is Anchore\'s spelling of state "affected": leave version out');
    expect(f({ state: 'fixed', version: '0' }).error?.issues[0]?.message).toBe('a fix in version "0" means never affected: use state "not_affected"');
    expect(f({ state: 'gone' }).success).toBe(false);
    expect(f({ state: 'fixed', version: '1', moduleStream: 'nodejs' }).error?.issues[0]?.message).toMatch(/name:stream/);
    expect(f({ state: 'fixed', version: '1', moduleStream: 'nodejs:18', channel: 'esm-infra', product: { cpe: 'cpe:/a:redhat:enterprise_linux:9::appstream' } }).success).toBe(true);
  });

  it('ranges follow OSV: an introduced event, fixed and last_affected apart, a repo for GIT', () => {
    const f = (ranges: unknown) => FixedIn.safeParse({ package: 'p', versionScheme: 'semver', state: 'fixed', ranges });
    expect(f([{ type: 'SEMVER', events: [{ fixed: '1.0.0' }] }]).error?.issues[0]?.message).toBe('a range needs an "introduced" event');
    expect(f([{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1' }, { last_affected: '2' }] }]).error?.issues[0]?.message).toMatch(/exclude each other/);
    expect(f([{ type: 'GIT', events: [{ introduced: '0' }] }]).error?.issues[0]?.message).toBe('a GIT range names its repo');
    expect(f([]).success).toBe(false);
  });

  it('spells "none" by absence: empty optional lists and objects are refused; times are UTC', () => {
    const base = makeRecord('alpine:3.20', 'CVE-2024-0001');
    expect(problems(base)).toEqual([]);
    expect(problems({ ...base, weaknesses: [] })).toEqual(['weaknesses: Too small: expected array to have >=1 items']);
    expect(problems({ ...base, databaseSpecific: {} })).toEqual(['databaseSpecific: an empty object is written by leaving the field out']);
    expect(problems({ ...base, published: '2024-01-01T00:00:00+02:00' })).toHaveLength(1);
    expect(problems({ ...base, descriptions: [{ lang: 'en', value: 'x' }] })).toEqual(["descriptions.0.lang: English is the record's description"]);
    expect(problems({ ...base, schemaVersion: 1 })).toHaveLength(1);
  });

  it('carries KEV, EPSS, CPE configurations, weaknesses and CVSS sub-scores', () => {
    const r: VulnRecord = {
      ...makeRecord('kev:catalog', 'CVE-2021-44228'),
      fixedIn: [],
      kev: {
        vendorProject: 'Apache', product: 'Log4j2', vulnerabilityName: 'Apache Log4j2 Remote Code Execution Vulnerability', dateAdded: '2021-12-10',
        dueDate: '2021-12-24', requiredAction: 'For all affected software assets …', knownRansomwareCampaignUse: 'Known', notes: '', cwes: ['CWE-20', 'CWE-400', 'CWE-502'],
      },
      epss: { score: 0.94358, percentile: 0.99957, date: '2025-02-20' },
      weaknesses: [{ id: 'CWE-502', source: 'nvd@nist.gov', type: 'Primary' }, { id: 'NVD-CWE-noinfo', source: null, type: null }],
      configurations: [{ operator: 'AND', nodes: [{ operator: 'OR', negate: false, cpeMatch: [{ vulnerable: true, criteria: 'cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*', matchCriteriaId: '03FA5E81', versionStartIncluding: '2.0.1', versionEndExcluding: '2.3.1' }] }] }],
      cvss: [{ version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', baseScore: 10, baseSeverity: 'CRITICAL', exploitabilityScore: 3.9, impactScore: 6, source: 'nvd@nist.gov', type: 'Primary' }],
      status: 'Analyzed',
    };
    expect(validateRecord(r)).toEqual(r);
    expect(problems({ ...r, kev: { ...r.kev, knownRansomwareCampaignUse: 'Maybe' } })).toHaveLength(1);
    expect(problems({ ...r, epss: { ...r.epss, score: 1.5 } })).toHaveLength(1);
    expect(problems({ ...r, configurations: [{ nodes: [{ operator: 'OR', negate: false, cpeMatch: [{ vulnerable: true, criteria: 'cpe:2.3:a:x:y:*:*:*:*:*:*:*:*', matchCriteriaId: 'X', versionEndIncluding: '1', versionEndExcluding: '2' }] }] }] })).toEqual([
      'configurations.0.nodes.0.cpeMatch.0: at most one end bound',
    ]);
  });
});

describe('the version 1 upgrade', () => {
  const v1 = (fixedIn: VulnRecordV1['fixedIn'], extra: Partial<VulnRecordV1> = {}): VulnRecordV1 => ({
    id: 'CVE-2024-0001', namespace: 'debian:12', severity: 'Medium', description: '', link: null, aliases: [], cvss: [], fixedIn,
    references: [], published: null, modified: null, withdrawn: null, metadata: {}, provenance: { driver: 'x', source: 'y' }, ...extra,
  });

  it('turns Anchore spellings into states', () => {
    const up = upgradeV1Record(v1([
      { package: 'a', version: '1.0-1', versionScheme: 'dpkg' },
      { package: 'b', version: 'None', versionScheme: 'dpkg' },
      { package: 'c', version: 'None', versionScheme: 'dpkg', vendorAdvisory: { noAdvisory: true, advisories: [] } },
      { package: 'd', version: '0', versionScheme: 'dpkg' },
      { package: 'e', version: 'None', versionScheme: 'semver', ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '2.0.0' }] }], ecosystem: '' },
      { package: 'f', version: '1.0-1', versionScheme: 'dpkg', ranges: [] },
    ]));
    expect(up.schemaVersion).toBe(RECORD_SCHEMA_VERSION);
    expect(up.fixedIn).toEqual([
      { package: 'a', versionScheme: 'dpkg', state: 'fixed', version: '1.0-1' },
      { package: 'b', versionScheme: 'dpkg', state: 'affected' },
      { package: 'c', versionScheme: 'dpkg', state: 'will_not_fix', vendorAdvisory: { noAdvisory: true, advisories: [] } },
      { package: 'd', versionScheme: 'dpkg', state: 'not_affected' },
      { package: 'e', versionScheme: 'semver', state: 'fixed', ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '2.0.0' }] }] },
      { package: 'f', versionScheme: 'dpkg', state: 'fixed', version: '1.0-1' },
    ]);
  });

  it('fills CVSS sub-scores with null, upper-cases severity, types references and rewrites times in UTC', () => {
    const up = upgradeV1Record(v1([], {
      cvss: [{ version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: 9.8, baseSeverity: 'Critical', source: 'nvd@nist.gov' }],
      references: [{ url: 'https://a', type: 'advisory' }, { url: 'https://b', type: 'Vendor Advisory' }, { url: 'https://c' }],
      published: '2024-01-01T02:00:00+02:00',
    }));
    expect(up.cvss).toEqual<Cvss[]>([{ version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: 9.8, baseSeverity: 'CRITICAL', exploitabilityScore: null, impactScore: null, source: 'nvd@nist.gov', type: null }]);
    expect(up.references).toEqual([{ url: 'https://a', type: 'ADVISORY' }, { url: 'https://b', tags: ['Vendor Advisory'] }, { url: 'https://c' }]);
    expect(up.published).toBe('2024-01-01T00:00:00.000Z');
  });

  it('moves a KEV block kept in metadata.kev (the KEV driver before version 2) to kev', () => {
    const block = {
      dateAdded: '2021-12-10', dueDate: '2021-12-24', requiredAction: 'Apply updates.', knownRansomwareCampaignUse: 'Known',
      vendorProject: 'Apache', product: 'Log4j2', vulnerabilityName: 'Log4Shell', notes: '', cwes: ['CWE-502'],
    };
    const up = upgradeV1Record(v1([], { namespace: 'kev:catalog', metadata: { kev: block, other: 1 } }));
    expect([up.kev, up.metadata]).toEqual([block, { other: 1 }]);
    // Something else under that key is not a KEV block and stays where it is.
    expect(upgradeV1Record(v1([], { metadata: { kev: 'yes' } })).metadata).toEqual({ kev: 'yes' });
  });

  it('reads either version, and names what it cannot read', () => {
    const current = makeRecord('alpine:3.20', 'CVE-2024-0002');
    expect(readRecord(current, 'here')).toEqual(current);
    expect(readRecord(v1([{ package: 'a', version: '0', versionScheme: 'apk' }]), 'here').fixedIn[0]?.state).toBe('not_affected');
    const thrown = (value: unknown): Error => {
      try {
        readRecord(value, 'bundle x record y');
      } catch (err) {
        expect(isAirfeedError(err, 'RECORD_INVALID')).toBe(true);
        return err as Error;
      }
      throw new Error('no error');
    };
    expect(thrown({ ...current, schemaVersion: 3 }).message).toBe('bundle x record y: record schema version 3 is not one this airfeed reads (1 or 2); upgrade airfeed');
    expect(thrown({ ...current, severity: 'Severe' }).message).toMatch(/^bundle x record y: not a valid record: severity: /);
    expect(thrown({ id: 'x' }).message).toMatch(/^bundle x record y: not a valid version 1 record: namespace: /);
  });
});

/** The parts of an NVD API 2.0 `cve` the typed fields take (configurations are taken as they are). */
const NvdMetric = z.looseObject({
  source: z.string().optional(),
  type: z.enum(['Primary', 'Secondary']).optional(),
  baseSeverity: z.string().optional(),
  exploitabilityScore: z.number().optional(),
  impactScore: z.number().optional(),
  cvssData: z.looseObject({ version: z.enum(['2.0', '3.0', '3.1', '4.0']), vectorString: z.string(), baseScore: z.number(), baseSeverity: z.string().optional() }),
});
const NvdCve = z.looseObject({
  id: z.string(),
  vulnStatus: z.string(),
  published: z.string(),
  lastModified: z.string(),
  descriptions: z.array(z.strictObject({ lang: z.string(), value: z.string() })),
  metrics: z.record(z.string(), z.array(NvdMetric)).optional(),
  weaknesses: z.array(z.looseObject({ source: z.string(), type: z.enum(['Primary', 'Secondary']), description: z.array(z.looseObject({ value: z.string() })) })).optional(),
  configurations: z.array(z.unknown()).optional(),
  references: z.array(z.looseObject({ url: z.string(), source: z.string().optional(), tags: z.array(z.string()).optional() })).optional(),
});

/** NVD API 2.0 `cve` → the record's typed NVD fields (what an NVD driver will do), kept small; unvalidated. */
function fromNvd(value: unknown): Record<string, unknown> {
  const cve = NvdCve.parse(value);
  const cvss = Object.values(cve.metrics ?? {}).flat().map((m) => ({
    version: m.cvssData.version, vector: m.cvssData.vectorString, baseScore: m.cvssData.baseScore,
    // v2 puts the severity beside cvssData, v3.x and v4.0 inside it.
    baseSeverity: m.cvssData.baseSeverity ?? m.baseSeverity ?? null,
    exploitabilityScore: m.exploitabilityScore ?? null, impactScore: m.impactScore ?? null, source: m.source ?? null, type: m.type ?? null,
  }));
  const weaknesses = (cve.weaknesses ?? []).flatMap((w) => w.description.map((d) => ({ id: d.value, source: w.source, type: w.type })));
  const descriptions = cve.descriptions.filter((d) => d.lang !== 'en');
  return {
    ...makeRecord('nvd:cves', cve.id),
    description: cve.descriptions.find((d) => d.lang === 'en')?.value ?? '',
    ...(descriptions.length > 0 ? { descriptions } : {}),
    status: cve.vulnStatus,
    cvss,
    ...(weaknesses.length > 0 ? { weaknesses } : {}),
    ...(cve.configurations?.length ? { configurations: cve.configurations } : {}),
    fixedIn: [],
    references: (cve.references ?? []).map((r) => ({ url: r.url, ...(r.source ? { source: r.source } : {}), ...(r.tags?.length ? { tags: r.tags } : {}) })),
    published: new Date(`${cve.published}Z`).toISOString(),
    modified: new Date(`${cve.lastModified}Z`).toISOString(),
  };
}

const KevEntry = z.looseObject({
  cveID: z.string(), vendorProject: z.string(), product: z.string(), vulnerabilityName: z.string(), dateAdded: z.string(), shortDescription: z.string(),
  requiredAction: z.string(), dueDate: z.string(), knownRansomwareCampaignUse: z.string(), notes: z.string().optional(), cwes: z.array(z.string()).optional(),
});

const NVD_PAGE = path.join(SHARED, 'nvd/v2.0-feeds/nvdcve-modified.json.gz');
const KEV = path.join(SHARED, 'kev/cisa-kev-2025-08-25/known_exploited_vulnerabilities.json');
const EPSS = path.join(SHARED, 'fixtures/vunnel/epss/test-fixtures/example-1.csv');

describe('real upstream data fits the typed fields', () => {
  it('NVD API 2.0: every CVE of the modified page (CVSS 2.0–4.0, weaknesses, configurations, references, status)', skipUnless(existsSync(NVD_PAGE), absent(NVD_PAGE)), async () => {
    const page = z.looseObject({ vulnerabilities: z.array(z.looseObject({ cve: z.unknown() })) }).parse(JSON.parse(gunzipSync(await fs.readFile(NVD_PAGE)).toString('utf8')));
    const bad: string[] = [];
    const versions = new Set<string>();
    for (const { cve } of page.vulnerabilities) {
      const record = fromNvd(cve);
      const issues = problems(record);
      if (issues.length > 0) bad.push(`${String(record['id'])}: ${issues.slice(0, 2).join('; ')}`);
      for (const c of record['cvss'] as Cvss[]) versions.add(c.version);
    }
    expect(bad.slice(0, 5)).toEqual([]);
    expect(page.vulnerabilities.length).toBe(2393);
    expect([...versions].sort()).toEqual(['2.0', '3.0', '3.1', '4.0']);
  });

  it('CISA KEV: every catalog entry is a kev block', skipUnless(existsSync(KEV), absent(KEV)), async () => {
    const catalog = z.looseObject({ vulnerabilities: z.array(KevEntry) }).parse(JSON.parse(await fs.readFile(KEV, 'utf8')));
    const bad: string[] = [];
    for (const v of catalog.vulnerabilities) {
      const record = {
        ...makeRecord('kev:catalog', v.cveID), description: v.shortDescription, fixedIn: [],
        kev: {
          vendorProject: v.vendorProject, product: v.product, vulnerabilityName: v.vulnerabilityName, dateAdded: v.dateAdded, dueDate: v.dueDate,
          requiredAction: v.requiredAction, knownRansomwareCampaignUse: v.knownRansomwareCampaignUse, notes: v.notes ?? '', cwes: v.cwes ?? [],
        },
      };
      const issues = problems(record);
      if (issues.length > 0) bad.push(`${v.cveID}: ${issues.join('; ')}`);
    }
    expect(bad.slice(0, 5)).toEqual([]);
    expect(catalog.vulnerabilities.length).toBe(1404);
  });

  it("FIRST EPSS: the score file's rows are epss blocks", skipUnless(existsSync(EPSS), absent(EPSS)), async () => {
    const lines = (await fs.readFile(EPSS, 'utf8')).trim().split('\n');
    const date = /score_date:(\d{4}-\d\d-\d\d)/.exec(lines[0] ?? '')?.[1];
    expect(date).toBe('2025-02-20');
    for (const line of lines.slice(2)) {
      const [cve, score, percentile] = line.split(',');
      expect(problems({ ...makeRecord('epss:scores', cve ?? ''), fixedIn: [], epss: { score: Number(score), percentile: Number(percentile), date } })).toEqual([]);
    }
  });
});
