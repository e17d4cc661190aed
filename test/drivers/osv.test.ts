/**
 * The osv driver on its fixture mirror (test/fixtures/drivers/osv: npm and Go as osv.dev zips,
 * PyPI as PyPA's YAML, crates.io, Maven and NuGet as loose JSON, CRAN unmapped, one file that is not
 * OSV): groups, records field by field (every range event kind, ecosystem_specific and
 * database_specific, withdrawn, severities, scores), what is skipped and reported, the /v1 github
 * shape of the records, and OSV in → record → OSV out.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scoreCvss } from '../../drivers/_framework/cvss/index.ts';
import { ecosystemByOsv } from '../../drivers/_framework/names.ts';
import type { FixedIn, VulnRecord } from '../../drivers/_framework/record.ts';
import { advisoryUrl, githubRange, toAnchoreGithub } from '../../drivers/_framework/shapes/anchore.ts';
import { toOsv } from '../../drivers/_framework/shapes/osv.ts';
import { decodeDocument } from '../../drivers/osv/document.ts';
import { timeKey } from '../../drivers/osv/modified.ts';
import { capturingLogger, fetchOsv, OSV_MIRROR, OSV_SRC, type ParsedAll, parseOsv } from '../helpers/osv-driver.ts';
import { normalizeOsv as normalize } from '../helpers/osv-normalize.ts';
import { OSV_SCHEMA_ABSENT, osvSchemaPresent, osvValidator } from '../helpers/osv-schema.ts';
import { skipUnless } from '../helpers/skip.ts';
import { tempDir } from '../helpers/mirror.ts';
import { writeZip } from '../helpers/zip-writer.ts';

let dir: string;
let groups: Map<string, ParsedAll>;
let fetchLog: ReturnType<typeof capturingLogger>;
let parseLog: ReturnType<typeof capturingLogger>;

beforeAll(async () => {
  dir = await tempDir('airfeed-osv-');
  fetchLog = capturingLogger();
  parseLog = capturingLogger();
  await fetchOsv(OSV_MIRROR, path.join(dir, 'ws'), { log: fetchLog.log });
  groups = await parseOsv(path.join(dir, 'ws'), { log: parseLog.log });
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function record(group: string, id: string): VulnRecord {
  const r = groups.get(group)?.records.find((x) => x.id === id);
  if (!r) throw new Error(`no record ${id} in ${group}`);
  return r;
}

describe('groups and records from both mirror forms', () => {
  it('lists one group per mapped ecosystem found, each complete, in group order', () => {
    expect([...groups.keys()]).toEqual(['github:go', 'github:java', 'github:npm', 'github:nuget', 'github:python', 'github:rust']);
    expect([...groups.values()].every((g) => g.complete)).toBe(true);
    expect(groups.get('github:npm')?.fingerprint).toMatch(/^zip=[0-9a-f]{64};updates=none$/);
    expect(groups.get('github:python')?.fingerprint).toMatch(/^tree=[0-9a-f]{64}$/);
  });

  it('reads the npm zip in entry order, leaving the withdrawn advisory out (a tombstone, not a live record)', () => {
    expect(groups.get('github:npm')?.records.map((r) => r.id)).toEqual(['GHSA-3v6h-hqm4-2rg6', 'GHSA-5c9x-8gcm-2fj8', 'GHSA-7jq2-fw4p-8h3c', 'MAL-2024-7001']);
    expect(groups.get('github:python')?.records.map((r) => r.id)).toEqual(['PYSEC-2021-901']);
  });

  it('keeps a GitHub advisory whole: ranges per entry, database_specific, aliases, GitHub\'s severity, CWE, scored CVSS', () => {
    const r = record('github:npm', 'GHSA-3v6h-hqm4-2rg6');
    expect(r.severity).toBe('High');
    expect(r.aliases).toEqual(['CVE-2024-31999']);
    expect(r.weaknesses).toEqual([{ id: 'CWE-1321', source: null, type: null }]);
    expect(r.fixedIn).toEqual([
      {
        package: 'deep-merge-lite', versionScheme: 'semver', state: 'fixed',
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.2.3' }] }],
        databaseSpecific: { last_known_affected_version_range: '<= 1.2.2' },
      },
      { package: 'deep-merge-lite', versionScheme: 'semver', state: 'fixed', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '2.0.0' }, { fixed: '2.0.1' }] }] },
    ]);
    // OSV gives vectors only: the scores are computed (a 3.1 vector of the spec's example family, and 4.0 as NVD publishes it).
    expect(r.cvss.map((c) => [c.version, c.baseScore, c.baseSeverity])).toEqual([
      ['3.1', 8.2, 'HIGH'],
      ['4.0', scoreCvss('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:H/VA:L/SC:N/SI:N/SA:N').score, 'HIGH'],
    ]);
    expect(r.databaseSpecific).toMatchObject({ severity: 'HIGH', github_reviewed: true, nvd_published_at: '2024-05-02T14:15:09Z' });
    expect(r.link).toBeNull();
    expect(r.provenance).toEqual({ driver: 'osv', source: 'npm/GHSA-3v6h-hqm4-2rg6.json' });
  });

  it('spells every event kind: last_affected (no fix: affected), limit, an open introduced, and introduced/fixed pairs in one range', () => {
    expect(record('github:npm', 'GHSA-5c9x-8gcm-2fj8').fixedIn).toEqual([
      { package: 'url-fetcher-lite', versionScheme: 'semver', state: 'affected', purl: 'pkg:npm/url-fetcher-lite', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '1.0.0' }, { last_affected: '1.4.2' }] }] },
    ]);
    expect(record('github:npm', 'GHSA-7jq2-fw4p-8h3c').fixedIn[0]?.ranges).toEqual([{ type: 'SEMVER', events: [{ introduced: '3.0.0' }, { limit: '3.5.0' }] }]);
    expect(record('github:go', 'GO-2023-1990').fixedIn[0]).toMatchObject({ state: 'affected', ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }] });
    expect(record('github:go', 'GO-2024-2901').fixedIn[0]?.ranges?.[0]?.events).toEqual([{ introduced: '0' }, { fixed: '1.21.11' }, { introduced: '1.22.0-0' }, { fixed: '1.22.4' }]);
  });

  it('keeps ecosystem_specific and per-entry database_specific as given, and drops upstream\'s empty lists', () => {
    expect(record('github:go', 'GO-2024-2901').fixedIn[0]?.ecosystemSpecific).toEqual({ imports: [{ path: 'net/netip', symbols: ['Addr.IsLoopback', 'Addr.IsPrivate'] }] });
    const rust = record('github:rust', 'RUSTSEC-2024-0901');
    expect(rust.fixedIn[0]).toMatchObject({
      ecosystemSpecific: { affects: { arch: [], os: [], functions: ['bytes_lite::Buf::get_u16'] }, affected_functions: null },
      databaseSpecific: { categories: ['memory-corruption'], cvss: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:H', informational: null },
    });
    expect(rust.fixedIn[0]?.versions).toBeUndefined();
    expect(rust.related).toBeUndefined();
    // No GitHub rating: the CVSS 3.1 rating.
    expect(rust.severity).toBe('Critical');
    const mal = record('github:npm', 'MAL-2024-7001');
    expect(mal.fixedIn[0]).toMatchObject({ state: 'affected', versions: ['1.0.0', '1.0.1'] });
    expect(mal.credits).toEqual([{ name: 'OpenSSF: Package Analysis', contact: ['https://github.com/ossf/package-analysis', 'https://openssf.slack.com/channels/package_analysis'], type: 'FINDER' }]);
    expect(mal.severity).toBe('Unknown');
  });

  it('reads PyPA\'s YAML: quoted versions stay text, unquoted timestamps keep their digits, GIT ranges keep their repo', () => {
    const r = record('github:python', 'PYSEC-2021-901');
    expect(r.modified).toBe('2023-11-08T03:57:16.932741Z');
    expect(r.published).toBe('2021-02-01T20:15:00Z');
    expect(r.fixedIn[0]?.versions).toEqual(['1.0', '1.1', '2.0rc1', '2.10', '2.10.1', '2.11.2']);
    expect(r.fixedIn[0]?.ranges?.[0]).toEqual({ type: 'GIT', repo: 'https://github.com/example/jinja-lite', events: [{ introduced: '0' }, { fixed: '15ef8f09b659f9100610583938005a7a10472d4d' }] });
    expect(r.provenance.source).toBe('pypa/vulns/jinja-lite/PYSEC-2021-901.yaml');
    expect(r.severity).toBe('Medium'); // CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L is 5.3
  });

  it('splits one advisory across ecosystems: each group holds its own entries, a Go modified of year 1 is kept', () => {
    expect(record('github:java', 'GHSA-7f4h-wx6c-m9qf').fixedIn.map((f) => [f.package, f.versionScheme])).toEqual([
      ['com.example.protobuf:protobuf-lite-java', 'maven'], ['com.example.protobuf:protobuf-lite-java', 'maven'],
    ]);
    expect(record('github:nuget', 'GHSA-7f4h-wx6c-m9qf').fixedIn.map((f) => [f.package, f.versionScheme])).toEqual([['Example.Protobuf.Lite', 'nuget']]);
    expect(record('github:nuget', 'GHSA-7f4h-wx6c-m9qf').severity).toBe('Critical');
    expect(record('github:npm', 'GHSA-7jq2-fw4p-8h3c').fixedIn.map((f) => f.package)).toEqual(['@example/template-pack']);
    expect(record('github:go', 'GO-2024-2901').modified).toBe('0001-01-01T00:00:00Z');
  });
});

describe('what is left out is reported', () => {
  it('fetch reports the unmapped ecosystem (CRAN) and the file that is not OSV', () => {
    const warn = fetchLog.lines.filter((l) => l.level === 40);
    expect(warn.find((l) => l.msg.includes('OSV ecosystems airfeed does not map'))).toMatchObject({ skipped: { CRAN: 1 }, unit: 'documents' });
    expect(warn.find((l) => l.msg.includes('not OSV documents'))).toMatchObject({ files: 1, examples: ['notes/advisory-index.json'] });
  });

  it('parse reports an affected entry of an unmapped ecosystem (Hex) and counts the withdrawn', () => {
    const npm = parseLog.lines.filter((l) => l['group'] === 'github:npm');
    expect(npm.find((l) => l.level === 40 && l.msg.includes('does not map'))).toMatchObject({ skipped: { Hex: 1 }, unit: 'affected entries' });
    expect(npm.find((l) => l.msg.includes('withdrawn records'))).toMatchObject({ records: 1 });
    expect(parseLog.lines.find((l) => l['group'] === 'github:python' && l.msg.includes('withdrawn records'))).toMatchObject({ records: 1 });
  });

  it('refuses a mirror with nothing it maps, naming what it holds', async () => {
    const m = path.join(dir, 'only-cran');
    await fs.mkdir(m, { recursive: true });
    await fs.copyFile(path.join(OSV_MIRROR, 'cran/RSEC-2023-901.yaml'), path.join(m, 'RSEC-2023-901.yaml'));
    await expect(fetchOsv(m, path.join(dir, 'ws-cran'))).rejects.toThrow(/holds no <Ecosystem>\/all\.zip and no OSV file of a mapped ecosystem; it holds only ecosystems airfeed does not map: CRAN$/);
  });
});

describe('documents that do not fit', () => {
  it('names the file and the place of malformed JSON and YAML', () => {
    expect(() => decodeDocument(Buffer.from('{"id": "X", '), 'json', 'osv: a.json')).toThrow(/^osv: a\.json: malformed JSON \(truncated or corrupt\): /);
    expect(() => decodeDocument(Buffer.from('id: X\nid: Y\n'), 'yaml', 'osv: a.yaml')).toThrow('osv: a.yaml: malformed YAML: Map keys must be unique at line 2, column 1:');
    expect(() => decodeDocument(Buffer.from([0x7b, 0xff, 0x7d]), 'json', 'osv: b.json')).toThrow(/^osv: b\.json: .*byte 1/);
  });

  it('fails the group on a document that breaks the OSV rules, naming the file and the record', async () => {
    const m = path.join(dir, 'bad-tree');
    await fs.mkdir(m, { recursive: true });
    await fs.writeFile(path.join(m, 'GO-2024-0001.json'), JSON.stringify({
      id: 'GO-2024-0001', modified: '2024-01-01T00:00:00Z',
      affected: [{ package: { ecosystem: 'Go', name: 'example.com/m' }, ranges: [{ type: 'SEMVER', events: [{ fixed: '1.0.0' }] }] }],
    }));
    await fetchOsv(m, path.join(dir, 'ws-bad'));
    await expect(parseOsv(path.join(dir, 'ws-bad'))).rejects.toThrow('osv: GO-2024-0001.json: OSV record GO-2024-0001 does not fit: fixedIn[0].ranges[0].events: a range needs an "introduced" event');
  });

  it('refuses one id in two files of a group, naming both', async () => {
    const m = path.join(dir, 'dup-tree');
    await fs.mkdir(path.join(m, 'a'), { recursive: true });
    await fs.mkdir(path.join(m, 'b'), { recursive: true });
    const doc = await fs.readFile(path.join(OSV_MIRROR, 'rustsec/crates/RUSTSEC-2024-0901.json'));
    await fs.writeFile(path.join(m, 'a/RUSTSEC-2024-0901.json'), doc);
    await fs.writeFile(path.join(m, 'b/copy.json'), doc);
    await fetchOsv(m, path.join(dir, 'ws-dup'));
    await expect(parseOsv(path.join(dir, 'ws-dup'))).rejects.toThrow('osv: github:rust: record RUSTSEC-2024-0901 is in two files, a/RUSTSEC-2024-0901.json and b/copy.json; keep one');
  });
});

describe('large zip entries', () => {
  it('reads a document past the one-read size (1 MiB) by streaming it', async () => {
    const ws = path.join(dir, 'ws-big');
    const doc = JSON.parse(await fs.readFile(path.join(OSV_SRC, 'npm/GHSA-5c9x-8gcm-2fj8.json'), 'utf8')) as Record<string, unknown>;
    const details = 'x'.repeat(3 * 1024 * 1024);
    await fs.mkdir(path.join(ws, 'npm'), { recursive: true });
    await writeZip(path.join(ws, 'npm/all.zip'), [['GHSA-5c9x-8gcm-2fj8.json', JSON.stringify({ ...doc, details })], ['MAL-2024-7001.json', await fs.readFile(path.join(OSV_SRC, 'npm/MAL-2024-7001.json'))]]);
    const records = (await parseOsv(ws)).get('github:npm')?.records ?? [];
    expect(records.map((r) => [r.id, r.description.length])).toEqual([['GHSA-5c9x-8gcm-2fj8', details.length], ['MAL-2024-7001', expect.any(Number) as number]]);
  });
});

describe('the /v1 github shape of OSV records', () => {
  const v1 = (group: string, id: string): ReturnType<typeof toAnchoreGithub>['Advisory'] => toAnchoreGithub(record(group, id), false, null).Advisory;

  it('writes a GitHub advisory as Anchore served it: ranges without commas, the first patched version, the CVE list', () => {
    expect(v1('github:npm', 'GHSA-3v6h-hqm4-2rg6')).toEqual({
      ghsaId: 'GHSA-3v6h-hqm4-2rg6', namespace: 'github:npm', Severity: 'High', Summary: 'Prototype pollution in deep-merge-lite',
      url: 'https://github.com/advisories/GHSA-3v6h-hqm4-2rg6', CVE: ['CVE-2024-31999'], Metadata: { CVE: ['CVE-2024-31999'] }, withdrawn: null,
      FixedIn: [
        { name: 'deep-merge-lite', range: '< 1.2.3', identifier: '1.2.3', ecosystem: 'npm', namespace: 'github:npm' },
        { name: 'deep-merge-lite', range: '>= 2.0.0 < 2.0.1', identifier: '2.0.1', ecosystem: 'npm', namespace: 'github:npm' },
      ],
    });
  });

  it('spells the other event kinds, no fix as a null identifier, and the advisory page of each database', () => {
    expect(v1('github:npm', 'GHSA-5c9x-8gcm-2fj8').FixedIn).toEqual([{ name: 'url-fetcher-lite', range: '>= 1.0.0 <= 1.4.2', identifier: null, ecosystem: 'npm', namespace: 'github:npm' }]);
    expect(v1('github:go', 'GO-2024-2901')).toMatchObject({
      url: 'https://pkg.go.dev/vuln/GO-2024-2901', Severity: 'Unknown', CVE: ['CVE-2024-24790'],
      FixedIn: [{ name: 'stdlib', range: '< 1.21.11 || >= 1.22.0-0 < 1.22.4', identifier: '1.21.11', ecosystem: 'go', namespace: 'github:go' }],
    });
    expect(v1('github:go', 'GO-2023-1990').FixedIn[0]).toMatchObject({ range: '>= 0', identifier: null });
    expect(v1('github:python', 'PYSEC-2021-901')).toMatchObject({ url: 'https://osv.dev/vulnerability/PYSEC-2021-901', FixedIn: [{ range: '< 2.11.3', identifier: '2.11.3', ecosystem: 'python' }] });
    expect(v1('github:rust', 'RUSTSEC-2024-0901')).toMatchObject({ url: 'https://rustsec.org/advisories/RUSTSEC-2024-0901.html', FixedIn: [{ range: '>= 0.0.0-0 < 0.9.3', ecosystem: 'rust' }] });
    expect(v1('github:npm', 'GHSA-7jq2-fw4p-8h3c').FixedIn[0]).toMatchObject({ range: '>= 3.0.0 < 3.5.0', identifier: null });
    // Summary falls back to the description when OSV has none (PyPA).
    expect(v1('github:python', 'PYSEC-2021-901').Summary).toMatch(/^jinja-lite before 2\.11\.3 compiles/);
    expect(advisoryUrl('MAL-2024-7001')).toBe('https://osv.dev/vulnerability/MAL-2024-7001');
  });

  it('writes an explicit version list as GitHub\'s "= v" alternatives when no version range says more', () => {
    const f: FixedIn = { package: 'p', versionScheme: 'semver', state: 'affected', versions: ['1.0.0', '1.0.1'] };
    expect(githubRange(f)).toBe('= 1.0.0 || = 1.0.1');
    expect(githubRange({ ...f, ranges: [{ type: 'GIT', repo: 'https://example.org/r', events: [{ introduced: '0' }] }] })).toBe('= 1.0.0 || = 1.0.1');
    expect(githubRange({ ...f, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }] })).toBe('>= 0');
  });

  it('serves a tombstone as a withdrawn advisory with no fixes', () => {
    const t = toAnchoreGithub(record('github:npm', 'GHSA-3v6h-hqm4-2rg6'), true, '2025-01-02T03:04:05Z').Advisory;
    expect(t).toMatchObject({ withdrawn: '2025-01-02T03:04:05Z', FixedIn: [] });
  });
});

describe('OSV in → record → OSV out on the fixture documents', () => {
  /** Every fixture document with its file name, JSON and YAML alike. */
  async function documents(): Promise<{ file: string; doc: Record<string, unknown> }[]> {
    const out: { file: string; doc: Record<string, unknown> }[] = [];
    for (const root of [OSV_SRC, OSV_MIRROR]) {
      for (const rel of (await fs.readdir(root, { recursive: true })).map(String).sort()) {
        if (!/\.(json|ya?ml)$/.test(rel)) continue;
        const doc = decodeDocument(await fs.readFile(path.join(root, rel)), rel.endsWith('.json') ? 'json' : 'yaml', rel) as Record<string, unknown>;
        if (typeof doc['id'] === 'string') out.push({ file: rel, doc });
      }
    }
    return out;
  }

  it('gives each live record\'s document back per group, up to the documented normalization, valid against the OSV schema', async () => {
    const validate = osvSchemaPresent ? osvValidator() : null;
    const docs = await documents();
    let compared = 0;
    for (const { file, doc } of docs) {
      for (const [name, g] of groups) {
        const r = g.records.find((x) => x.id === doc['id']);
        if (!r) continue;
        const own = (doc['affected'] as { package: { ecosystem: string } }[]).filter((a) => ecosystemByOsv(a.package.ecosystem)?.group === name);
        const view = toOsv(r, { deleted: false, updatedAt: null });
        expect(view, `${file} in ${name}`).toEqual(normalize({ ...doc, affected: own }));
        if (validate) expect(validate(view), `${file} in ${name}`).toBeNull();
        compared++;
      }
    }
    // Every live record of the mirror, one advisory in two groups counted twice.
    expect(compared).toBe([...groups.values()].reduce((n, g) => n + g.records.length, 0));
    expect(compared).toBe(10);
  });

  it('has the OSV schema to validate against', skipUnless(osvSchemaPresent, OSV_SCHEMA_ABSENT), () => {
    expect(osvSchemaPresent).toBe(true);
  });
});

describe('change index times', () => {
  it('compares exactly, fractions and offsets included', () => {
    expect(timeKey('2024-08-15T19:51:20.929Z')).toBe('2024-08-15T19:51:20.929000000Z');
    expect(timeKey('2024-08-15T21:51:20.929+02:00')).toBe('2024-08-15T19:51:20.929000000Z');
    expect((timeKey('2023-11-08T03:57:16.932741Z') ?? '') > (timeKey('2023-11-08T03:57:16.9327Z') ?? '')).toBe(true);
    expect(timeKey('2024-13-01T00:00:00Z')).toBeUndefined();
    expect(timeKey('yesterday')).toBeUndefined();
  });
});
