/**
 * npm package versions, as node-semver's `SemVer` class (https://github.com/npm/node-semver,
 * classes/semver.js and internal/re.js), strict by default and with its `loose` option.
 *
 * Strict: after trimming, an optional `v`, `MAJOR.MINOR.PATCH` without leading zeros, an optional
 * `-pre.release` and `+build`; at most 256 characters; each number at most 2^53-1.
 * Loose additionally accepts any run of `v`, `=` and whitespace before the version, leading zeros,
 * and a pre-release without its `-` (`1.2.3beta` is `1.2.3-beta`; a lone `-` is an identifier).
 *
 * Order (`compare`): major, minor, patch, then a release above its pre-releases, then pre-release
 * identifiers (numeric ones by value and below alphanumeric ones, which compare by code unit);
 * build metadata is ignored. Numeric identifiers are compared exactly (node-semver turns those of
 * 2^53 and more into floats).
 */
import { InvalidVersionError } from './errors.ts';
import { allDigits, compareDigits, compareStrings, isCSpaceCode, isDigitCode, isIdentCode } from './numeric.ts';
import type { Ordering } from './types.ts';

const SCHEME = 'semver';
const MAX_LENGTH = 256;

/** node-semver's parse options (only the two that affect versions and ranges). */
export interface NpmOptions {
  readonly loose?: boolean;
  readonly includePrerelease?: boolean;
}

/** A parsed npm version. */
export interface NpmVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** Pre-release identifiers as written (numeric ones keep their digits). */
  readonly prerelease: readonly string[];
  readonly build: readonly string[];
}

/** True for the characters JavaScript's `\s` matches. */
export function isJsSpace(c: number): boolean {
  return (
    isCSpaceCode(c) ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

function fail(v: string, reason: string): never {
  throw new InvalidVersionError(SCHEME, v, reason);
}

/** Reads a run of identifier characters `[0-9A-Za-z-]` from i; returns its end. */
export function identEnd(s: string, i: number): number {
  while (isIdentCode(s.charCodeAt(i))) i++;
  return i;
}

/** Reads dot-separated identifiers from i; returns [ids, end] or null when one is empty. */
export function identifiers(s: string, i: number, strictNumbers: boolean): [string[], number] | null {
  const ids: string[] = [];
  for (;;) {
    const end = identEnd(s, i);
    if (end === i) return null;
    const id = s.slice(i, end);
    if (strictNumbers && id.length > 1 && id.charCodeAt(0) === 48 && allDigits(id)) return null;
    ids.push(id);
    i = end;
    if (s.charCodeAt(i) !== 46) return [ids, i];
    i++;
  }
}

/** Parses an npm version (strict unless `loose`); throws InvalidVersionError like `new SemVer()`. */
export function parseNpm(v: string, options: NpmOptions = {}): NpmVersion {
  const loose = options.loose === true;
  if (v.length > MAX_LENGTH) fail(v, `longer than ${MAX_LENGTH} characters`);
  const s = v.trim();
  let i = 0;
  if (loose) {
    // node-semver's loose prefix [v=\s]*
    while (s.charCodeAt(i) === 118 || s.charCodeAt(i) === 61 || isJsSpace(s.charCodeAt(i))) i++;
  } else if (s.charCodeAt(0) === 118) i++;
  const nums: number[] = [];
  let patchStart = 0;
  for (let k = 0; k < 3; k++) {
    if (k > 0) {
      if (s.charCodeAt(i) !== 46) fail(v, 'expected MAJOR.MINOR.PATCH');
      i++;
    }
    const start = i;
    while (isDigitCode(s.charCodeAt(i))) i++;
    if (i === start) fail(v, 'expected MAJOR.MINOR.PATCH');
    if (!loose && i - start > 1 && s.charCodeAt(start) === 48) fail(v, 'version number has a leading zero');
    patchStart = start;
    nums.push(Number(s.slice(start, i)));
  }
  let tail = scanTail(s, i, loose);
  // Loose: like node-semver's regex, give digits of PATCH back to the pre-release ("1.2.34.5" is 1.2.3-4.5).
  for (let end = i - 1; tail === null && loose && end > patchStart; end--) {
    tail = scanTail(s, end, loose);
    if (tail !== null) nums[2] = Number(s.slice(patchStart, end));
  }
  if (tail === null) fail(v, `invalid pre-release or build ${JSON.stringify(s.slice(i))}`);
  nums.forEach((n, k) => {
    if (n > Number.MAX_SAFE_INTEGER) fail(v, `${['major', 'minor', 'patch'][k] ?? ''} version exceeds 2^53-1`);
  });
  return { major: nums[0] ?? 0, minor: nums[1] ?? 0, patch: nums[2] ?? 0, prerelease: tail[0], build: tail[1] };
}

/**
 * Scans `[-pre][+build]` from i to the end of s (loose: the `-` is optional and a lone `-` may be an
 * identifier). Returns [pre, build] or null when the rest of s is not exactly that.
 */
export function scanTail(s: string, i: number, loose: boolean): [string[], string[]] | null {
  let prerelease: string[] = [];
  const c = s.charCodeAt(i);
  if (c === 45 || (loose && isIdentCode(c))) {
    let r = c === 45 ? identifiers(s, i + 1, !loose) : null;
    if (r === null && loose) r = identifiers(s, i, false);
    if (r === null) return null;
    [prerelease, i] = r;
  }
  let build: string[] = [];
  if (s.charCodeAt(i) === 43) {
    const r = identifiers(s, i + 1, false);
    if (r === null) return null;
    [build, i] = r;
  }
  return i === s.length ? [prerelease, build] : null;
}

/** node-semver's `compareIdentifiers` (numeric below alphanumeric), exact for long numbers. */
function compareIdentifiers(a: string, b: string): Ordering {
  const an = allDigits(a);
  const bn = allDigits(b);
  if (an && bn) return compareDigits(a, b);
  if (an !== bn) return an ? -1 : 1;
  return compareStrings(a, b);
}

/** Orders two parsed npm versions as node-semver's `SemVer#compare` (build ignored). */
export function compareNpmParsed(a: NpmVersion, b: NpmVersion): Ordering {
  if (a.major !== b.major) return a.major < b.major ? -1 : 1;
  if (a.minor !== b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch !== b.patch) return a.patch < b.patch ? -1 : 1;
  const pa = a.prerelease;
  const pb = b.prerelease;
  if (pa.length === 0 || pb.length === 0) return pa.length === pb.length ? 0 : pa.length === 0 ? 1 : -1;
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const x = pa[i] as string;
    const y = pb[i] as string;
    if (x === y) continue;
    const r = compareIdentifiers(x, y);
    if (r !== 0) return r;
  }
  return pa.length === pb.length ? 0 : pa.length < pb.length ? -1 : 1;
}

/** Orders two npm version strings (strict unless `loose`); throws InvalidVersionError. */
export function compareNpm(a: string, b: string, options: NpmOptions = {}): Ordering {
  return compareNpmParsed(parseNpm(a, options), parseNpm(b, options));
}
