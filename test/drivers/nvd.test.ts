/**
 * The nvd driver's parse on small pages in the API 2.0 shape (test/fixtures/nvd/cases.json,
 * test/fixtures/drivers/nvd/): every CVSS version with source and type, the severity rule, a Rejected
 * CVE, a CVE without metrics, nested configurations with negate, non-English descriptions only, the
 * metadata NVD gives beside; one version per CVE whatever the file order; the /v1 shape; and the
 * refusals (malformed, truncated, not UTF-8, not a page, a value the record cannot hold).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson, canonicalText } from '../../drivers/_framework/canonical.ts';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { type VulnRecord, VulnRecord as RecordSchema } from '../../drivers/_framework/record.ts';
import { SettingValues } from '../../drivers/_framework/settings.ts';
import { toAnchoreNvd } from '../../drivers/_framework/shapes/anchore-nvd.ts';
import { nvd } from '../../drivers/nvd/index.ts';
import { BATCH_FILE, writeBatch } from '../../drivers/nvd/layout.ts';
import { tempDir } from '../helpers/mirror.ts';

const CASES = path.resolve(import.meta.dirname, '../fixtures/nvd/cases.json');
const MIRROR = path.resolve(import.meta.dirname, '../fixtures/drivers/nvd');
const ALPINE_PAGE = path.resolve(import.meta.dirname, '../fixtures/engine/nvd-alpine-2024');

let dir: string;
let ws: string;

beforeEach(async () => {
  dir = await tempDir('airfeed-nvd-');
  ws = path.join(dir, 'ws');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** A mirror directory with these files (name → bytes or text). */
async function mirror(files: Record<string, string | Buffer>): Promise<string> {
  const m = path.join(dir, `mirror-${Math.random().toString(36).slice(2)}`);
  await fs.mkdir(m);
  for (const [name, body] of Object.entries(files)) await fs.writeFile(path.join(m, name), body);
  return m;
}

async function fetchFrom(source: string): Promise<void> {
  await nvd.fetch({
    source, workspace: ws, state: {}, settings: SettingValues.none('nvd'), http: new HttpClient(), log: silentLogger, progress: { phase: () => undefined, tick: () => undefined },
  });
}

interface Parsed {
  complete: boolean;
  records: VulnRecord[];
  deletions: string[];
}

async function parse(): Promise<Parsed> {
  const out: Parsed[] = [];
  for await (const g of nvd.parse({ workspace: ws, log: silentLogger })) {
    const records: VulnRecord[] = [];
    for await (const r of g.records) records.push(r);
    const deletions: string[] = [];
    for await (const d of g.deletions ?? []) deletions.push(d);
    out.push({ complete: g.complete, records, deletions });
  }
  expect(out).toHaveLength(1);
  return out[0] as Parsed;
}

const byId = (p: Parsed, id: string): VulnRecord => {
  const r = p.records.find((x) => x.id === id);
  if (!r) throw new Error(`no record ${id}`);
  return r;
};

async function parseError(files: Record<string, string | Buffer>): Promise<AirfeedError> {
  await fetchFrom(await mirror(files));
  const err = await parse().then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(AirfeedError);
  return err as AirfeedError;
}

