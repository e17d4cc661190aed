/**
 * RubyGems versions, as `Gem::Version` (rubygems lib/rubygems/version.rb,
 * https://github.com/rubygems/rubygems/blob/master/lib/rubygems/version.rb).
 *
 * Valid: `Gem::Version.correct?`, i.e. optional surrounding whitespace around
 * `[0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?`; an empty or blank string is version
 * "0". Every `-` reads as `.pre.` (`1.0.0-rc1` is `1.0.0.pre.rc1`).
 *
 * Order (`Gem::Version#<=>`): the version splits into numeric and letter segments
 * (`1.0.b1` -> 1, 0, "b", 1); the "canonical segments" drop trailing zeros from the numeric part
 * before the first letter segment and from the rest; then segments compare pairwise, a missing
 * one counting as 0, a letter segment sorting below any number (so `1.0.a < 1.0`), numbers
 * numerically and letters byte-wise.
 */
import { acceptedBy, InvalidVersionError, NO_WARNINGS } from './errors.ts';
import { compareNum, compareStrings, isAlphaCode, isDigitCode, isIdentCode, numAt, trimCSpace } from './numeric.ts';
import type { Num } from './numeric.ts';
import type { Comparator, Ordering } from './types.ts';

const SCHEME = 'gem';

/** A parsed gem version: its canonical segments. */
export interface GemVersion {
  readonly segments: readonly (Num | string)[];
  /** True when the version has a letter segment (a RubyGems prerelease). */
  readonly prerelease: boolean;
}

function fail(v: string, reason: string): never {
  throw new InvalidVersionError(SCHEME, v, reason);
}

/** Checks `Gem::Version::ANCHORED_VERSION_PATTERN` on the stripped string. */
function checkPattern(v: string, s: string): void {
  let i = 0;
  if (!isDigitCode(s.charCodeAt(0))) fail(v, 'must start with a digit');
  while (isDigitCode(s.charCodeAt(i))) i++;
  while (s.charCodeAt(i) === 46) {
    const start = ++i;
    while (isDigitCode(s.charCodeAt(i)) || isAlphaCode(s.charCodeAt(i))) i++;
    if (i === start) fail(v, 'empty segment after "."');
  }
  if (s.charCodeAt(i) === 45) {
    do {
      const start = ++i;
      while (isIdentCode(s.charCodeAt(i))) i++;
      if (i === start) fail(v, 'empty prerelease segment');
    } while (s.charCodeAt(i) === 46);
  }
  if (i !== s.length) fail(v, `unexpected character ${JSON.stringify(s[i])}`);
}

/** Drops trailing numeric zeros from segs[from..to). */
function trimZeros(segs: (Num | string)[], from: number, to: number): (Num | string)[] {
  while (to > from && segs[to - 1] === 0) to--;
  return segs.slice(from, to);
}

/** Parses a gem version into canonical segments; throws InvalidVersionError. */
export function parseGem(v: string): GemVersion {
  const s = trimCSpace(v);
  if (s === '') return { segments: [], prerelease: false }; // blank means "0"
  checkPattern(v, s);
  // Segments of "<s with - replaced by .pre.>": runs of digits and runs of letters.
  const segs: (Num | string)[] = [];
  let firstString = -1;
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    if (c === 45) {
      if (firstString < 0) firstString = segs.length;
      segs.push('pre');
      i++;
    } else if (isDigitCode(c)) {
      const start = i;
      while (isDigitCode(s.charCodeAt(i))) i++;
      segs.push(numAt(s, start, i));
    } else if (isAlphaCode(c)) {
      const start = i;
      while (isAlphaCode(s.charCodeAt(i))) i++;
      if (firstString < 0) firstString = segs.length;
      segs.push(s.slice(start, i));
    } else i++;
  }
  if (firstString < 0) return { segments: trimZeros(segs, 0, segs.length), prerelease: false };
  const segments = trimZeros(segs, 0, firstString).concat(trimZeros(segs, firstString, segs.length));
  return { segments, prerelease: true };
}

/** `Gem::Version#<=>` on canonical segments. */
export function compareGemParsed(a: GemVersion, b: GemVersion): Ordering {
  const la = a.segments;
  const lb = b.segments;
  const n = Math.max(la.length, lb.length);
  for (let i = 0; i < n; i++) {
    const x = la[i] ?? 0;
    const y = lb[i] ?? 0;
    const xs = typeof x === 'string';
    const ys = typeof y === 'string';
    if (xs && ys) {
      const r = compareStrings(x, y);
      if (r !== 0) return r;
    } else if (xs) return -1;
    else if (ys) return 1;
    else {
      const r = compareNum(x, y);
      if (r !== 0) return r;
    }
  }
  return 0;
}

/** What RubyGems accepts silently but is odd: a blank version (it means "0"), surrounding white space. */
export function gemWarnings(v: string): readonly string[] {
  parseGem(v);
  const s = trimCSpace(v);
  if (s === '') return ['blank version (RubyGems reads it as "0")'];
  return s === v ? NO_WARNINGS : ['surrounding white space is ignored (RubyGems strips it)'];
}

/** The RubyGems comparator (registered as scheme `gem`). */
export const gem: Comparator<GemVersion> = {
  scheme: SCHEME,
  parse: parseGem,
  compare: (a, b) => compareGemParsed(parseGem(a), parseGem(b)),
  compareParsed: compareGemParsed,
  valid: acceptedBy(parseGem),
  warnings: gemWarnings,
};
