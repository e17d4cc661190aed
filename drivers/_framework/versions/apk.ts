/**
 * Alpine (apk) package versions: `{digit}{.digit}...{letter}{_suffix{#}}...{-r#}`.
 *
 * A port of apk-tools 2.x `src/version.c` (`get_token` / `next_token` /
 * `apk_version_compare_blob_fuzzy`, https://gitlab.alpinelinux.org/alpine/apk-tools, branch
 * 2.14-stable): the secdb data airfeed matches was written against apk-tools 2, so its semantics are
 * followed where apk-tools 3 differs (v3 compares zero-padded components as strings and knows a
 * `~hash` token; see the README of the reference vectors).
 *
 * The version is read as a stream of typed tokens; a component after `.` that starts with zeros
 * first yields a token worth minus its extra zeros, then a plain digit token (so `1.0.05 < 1.0.4`,
 * `1.00 < 1.0` and `8.2.0 > 8.2.001`, where apk-tools 3 says `<`); suffixes `_alpha _beta _pre _rc` sort below the bare version, `_cvs _svn _git _hg _p`
 * above it. Token values are compared exactly (apk-tools uses a C int, which overflows on the
 * 14-digit snapshot dates some packages use).
 *
 * Valid versions are exactly those apk-tools' `apk_version_validate` accepts. That includes the
 * empty string (it compares like "0") and a version made of one letter, optionally followed by
 * digits (`a`, `a1`): apk-tools accepts and orders them, airfeed does too and warns. A NUL character
 * ends the version for apk-tools (it works on C strings), and so it does here.
 */
import { acceptedBy, InvalidVersionError, NO_WARNINGS } from './errors.ts';
import { compareDigitRuns, isDigitCode } from './numeric.ts';
import type { Comparator, Ordering } from './types.ts';

const SCHEME = 'apk';

// Token types, in apk-tools' order: the order is significant when one version runs out first.
const INVALID = -1;
const DIGIT_OR_ZERO = 0;
const DIGIT = 1;
const LETTER = 2;
const SUFFIX = 3;
const SUFFIX_NO = 4;
const REVISION_NO = 5;
const END = 6;

const PRE_SUFFIXES = ['alpha', 'beta', 'pre', 'rc'] as const;
const POST_SUFFIXES = ['cvs', 'svn', 'git', 'hg', 'p'] as const;

const isLowerCode = (c: number): boolean => c >= 97 && c <= 122;

/**
 * A cursor over one version string (apk-tools' blob + token type). After `next()`, the token's
 * value is either the digit run s[runStart..runEnd) (when `isRun`) or the small integer `num`.
 */
class Cursor {
  s = '';
  pos = 0;
  type = DIGIT;
  isRun = false;
  runStart = 0;
  runEnd = 0;
  num = 0;

  reset(s: string): this {
    this.s = s;
    this.pos = 0;
    this.type = DIGIT;
    this.isRun = false;
    this.num = 0;
    return this;
  }

  /** apk `next_token`: classifies the next token from the separator at the cursor. */
  private classify(): void {
    const s = this.s;
    const c = s.charCodeAt(this.pos);
    const t = this.type;
    let n = INVALID;
    if (this.pos >= s.length || c === 0) n = END;
    else if ((t === DIGIT || t === DIGIT_OR_ZERO) && isLowerCode(c)) n = LETTER;
    else if (t === LETTER && isDigitCode(c)) n = DIGIT;
    else if (t === SUFFIX && isDigitCode(c)) n = SUFFIX_NO;
    else {
      if (c === 46) n = DIGIT_OR_ZERO; // '.'
      else if (c === 95) n = SUFFIX; // '_'
      else if (c === 45 && s.charCodeAt(this.pos + 1) === 114) {
        n = REVISION_NO; // "-r"
        this.pos++;
      }
      this.pos++;
    }
    if (n < t && !((n === DIGIT_OR_ZERO && t === DIGIT) || (n === SUFFIX && t === SUFFIX_NO) || (n === DIGIT && t === LETTER))) {
      n = INVALID;
    }
    this.type = n;
  }

  /** apk `get_token`: reads the token of the current type, then classifies the following one. */
  next(): void {
    const s = this.s;
    const len = s.length;
    this.isRun = false;
    this.num = 0;
    if (this.pos >= len) {
      this.type = END;
      return;
    }
    let i = this.pos;
    let afterType = INVALID;
    const t = this.type;
    if (t === DIGIT_OR_ZERO && s.charCodeAt(i) === 48) {
      // Leading zeros after '.' are a token of their own worth minus their count, except the last
      // zero, which stays with the digit token that follows ("001" reads as -1 then 1, "0" as 0
      // then 0). Older apk-tools counted every zero, which made "6.0_pre1" > "6.0"; 2.14's test
      // data says "<", and this is the reading that satisfies it while keeping every other pair
      // of the 2.14 data and e.g. "9.0_p1-r0" > "9.0-r5" (reconstructed from the test data).
      while (i + 1 < len && s.charCodeAt(i + 1) === 48) i++;
      this.num = this.pos - i;
      afterType = DIGIT;
    } else if (t === DIGIT_OR_ZERO || t === DIGIT || t === SUFFIX_NO || t === REVISION_NO) {
      while (i < len && isDigitCode(s.charCodeAt(i))) i++;
      this.isRun = true;
      this.runStart = this.pos;
      this.runEnd = i;
    } else if (t === LETTER) {
      this.num = s.charCodeAt(i++);
    } else if (t === SUFFIX) {
      const v = matchSuffix(s, i);
      if (v === null) {
        this.type = INVALID;
        return;
      }
      this.num = v.value;
      i += v.length;
    } else {
      this.type = INVALID;
      return;
    }
    this.pos = i;
    if (i >= len) this.type = END;
    else if (afterType !== INVALID) this.type = afterType;
    else this.classify();
  }
}

