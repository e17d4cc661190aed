/**
 * Pieces of SemVer 2.0.0 (https://semver.org/spec/v2.0.0.html) shared by the go, crates, nuget and
 * npm comparators: the `MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]` scanner and the pre-release
 * precedence rule (numeric identifiers compare numerically and sort before alphanumeric ones,
 * alphanumeric ones compare in ASCII order, a longer list wins when one is a prefix of the other).
 */
import { allDigits, compareDigits, compareStrings, isDigitCode, isIdentCode } from './numeric.ts';
import type { Ordering } from './types.ts';

/** A version split into its SemVer 2.0 parts (numbers kept as digit strings, exact at any size). */
export interface SemverParts {
  readonly major: string;
  readonly minor: string;
  readonly patch: string;
  /** Pre-release identifiers; empty for a release. */
  readonly pre: readonly string[];
  /** Build-metadata identifiers; empty when absent. */
  readonly build: readonly string[];
}

/**
 * Scans `MAJOR.MINOR.PATCH[-PRE][+BUILD]` strictly: numbers without leading zeros, non-empty
 * identifiers of `[0-9A-Za-z-]`, numeric pre-release identifiers without leading zeros. Returns a
 * reason string instead of the parts when the text does not match.
 */
export function scanSemver(s: string): SemverParts | string {
  let i = 0;
  const nums: string[] = [];
  for (let k = 0; k < 3; k++) {
    if (k > 0) {
      if (s.charCodeAt(i) !== 46) return `expected "." after ${['major', 'minor'][k - 1] ?? ''} version`;
      i++;
    }
    const start = i;
    while (isDigitCode(s.charCodeAt(i))) i++;
    if (i === start) return `${['major', 'minor', 'patch'][k] ?? ''} version is not a number`;
    if (i - start > 1 && s.charCodeAt(start) === 48) return `${['major', 'minor', 'patch'][k] ?? ''} version has a leading zero`;
    nums.push(s.slice(start, i));
  }
  let pre: string[] = [];
  let build: string[] = [];
  if (s.charCodeAt(i) === 45) {
    const end = scanIdentifiers(s, i + 1);
    if (end < 0) return 'empty pre-release identifier';
    pre = s.slice(i + 1, end).split('.');
    for (const id of pre) {
      if (id.length > 1 && id.charCodeAt(0) === 48 && allDigits(id)) return `pre-release identifier "${id}" has a leading zero`;
    }
    i = end;
  }
  if (s.charCodeAt(i) === 43) {
    const end = scanIdentifiers(s, i + 1);
    if (end < 0) return 'empty build identifier';
    build = s.slice(i + 1, end).split('.');
    i = end;
  }
  if (i !== s.length) return `unexpected text ${JSON.stringify(s.slice(i))}`;
  return { major: nums[0] ?? '0', minor: nums[1] ?? '0', patch: nums[2] ?? '0', pre, build };
}

/** Scans dot-separated non-empty `[0-9A-Za-z-]+` identifiers from `i`; returns the end index (or -1). */
export function scanIdentifiers(s: string, i: number): number {
  for (;;) {
    const start = i;
    while (isIdentCode(s.charCodeAt(i))) i++;
    if (i === start) return -1;
    if (s.charCodeAt(i) !== 46) return i;
    i++;
  }
}

/** Orders two identifier lists by SemVer pre-release precedence (both non-empty). */
export function comparePrerelease(a: readonly string[], b: readonly string[]): Ordering {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    if (x === y) continue;
    const xn = allDigits(x);
    const yn = allDigits(y);
    if (xn && yn) {
      const r = compareDigits(x, y);
      if (r !== 0) return r;
    } else if (xn) return -1;
    else if (yn) return 1;
    else {
      const r = compareStrings(x, y);
      if (r !== 0) return r;
    }
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** SemVer 2.0 precedence: numbers, then release above pre-release, then pre-release identifiers. */
export function comparePrecedence(a: SemverParts, b: SemverParts): Ordering {
  const r = compareDigits(a.major, b.major) || compareDigits(a.minor, b.minor) || compareDigits(a.patch, b.patch);
  if (r !== 0) return r;
  if (a.pre.length === 0 || b.pre.length === 0) {
    return a.pre.length === b.pre.length ? 0 : a.pre.length === 0 ? 1 : -1;
  }
  return comparePrerelease(a.pre, b.pre);
}
