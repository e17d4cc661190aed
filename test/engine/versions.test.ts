/**
 * Hand-picked tricky cases per scheme (the reference vectors are in versions-vectors.test.ts), the
 * registry, the error contract, and npm range matching.
 */
import { describe, expect, it } from 'vitest';
import { compareTotal } from '../../drivers/_framework/versions/crates.ts';
import { isPseudoVersion } from '../../drivers/_framework/versions/go.ts';
import {
  COMPARATORS,
  compareVersions,
  getComparator,
  InvalidRangeError,
  InvalidVersionError,
  SCHEME_NAMES,
  UnknownSchemeError,
} from '../../drivers/_framework/versions/index.ts';
import type { SchemeName } from '../../drivers/_framework/versions/index.ts';
import { compareNpm, parseRange, satisfies } from '../../drivers/_framework/versions/semver.ts';

type Op = '<' | '=' | '>';
const SIGN: Record<Op, number> = { '<': -1, '=': 0, '>': 1 };

/** `[a, op, b]` cases per scheme; each is also checked reversed. */
const ORDER: Record<SchemeName, [string, Op, string][]> = {
  apk: [
    ['1.0_alpha', '<', '1.0_beta'],
    ['1.0_beta', '<', '1.0_pre'],
    ['1.0_pre', '<', '1.0_rc'],
    ['1.0_rc1-r0', '<', '1.0-r0'],
    ['1.0_rc1', '<', '1.0_rc2'],
    ['1.0', '<', '1.0_cvs'],
    ['1.0_git20200101', '>', '1.0'],
    ['1.0_p1', '>', '1.0'],
    ['1.0_p9-r0', '<', '1.0_p10-r0'],
    ['1.0-r1', '>', '1.0-r0'],
    ['1.2.3-r1', '<', '1.2.4_rc1-r0'],
    ['1.0a', '>', '1.0'],
    ['1.0a', '<', '1.0b'],
    ['2.12r-r4', '<', '2.12r-r5'],
    ['6.0_pre1', '<', '6.0'],
    // apk-tools 2 zero rules: a zero-padded component sorts below the plain number (v3 differs).
    ['1.0.05', '<', '1.0.4'],
    ['1.00', '<', '1.0'],
    ['8.2.0', '>', '8.2.001'],
    // a _p patch release is newer than every revision of the base version, also after ".0"
    ['9.0_p1-r0', '>', '9.0-r5'],
    ['1.0.0_pre20191002222144-r0', '<', '1.0.0_pre20210530193627-r0'],
    ['2.1.9.200602141850', '>', '2.1.9.20060214185'],
  ],
  crates: [
    ['1.0.0-alpha', '<', '1.0.0-alpha.1'],
    ['1.0.0-alpha.1', '<', '1.0.0-alpha.beta'],
    ['1.0.0-alpha.beta', '<', '1.0.0-beta'],
    ['1.0.0-beta.2', '<', '1.0.0-beta.11'],
    ['1.0.0-rc.1', '<', '1.0.0'],
    ['1.2.3+a', '=', '1.2.3+b'],
    ['18446744073709551615.0.0', '>', '18446744073709551614.0.0'],
    ['1.0.0-99999999999999999999', '>', '1.0.0-9999999999999999999'],
  ],
  dpkg: [
    ['1:1.0', '>', '2.0'],
    ['0:1.0', '=', '1.0'],
    ['1.0~rc1', '<', '1.0'],
    ['1.0~~', '<', '1.0~'],
    ['1.0~', '<', '1.0'],
    ['1.0', '<', '1.0+b1'],
    ['1.0', '=', '1.0-0'],
    ['1.0-1', '=', '1.0-01'],
    ['1.0a', '>', '1.0'],
    ['1.0', '<', '1.0.'],
    ['2.30-1ubuntu1', '>', '2.30-1'],
    ['1.2.3-1+deb10u1', '>', '1.2.3-1'],
    ['1.2.3-1~bpo10+1', '<', '1.2.3-1'],
    [' 1.0 ', '=', '1.0'],
    ['a-0', '<', 'b-0'],
    ['9:1.18.36:5.4-20', '<', '9:1.18.36:5.5-1'],
  ],
  gem: [
    ['1.0.a', '<', '1.0'],
    ['1.0.0-rc1', '<', '1.0.0'],
    ['1.0.0-1', '=', '1.0.0.pre.1'],
    ['1.0', '=', '1.0.0'],
    ['1.0.b1', '<', '1.0.b2'],
    ['1.0.a10', '>', '1.0.a9'],
    ['1.0.a', '<', '1.0.b'],
    ['1.0.a.1', '>', '1.0.a'],
    ['2.0.0.rc1', '>', '1.9.9'],
    [' 1.0 ', '=', '1.0'],
    ['', '=', '0'],
    ['1.99999999999999999999', '>', '1.99999999999999999998'],
  ],
  go: [
    ['v1', '=', 'v1.0.0'],
    ['v1.2', '=', 'v1.2.0'],
    ['v1.2.3+meta', '=', 'v1.2.3'],
    ['v2.0.0+incompatible', '=', 'v2.0.0'],
    ['v2.0.0+incompatible', '<', 'v2.0.1'],
    ['v0.0.0-20060102150405-abcdef123456', '<', 'v0.0.0'],
    ['v0.0.0-20060102150405-abcdef123456', '<', 'v0.0.0-20060102150406-abcdef123456'],
    ['v1.2.4-0.20060102150405-abcdef123456', '>', 'v1.2.3'],
    ['v1.2.4-0.20060102150405-abcdef123456', '<', 'v1.2.4'],
    ['v1.2.3-pre.0.20060102150405-abcdef123456', '>', 'v1.2.3-pre'],
    ['v2.0.1-0.20060102150405-abcdef123456+incompatible', '>', 'v2.0.0+incompatible'],
    ['v1.0.0-alpha.10', '>', 'v1.0.0-alpha.9'],
  ],
  maven: [
    ['1-alpha', '<', '1-beta'],
    ['1-beta', '<', '1-milestone'],
    ['1-milestone', '<', '1-rc'],
    ['1-rc', '<', '1-snapshot'],
    ['1-snapshot', '<', '1'],
    ['1', '<', '1-sp'],
    ['1-sp', '<', '1-foo'],
    ['1.0', '=', '1'],
    ['1.0.0', '=', '1'],
    ['1-ga', '=', '1'],
    ['1-final', '=', '1'],
    ['1-release', '=', '1'],
    ['1-cr1', '=', '1-rc1'],
    ['1a1', '=', '1-alpha-1'],
    ['1.0-SNAPSHOT', '=', '1-snapshot'],
    ['1.0-alpha-10', '>', '1.0-alpha-9'],
    ['1.1', '>', '1-sp'],
    ['1-1', '<', '1.1'],
    ['1.0.0.RC1', '<', '1.0.0-RC2'],
    ['2.0.0.Final', '=', '2.0.0'],
    ['1.0.99999999999999999999', '>', '1.0.9999999999'],
  ],
  nuget: [
    ['1.0', '=', '1.0.0.0'],
    ['1', '=', '1.0.0'],
    ['1.0.0.1', '>', '1.0.0'],
    ['1.01', '=', '1.1'],
    ['1.0.0-BETA', '=', '1.0.0-beta'],
    ['1.0.0-beta+x', '=', '1.0.0-beta'],
    ['1.0.0-alpha.2', '<', '1.0.0-alpha.10'],
    ['1.0.0-9', '<', '1.0.0-a'],
    ['1.0.0-rc.1', '<', '1.0.0'],
    ['1.0.0.0-rc', '<', '1.0.0.1-alpha'],
    [' 1.0 ', '=', '1.0'],
  ],
  pep440: [
    ['1.0RC1', '=', '1.0rc1'],
    ['1.0rc1', '=', '1.0c1'],
    ['1.0rc1', '=', '1.0-rc.1'],
    ['1.0_RC_1', '=', '1.0rc1'],
    ['1.0pre1', '=', '1.0rc1'],
    ['1.0alpha', '=', '1.0a0'],
    ['v1.0', '=', '1.0'],
    ['1.0', '=', '1.0.0'],
    ['1!0.1', '>', '2.0'],
    ['1.0.dev1', '<', '1.0a1'],
    ['1.0a1.dev1', '<', '1.0a1'],
    ['1.0a1', '<', '1.0b1'],
    ['1.0b1', '<', '1.0rc1'],
    ['1.0rc1', '<', '1.0'],
    ['1.0', '<', '1.0.post1.dev1'],
    ['1.0.post1.dev1', '<', '1.0.post1'],
    ['1.0-1', '=', '1.0.post1'],
    ['1.0.rev1', '=', '1.0.post1'],
    ['1.0.post', '=', '1.0.post0'],
    ['1.0', '<', '1.0+local'],
    ['1.0+abc', '<', '1.0+1'],
    ['1.0+1', '<', '1.0+1.2'],
    ['1.0+AbC', '=', '1.0+abc'],
    ['1.0+1-2', '=', '1.0+1.2'],
    ['1.99999999999999999999', '>', '1.99999999999999999998'],
  ],
  rpm: [
    ['1.0~rc1', '<', '1.0'],
    ['1.0^git1', '>', '1.0'],
    ['1.0^git1', '<', '1.0.1'],
    ['1.0', '<', '1.0-1'],
    ['1:1.0', '>', '2.0'],
    ['0:1.0-1', '=', '1.0-1'],
    ['1.0a', '>', '1.0'],
    ['a', '<', '1'],
    ['1.010', '=', '1.10'],
    ['2.28-151.el8', '<', '2.28-164.el8'],
    ['1.1.1k-5.el8_5', '>', '1.1.1k-4.el8'],
    ['1.0_1', '=', '1.0.1'],
  ],
  semver: [
    ['1.2.3-alpha.10', '>', '1.2.3-alpha.9'],
    ['1.2.3-alpha', '<', '1.2.3-alpha.1'],
    ['1.2.3-1', '<', '1.2.3-a'],
    ['1.2.3-B', '<', '1.2.3-a'],
    ['v1.2.3', '=', '1.2.3'],
    [' 1.2.3 ', '=', '1.2.3'],
    ['1.2.3+build', '=', '1.2.3'],
    ['1.2.3-rc.1', '<', '1.2.3'],
  ],
};

