/**
 * Debian / Ubuntu package versions, `[epoch:]upstream_version[-debian_revision]`, compared exactly
 * as `dpkg --compare-versions` does (dpkg 1.21, https://git.dpkg.org/cgit/dpkg/dpkg.git:
 * src/main/enquiry.c `cmpversions`, lib/dpkg/parsehelp.c `parseversion`, lib/dpkg/version.c
 * `verrevcmp`).
 *
 * Parsing (`parseversion`): spaces and tabs around the version are ignored; it is an error (dpkg
 * exits 2, airfeed throws InvalidVersionError) for the rest to be empty, to contain a space or tab,
 * for the text before the first `:` not to be a C `strtol` number (`a:1` "epoch in version is
 * empty", `1a:1` "… is not number"), to be negative or above INT_MAX, for nothing to follow the colon,
 * or for the upstream version (`1:-1`) or the revision (`1.0-`) to be empty. The revision is what
 * follows the LAST `-`. dpkg only WARNS, and then compares, when the upstream version does not start
 * with a digit (`a-0`, `٣1.7.0esr-1`), or has a character outside `[A-Za-z0-9.+~:-]` (`3.0!-5`,
 * `0.10.1_-7.2`, `1.0\n`), or the revision one outside `[A-Za-z0-9.+~]`: those are the warnings
 * (dpkg reports the first only, and so does airfeed). `dpkg --compare-versions` reads an empty
 * argument (and `<unknown>`) as "no version", earlier than every version and equal to itself.
 *
 * Order (`dpkg_version_compare`): epochs numerically, then upstream and revision each with
 * `verrevcmp`: alternating non-digit / digit runs; in a non-digit run `~` sorts before everything
 * (even the end), then the end, letters by ASCII code, then every other byte — dpkg works on the
 * UTF-8 bytes, and on amd64 (signed char) a non-ASCII byte sorts by its value between the letters
 * and the ASCII punctuation; digit runs (ASCII 0-9 only) compare as numbers. A missing revision
 * equals "0" (`1.0 == 1.0-0`).
 */
import { acceptedBy, InvalidVersionError, NO_WARNINGS } from './errors.ts';
import { isAlphaCode, isDigitCode } from './numeric.ts';
import type { Comparator, Ordering } from './types.ts';

const SCHEME = 'dpkg';
const INT_MAX = 2147483647;

/**
 * A parsed Debian version. `upstream` and `revision` are the comparable forms: the text itself when
 * it is ASCII, else its UTF-8 bytes as one character each (verrevcmp works on bytes). `blank` is
 * dpkg's "no version" (an empty argument), which sorts below every version.
 */
export interface DpkgVersion {
  readonly blank: boolean;
  readonly epoch: number;
  readonly upstream: string;
  readonly revision: string;
  /** dpkg's parse warning, "" when none. */
  readonly warning: string;
}

const BLANK: DpkgVersion = { blank: true, epoch: 0, upstream: '', revision: '', warning: 'empty version: dpkg --compare-versions reads it as earlier than every version' };

const isBlankCode = (c: number): boolean => c === 32 || c === 9; // C isblank: space, tab
const isCSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);

function fail(v: string, reason: string): never {
  throw new InvalidVersionError(SCHEME, v, reason);
}

/** The form verrevcmp compares: ASCII text as is, other text as its UTF-8 bytes. */
function bytes(s: string, ascii: boolean): string {
  return ascii ? s : Buffer.from(s, 'utf8').toString('latin1');
}

/** C `strtol(s, &end, 10)` from `from`: returns [value, end], end === from when no digits were read. */
function strtol(s: string, from: number): [number, number] {
  let i = from;
  while (isCSpace(s.charCodeAt(i))) i++;
  let neg = false;
  if (s.charCodeAt(i) === 43 || s.charCodeAt(i) === 45) neg = s.charCodeAt(i++) === 45;
  const start = i;
  while (isDigitCode(s.charCodeAt(i))) i++;
  if (i === start) return [0, from];
  // Above INT_MAX is an error either way; keep the magnitude exact enough to say so.
  const n = i - start > 12 ? Infinity : Number(s.slice(start, i));
  return [neg ? -n : n, i];
}

