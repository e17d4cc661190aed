/**
 * Generators for the engine benchmark (engine.ts): version pairs per scheme, synthetic records of an
 * extra Alpine group whose packages a generated installed database names, and the table printer.
 */
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import type { VulnRecord } from '../../drivers/_framework/record.ts';
import type { Comparator } from '../../drivers/_framework/versions/index.ts';
import { syntheticRecords } from './synthetic.ts';

/** How many package names `n` synthetic records spread over (~15 records a name: 300k → 20k). */
export const benchNames = (n: number): number => Math.max(500, Math.round(n / 15));

/** The source package name number `j` of the synthetic group. */
export const benchName = (j: number): string => `benchpkg-${j}`;

/**
 * syntheticRecords (NVD-sized documents) whose fixed-in entries name packages spread over
 * benchNames(n) names instead of synthetic.ts's 1000, so a lookup of thousands of names finds work.
 */
export function* benchRecords(n: number, group: string, changeEvery = 0): Generator<VulnRecord> {
  const names = benchNames(n);
  let i = 0;
  for (const r of syntheticRecords(n, group, changeEvery)) {
    const k0 = i++;
    yield { ...r, fixedIn: r.fixedIn.map((f, k) => ({ ...f, package: benchName((k0 * 7 + k * 7919) % names) })) };
  }
}

export interface InstalledEntry {
  name: string;
  version: string;
  origin: string;
}

/**
 * An Alpine installed database (/lib/apk/db/installed) with the fields apk writes, including the
 * file lists the parser reads past: `count` binaries, four to an origin; the origin of one package
 * in five names nothing in the store.
 */
export function benchInventory(count: number, origins: readonly string[], version: (i: number) => string): InstalledEntry[] {
  const groups = Math.ceil(count / 4);
  return Array.from({ length: count }, (_, i) => {
    const o = Math.floor(i / 4);
    // Evenly spread over the store's names, so the matching origins are distinct (when there are enough).
    const origin = o % 5 === 4 || origins.length === 0 ? `nomatch-${o}` : (origins[Math.floor((o * origins.length) / groups)] ?? '');
    return { name: i % 4 === 0 ? origin : `${origin}-${['dev', 'doc', 'libs'][(i % 4) - 1] ?? 'x'}`, version: version(i), origin };
  });
}

/** Writes `entries` as an installed database to `file`. */
export async function writeApkInstalled(file: string, entries: readonly InstalledEntry[]): Promise<void> {
  const blocks = entries.map((e, i) =>
    [
      `C:Q1${Buffer.from(`${e.name}-${e.version}`).toString('base64').slice(0, 26)}=`,
      `P:${e.name}`, `V:${e.version}`, 'A:x86_64', `S:${10000 + i}`, `I:${40000 + i}`, `T:${e.name} package`,
      'U:https://example.org', 'L:MIT', `o:${e.origin}`, 'm:Bench <bench@example.org>', 't:1717000000', 'c:0123456789abcdef',
      `D:so:libc.musl-x86_64.so.1`, `F:usr/lib/${e.name}`, `R:lib${e.name}.so.1`, 'a:0:0:755', 'Z:Q1abcdefghijklmnopqrstuvwxyz0=',
    ].join('\n'),
  );
  await fs.writeFile(file, `${blocks.join('\n\n')}\n\n`);
}

/**
 * The reference pairs of `scheme` from `<dir>/<scheme>.tsv` (`a<TAB>b<TAB>expected`, `#` comments),
 * keeping those the comparator accepts; a synthetic set when the file is absent.
 */
export function versionPairs(dir: string, scheme: string, cmp: Comparator): { pairs: [string, string][]; source: string } {
  const file = `${dir}/${scheme}.tsv`;
  let pairs: [string, string][];
  let source: string;
  if (existsSync(file)) {
    source = `${scheme}.tsv`;
    pairs = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => {
      const [a = '', b = ''] = l.split('\t');
      return [a, b];
    });
  } else {
    source = 'synthetic';
    const v = (i: number): string => `${scheme === 'go' ? 'v' : ''}${i % 7}.${(i * 3) % 13}.${(i * 5) % 11}`;
    pairs = Array.from({ length: 1000 }, (_, i) => [v(i), v(i * 17 + 3)]);
  }
  const accepted = pairs.filter(([a, b]) => {
    try {
      cmp.compare(a, b);
      return true;
    } catch {
      return false;
    }
  });
  return { pairs: accepted, source: `${source}, ${accepted.length}/${pairs.length} pairs` };
}