/**
 * Versions each scheme must reject (reported, never compared): exactly what the ecosystem's own tool
 * refuses. What the tool compares with only a warning is in versions-oddities.test.ts.
 */
const INVALID: Record<SchemeName, string[]> = {
  apk: ['ab', '1.0bc', '23_foo', '1.0~abc', '1.0-r1a', ' 1.0', '1.0-1', '1.0_foo1', '1.0é'],
  crates: ['', 'v1.2.3', '1.2', '01.2.3', '1.2.3-01', ' 1.2.3', '1.2.3-', '1.2.3+', '18446744073709551616.0.0'],
  dpkg: ['  ', '1.0-', ':1.0', 'a:1.0', '1:', '1.0 1', '-1', '2147483648:1', '-1:2', '1:-1', '1.18.36:5.4-20'],
  gem: ['a.1', '1..0', '1.0-', '1.0 beta', '-1', '1.0.', 'v1.0'],
  go: ['', '1.2.3', 'v1.2.3.4', 'v01.2.3', 'v1-pre', 'v1.2+meta', 'bad', 'v1.2.3-', 'v1.2.3-01'],
  maven: [], // Maven's ComparableVersion accepts every string
  nuget: ['', '1.0.0.0.0', '1.0.0-', '1.0.0-01', 'a.b', '1.0.0+', '2147483648.0', '1.0.0-a_b', '1.0.0-a..b'],
  pep440: ['', 'v', '1.0.0-foo!', '1.0+', '1.0++1', '1.0-', 'abc', '1..0', '1.0a1b1', '1.0+ab_'],
  rpm: [''], // rpmverParse refuses only the empty string
  semver: ['', '1.2', '=1.2.3', '01.2.3', '1.2.3-01', '1.2.3.4', 'v 1.2.3', `1.2.3-${'a'.repeat(300)}`, '9007199254740992.0.0'],
};

