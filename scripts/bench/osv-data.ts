/**
 * Generated osv.dev data of real scale in the real shape, for `npm run bench -- osv`: an
 * `npm/all.zip` of GitHub-reviewed npm advisories as osv.dev exports them (one `<ID>.json` entry
 * each: aliases, summary, markdown details, CVSS 3.1 and sometimes 4.0 vectors, one to three
 * affected entries with ECOSYSTEM ranges, references with commit hashes, GitHub's
 * database_specific) plus a share of OpenSSF malicious-package records (`MAL-…` with explicit
 * `versions`), with `modified_id.csv` beside it. Deterministic (a seeded PRNG): the same count gives
 * the same bytes. The default count, 200,000, gives a zip of about the size of osv.dev's npm zip.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { ZipWriter } from '../../test/helpers/zip-writer.ts';

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'a an the of in to for with by from when before after attacker remote local user input crafted request response header body ' +
  'parser server client module package function method option value string buffer object prototype pollution injection ' +
  'command path traversal regular expression denial service memory cookie token session redirect validation sanitization ' +
  'escape template render url query parameter file archive extract upload download cross site scripting forgery bypass ' +
  'authentication authorization privilege leak exposure sensitive information configuration default version versions release ' +
  'fixed patched upgrade users should affected vulnerable allows could may can does not properly check length limit recursion ' +
  'deeply nested json yaml xml html markdown websocket stream event handler callback promise async timeout resource exhaustion'
).split(' ');
const GHSA_CHARS = '23456789cfghjmpqrvwx';
const CVSS = ['AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', 'AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:N', 'AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N', 'AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N'];
const SEVERITIES = ['LOW', 'MODERATE', 'HIGH', 'CRITICAL'];
const CWES = ['CWE-79', 'CWE-1321', 'CWE-22', 'CWE-400', 'CWE-1333', 'CWE-94', 'CWE-78', 'CWE-601', 'CWE-20', 'CWE-918'];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

function words(r: () => number, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(pick(r, WORDS));
  return out.join(' ');
}

function hex(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(r() * 16)];
  return s;
}

function ghsaId(r: () => number): string {
  const part = (): string => Array.from({ length: 4 }, () => pick(r, [...GHSA_CHARS])).join('');
  return `GHSA-${part()}-${part()}-${part()}`;
}

function time(r: () => number, year0: number): string {
  const ms = Date.UTC(year0, 0, 1) + Math.floor(r() * 5 * 365 * 86_400_000);
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function version(r: () => number): string {
  return `${Math.floor(r() * 12)}.${Math.floor(r() * 30)}.${Math.floor(r() * 20)}`;
}

/** One advisory document (record `i` of the set). */
export function advisory(i: number): Record<string, unknown> {
  const r = prng(i * 7919 + 17);
  const pkg = `${pick(r, WORDS)}-${pick(r, WORDS)}-${i % 50_000}`;
  const modified = time(r, 2020);
  if (i % 10 === 9) {
    const versions = Array.from({ length: 1 + Math.floor(r() * 4) }, () => version(r));
    return {
      id: `MAL-${2022 + (i % 4)}-${i}`,
      summary: `Malicious code in ${pkg} (npm)`,
      details: `\n---\n_-= Per source details. Do not edit below this line.=-_\n\n## Source: ossf-package-analysis\n${words(r, 40)}\n`,
      modified, published: modified,
      affected: [{ package: { ecosystem: 'npm', name: pkg }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }], versions,
        database_specific: { 'malicious-packages-origins': [{ source: 'ossf-package-analysis', sha256: hex(r, 64), import_time: modified, versions }] } }],
      credits: [{ name: 'OpenSSF: Package Analysis', contact: ['https://github.com/ossf/package-analysis'], type: 'FINDER' }],
    };
  }
  const id = ghsaId(r);
  const cve = `CVE-${2017 + (i % 8)}-${10_000 + (i % 80_000)}`;
  const affected = Array.from({ length: 1 + Math.floor(r() * r() * 3) }, () => {
    const fixed = version(r);
    return { package: { ecosystem: 'npm', name: pkg }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: r() < 0.6 ? '0' : version(r) }, { fixed }] }],
      database_specific: { last_known_affected_version_range: `< ${fixed}` } };
  });
  const severity = [{ type: 'CVSS_V3', score: `CVSS:3.1/${pick(r, CVSS)}` }];
  if (r() < 0.2) severity.push({ type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' });
  const refs = [
    { type: 'ADVISORY', url: `https://nvd.nist.gov/vuln/detail/${cve}` },
    ...Array.from({ length: 1 + Math.floor(r() * 5) }, () => ({ type: 'WEB', url: `https://github.com/${pick(r, WORDS)}/${pkg}/commit/${hex(r, 40)}` })),
    { type: 'PACKAGE', url: `https://github.com/${pick(r, WORDS)}/${pkg}` },
  ];
  return {
    schema_version: '1.4.0', id, modified, published: time(r, 2019), aliases: [cve],
    summary: `${words(r, 3)} in ${pkg}`,
    details: `### Impact\n${words(r, 30 + Math.floor(r() * 60))}\n\n### Patches\n${words(r, 12)}\n\n### Workarounds\n${words(r, 10)}`,
    severity, affected, references: refs,
    database_specific: { cwe_ids: [pick(r, CWES)], severity: pick(r, SEVERITIES), github_reviewed: true, github_reviewed_at: modified, nvd_published_at: r() < 0.7 ? modified : null },
  };
}

/** Writes `<dir>/npm/all.zip` and `modified_id.csv` with `n` advisories; returns the zip's size in bytes. */
export async function writeNpmMirror(dir: string, n: number): Promise<number> {
  await fs.mkdir(path.join(dir, 'npm'), { recursive: true });
  const zip = new ZipWriter(path.join(dir, 'npm/all.zip'));
  const rows: string[] = [];
  for (let i = 0; i < n; i++) {
    const doc = advisory(i);
    await zip.add(`${String(doc['id'])}.json`, JSON.stringify(doc, null, 2));
    rows.push(`${String(doc['modified'])},${String(doc['id'])}`);
  }
  await zip.close();
  rows.sort().reverse();
  await fs.writeFile(path.join(dir, 'npm/modified_id.csv'), `${rows.join('\n')}\n`);
  return (await fs.stat(path.join(dir, 'npm/all.zip'))).size;
}
