/**
 * Python package versions, PEP 440 (https://peps.python.org/pep-0440/), as implemented by
 * pypa/packaging's `Version` (src/packaging/version.py, packaging 23): the same accepted spellings
 * (optional `v`; `-`/`_`/`.` separators; `alpha`/`a`, `beta`/`b`, `c`/`pre`/`preview`/`rc`,
 * `post`/`rev`/`r` or a bare `-N`, `dev`; implicit numbers; a separator after a label with no number,
 * `1.0a.` = `1.0a0`) normalised the same way, and the same ordering key (`_cmpkey`): epoch, release
 * without trailing zeros, pre-release (a dev-only release sorts before every pre-release),
 * post-release, dev-release, then the local version label, whose numeric segments sort above
 * alphanumeric ones. `1.0RC1 == 1.0rc1 == 1.0c1`, `1.0 == 1.0.0`.
 *
 * packaging matches its regex with `re.IGNORECASE` on Unicode text and strips `\s` (Python's
 * Unicode whitespace, e.g. U+0085, U+3000) around the version. So, as Python's `re` does, `ı`
 * (U+0131) and `İ` (U+0130) match `i`, `ſ` (U+017F) matches `s` and the Kelvin sign `K` (U+212A)
 * matches `k`: `0.7.18.poſt1` and `1.0prevıew1` are valid. packaging then lower-cases the label
 * with `str.lower()` and normalises only the ASCII spellings, so such a label keeps its own text
 * and sorts by it: `poſt` is a post-release label above `post` (`1.0.poſt0 > 1.0.post9`) and
 * `prevıew` a pre-release label between `b` and `rc`. Those letters are the warnings.
 *
 * The parser is a hand-written scanner equivalent to packaging's VERSION_PATTERN (every alternative
 * in that regex is decided by its first characters, so no backtracking is needed). Numbers are exact.
 */
import { acceptedBy, InvalidVersionError, NO_WARNINGS } from './errors.ts';
import { allDigits, compareNum, compareStrings, isDigitCode, numAt, parseNum } from './numeric.ts';
import type { Num } from './numeric.ts';
import type { Comparator, Ordering } from './types.ts';

const SCHEME = 'pep440';

/** A labelled number (pre- and post-releases): the label lower-cased and normalised as packaging does. */
export interface Pep440Part {
  readonly label: string;
  readonly n: Num;
}

/** A parsed PEP 440 version (normalised). */
export interface Pep440Version {
  readonly epoch: Num;
  /** Release numbers with trailing zeros removed (`1.0.0` -> [1]). */
  readonly release: readonly Num[];
  /** Pre-release: label `a`, `b`, `rc` (or an unnormalised non-ASCII spelling) and number. */
  readonly pre: Pep440Part | null;
  /** Post-release: label `post` (or `poſt`) and number. */
  readonly post: Pep440Part | null;
  readonly dev: Num | null;
  /** Local segments, lower-cased; numeric ones as numbers. Null without a `+local` label. */
  readonly local: readonly (Num | string)[] | null;
}

// Longest spelling first where one is a prefix of another (the regex backtracks to the same result).
const PRE_WORDS = ['alpha', 'a', 'beta', 'b', 'preview', 'pre', 'c', 'rc'] as const;
const PRE_NORMAL: Readonly<Record<string, string>> = { alpha: 'a', beta: 'b', c: 'rc', pre: 'rc', preview: 'rc' };
const POST_WORDS = ['post', 'rev', 'r'] as const;
const DEV_WORDS = ['dev'] as const;

const isSep = (c: number): boolean => c === 45 || c === 95 || c === 46; // - _ .

/** Python's `\s` (str.isspace): C whitespace, U+001C-U+001F, U+0085 and the Unicode spaces. */
function isPySpace(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13) || (c >= 0x1c && c <= 0x1f);
  return c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** Does code unit c match the lower-case ASCII letter l under Python's IGNORECASE? */
function letterIs(c: number, l: number): boolean {
  if (c === l || c === l - 32) return true;
  if (c < 128) return false;
  return l === 105 ? c === 0x131 || c === 0x130 : l === 115 ? c === 0x17f : l === 107 && c === 0x212a;
}

