/**
 * Versions the ecosystems' own tools compare although they are odd (dpkg's `3.0!-5`, rpm's `b1:1`,
 * Maven's `3.1.52 `, packaging's `0.7.18.poſt1`, NuGet's trailing spaces): we compare them the same
 * way and report a warning instead of refusing them.
 *
 * - `fixtures/vercmp-oracle/<scheme>.jsonl` are pairs found by scripts/vercmp-oracle.ts, each
 *   labelled with the real tool's answer (`-1`, `0`, `1`, or `ERR` when the tool refuses a side);
 *   replaying them needs no oracle.
 * - The table below pins each accepted oddity per scheme with its order and warning.
 * - A small live sample is checked against every oracle installed on this machine (skipped, with
 *   the reason, where it is not).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMPARATORS, InvalidVersionError, SCHEME_NAMES } from '../../drivers/_framework/versions/index.ts';
import type { SchemeName } from '../../drivers/_framework/versions/index.ts';
import { makePairs } from '../../scripts/vercmp-oracle/corpus.ts';
import { ORACLES } from '../../scripts/vercmp-oracle/oracles.ts';
import { skipUnless } from '../helpers/skip.ts';

const FIXTURES = path.resolve(import.meta.dirname, 'fixtures/vercmp-oracle');

interface Row {
  a: string;
  b: string;
  oracle: string;
}

function ours(scheme: SchemeName, a: string, b: string): string {
  try {
    return String(COMPARATORS[scheme].compare(a, b));
  } catch (e) {
    if (e instanceof InvalidVersionError) return 'ERR';
    throw e;
  }
}

function rows(scheme: string): Row[] {
  const file = path.join(FIXTURES, `${scheme}.jsonl`);
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Row);
}

describe('pairs labelled by the real tools (fixtures/vercmp-oracle)', () => {
  const schemes = SCHEME_NAMES.filter((s) => rows(s).length > 0);
  it('cover every scheme that has an oracle', () => {
    expect(schemes).toEqual(['crates', 'dpkg', 'gem', 'go', 'maven', 'pep440', 'rpm', 'semver']);
  });
  it.each(schemes)('%s: every pair gets the real tool\'s answer', (scheme) => {
    const wrong = rows(scheme)
      .map((r) => ({ ...r, ours: ours(scheme, r.a, r.b) }))
      .filter((r) => r.ours !== r.oracle);
    expect(wrong).toEqual([]);
  });
});

type Op = '<' | '=' | '>';
const SIGN: Record<Op, number> = { '<': -1, '=': 0, '>': 1 };

/** `[a, op, b, a warning of either side (substring) or '' for none]`; every answer here was asked of the real tool except NuGet's. */
const ODD: Partial<Record<SchemeName, [string, Op, string, string][]>> = {
  apk: [
    ['', '=', '0', 'empty version'],
    ['a', '<', '1', 'does not start with a digit'],
    ['a1', '<', 'a2', 'does not start with a digit'],
  ],
  dpkg: [
    ['3.0!-5', '>', '3.0-5', 'invalid character in version number'],
    ['0.10.1_-7.2', '>', '0.10.1-7.2', 'invalid character in version number'],
    ['1.0-1_', '>', '1.0-1', 'invalid character in revision number'],
    ['a-0', '<', 'b-0', 'version number does not start with digit'],
    ['١.0-1', '>', '1.0-1', 'version number does not start with digit'],
    // non-ASCII bytes sort after letters and before ASCII punctuation (signed char on amd64)
    ['1é', '>', '1z', 'invalid character in version number'],
    ['1é', '<', '1.', 'invalid character in version number'],
    ['1.0\n', '>', '1.0', 'invalid character in version number'],
    ['+1:2', '=', '1:2', ''],
    ['', '<', '0', 'empty version: dpkg --compare-versions reads it as earlier than every version'],
    ['<unknown>', '=', '', 'empty version'],
  ],
  gem: [
    [' 1.0 ', '=', '1.0', 'surrounding white space is ignored'],
    ['', '=', '0', 'blank version'],
  ],
  maven: [
    ['3.1.52 ', '>', '3.1.52', 'character " " at 6 is not printable ASCII'],
    ['2.4.0-é', '>', '2.4.0', 'character "é" at 6'],
    ['1.É', '=', '1.é', 'character "É" at 2'],
    ['1', '<', '٨', 'non-ASCII digit "٨" at 0: Maven reads it as the digit 8'],
    ['٠٠٠٠٠٠٠٠٠٠1', '>', '5', 'non-ASCII digit'], // 11 digits: a LongItem, above every IntItem
    ['', '=', '0', 'empty version'],
  ],
  nuget: [
    // NuGet.Versioning trims (String.Trim) and System.Version allows white space around each number.
    ['22.3.07     ', '=', '22.3.7', 'surrounding white space is ignored'],
    ['1.0 -beta', '=', '1.0-beta', 'white space inside the numeric part'],
    ['1. 0', '=', '1.0', 'white space inside the numeric part'],
    ['\u00851.0', '=', '1.0', 'surrounding white space'],
  ],
  pep440: [
    ['0.7.18.poſt1', '>', '0.7.18.post1', 'non-ASCII letter "ſ" at 9 matches "s"'],
    ['0.7.18.poſt0', '>', '0.7.18.post9', 'non-ASCII letter'],
    ['1.0prevıew1', '<', '1.0rc1', 'non-ASCII letter "ı" at 7 matches "i"'],
    ['1.0prevıew1', '>', '1.0b9', 'non-ASCII letter'],
    ['1.0+\u212a1', '=', '1.0+k1', 'non-ASCII letter "\u212a" at 4 matches "k"'],
    ['\u00851.0\u3000', '=', '1.0', 'non-ASCII whitespace'],
    ['1.0a.', '=', '1.0a0', ''],
  ],
  rpm: [
    ['b1:1', '<', '1', '":" inside the version'],
    [':3.3.0.23-1.el8sat', '=', '0:3.3.0.23-1.el8sat', 'empty epoch before ":"'],
    ['1-', '>', '1', 'empty release after "-"'],
    ['0-0.7.0-3.el9', '<', '0-0.7.0-4.el9', '"-" inside the version'],
    ['1.0é', '=', '1.0.', 'is not printable ASCII'],
    ['1:-1', '<', '1:0-1', 'empty version part'],
  ],
  semver: [[' 1.2.3 ', '=', '1.2.3', 'surrounding white space is ignored']],
};

