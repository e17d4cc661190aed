/**
 * Python package versions, PEP 440 (https://peps.python.org/pep-0440/), as implemented by
 * pypa/packaging's `Version` (src/packaging/version.py): the same accepted spellings (case
 * insensitive; optional `v`; `-`/`_`/`.` separators; `alpha`/`a`, `beta`/`b`, `c`/`pre`/`preview`/`rc`,
 * `post`/`rev`/`r` or a bare `-N`, `dev`; implicit numbers) normalised the same way, and the same
 * ordering key (`_cmpkey`): epoch, release without trailing zeros, pre-release (a dev-only release
 * sorts before every pre-release), post-release, dev-release, then the local version label, whose
 * numeric segments sort above alphanumeric ones. `1.0RC1 == 1.0rc1 == 1.0c1`, `1.0 == 1.0.0`.
 *
 * The parser is a hand-written scanner equivalent to packaging's VERSION_PATTERN (every alternative
 * in that regex is decided by its first characters, so no backtracking is needed). Numbers are exact.
 */
import { acceptedBy, InvalidVersionError } from './errors.ts';
import { allDigits, compareNum, compareStrings, isDigitCode, numAt, parseNum } from './numeric.ts';
import type { Num } from './numeric.ts';
import type { Comparator, Ordering } from './types.ts';

const SCHEME = 'pep440';

/** Pre-release phase, normalised: a < b < rc. */
export type PreLabel = 'a' | 'b' | 'rc';

/** A parsed PEP 440 version (normalised). */
export interface Pep440Version {
  readonly epoch: Num;
  /** Release numbers with trailing zeros removed (`1.0.0` -> [1]). */
  readonly release: readonly Num[];
  readonly pre: { readonly label: PreLabel; readonly n: Num } | null;
  readonly post: Num | null;
  readonly dev: Num | null;
  /** Local segments, lower-cased; numeric ones as numbers. Null without a `+local` label. */
  readonly local: readonly (Num | string)[] | null;
}

const PRE_SPELLINGS: readonly (readonly [string, PreLabel])[] = [
  ['alpha', 'a'],
  ['a', 'a'],
  ['beta', 'b'],
  ['b', 'b'],
  ['preview', 'rc'],
  ['pre', 'rc'],
  ['c', 'rc'],
  ['rc', 'rc'],
];
const PRE_WORDS = PRE_SPELLINGS.map((p) => p[0]);
const POST_SPELLINGS = ['post', 'rev', 'r'] as const;
const PRE_RANK: Record<PreLabel, number> = { a: 0, b: 1, rc: 2 };

const isSep = (c: number): boolean => c === 45 || c === 95 || c === 46; // - _ .
const isLocalChar = (c: number): boolean => isDigitCode(c) || (c >= 97 && c <= 122);

function fail(v: string, reason: string): never {
  throw new InvalidVersionError(SCHEME, v, reason);
}

/** Scanner state over the lower-cased, trimmed version. */
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
  /** `[-_.]?<number>`: consumes the separator only when digits follow it. */
  optNumber(): Num | null {
    const sep = isSep(this.code()) && isDigitCode(this.code(1)) ? 1 : 0;
    if (!isDigitCode(this.code(sep))) return null;
    this.i += sep;
    return this.digits() ?? 0;
  }
  /** `[-_.]?<one of words>`: consumes and returns the matched word, or null. */
  optWord(words: readonly string[]): string | null {
    const sep = isSep(this.code()) ? 1 : 0;
    for (const w of words) {
      if (this.s.startsWith(w, this.i + sep)) {
        this.i += sep + w.length;
        return w;
      }
    }
    return null;
  }
}

/** Parses a PEP 440 version the way `packaging.version.Version` does; throws InvalidVersionError. */
export function parsePep440(v: string): Pep440Version {
  const sc = new Scan(v.trim().toLowerCase());
  const s = sc.s;
  if (s === '') fail(v, 'empty version');
  if (s.charCodeAt(0) === 118) sc.i++; // optional leading "v"
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

  let pre: Pep440Version['pre'] = null;
  const preStart = sc.i;
  const preWord = sc.optWord(PRE_WORDS);
  if (preWord !== null) {
    const label = PRE_SPELLINGS.find((p) => p[0] === preWord)?.[1] ?? 'rc';
    pre = { label, n: sc.optNumber() ?? 0 };
  } else sc.i = preStart;

  let post: Num | null = null;
  if (sc.code() === 45 && isDigitCode(sc.code(1))) {
    sc.i++;
    post = sc.digits() ?? 0;
  } else {
    const postStart = sc.i;
    if (sc.optWord(POST_SPELLINGS) !== null) post = sc.optNumber() ?? 0;
    else sc.i = postStart;
  }

  let dev: Num | null = null;
  const devStart = sc.i;
  if (sc.optWord(['dev']) !== null) dev = sc.optNumber() ?? 0;
  else sc.i = devStart;

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
      local.push(allDigits(seg) ? parseNum(seg) : seg);
    } while (isSep(sc.code()));
  }
  if (sc.i !== s.length) fail(v, `unexpected text ${JSON.stringify(s.slice(sc.i))}`);
  return { epoch, release, pre, post, dev, local };
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
    r = compareNum(PRE_RANK[a.pre.label], PRE_RANK[b.pre.label]) || compareNum(a.pre.n, b.pre.n);
    if (r !== 0) return r;
  }
  // A missing post-release sorts first, a missing dev-release last.
  if (a.post !== b.post) {
    if (a.post === null || b.post === null) return a.post === null ? -1 : 1;
    r = compareNum(a.post, b.post);
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
};