const NON_ASCII = 1;
const BAD_CHAR = 2;

/** One pass over a part: NON_ASCII when a character is outside ASCII, BAD_CHAR when one is outside `[A-Za-z0-9]` and `allowed`. */
function scanPart(s: string, allowed: string): number {
  let flags = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isDigitCode(c) || isAlphaCode(c)) continue;
    if (c >= 128) flags |= NON_ASCII | BAD_CHAR;
    else if (!allowed.includes(s[i] as string)) flags |= BAD_CHAR;
  }
  return flags;
}

/** Parses a Debian version as `dpkg --compare-versions` does (see the module comment). */
export function parseDpkg(v: string): DpkgVersion {
  if (v === '' || v === '<unknown>') return BLANK;
  let start = 0;
  let end = v.length;
  while (start < end && isBlankCode(v.charCodeAt(start))) start++;
  if (start === end) fail(v, 'version string is empty');
  while (isBlankCode(v.charCodeAt(end - 1))) end--;
  for (let i = start; i < end; i++) if (isBlankCode(v.charCodeAt(i))) fail(v, 'version string has embedded spaces');
  let epoch = 0;
  const colon = v.indexOf(':', start);
  if (colon >= 0 && colon < end) {
    const [n, e] = strtol(v, start);
    if (e === start) fail(v, 'epoch in version is empty');
    if (e !== colon) fail(v, 'epoch in version is not number');
    if (n < 0) fail(v, 'epoch in version is negative');
    if (n > INT_MAX) fail(v, 'epoch in version is too big');
    if (colon + 1 === end) fail(v, 'nothing after colon in version number');
    epoch = n === 0 ? 0 : n; // strtol("-0") is 0
    start = colon + 1;
  }
  const hyphen = v.lastIndexOf('-', end - 1);
  const hasRevision = hyphen >= start;
  const upstream = v.slice(start, hasRevision ? hyphen : end);
  const revision = hasRevision ? v.slice(hyphen + 1, end) : '';
  if (hasRevision && revision === '') fail(v, 'revision number is empty');
  if (upstream === '') fail(v, 'version number is empty');
  const u = scanPart(upstream, '.+-:~');
  const r = scanPart(revision, '.+~');
  // dpkg reports the first problem only, in this order.
  const warning = !isDigitCode(upstream.charCodeAt(0))
    ? 'version number does not start with digit'
    : u & BAD_CHAR
      ? 'invalid character in version number'
      : r & BAD_CHAR
        ? 'invalid character in revision number'
        : '';
  return { blank: false, epoch, upstream: bytes(upstream, (u & NON_ASCII) === 0), revision: bytes(revision, (r & NON_ASCII) === 0), warning };
}

/** dpkg's `order()` on a byte: digits and the end 0, `~` -1, letters by code, non-ASCII bytes by value, other ASCII after. */
function order(c: number): number {
  if (Number.isNaN(c) || isDigitCode(c)) return 0;
  if (isAlphaCode(c)) return c;
  if (c === 126) return -1;
  return c >= 128 ? c : c + 256;
}

/** dpkg's `verrevcmp`: compares two upstream versions or two revisions (comparable forms). */
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

/** Orders two parsed Debian versions: no version first, then epoch, upstream, revision. */
export function compareDpkgParsed(a: DpkgVersion, b: DpkgVersion): Ordering {
  if (a.blank || b.blank) return a.blank === b.blank ? 0 : a.blank ? -1 : 1;
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  return verrevcmp(a.upstream, b.upstream) || verrevcmp(a.revision, b.revision);
}

/** dpkg's warning about a version it compares (at most one, as dpkg); throws like parseDpkg. */
export function dpkgWarnings(v: string): readonly string[] {
  const w = parseDpkg(v).warning;
  return w === '' ? NO_WARNINGS : [w];
}

/** The dpkg comparator (registered as scheme `dpkg`). */
export const dpkg: Comparator<DpkgVersion> = {
  scheme: SCHEME,
  parse: parseDpkg,
  compare: (a, b) => compareDpkgParsed(parseDpkg(a), parseDpkg(b)),
  compareParsed: compareDpkgParsed,
  valid: acceptedBy(parseDpkg),
  warnings: dpkgWarnings,
};
