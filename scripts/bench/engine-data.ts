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