describe('registry', () => {
  it('lists every scheme once, sorted, each under its own name', () => {
    expect([...SCHEME_NAMES]).toEqual([...SCHEME_NAMES].sort());
    expect(Object.keys(COMPARATORS)).toEqual([...SCHEME_NAMES]);
    for (const name of SCHEME_NAMES) {
      expect(COMPARATORS[name].scheme).toBe(name);
      expect(getComparator(name)).toBe(COMPARATORS[name]);
    }
  });

  it('names the valid schemes when asked for an unknown one', () => {
    expect(() => getComparator('npm')).toThrow(UnknownSchemeError);
    expect(() => getComparator('npm')).toThrow(
      'unknown version scheme "npm"; valid schemes: apk, crates, dpkg, gem, go, maven, nuget, pep440, rpm, semver',
    );
    expect(() => getComparator('toString')).toThrow(UnknownSchemeError);
  });

  it('compares through compareVersions', () => {
    expect(compareVersions('dpkg', '1.0~rc1', '1.0')).toBe(-1);
    expect(compareVersions('semver', '2.0.0', '1.9.9')).toBe(1);
    expect(() => compareVersions('deb', '1', '2')).toThrow(UnknownSchemeError);
  });
});

describe('InvalidVersionError', () => {
  it('carries the scheme, the version and the reason', () => {
    let err: unknown;
    try {
      COMPARATORS.pep440.parse('1.0.0-foo!');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidVersionError);
    const e = err as InvalidVersionError;
    expect(e.scheme).toBe('pep440');
    expect(e.version).toBe('1.0.0-foo!');
    expect(e.message).toBe(`pep440: "1.0.0-foo!" is not a valid version: ${e.reason}`);
    expect(e.reason.length).toBeGreaterThan(0);
  });
});