/** `[a-z0-9]` under IGNORECASE: ASCII letters and digits, İ ı ſ K. */
function isLocalChar(c: number): boolean {
  if (c < 128) return isDigitCode(c) || ((c | 32) >= 97 && (c | 32) <= 122);
  return c === 0x130 || c === 0x131 || c === 0x17f || c === 0x212a;
}

function fail(v: string, reason: string): never {
  throw new InvalidVersionError(SCHEME, v, reason);
}

/** Scanner state over the whitespace-stripped version. */
class Scan {
  i = 0;
  constructor(readonly s: string) {}
  code(k = 0): number {
    return this.s.charCodeAt(this.i + k);
  }
  /** Reads a run of digits as an exact number, or null when there is none. */
  digits(): Num | null {
    const start = this.i;
    while (isDigitCode(this.code())) this.i++;
    return this.i > start ? numAt(this.s, start, this.i) : null;
  }
  /** `[-_.]?<number>?` after a label: a separator is consumed even without a number (`1.0a.`). */
  labelNumber(): Num {
    if (isSep(this.code())) this.i++;
    return this.digits() ?? 0;
  }
  /** `[-_.]?<one of words>`: consumes it and returns the label as packaging lower-cases it, or null. */
  word(words: readonly string[]): string | null {
    const at = this.i + (isSep(this.code()) ? 1 : 0);
    for (const w of words) {
      let k = 0;
      let exact = true;
      for (; k < w.length; k++) {
        const c = this.s.charCodeAt(at + k);
        const l = w.charCodeAt(k);
        if (c === l) continue;
        if (!letterIs(c, l)) break;
        exact = false;
      }
      if (k === w.length) {
        this.i = at + k;
        // str.lower(): ASCII, K -> k, İ -> "i̇"; ſ and ı stay as they are.
        return exact ? w : this.s.slice(at, at + k).toLowerCase();
      }
    }
    return null;
  }
}

/** Strips Python whitespace from both ends. */
function pyStrip(v: string): string {
  let a = 0;
  let b = v.length;
  while (a < b && isPySpace(v.charCodeAt(a))) a++;
  while (b > a && isPySpace(v.charCodeAt(b - 1))) b--;
  return a === 0 && b === v.length ? v : v.slice(a, b);
}

/** Parses a PEP 440 version the way `packaging.version.Version` does; throws InvalidVersionError. */
export function parsePep440(v: string): Pep440Version {
  const sc = new Scan(pyStrip(v));
  const s = sc.s;
  if (s === '') fail(v, 'empty version');
  if (letterIs(s.charCodeAt(0), 118)) sc.i++; // optional leading "v"
  let epoch: Num = 0;
  let first = sc.digits();
  if (first === null) fail(v, 'release segment must start with a digit');
  if (sc.code() === 33) {
    // "!" ends the epoch
    epoch = first;
    sc.i++;
    first = sc.digits();
    if (first === null) fail(v, 'release segment must follow the epoch');
  }
  const release: Num[] = [first];
  while (sc.code() === 46 && isDigitCode(sc.code(1))) {
    sc.i++;
    release.push(sc.digits() ?? 0);
  }
  while (release.length > 0 && release[release.length - 1] === 0) release.pop();

  let pre: Pep440Part | null = null;
  const preWord = sc.word(PRE_WORDS);
  if (preWord !== null) pre = { label: PRE_NORMAL[preWord] ?? preWord, n: sc.labelNumber() };

  let post: Pep440Part | null = null;
  if (sc.code() === 45 && isDigitCode(sc.code(1))) {
    sc.i++;
    post = { label: 'post', n: sc.digits() ?? 0 };
  } else {
    const postWord = sc.word(POST_WORDS);
    if (postWord !== null) post = { label: postWord === 'rev' || postWord === 'r' ? 'post' : postWord, n: sc.labelNumber() };
  }

  let dev: Num | null = null;
  if (sc.word(DEV_WORDS) !== null) dev = sc.labelNumber();

  let local: (Num | string)[] | null = null;
  if (sc.code() === 43) {
    // "+" local label: alphanumeric segments separated by - _ .
    local = [];
    do {
      sc.i++;
      const start = sc.i;
      while (isLocalChar(sc.code())) sc.i++;
      if (sc.i === start) fail(v, 'empty segment in local version label');
      const seg = s.slice(start, sc.i);
      local.push(allDigits(seg) ? parseNum(seg) : seg.toLowerCase());
    } while (isSep(sc.code()));
  }
  if (sc.i !== s.length) fail(v, `unexpected text ${JSON.stringify(s.slice(sc.i))}`);
  return { epoch, release, pre, post, dev, local };
}