describe('nvd parse: the cases page', () => {
  let p: Parsed;
  beforeEach(async () => {
    await fetchFrom(await mirror({ 'cases.json': await fs.readFile(CASES) }));
    p = await parse();
  });

  it('makes one valid record per CVE but the Rejected one, sorted by id, in a complete group', () => {
    expect(p.complete).toBe(true);
    expect(p.records.map((r) => r.id)).toEqual(['CVE-2024-9999901', 'CVE-2024-9999903', 'CVE-2024-9999904', 'CVE-2024-9999905', 'CVE-2024-9999906', 'CVE-2024-9999907']);
    for (const r of p.records) expect(RecordSchema.safeParse(r).error?.issues ?? []).toEqual([]);
    expect(p.deletions).toEqual([]);
  });

  it('keeps every CVSS metric, newest version first, with NVD\'s scores, source and type', () => {
    const r = byId(p, 'CVE-2024-9999901');
    expect(r.cvss).toEqual([
      { version: '4.0', vector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', baseScore: 9.3, baseSeverity: 'CRITICAL', exploitabilityScore: null, impactScore: null, source: 'cna@example.org', type: 'Secondary' },
      { version: '3.1', vector: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', baseScore: 7.8, baseSeverity: 'HIGH', exploitabilityScore: 1.8, impactScore: 5.9, source: 'nvd@nist.gov', type: 'Primary' },
      { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: 9.8, baseSeverity: 'CRITICAL', exploitabilityScore: 3.9, impactScore: 5.9, source: 'cna@example.org', type: 'Secondary' },
      { version: '3.0', vector: 'CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:N/A:N', baseScore: 4.3, baseSeverity: 'MEDIUM', exploitabilityScore: 2.8, impactScore: 1.4, source: 'nvd@nist.gov', type: 'Primary' },
      { version: '2.0', vector: 'AV:N/AC:M/Au:N/C:P/I:N/A:N', baseScore: 4.3, baseSeverity: 'MEDIUM', exploitabilityScore: 8.6, impactScore: 2.9, source: 'nvd@nist.gov', type: 'Primary' },
    ]);
    // NVD's own v3.1 rates it, not the CNA's higher one or the v4.0.
    expect(r.severity).toBe('High');
    expect(r.status).toBe('Analyzed');
    expect(r.published).toBe('2024-03-01T10:15:07.123Z');
    expect(r.modified).toBe('2024-09-12T16:30:45.001Z');
    expect(r.weaknesses).toEqual([
      { id: 'CWE-787', source: 'nvd@nist.gov', type: 'Primary' },
      { id: 'NVD-CWE-Other', source: 'nvd@nist.gov', type: 'Primary' },
      { id: 'CWE-120', source: 'cna@example.org', type: 'Secondary' },
    ]);
    expect(r.references).toEqual([
      { url: 'https://example.org/advisory/1', source: 'cna@example.org', tags: ['Vendor Advisory', 'Patch'] },
      { url: 'https://example.org/commit/abc', source: 'nvd@nist.gov' },
    ]);
    expect(r.link).toBe('https://nvd.nist.gov/vuln/detail/CVE-2024-9999901');
    expect(r.fixedIn).toEqual([]);
    expect(r.metadata).toEqual({
      sourceIdentifier: 'cna@example.org',
      cvssV2Flags: { 'nvd@nist.gov': { acInsufInfo: false, obtainAllPrivilege: false, obtainUserPrivilege: false, obtainOtherPrivilege: false } },
    });
  });

  it('rates a CVE by v3.x over v2 (a CNA\'s v3.1 over NVD\'s v2), by v4.0 only when nothing else, None as Negligible, nothing as Unknown', () => {
    expect(byId(p, 'CVE-2024-9999906').severity).toBe('Low');
    expect(byId(p, 'CVE-2024-9999905').severity).toBe('Medium');
    expect(byId(p, 'CVE-2024-9999907').severity).toBe('Negligible');
    const bare = byId(p, 'CVE-2024-9999903');
    expect(bare).toMatchObject({ severity: 'Unknown', cvss: [], status: 'Awaiting Analysis', references: [{ url: 'https://example.org/advisory/3', source: 'cna@example.org' }] });
    expect(bare.weaknesses).toBeUndefined();
    expect(bare.configurations).toBeUndefined();
  });

  it('keeps configurations with their operators, negate and version bounds; drops empty nodes and configurations', () => {
    expect(byId(p, 'CVE-2024-9999904').configurations).toEqual([
      {
        operator: 'AND', negate: false, nodes: [
          { operator: 'OR', negate: false, cpeMatch: [
            { vulnerable: true, criteria: 'cpe:2.3:o:example:firmware:*:*:*:*:*:*:*:*', matchCriteriaId: '11111111-2222-4333-8444-555555555501', versionStartIncluding: '2.0', versionEndExcluding: '2.4.1' },
            { vulnerable: true, criteria: 'cpe:2.3:o:example:firmware:*:*:*:*:*:*:*:*', matchCriteriaId: '11111111-2222-4333-8444-555555555502', versionStartExcluding: '3.0', versionEndIncluding: '3.2' },
          ] },
          { operator: 'OR', negate: false, cpeMatch: [{ vulnerable: false, criteria: 'cpe:2.3:h:example:device:-:*:*:*:*:*:*:*', matchCriteriaId: '11111111-2222-4333-8444-555555555503' }] },
          { operator: 'OR', negate: true, cpeMatch: [{ vulnerable: false, criteria: 'cpe:2.3:o:example:bootloader:5.0:*:*:*:*:*:*:*', matchCriteriaId: '11111111-2222-4333-8444-555555555504' }] },
        ],
      },
      {
        nodes: [{ operator: 'OR', negate: false, cpeMatch: [
          { vulnerable: true, criteria: 'cpe:2.3:a:example:firmware_tool:1.0:*:*:*:*:*:*:*', matchCriteriaId: '11111111-2222-4333-8444-555555555505' },
          { vulnerable: true, criteria: 'cpe:2.3:o:example:firmware:*:*:*:*:*:*:*:*', matchCriteriaId: '11111111-2222-4333-8444-555555555501', versionStartIncluding: '2.0', versionEndExcluding: '2.4.1' },
        ] }],
      },
    ]);
  });

  it('serves English as the description and keeps the other languages (empty ones dropped)', () => {
    const r = byId(p, 'CVE-2024-9999905');
    expect(r.description).toBe('');
    expect(r.descriptions).toEqual([
      { lang: 'es', value: '(Dato de prueba.) Solo hay descripciones en otros idiomas.' },
      { lang: 'fr', value: '(Donnée de test.) Il n\'y a que des descriptions dans d\'autres langues.' },
    ]);
    expect(r.metadata['cveTags']).toEqual([{ sourceIdentifier: 'cna@example.org', tags: ['disputed'] }]);
    expect(r.references).toEqual([{ url: 'https://example.org/advisory/5', source: 'cna@example.org' }]);
    expect(byId(p, 'CVE-2024-9999901').descriptions).toBeUndefined();
  });

  it('keeps what NVD gives beside (evaluator, CISA KEV fields, vendor comments) in metadata', () => {
    expect(byId(p, 'CVE-2024-9999907').metadata).toEqual({
      sourceIdentifier: 'cna@example.org',
      evaluatorComment: '(Test fixture.) An evaluator\'s comment.',
      cisaExploitAdd: '2024-08-10',
      cisaActionDue: '2024-08-31',
      cisaRequiredAction: 'Apply mitigations per vendor instructions or discontinue use of the product if mitigations are unavailable.',
      cisaVulnerabilityName: 'Example Firmware Command Injection Vulnerability',
      vendorComments: [{ organization: 'Example Corp', comment: 'Fixed in 2.4.1.', lastModified: '2024-08-09T00:00:00.000' }],
    });
  });

  it('gives the same records, byte for byte, when parsed again', async () => {
    expect((await parse()).records.map((r) => canonicalJson(r))).toEqual(p.records.map((r) => canonicalJson(r)));
  });

  it('hands apply each record\'s canonical JSON with it (canonicalText), equal to serializing the record', () => {
    for (const r of p.records) expect(canonicalText(r)).toBe(canonicalJson(r));
  });
});

describe('nvd /v1 shape (Anchore nvdv2)', () => {
  it('is the NVD 1.1 item: NVD\'s metrics with their words, title-case ratings, Primary CWEs, 1.1 times, vulnerable CPEs once each', async () => {
    await fetchFrom(await mirror({ 'cases.json': await fs.readFile(CASES) }));
    const p = await parse();
    const v1 = toAnchoreNvd(byId(p, 'CVE-2024-9999901'), false);
    expect(v1).toEqual({
      cve: {
        data_type: 'CVE', data_format: 'MITRE', data_version: '4.0',
        CVE_data_meta: { ID: 'CVE-2024-9999901', ASSIGNER: 'cna@example.org' },
        problemtype: { problemtype_data: [{ description: [{ lang: 'en', value: 'CWE-787' }, { lang: 'en', value: 'NVD-CWE-Other' }] }] },
        references: { reference_data: [
          { url: 'https://example.org/advisory/1', name: 'https://example.org/advisory/1', refsource: 'cna@example.org', tags: ['Vendor Advisory', 'Patch'] },
          { url: 'https://example.org/commit/abc', name: 'https://example.org/commit/abc', refsource: 'nvd@nist.gov', tags: [] },
        ] },
        description: { description_data: [{ lang: 'en', value: '(Test fixture.) Every CVSS version NVD publishes: 4.0 and 3.1 from the CNA, 3.1, 3.0 and 2.0 from NVD.' }] },
      },
      cvss_v2: {
        version: '2.0', vector_string: 'AV:N/AC:M/Au:N/C:P/I:N/A:N', severity: 'Medium',
        base_metrics: {
          access_complexity: 'MEDIUM', access_vector: 'NETWORK', authentication: 'NONE', availability_impact: 'NONE', base_score: 4.3,
          confidentiality_impact: 'PARTIAL', exploitability_score: 8.6, impact_score: 2.9, integrity_impact: 'NONE',
        },
        additional_information: { ac_insuf_info: false, obtain_all_privilege: false, obtain_other_privilege: false, obtain_user_privilege: false },
      },
      cvss_v3: {
        version: '3.1', vector_string: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H',
        base_metrics: {
          attack_complexity: 'LOW', attack_vector: 'LOCAL', availability_impact: 'HIGH', base_score: 7.8, base_severity: 'High', confidentiality_impact: 'HIGH',
          exploitability_score: 1.8, impact_score: 5.9, integrity_impact: 'HIGH', privileges_required: 'LOW', scope: 'UNCHANGED', user_interaction: 'NONE',
        },
      },
      severity: 'High',
      external_references: [
        { url: 'https://example.org/advisory/1', source: 'cna@example.org', tags: ['Vendor Advisory', 'Patch'] },
        { url: 'https://example.org/commit/abc', source: 'nvd@nist.gov', tags: [] },
      ],
      publishedDate: '2024-03-01T10:15Z',
      lastModifiedDate: '2024-09-12T16:30Z',
      vulnerable_cpes: [],
    });
    const cpes = byId(p, 'CVE-2024-9999904');
    expect(toAnchoreNvd(cpes, false)['vulnerable_cpes']).toEqual(['cpe:2.3:o:example:firmware:*:*:*:*:*:*:*:*', 'cpe:2.3:a:example:firmware_tool:1.0:*:*:*:*:*:*:*']);
    expect(toAnchoreNvd(cpes, true)['vulnerable_cpes']).toEqual([]);
    // A CNA's v3.1 stands in while NVD has none; NVD's v2 with its flags beside it.
    const cna = toAnchoreNvd(byId(p, 'CVE-2024-9999906'), false);
    expect(cna).toMatchObject({ severity: 'Low', cvss_v3: { version: '3.1', base_metrics: { base_score: 3.4, base_severity: 'Low', scope: 'CHANGED' } } });
    expect(cna['cvss_v2']).toMatchObject({ severity: 'High', additional_information: { ac_insuf_info: true, user_interaction_required: false } });
    expect(toAnchoreNvd(byId(p, 'CVE-2024-9999905'), false)).toMatchObject({ severity: 'Medium', cvss_v2: null, cvss_v3: null });
  });
});

describe('nvd parse: several files', () => {
  it('keeps the latest lastModified of a CVE whatever the file order, and leaves out a CVE whose latest version is Rejected', async () => {
    const old = await fs.readFile(path.join(MIRROR, 'nvdcve-2016.json'), 'utf8');
    const modified = await fs.readFile(path.join(MIRROR, 'nvdcve-modified.json'), 'utf8');
    const rejectedLater = JSON.stringify({
      resultsPerPage: 1, startIndex: 0, totalResults: 1, format: 'NVD_CVE', version: '2.0', timestamp: '2024-10-30T00:00:00.000',
      vulnerabilities: [{ cve: { id: 'CVE-2016-0008', sourceIdentifier: 'secure@microsoft.com', published: '2016-01-13T05:59:00.917', lastModified: '2024-10-30T00:00:00.000', vulnStatus: 'Rejected', descriptions: [{ lang: 'en', value: 'Rejected reason: duplicate.' }], metrics: {}, references: [] } }],
    });
    const results: string[][] = [];
    for (const names of [['a.json', 'b.json.gz', 'c.json'], ['c.json', 'b.json.gz', 'a.json']]) {
      await fs.rm(ws, { recursive: true, force: true });
      const [first = '', second = '', third = ''] = names;
      await fetchFrom(await mirror({ [first]: modified, [second]: gzipSync(old), [third]: rejectedLater }));
      const p = await parse();
      expect(p.records.map((r) => r.id)).toEqual(['CVE-2005-10003', 'CVE-2016-2183', 'CVE-2016-9999901', 'CVE-2024-3094']);
      const sweet32 = byId(p, 'CVE-2016-2183');
      expect(sweet32.modified).toBe('2024-10-14T22:15:02.487Z');
      expect(sweet32.references).toHaveLength(3);
      expect(sweet32.provenance).toEqual({ driver: 'nvd', source: names[0] === 'a.json' ? 'a.json' : 'c.json' });
      results.push(p.records.map((r) => canonicalJson({ ...r, provenance: null })));
    }
    expect(results[0]).toEqual(results[1]);
  });

  it('reads an incremental batch as an incremental group: its Rejected CVEs are deletions', async () => {
    await fetchFrom(MIRROR);
    await writeBatch(ws, { kind: 'api', complete: false, api: 'https://services.nvd.nist.gov/rest/json/cves/2.0', windows: [{ start: '2024-10-01T00:00:00.000Z', end: '2024-10-25T00:00:00.000Z' }] });
    const p = await parse();
    expect(p.complete).toBe(false);
    expect(p.deletions).toEqual(['CVE-2022-48993']);
    expect(p.records.map((r) => r.id)).toEqual(['CVE-2005-10003', 'CVE-2016-0008', 'CVE-2016-2183', 'CVE-2016-9999901', 'CVE-2024-3094']);
    expect(byId(p, 'CVE-2024-3094').provenance.source).toBe('https://services.nvd.nist.gov/rest/json/cves/2.0?cveId=CVE-2024-3094');
  });

  it('lists the group only when the workspace holds pages and a batch marker', async () => {
    expect(await nvd.groups(ws)).toEqual([]);
    await fetchFrom(MIRROR);
    expect(await nvd.groups(ws)).toEqual([{ name: 'nvdv2:cves', description: expect.any(String) as string }]);
    await fs.rm(path.join(ws, BATCH_FILE));
    expect(await nvd.groups(ws)).toEqual([]);
  });
});

describe('nvd parse: the page for the Alpine fixture\'s CVEs (test/fixtures/engine/nvd-alpine-2024)', () => {
  it('gives NVD\'s ratings: four Medium (NVD\'s own for CVE-2024-9681, CISA-ADP\'s for the unanalysed), one Unknown, sudo\'s High', async () => {
    await fetchFrom(ALPINE_PAGE);
    const p = await parse();
    expect(p.records.map((r) => [r.id, r.severity, r.status, r.cvss.map((c) => `${c.version} ${c.baseScore} ${c.type ?? ''}`)])).toEqual([
      ['CVE-2021-3156', 'High', 'Modified', ['3.1 7.8 Primary', '3.1 7.8 Secondary', '2.0 7.2 Primary']],
      ['CVE-2024-11053', 'Medium', 'Awaiting Analysis', ['3.1 5.9 Secondary']],
      ['CVE-2024-50602', 'Medium', 'Awaiting Analysis', ['3.1 5.9 Secondary']],
      ['CVE-2024-8096', 'Unknown', 'Received', []],
      ['CVE-2024-9143', 'Medium', 'Deferred', ['3.1 4.3 Secondary']],
      ['CVE-2024-9681', 'Medium', 'Modified', ['3.1 6.5 Primary', '3.1 5.9 Secondary']],
    ]);
    for (const r of p.records) expect(RecordSchema.safeParse(r).error?.issues ?? []).toEqual([]);
  });
});

describe('nvd parse: refusals name the file and where', () => {
  const page = (items: string): string => `{"resultsPerPage":1,"startIndex":0,"totalResults":1,"format":"NVD_CVE","version":"2.0","timestamp":"2024-10-25T01:15:13.497","vulnerabilities":[${items}]}`;
  const item = (cve: Record<string, unknown>): string => JSON.stringify({
    cve: { id: 'CVE-2024-0001', published: '2024-01-01T00:00:00.000', lastModified: '2024-01-02T00:00:00.000', vulnStatus: 'Analyzed', descriptions: [{ lang: 'en', value: 'x' }], references: [], ...cve },
  });

  it('malformed JSON in an item: the byte offset and vulnerabilities[i]', async () => {
    const err = await parseError({ 'p.json': page(`${item({})},{"cve":{"id":"CVE-2024-0002",}}`) });
    expect(err.code).toBe('SOURCE_INVALID');
    expect(err.message).toMatch(/^nvd: p\.json: the JSON is malformed at byte \d+ \(near vulnerabilities\[1\]\): vulnerabilities\[1\] is not valid JSON: /);
  });

  it('a truncated page, plain or gzip', async () => {
    const text = page(`${item({})},${item({ id: 'CVE-2024-0002' })}`);
    const plain = await parseError({ 'p.json': text.slice(0, text.length - 40) });
    expect(plain.message).toMatch(/^nvd: p\.json: the JSON ends early at byte \d+ \(near vulnerabilities\[1\]\): the document is incomplete \(truncated\?\)$/);
    await fs.rm(ws, { recursive: true, force: true });
    const gz = gzipSync(text);
    const cut = await parseError({ 'p.json.gz': gz.subarray(0, gz.length - 12) });
    expect(cut.code).toBe('SOURCE_INVALID');
    expect(cut.message).toMatch(/^nvd: p\.json\.gz: /);
  });

  it('bytes that are not UTF-8: the byte offset', async () => {
    const text = Buffer.from(page(item({ descriptions: [{ lang: 'en', value: 'caf\u00e9' }] })));
    const at = text.indexOf(Buffer.from('\u00e9'));
    text[at] = 0xff;
    const err = await parseError({ 'p.json': text });
    expect(err.message).toBe(`nvd: p.json: invalid UTF-8 at byte ${at} (ff a9 22 7d)`);
  });

  it('a file that is not a page, and an item that is not a CVE', async () => {
    expect((await parseError({ 'p.json': '{"resultsPerPage":0,"items":[]}' })).message).toBe('nvd: p.json: not an NVD API 2.0 page: the top-level object has no "vulnerabilities" array');
    await fs.rm(ws, { recursive: true, force: true });
    expect((await parseError({ 'p.json': '[1,2]' })).message).toMatch(/^nvd: p\.json: the JSON is malformed at byte 0 \(near \(top level\)\): an NVD API 2\.0 page is a JSON object$/);
    await fs.rm(ws, { recursive: true, force: true });
    const err = await parseError({ 'p.json': page(item({ published: 'yesterday' })) });
    expect(err.message).toMatch(/^nvd: p\.json vulnerabilities\[0\]: not an NVD API 2\.0 CVE item: cve\.published: must be a time such as 2024-10-17T14:15:03\.800$/);
  });

  it('a value the record cannot hold: the CVE and the field', async () => {
    const cwe = await parseError({ 'p.json': page(item({ weaknesses: [{ source: 'nvd@nist.gov', type: 'Primary', description: [{ lang: 'en', value: 'CWE-79a' }] }] })) });
    expect(cwe.message).toBe('nvd: p.json: CVE-2024-0001: weaknesses: "CWE-79a" is not a CWE id (CWE-<n>, NVD-CWE-noinfo or NVD-CWE-Other)');
    await fs.rm(ws, { recursive: true, force: true });
    const cpe = await parseError({ 'p.json': page(item({ configurations: [{ nodes: [{ operator: 'OR', negate: false, cpeMatch: [{ vulnerable: true, criteria: 'cpe:/a:x:y:1.0', matchCriteriaId: 'A' }] }] }] })) });
    expect(cpe.message).toBe('nvd: p.json: CVE-2024-0001: configurations: criteria "cpe:/a:x:y:1.0" is not a CPE 2.3 formatted string');
  });
});
