/**
 * The text clean-up node-semver applies to a range before splitting it into comparators
 * (classes/range.js `parseRange` and internal/trim-comparator-whitespace.js): build metadata is
 * removed, the space between an operator and its version is removed (`> 1.2.3` -> `>1.2.3`,
 * `~ 1.2` -> `~1.2`, `^ 1.2` -> `^1.2`). Reproducing exactly which space node-semver removes keeps
 * odd-but-accepted ranges (`~= 1.2`, `< =1`) meaning what they mean to npm.
 */
import { isAlphaCode, isDigitCode } from './numeric.ts';
import { identEnd, isJsSpace } from './npm-version.ts';

const isPrefix = (c: number): boolean => c === 118 || c === 61 || isJsSpace(c); // v = or space
const isStart = (c: number): boolean => isDigitCode(c) || c === 120 || c === 88 || c === 42; // digit x X *

function digitsEnd(s: string, i: number): number {
  while (isDigitCode(s.charCodeAt(i))) i++;
  return i;
}

/** A version number: strict reads a single leading "0" only. */
function numberEnd(s: string, i: number, loose: boolean): number {
  if (!isDigitCode(s.charCodeAt(i))) return i;
  return !loose && s.charCodeAt(i) === 48 ? i + 1 : digitsEnd(s, i);
}

/** One pre-release identifier: an alphanumeric one first, else a number. */
function preIdEnd(s: string, i: number, loose: boolean): number {
  const d = digitsEnd(s, i);
  const c = s.charCodeAt(d);
  if (isAlphaCode(c) || c === 45) return identEnd(s, d + 1);
  return numberEnd(s, i, loose);
}

/** `-pre.release` (loose: the `-` is optional and may itself be the first identifier). */
function preEnd(s: string, i: number, loose: boolean): number {
  const hyphen = s.charCodeAt(i) === 45;
  if (!loose && !hyphen) return i;
  const start = i + (hyphen ? 1 : 0);
  let e = preIdEnd(s, start, loose);
  if (e === start) {
    if (!loose || !hyphen) return i;
    e = preIdEnd(s, i, loose);
  }
  while (s.charCodeAt(e) === 46) {
    const n = preIdEnd(s, e + 1, loose);
    if (n === e + 1) break;
    e = n;
  }
  return e;
}

/** `+build.metadata`, or i when absent. */
function buildEnd(s: string, i: number): number {
  if (s.charCodeAt(i) !== 43) return i;
  let e = identEnd(s, i + 1);
  if (e === i + 1) return i;
  while (s.charCodeAt(e) === 46 && identEnd(s, e + 1) > e + 1) e = identEnd(s, e + 1);
  return e;
}

/** Where a version starting at i ends: a loose full version, else a partial/x version. */
function versionEnd(s: string, i: number): number {
  let e = i;
  for (let k = 0; k < 3 && e >= 0; k++) {
    const n = numberEnd(s, e, true);
    if (n === e || (k < 2 && s.charCodeAt(n) !== 46)) e = -1;
    else e = k < 2 ? n + 1 : n;
  }
  if (e >= 0) return buildEnd(s, preEnd(s, e, true));
  const comp = (j: number): number => (isDigitCode(s.charCodeAt(j)) ? numberEnd(s, j, false) : isStart(s.charCodeAt(j)) ? j + 1 : j);
  e = comp(i);
  for (let k = 0; k < 2; k++) {
    if (s.charCodeAt(e) !== 46) return e;
    const n = comp(e + 1);
    if (n === e + 1) return e;
    e = n;
  }
  return buildEnd(s, preEnd(s, e, false));
}

/** node-semver's trimComparatorWhitespace: drops the one space after `<`/`>`/`=` before a version. */
export function trimComparatorWhitespace(s: string): string {
  let out = '';
  let from = 0;
  let cur = 0;
  while (cur < s.length) {
    const start = cur;
    const c = s.charCodeAt(cur);
    if (c === 60 || c === 62) cur++;
    else if (!isPrefix(c) && !isStart(c)) {
      cur++;
      continue;
    }
    while (cur < s.length && isPrefix(s.charCodeAt(cur))) cur++;
    if (!isStart(s.charCodeAt(cur))) continue;
    let p = start;
    if (isJsSpace(s.charCodeAt(p))) p++;
    if (s.charCodeAt(p) === 60 || s.charCodeAt(p) === 62) p++;
    if (s.charCodeAt(p) === 61) p++;
    if (isJsSpace(s.charCodeAt(p))) {
      out += s.slice(from, p);
      from = p + 1;
    }
    cur = versionEnd(s, cur);
  }
  return out + s.slice(from);
}

/** Removes every `+build` (node-semver strips `\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*` from ranges). */
export function stripBuild(s: string): string {
  let out = '';
  let from = 0;
  for (let i = s.indexOf('+'); i >= 0; i = s.indexOf('+', i + 1)) {
    const end = buildEnd(s, i);
    if (end === i) continue;
    out += s.slice(from, i);
    from = end;
    i = end - 1;
  }
  return from === 0 ? s : out + s.slice(from);
}

/** The whole clean-up for one `||` alternative (after any hyphen range has been handled). */
export function normalizeAlternative(alt: string): string {
  return trimComparatorWhitespace(alt).replace(/~>?\s/g, '~').replace(/\^\s/g, '^');
}