/** Matches a suffix name at s[i]: pre-release ones are negative, post-release ones non-negative. */
function matchSuffix(s: string, i: number): { value: number; length: number } | null {
  for (let k = 0; k < PRE_SUFFIXES.length; k++) {
    const name = PRE_SUFFIXES[k] as string;
    if (s.startsWith(name, i)) return { value: k - PRE_SUFFIXES.length, length: name.length };
  }
  for (let k = 0; k < POST_SUFFIXES.length; k++) {
    const name = POST_SUFFIXES[k] as string;
    if (s.startsWith(name, i)) return { value: k, length: name.length };
  }
  return null;
}

/** Orders the values of the current tokens of two cursors. */
function compareValues(a: Cursor, b: Cursor): Ordering {
  if (a.isRun && b.isRun) return compareDigitRuns(a.s, a.runStart, a.runEnd, b.s, b.runStart, b.runEnd);
  const av = a.isRun ? runValue(a) : a.num;
  const bv = b.isRun ? runValue(b) : b.num;
  return av < bv ? -1 : av > bv ? 1 : 0;
}

/** A digit run as a number; runs too long for a double only ever meet small values here. */
function runValue(c: Cursor): number {
  return c.runEnd - c.runStart > 15 ? Number.MAX_VALUE : Number(c.s.slice(c.runStart, c.runEnd) || '0');
}

const CA = new Cursor();
const CB = new Cursor();

/** apk-tools' comparison loop over two (already validated) version strings. */
function compareTokens(a: string, b: string): Ordering {
  const ta = CA.reset(a);
  const tb = CB.reset(b);
  let r: Ordering = 0;
  while (ta.type === tb.type && ta.type !== END && ta.type !== INVALID && r === 0) {
    ta.next();
    tb.next();
    r = compareValues(ta, tb);
  }
  if (r !== 0) return r;
  if (ta.type === tb.type) return 0;
  // Equal so far and one version continues: it is newer unless what follows is a pre-release suffix.
  if (ta.type === SUFFIX && (matchSuffix(a, ta.pos)?.value ?? -1) < 0) return -1;
  if (tb.type === SUFFIX && (matchSuffix(b, tb.pos)?.value ?? -1) < 0) return 1;
  return ta.type > tb.type ? -1 : 1;
}

/**
 * apk-tools' own order for any two strings, valid or not: where a version stops tokenizing, apk-tools
 * compares what it has read so far. The Alpine driver needs this to pick the lowest of several fixed
 * versions in upstream data, which holds a few versions apk-tools itself calls invalid
 * (`10.0.11-0`, `2021-03-27-r5`); matching uses the strict comparator, which reports them.
 */
export function compareApkLenient(a: string, b: string): Ordering {
  return compareTokens(a, b);
}

/** A validated apk version (the string itself; apk compares token streams on the fly). */
export interface ApkVersion {
  readonly version: string;
}

function fail(v: string, reason: string): never {
  throw new InvalidVersionError(SCHEME, v, reason);
}

/** Validates an apk version: apk-tools' tokenizer must reach the end without an invalid token. */
export function parseApk(v: string): ApkVersion {
  const c = CA.reset(v);
  while (c.type !== END && c.type !== INVALID) c.next();
  if (c.type === INVALID) fail(v, `unexpected text at ${JSON.stringify(v.slice(Math.max(0, c.pos - 1)))}`);
  return { version: v };
}

/** What is odd about a version apk-tools accepts: empty, or not starting with a digit. */
export function apkWarnings(v: string): readonly string[] {
  parseApk(v);
  if (v === '' || v.charCodeAt(0) === 0) return ['empty version (apk-tools compares it like "0")'];
  if (!isDigitCode(v.charCodeAt(0))) return ['does not start with a digit (apk-tools reads the first letter as a letter token)'];
  return NO_WARNINGS;
}

/** Orders two validated apk versions. */
export function compareApkParsed(a: ApkVersion, b: ApkVersion): Ordering {
  return compareTokens(a.version, b.version);
}

/** The apk comparator (registered as scheme `apk`). */
export const apk: Comparator<ApkVersion> = {
  scheme: SCHEME,
  parse: parseApk,
  compare: (a, b) => compareTokens(parseApk(a).version, parseApk(b).version),
  compareParsed: compareApkParsed,
  valid: acceptedBy(parseApk),
  warnings: apkWarnings,
};