/** Formats a number with thousands separators; n/a when not finite. */
export const fmt = (x: number | null | undefined, digits = 0): string =>
  x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toLocaleString('en', { maximumFractionDigits: digits });

/** The table as aligned text. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [headers, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

/** mulberry32, seeded: the same records every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// CPE matches per CVE as the real 2.0 pages spread them (2016: median 4, mean 12; a long tail).
const CPE_COUNTS = [1, 1, 1, 2, 2, 3, 4, 4, 5, 6, 8, 12, 20, 40, 90];
const PRODUCTS = ['curl', 'openssl', 'linux_kernel', 'chrome', 'firefox', 'php', 'wordpress', 'tomcat', 'jenkins', 'node.js', 'sudo', 'expat'];

/**
 * Records of group `nvdv2:cves` shaped and sized as the nvd driver writes them from NVD API 2.0
 * (record schema v2: no fixedIn, CVSS 3.1 Primary + Secondary and 2.0, CWE weaknesses, references
 * with source and tags, CPE configurations with version bounds), ~4.5 KB of JSON on average like
 * the real pages (2016: mean 4.6 KB, median 3.2 KB per CVE). Every `changeEvery`-th record gets a
 * newer lastModified.
 */
export function* nvdRecords(n: number, changeEvery = 0): Generator<VulnRecord> {
  let i = 0;
  for (const base of syntheticRecords(n, 'nvdv2:cves')) {
    const rand = seeded(i + 17);
    const bump = changeEvery > 0 && i % changeEvery === 0;
    const matches = CPE_COUNTS[Math.floor(rand() * CPE_COUNTS.length)] ?? 1;
    const product = PRODUCTS[i % PRODUCTS.length] ?? 'x';
    const cpeMatch = Array.from({ length: matches }, (_, k) => ({
      vulnerable: true,
      criteria: `cpe:2.3:a:vendor${i % 97}:${product}:*:*:*:*:*:*:*:*`,
      matchCriteriaId: `${(i * 31 + k).toString(16).toUpperCase().padStart(8, '0')}-0000-4000-8000-${String(k).padStart(12, '0')}`,
      versionStartIncluding: `${k}.0.0`,
      versionEndExcluding: `${k}.${1 + (i % 9)}.${i % 5}`,
    }));
    yield {
      ...base,
      // NVD descriptions are shorter than the pool's texts; the CPE matches and references make up the size.
      description: base.description.slice(0, 300 + Math.floor(rand() * 900)),
      fixedIn: [],
      status: 'Analyzed',
      cvss: [
        ...base.cvss,
        { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H', baseScore: 5.9, baseSeverity: 'MEDIUM', exploitabilityScore: 2.2, impactScore: 3.6,
          source: '134c704f-9b21-4f2e-91b3-4a467353bcc0', type: 'Secondary' },
        { version: '2.0', vector: 'AV:N/AC:L/Au:N/C:P/I:P/A:P', baseScore: 7.5, baseSeverity: 'HIGH', exploitabilityScore: 10, impactScore: 6.4, source: 'nvd@nist.gov', type: 'Primary' },
      ],
      weaknesses: [{ id: `CWE-${20 + (i % 700)}`, source: 'nvd@nist.gov', type: 'Primary' }],
      configurations: [{ nodes: [{ operator: 'OR', negate: false, cpeMatch }] }],
      references: base.references.map((r, k) => ({ url: r.url, source: 'cve@mitre.org', tags: k % 2 === 0 ? ['Patch', 'Vendor Advisory'] : ['Third Party Advisory'] })),
      modified: bump ? '2024-09-01T00:00:00Z' : base.modified,
      provenance: { driver: 'nvd', source: `nvdcve-${2000 + (i % 25)}.json.gz` },
    };
    i++;
  }
}
