import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { type FixedIn, validateRecord, type VulnRecord } from '../../drivers/_framework/record.ts';
import type { ParsedGroup } from '../../drivers/_framework/types.ts';
import { compareApkLenient as compareApk } from '../../drivers/_framework/versions/apk.ts';
import { cleanIds, linkFor } from '../../drivers/alpine/ids.ts';
import { alpine } from '../../drivers/alpine/index.ts';
import { skipUnless } from '../helpers/skip.ts';

const MIRROR = path.resolve(import.meta.dirname, '../fixtures/alpine/mirror');
const VERCMP = path.resolve(import.meta.dirname, '../../../shared/vercmp/apk2.tsv');

let ws: string;

beforeEach(async () => {
  ws = await fs.mkdtemp(path.join(os.tmpdir(), 'airfeed-alpine-'));
  await fs.cp(MIRROR, ws, { recursive: true });
});
afterEach(async () => {
  await fs.rm(ws, { recursive: true, force: true });
});

/** A logger whose JSON lines the test can read. */
function captureLog(): { log: Logger; lines: () => Record<string, unknown>[] } {
  const out: string[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void out.push(s) });
  return { log, lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

interface Collected { name: string; description: string; complete: boolean; fingerprint: string; records: VulnRecord[] }

async function collect(groups: AsyncIterable<ParsedGroup>): Promise<Collected[]> {
  const out: Collected[] = [];
  for await (const g of groups) {
    const records: VulnRecord[] = [];
    for await (const r of g.records) records.push(validateRecord(r));
    out.push({ name: g.name, description: g.description, complete: g.complete, fingerprint: g.fingerprint, records });
  }
  return out;
}

const parseAll = (log: Logger = silentLogger, groups?: ReadonlySet<string>): Promise<Collected[]> =>
  collect(alpine.parse({ workspace: ws, log, ...(groups ? { groups } : {}) }));

function rec(id: string, namespace: string, fixedIn: [string, string][], extra: Partial<VulnRecord> = {}): VulnRecord {
  return {
    schemaVersion: 2, id, namespace, severity: 'Unknown', description: '', link: `https://nvd.nist.gov/vuln/detail/${id}`, aliases: [], cvss: [],
    // secdb's fixed version "0" is "never affected".
    fixedIn: fixedIn.map(([pkg, version]): FixedIn =>
      version === '0' ? { package: pkg, versionScheme: 'apk', state: 'not_affected' } : { package: pkg, versionScheme: 'apk', state: 'fixed', version }),
    references: [], published: null, modified: null, withdrawn: null, metadata: {},
    provenance: { driver: 'alpine', source: `${namespace === 'alpine:edge' ? 'edge' : `v${namespace.slice(7)}`}/main.json` },
    ...extra,
  };
}

describe('alpine parse', () => {
  it('lists one group per branch, sorted by name', async () => {
    expect(await alpine.groups(ws)).toEqual([
      { name: 'alpine:3.19', description: 'Alpine Linux 3.19 security fixes (secdb)' },
      { name: 'alpine:3.20', description: 'Alpine Linux 3.20 security fixes (secdb)' },
      { name: 'alpine:edge', description: 'Alpine Linux edge security fixes (secdb)' },
    ]);
    expect(await alpine.groups(path.join(ws, 'nope'))).toEqual([]);
  });

  it('yields complete groups in the same order as groups(), each with records sorted by id', async () => {
    const groups = await parseAll();
    expect(groups.map((g) => g.name)).toEqual((await alpine.groups(ws)).map((g) => g.name));
    for (const g of groups) {
      expect(g.complete).toBe(true);
      expect(g.fingerprint).toMatch(/^[0-9a-f]{64}$/);
      const ids = g.records.map((r) => r.id);
      expect(ids).toEqual([...ids].sort());
      expect(new Set(ids).size).toBe(ids.length);
    }
    expect(groups.find((g) => g.name === 'alpine:3.19')?.records).toEqual([
      rec('CVE-2020-28928', 'alpine:3.19', [['musl', '1.2.4-r2']]),
      rec('CVE-2023-5678', 'alpine:3.19', [['openssl', '3.1.4-r1']]),
      rec('CVE-2023-6129', 'alpine:3.19', [['openssl', '3.1.4-r3']]),
    ]);
  });

  it('turns v3.20 into the exact records: ids cleaned, aliases, "0" kept, lowest fix per package, both repos merged', async () => {
    const [, v320] = await parseAll();
    const both = 'v3.20/community.json,v3.20/main.json';
    const community = { provenance: { driver: 'alpine', source: 'v3.20/community.json' } };
    const g = 'alpine:3.20';
    expect(v320?.records).toEqual([
      rec('ALPINE-13661', g, [['busybox', '1.35.0-r7']], { link: null }),
      rec('CVE-2016-10013', g, [['xen', '4.7.1-r4']], { aliases: ['XSA-204'] }),
      rec('CVE-2017-5715', g, [['xen', '4.9.1-r3']], { aliases: ['XSA-254'] }),
      rec('CVE-2017-5753', g, [['xen', '4.9.1-r3']], { aliases: ['XSA-254'] }),
      rec('CVE-2018-14461', g, [['tcpdump', '4.9.3-r0']]),
      rec('CVE-2018-14462', g, [['tcpdump', '4.9.3-r0']]),
      rec('CVE-2019-2426', g, [['mariadb', '10.3.13-r0']], community),
      // "0": upstream's "never affected on this branch"; kept, so nothing matches and the statement is visible.
      rec('CVE-2021-42373', g, [['busybox', '0']]),
      rec('CVE-2022-28391', g, [['busybox', '1.35.0-r7']]),
      rec('CVE-2023-44487', g, [['go', '1.21.3-r0'], ['nghttp2', '1.57.0-r0']], { provenance: { driver: 'alpine', source: both } }),
      // 3.1.4-r9 < 3.1.4-r10 (main) < 3.1.4-r12 (community): apk order, not string order.
      rec('CVE-2023-5678', g, [['openssl', '3.1.4-r9']], { provenance: { driver: 'alpine', source: both } }),
      rec('CVE-2024-22195', g, [['py3-jinja2', '3.1.3-r0']], { aliases: ['GHSA-h5c8-rqwp-cp95'], ...community }),
      rec('CVE-2024-24787', g, [['go', '1.22.3-r0']], community),
      // 3.3.0_rc1-r0 < 3.3.0-r2 in apk order (string order says the opposite).
      rec('CVE-2024-2511', g, [['openssl', '3.3.0_rc1-r0']]),
      rec('CVE-2024-4603', g, [['openssl', '3.3.0-r2']]),
      rec('CVE-2024-5171', g, [['aom', '3.9.1-r0']]),
      rec('XSA-458', g, [['xen', '4.18.2-r0']], { link: 'https://xenbits.xen.org/xsa/advisory-458.html' }),
    ]);
  });

  it('warns, naming the file, about tokens that are not ids', async () => {
    const { log, lines } = captureLog();
    await parseAll(log);
    const warned = lines().filter((l) => l['level'] === 40).map((l) => [l['file'], l['package'], l['token']]);
    expect(warned).toEqual([
      ['v3.20/main.json', 'tcpdump', 'CVE'],
      ['v3.20/main.json', 'tcpdump', 'N/A'],
      ['v3.20/main.json', 'xen', 'XPTI'],
    ]);
  });

  it('parses only the groups asked for', async () => {
    const groups = await parseAll(silentLogger, new Set(['alpine:3.20', 'alpine:9.99']));
    expect(groups.map((g) => g.name)).toEqual(['alpine:3.20']);
  });

  it('is deterministic, and a group fingerprint moves only with its own files', async () => {
    const a = await parseAll();
    const b = await parseAll();
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    const file = path.join(ws, 'v3.19', 'main.json');
    await fs.writeFile(file, (await fs.readFile(file, 'utf8')).replace('1.2.4-r2', '1.2.4-r3'));
    const c = await parseAll();
    expect(c.map((g) => g.fingerprint !== a.find((x) => x.name === g.name)?.fingerprint)).toEqual([true, false, false]);
  });

  it('reads files without secfixes, with null lists and with empty packages', async () => {
    await fs.writeFile(path.join(ws, 'edge', 'main.json'), JSON.stringify({
      distroversion: 'edge', reponame: 'main',
      packages: [{ pkg: { name: 'a' } }, { pkg: { name: 'b', secfixes: null } }, { pkg: { name: 'c', secfixes: { '1.0-r0': null, '1.1-r0': ['CVE-2024-0001'] } } }],
    }));
    await fs.writeFile(path.join(ws, 'edge', 'community.json'), '{"packages": []}');
    const edge = (await parseAll()).find((g) => g.name === 'alpine:edge');
    expect(edge?.records.map((r) => [r.id, r.fixedIn.map((f) => `${f.package}@${f.version}`)])).toEqual([['CVE-2024-0001', ['c@1.1-r0']]]);
  });
});

describe('the demo mirror (used by `airfeed demo`)', () => {
  it('parses cleanly: three groups of valid records, no warnings', async () => {
    await fs.rm(ws, { recursive: true });
    await fs.cp(path.resolve(import.meta.dirname, '../../drivers/alpine/demo-mirror'), ws, { recursive: true });
    const { log, lines } = captureLog();
    const groups = await parseAll(log);
    expect(groups.map((g) => g.name)).toEqual(['alpine:3.19', 'alpine:3.20', 'alpine:edge']);
    for (const g of groups) expect(g.records.length).toBeGreaterThan(40);
    expect(lines().filter((l) => (l['level'] as number) >= 40)).toEqual([]);
  });
});

describe('alpine parse errors name the file', () => {
  async function parseError(): Promise<AirfeedError> {
    const err = await parseAll().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(AirfeedError);
    expect((err as AirfeedError).code).toBe('SOURCE_INVALID');
    return err as AirfeedError;
  }
  const file = (): string => path.join(ws, 'v3.20', 'main.json');

  it('on a truncated file', async () => {
    const text = await fs.readFile(file(), 'utf8');
    await fs.writeFile(file(), text.slice(0, Math.floor(text.length / 2)));
    expect((await parseError()).message).toMatch(/^alpine: v3\.20\/main\.json: malformed JSON \(truncated or corrupt\): /);
  });

  it('on an empty file', async () => {
    await fs.writeFile(file(), '');
    expect((await parseError()).message).toMatch(/^alpine: v3\.20\/main\.json: malformed JSON .*Unexpected end of JSON input/);
  });

  it('on the wrong shape, with the path of the first problem', async () => {
    await fs.writeFile(file(), JSON.stringify({ packages: [{ pkg: { name: 'ok', secfixes: {} } }, { pkg: { name: 7 } }] }));
    expect((await parseError()).message).toMatch(/^alpine: v3\.20\/main\.json: not a secdb file: packages\[1\]\.pkg\.name: .*expected string/);
    await fs.writeFile(file(), JSON.stringify({ packages: [{ pkg: { name: 'x', secfixes: { '1-r0': 'CVE-2024-1' } } }] }));
    expect((await parseError()).message).toMatch(/packages\[0\]\.pkg\.secfixes\.1-r0: /);
    await fs.writeFile(file(), '[]');
    expect((await parseError()).message).toMatch(/not a secdb file: \(top level\): /);
  });
});

describe('cleanIds', () => {
  it.each([
    ['CVE-2021-30473', ['CVE-2021-30473'], [], []],
    ['CVE-2016-10013 XSA-204', ['CVE-2016-10013'], ['XSA-204'], []],
    ['CVE-2018-3620   XSA-273 ', ['CVE-2018-3620'], ['XSA-273'], []],
    ['GNUTLS-SA-2020-03-31 CVE-2020-11501', ['CVE-2020-11501'], ['GNUTLS-SA-2020-03-31'], []],
    ['CVE-2020-11740 CVE-2020-11741 XSA-313', ['CVE-2020-11740', 'CVE-2020-11741'], ['XSA-313'], []],
    ['CVE-2020-11501 GNUTLS-SA-2020-03-31 CVE-2020-11501', ['CVE-2020-11501'], ['GNUTLS-SA-2020-03-31'], []],
    ['CVE-2018-10103 (SMB - partially fixed, but SMB printing disabled)', ['CVE-2018-10103'], [], []],
    ['CVE-2017-2616 (+ regression fix', ['CVE-2017-2616'], [], []],
    ['CVE-2017-5753 CVE-2017-5715 XSA-254 XPTI', ['CVE-2017-5753', 'CVE-2017-5715'], ['XSA-254'], ['XPTI']],
    ['CVE N/A ZBX-11023', ['ZBX-11023'], [], ['CVE', 'N/A']],
    ['CVE-2022-????? XSA-398', ['XSA-398'], [], ['CVE-2022-?????']],
    ['CVE_2019-2426', ['CVE-2019-2426'], [], []],
    ['cve-2021-35940.patch', ['CVE-2021-35940'], [], []],
    ['CVE-2017-17434-2', ['CVE-2017-17434'], [], []],
    ['CVE-46838', [], [], ['CVE-46838']],
    ['ALPINE-13661', ['ALPINE-13661'], [], []],
    ['VSV00010', ['VSV00010'], [], []],
    ['wnpa-sec-2017-18', ['wnpa-sec-2017-18'], [], []],
    ['CVE-2024-0001, CVE-2024-0002;', ['CVE-2024-0001', 'CVE-2024-0002'], [], []],
    ['CVE-2024-1', [], [], ['CVE-2024-1']],
    ['  ', [], [], []],
  ])('%j', (raw, ids, aliases, unusable) => {
    expect(cleanIds(raw)).toEqual({ ids, aliases, unusable });
  });

  it('links CVEs to NVD and a few other trackers to their pages', () => {
    expect(linkFor('CVE-2024-5171')).toBe('https://nvd.nist.gov/vuln/detail/CVE-2024-5171');
    expect(linkFor('XSA-458')).toBe('https://xenbits.xen.org/xsa/advisory-458.html');
    expect(linkFor('GHSA-h5c8-rqwp-cp95')).toBe('https://github.com/advisories/GHSA-h5c8-rqwp-cp95');
    expect(linkFor('ALPINE-13661')).toBeNull();
  });
});

describe('apk version order', () => {
  it.each([
    ['0', '1.0-r0', -1],
    ['3.1.4-r9', '3.1.4-r10', -1],
    ['3.3.0_rc1-r0', '3.3.0-r2', -1],
    ['1.9.5_p2-r0', '1.9.5-r0', 1],
    ['6.0_pre1', '6.0', -1],
    ['1.0.1', '1.06-r1', -1],
    ['2.39.1-r0', '2.39.1-r0', 0],
  ])('%s vs %s', (a, b, expected) => {
    expect(Math.sign(compareApk(a, b))).toBe(expected);
    expect(Math.sign(compareApk(b, a))).toBe(-expected || 0);
  });

  it('agrees with every apk-tools 2.14 test vector (../shared/vercmp/apk2.tsv)', skipUnless(existsSync(VERCMP), '../shared/vercmp/apk2.tsv is absent, as in a fresh clone'), async () => {
    const text = await fs.readFile(VERCMP, 'utf8');
    const wrong: string[] = [];
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const [a = '', b = '', want = ''] = line.split('\t');
      if (Math.sign(compareApk(a, b)) !== Number(want)) wrong.push(line);
    }
    expect(wrong).toEqual([]);
  });
});