describe.each(Object.keys(ODD) as SchemeName[])('%s accepts, orders and warns', (scheme) => {
  const c = COMPARATORS[scheme];
  it.each(ODD[scheme] ?? [])('%j %s %j', (a, op, b, warning) => {
    expect(c.compare(a, b)).toBe(SIGN[op]);
    expect(c.compare(b, a)).toBe(-SIGN[op] || 0);
    expect(c.compareParsed(c.parse(a), c.parse(b))).toBe(SIGN[op]);
    const w = [...c.warnings(a), ...c.warnings(b)];
    if (warning === '') expect(w).toEqual([]);
    else expect(w.some((x) => x.includes(warning))).toBe(true);
  });
});

describe('warnings() of an ordinary version', () => {
  it.each(SCHEME_NAMES)('%s: none, and the shared empty list', (scheme) => {
    const v = { apk: '1.2.3-r0', crates: '1.2.3', dpkg: '1:1.2-3', gem: '1.2.3', go: 'v1.2.3', maven: '1.2.3', nuget: '1.2.3', pep440: '1.2.3', rpm: '1:1.2-3.el9', semver: '1.2.3' }[scheme];
    expect(COMPARATORS[scheme].warnings(v)).toEqual([]);
  });
  it('throws InvalidVersionError, as parse does, for what the tool refuses', () => {
    expect(() => COMPARATORS.dpkg.warnings('1.0 1')).toThrow(InvalidVersionError);
    expect(() => COMPARATORS.rpm.warnings('')).toThrow(InvalidVersionError);
  });
});

describe('live sample against the oracles installed here', () => {
  const work = path.join(os.tmpdir(), 'airfeed-vercmp-oracle-test');
  for (const [scheme, oracle] of Object.entries(ORACLES)) {
    const why = oracle.missing();
    it(`${scheme}: 300 generated pairs agree with ${oracle.name}`, { timeout: 180_000, ...skipUnless(why === null, why ?? '') }, async () => {
      const seedVersions = rows(scheme).flatMap((r) => [r.a, r.b]);
      const utf8 = (v: string): boolean => !/[\ud800-\udfff]/u.test(v);
      const pairs = makePairs(scheme, seedVersions, 300, 7).filter(([a, b]) => utf8(a) && utf8(b) && (scheme !== 'dpkg' || !(a.startsWith('-') || b.startsWith('-'))));
      fs.mkdirSync(work, { recursive: true });
      const dir = fs.mkdtempSync(path.join(work, `${scheme}-`));
      try {
        const answers = await oracle.run(pairs, dir);
        const wrong = pairs
          .map(([a, b], i) => ({ a, b, oracle: (answers[i] ?? '').split('\t')[0] ?? '', ours: ours(scheme as SchemeName, a, b) }))
          .filter((r) => (r.oracle.startsWith('ERR') ? r.ours !== 'ERR' : r.oracle !== r.ours));
        expect(wrong).toEqual([]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