const FOLDED: Readonly<Record<number, string>> = { 0x130: 'i', 0x131: 'i', 0x17f: 's', 0x212a: 'k' };

/** What is odd about a version packaging accepts: non-ASCII letters it case-folds, non-ASCII spaces it strips. */
export function pep440Warnings(v: string): readonly string[] {
  parsePep440(v);
  let out: string[] | null = null;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 128) continue;
    const ch = JSON.stringify(v[i]);
    const as = FOLDED[c];
    (out ??= []).push(
      as !== undefined
        ? `non-ASCII letter ${ch} at ${i} matches "${as}" (packaging's case-insensitive regex); a label spelt with it keeps its own spelling`
        : `non-ASCII whitespace ${ch} at ${i} is stripped`,
    );
  }
  return out ?? NO_WARNINGS;
}

function compareRelease(a: readonly Num[], b: readonly Num[]): Ordering {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const r = compareNum(a[i] as Num, b[i] as Num);
    if (r !== 0) return r;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** The pre-release part of packaging's `_cmpkey`: dev-only releases first, final releases last. */
function preKey(v: Pep440Version): number {
  if (v.pre !== null) return 0;
  return v.post === null && v.dev !== null ? -1 : 1;
}

function compareLocal(a: Pep440Version['local'], b: Pep440Version['local']): Ordering {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as Num | string;
    const y = b[i] as Num | string;
    const xs = typeof x === 'string';
    const ys = typeof y === 'string';
    // Numeric segments sort above alphanumeric ones.
    const r = xs && ys ? compareStrings(x, y) : xs ? -1 : ys ? 1 : compareNum(x, y);
    if (r !== 0) return r;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Orders two parsed versions by packaging's `_cmpkey`. */
export function comparePep440Parsed(a: Pep440Version, b: Pep440Version): Ordering {
  let r = compareNum(a.epoch, b.epoch) || compareRelease(a.release, b.release);
  if (r !== 0) return r;
  const ka = preKey(a);
  const kb = preKey(b);
  if (ka !== kb) return ka < kb ? -1 : 1;
  if (a.pre !== null && b.pre !== null) {
    // Python compares the (label, number) tuples: "a" < "b" < "rc", other spellings by their text.
    r = compareStrings(a.pre.label, b.pre.label) || compareNum(a.pre.n, b.pre.n);
    if (r !== 0) return r;
  }
  // A missing post-release sorts first, a missing dev-release last.
  if (a.post !== null || b.post !== null) {
    if (a.post === null || b.post === null) return a.post === null ? -1 : 1;
    r = compareStrings(a.post.label, b.post.label) || compareNum(a.post.n, b.post.n);
    if (r !== 0) return r;
  }
  if (a.dev !== b.dev) {
    if (a.dev === null || b.dev === null) return a.dev === null ? 1 : -1;
    r = compareNum(a.dev, b.dev);
    if (r !== 0) return r;
  }
  return compareLocal(a.local, b.local);
}

/** The PEP 440 comparator (registered as scheme `pep440`). */
export const pep440: Comparator<Pep440Version> = {
  scheme: SCHEME,
  parse: parsePep440,
  compare: (a, b) => comparePep440Parsed(parsePep440(a), parsePep440(b)),
  compareParsed: comparePep440Parsed,
  valid: acceptedBy(parsePep440),
  warnings: pep440Warnings,
};