describe.each(SCHEME_NAMES)('%s', (scheme) => {
  const c = COMPARATORS[scheme];
  it.each(ORDER[scheme])('%j %s %j', (a, op, b) => {
    expect(c.compare(a, b)).toBe(SIGN[op]);
    expect(c.compare(b, a)).toBe(-SIGN[op] || 0);
    expect(c.compareParsed(c.parse(a), c.parse(b))).toBe(SIGN[op]);
    expect(c.compare(a, a)).toBe(0);
  });

  it.each(INVALID[scheme].length > 0 ? INVALID[scheme] : [null])('rejects %j', (v) => {
    if (v === null) return void expect(scheme).toBe('maven');
    expect(c.valid(v)).toBe(false);
    expect(() => c.parse(v)).toThrow(InvalidVersionError);
    // never silently ordered, on either side
    const ok = ORDER[scheme][0]?.[0] ?? '1';
    expect(() => c.compare(v, ok)).toThrow(InvalidVersionError);
    expect(() => c.compare(ok, v)).toThrow(InvalidVersionError);
  });
});

describe('crates total order', () => {
  it('breaks precedence ties on build metadata only in compareTotal', () => {
    expect(COMPARATORS.crates.compare('1.2.3+23', '1.2.3+42')).toBe(0);
    expect(compareTotal('1.2.3+23', '1.2.3+42')).toBe(-1);
    expect(compareTotal('1.2.3', '1.2.3+0')).toBe(-1);
    expect(compareTotal('1.2.3+1', '1.2.3+01')).toBe(-1);
    expect(compareTotal('1.2.3+1', '1.2.3+a')).toBe(-1);
  });
});

describe('go pseudo-versions', () => {
  it.each([
    ['v0.0.0-20060102150405-abcdef123456', true],
    ['v1.2.4-0.20060102150405-abcdef123456', true],
    ['v1.2.3-pre.0.20060102150405-abcdef123456+incompatible', true],
    ['v1.2.3', false],
    ['v1.2.3-pre', false],
    ['v1.2.3-20060102150405-abcdef123456', false],
    ['v0.0.0-2006010215040-abcdef123456', false],
    ['0.0.0-20060102150405-abcdef123456', false],
  ])('%s -> %s', (v, want) => {
    expect(isPseudoVersion(v)).toBe(want);
  });
});

