/**
 * Debian / Ubuntu package versions, `[epoch:]upstream_version[-debian_revision]`.
 *
 * Ordering follows dpkg's `verrevcmp` in lib/dpkg/version.c
 * (https://git.dpkg.org/cgit/dpkg/dpkg.git/tree/lib/dpkg/version.c): epochs numerically, then the
 * upstream version and the revision each as alternating non-digit / digit runs, where in a
 * non-digit run `~` sorts before everything (even the end of the string), letters before
 * non-letters, and digit runs compare as numbers. A missing revision equals "0" (`1.0 == 1.0-0`).
 *
 * Validity follows dpkg's `parseversion` (lib/dpkg/parsehelp.c): surrounding whitespace is
 * ignored; it is an error for the version to be empty, to contain whitespace, to have an empty,
 * non-numeric or too big (> INT_MAX) epoch, nothing after the colon, an empty upstream version or
 * an empty revision. dpkg only warns about characters outside `[A-Za-z0-9.+~:-]` (upstream) and
 * `[A-Za-z0-9.+~]` (revision); Debian policy says a version "must" use only those, so airfeed
 * rejects them. An upstream version that does not start with a digit is only a "should" in policy
 * (dpkg warns and compares it, APT's tests order `a-0 < b-0`), so it is accepted.
 */
import { acceptedBy, InvalidVersionError } from './errors.ts';
import { isAlphaCode, isCSpaceCode, isDigitCode, trimCSpace } from './numeric.ts';
import type { Comparator, Ordering } from './types.ts';

const SCHEME = 'dpkg';
const INT_MAX = 2147483647;

/** A parsed Debian version. `revision` is "" when the version has none. */
export interface DpkgVersion {
  readonly epoch: number;
  readonly upstream: string;
  readonly revision: string;
}

function fail(v: string, reason: string): never {
  throw new InvalidVersionError(SCHEME, v, reason);
}

/** Parses and validates a Debian version (see the module comment for the rules). */
export function parseDpkg(v: string): DpkgVersion {
  const s = trimCSpace(v);
  if (s === '') fail(v, 'version string is empty');
  for (let i = 0; i < s.length; i++) {
    if (isCSpaceCode(s.charCodeAt(i))) fail(v, 'version string has embedded spaces');
  }
  let epoch = 0;
  let rest = s;
  const colon = s.indexOf(':');
  if (colon >= 0) {
    if (colon === 0) fail(v, 'epoch in version is empty');
    for (let i = 0; i < colon; i++) {
      if (!isDigitCode(s.charCodeAt(i))) fail(v, 'epoch in version is not number');
    }
    epoch = Number(s.slice(0, colon));
    if (epoch > INT_MAX) fail(v, 'epoch in version is too big');
    rest = s.slice(colon + 1);
    if (rest === '') fail(v, 'nothing after colon in version number');
  }
  const hyphen = rest.lastIndexOf('-');
  const upstream = hyphen >= 0 ? rest.slice(0, hyphen) : rest;
  const revision = hyphen >= 0 ? rest.slice(hyphen + 1) : '';
  if (hyphen >= 0 && revision === '') fail(v, 'revision number is empty');
  if (upstream === '') fail(v, 'version number is empty');
  for (let i = 0; i < upstream.length; i++) {
    const c = upstream.charCodeAt(i);
    // . + - : ~
    if (!isDigitCode(c) && !isAlphaCode(c) && c !== 46 && c !== 43 && c !== 45 && c !== 58 && c !== 126) {
      fail(v, `invalid character ${JSON.stringify(upstream[i])} in version number`);
    }
  }
  for (let i = 0; i < revision.length; i++) {
    const c = revision.charCodeAt(i);
    if (!isDigitCode(c) && !isAlphaCode(c) && c !== 46 && c !== 43 && c !== 126) {
      fail(v, `invalid character ${JSON.stringify(revision[i])} in revision number`);
    }
  }
  return { epoch, upstream, revision };
}

/** dpkg's `order()`: digits and the end sort 0, `~` -1, letters by code, anything else after letters. */
function order(c: number): number {
  if (Number.isNaN(c) || isDigitCode(c)) return 0;
  if (isAlphaCode(c)) return c;
  if (c === 126) return -1;
  return c + 256;
}

/** dpkg's `verrevcmp`: compares two upstream versions or two revisions. */
export function verrevcmp(a: string, b: string): Ordering {
  let i = 0;
  let j = 0;
  const la = a.length;
  const lb = b.length;
  while (i < la || j < lb) {
    // Non-digit prefix, character by character (charCodeAt past the end is NaN, i.e. order 0).
    while ((i < la && !isDigitCode(a.charCodeAt(i))) || (j < lb && !isDigitCode(b.charCodeAt(j)))) {
      const ac = order(a.charCodeAt(i));
      const bc = order(b.charCodeAt(j));
      if (ac !== bc) return ac < bc ? -1 : 1;
      i++;
      j++;
    }
    while (a.charCodeAt(i) === 48) i++;
    while (b.charCodeAt(j) === 48) j++;
    let firstDiff = 0;
    while (isDigitCode(a.charCodeAt(i)) && isDigitCode(b.charCodeAt(j))) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigitCode(a.charCodeAt(i))) return 1;
    if (isDigitCode(b.charCodeAt(j))) return -1;
    if (firstDiff !== 0) return firstDiff < 0 ? -1 : 1;
  }
  return 0;
}

/** Orders two parsed Debian versions: epoch, then upstream, then revision. */
export function compareDpkgParsed(a: DpkgVersion, b: DpkgVersion): Ordering {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  return verrevcmp(a.upstream, b.upstream) || verrevcmp(a.revision, b.revision);
}

/** The dpkg comparator (registered as scheme `dpkg`). */
export const dpkg: Comparator<DpkgVersion> = {
  scheme: SCHEME,
  parse: parseDpkg,
  compare: (a, b) => compareDpkgParsed(parseDpkg(a), parseDpkg(b)),
  compareParsed: compareDpkgParsed,
  valid: acceptedBy(parseDpkg),
};