describe('npm loose versions', () => {
  it('orders node-semver loose spellings and rejects them strictly', () => {
    expect(compareNpm('=1.2.3', 'v 1.2.3', { loose: true })).toBe(0);
    expect(compareNpm('1.2.3beta', '1.2.3-beta', { loose: true })).toBe(0);
    expect(compareNpm('01.2.3', '1.2.3', { loose: true })).toBe(0);
    expect(compareNpm('1.2.34.5', '1.2.3-4.5', { loose: true })).toBe(0);
    expect(() => compareNpm('=1.2.3', '1.2.3')).toThrow(InvalidVersionError);
  });
});

describe('npm satisfies', () => {
  const cases: [string, string, boolean, { loose?: boolean; includePrerelease?: boolean }?][] = [
    ['^1.2.3', '1.9.9', true],
    ['^1.2.3', '2.0.0', false],
    ['^1.2.3', '1.2.2', false],
    ['^1.2.3', '1.2.4-beta', false],
    ['^1.2.3-beta.1', '1.2.3-beta.2', true],
    ['^1.2.3-beta.1', '1.2.4-beta', false],
    ['^0.2.3', '0.2.9', true],
    ['^0.2.3', '0.3.0', false],
    ['^0.0.3', '0.0.4', false],
    ['~1.2', '1.2.9', true],
    ['~1.2', '1.3.0', false],
    ['~1.2.3', '1.2.9', true],
    ['~1', '1.9.0', true],
    ['>=1.0.0 <2.0.0', '1.5.0', true],
    ['>=1.0.0 <2.0.0', '2.0.0', false],
    ['>= 1.0.0 < 2.0.0', '1.0.0', true],
    ['1.x', '1.9.0', true],
    ['1.x', '2.0.0', false],
    ['1.2.x || 2.x', '2.5.0', true],
    ['1.2.x || 2.x', '1.3.0', false],
    ['1.0.0 - 2.0.0', '2.0.0', true],
    ['1.0 - 2.0', '2.0.5', true],
    ['1.0 - 2.0', '2.1.0', false],
    ['<=1.2', '1.2.9', true],
    ['>1.2', '1.2.9', false],
    ['*', '1.0.0-rc.1', false],
    ['*', '1.0.0-rc.1', true, { includePrerelease: true }],
    ['<2.0.0', '2.0.0-rc.1', false],
    ['', '1.0.0', true],
    ['=1.2.3', '1.2.3', true],
    ['^1.2.3+build', '1.3.0', true],
  ];
  it.each(cases)('%j satisfied by %j: %s', (range, version, want, options = {}) => {
    expect(satisfies(version, range, options)).toBe(want);
  });

  it('reports an invalid range or version instead of answering false', () => {
    for (const r of ['>=foo', '1.2.3.4', 'x.1', '^', '>= 1.0.0 ||| 2']) {
      expect(() => satisfies('1.0.0', r)).toThrow(InvalidRangeError);
    }
    expect(() => satisfies('not a version', '*')).toThrow(InvalidVersionError);
  });

  it('desugars ranges as node-semver does', () => {
    const show = (r: string): string[][] =>
      parseRange(r).set.map((s) =>
        s.map((c) => (c.version === null ? '*' : `${c.op}${c.version.major}.${c.version.minor}.${c.version.patch}${c.version.prerelease.length > 0 ? `-${c.version.prerelease.join('.')}` : ''}`)),
      );
    expect(show('^1.2.3')).toEqual([['>=1.2.3', '<2.0.0-0']]);
    expect(show('~1.2')).toEqual([['>=1.2.0', '<1.3.0-0']]);
    expect(show('1.2.3 - 2.3')).toEqual([['>=1.2.3', '<2.4.0-0']]);
    expect(show('* || ^1.0.0')).toEqual([['*']]);
  });
});
