/**
 * RPM versions as `[epoch:]version[-release]` (EVR strings, as in RHEL/SUSE/Amazon advisories).
 *
 * Each part is ordered by rpm's `rpmvercmp` (rpmio/rpmvercmp.c,
 * https://github.com/rpm-software-management/rpm/blob/master/rpmio/rpmvercmp.c): the strings are
 * split into maximal ASCII-digit and ASCII-letter segments, everything else being a separator;
 * `~` sorts before anything (even the end), `^` after the end but before any further segment;
 * digit segments compare as numbers, letter segments by byte, and a digit segment beats a letter
 * one. EVR order is epoch (missing = 0), then version, then release. rpm itself skips the release
 * when either side lacks one; airfeed's decision is that a missing release sorts below any present
 * one (`1.0 < 1.0-1`), so "fixed in 1.0-1" never matches an installed release-less 1.0 as fixed.
 *
 * Invalid (rpm accepts nearly anything; these are airfeed's rules): an empty string; characters
 * outside printable ASCII (whitespace, control, non-ASCII); an epoch that is not a non-empty run of
 * digits; a second `:`; more than one `-` (rpm forbids `-` inside version and release); an empty
 * version or release.
 */
import { acceptedBy, InvalidVersionError } from './errors.ts';
import { compareDigitRuns, firstNonPrintable, isAlphaCode, isDigitCode } from './numeric.ts';
import type { Comparator, Ordering } from './types.ts';

const SCHEME = 'rpm';
const TILDE = 126;
const CARET = 94;

/** A parsed EVR. `epoch` is "" when absent (compares as 0); `release` is null when absent. */
export interface RpmVersion {
  readonly epoch: string;
  readonly version: string;
  readonly release: string | null;
}

function fail(v: string, reason: string): never {
  throw new InvalidVersionError(SCHEME, v, reason);
}

/** Parses and validates an `[epoch:]version[-release]` string. */
export function parseRpm(v: string): RpmVersion {
  if (v === '') fail(v, 'empty version');
  const bad = firstNonPrintable(v);
  if (bad >= 0) fail(v, `character ${JSON.stringify(v[bad])} at ${bad} is not printable ASCII`);
  let epoch = '';
  let rest = v;
  const colon = v.indexOf(':');
  if (colon >= 0) {
    epoch = v.slice(0, colon);
    if (epoch === '') fail(v, 'empty epoch before ":"');
    for (let i = 0; i < colon; i++) {
      if (!isDigitCode(v.charCodeAt(i))) fail(v, 'epoch is not a number');
    }
    rest = v.slice(colon + 1);
    if (rest.includes(':')) fail(v, 'more than one ":"');
  }
  const hyphen = rest.indexOf('-');
  if (hyphen >= 0 && rest.indexOf('-', hyphen + 1) >= 0) fail(v, 'more than one "-" (version and release may not contain "-")');
  const version = hyphen >= 0 ? rest.slice(0, hyphen) : rest;
  const release = hyphen >= 0 ? rest.slice(hyphen + 1) : null;
  if (version === '') fail(v, 'empty version part');
  if (release === '') fail(v, 'empty release after "-"');
  return { epoch, version, release };
}

function isAlnumCode(c: number): boolean {
  return isDigitCode(c) || isAlphaCode(c);
}

/** rpm's `rpmvercmp` on one EVR component (version or release). */
export function rpmvercmp(a: string, b: string): Ordering {
  if (a === b) return 0;
  const la = a.length;
  const lb = b.length;
  let i = 0;
  let j = 0;
  while (i < la || j < lb) {
    let ca = a.charCodeAt(i);
    let cb = b.charCodeAt(j);
    while (i < la && !isAlnumCode(ca) && ca !== TILDE && ca !== CARET) ca = a.charCodeAt(++i);
    while (j < lb && !isAlnumCode(cb) && cb !== TILDE && cb !== CARET) cb = b.charCodeAt(++j);

    // '~' sorts before everything else, including the end of the string.
    if (ca === TILDE || cb === TILDE) {
      if (ca !== TILDE) return 1;
      if (cb !== TILDE) return -1;
      i++;
      j++;
      continue;
    }
    // '^' is like '~' except that the end of the string (the base version) sorts before it.
    if (ca === CARET || cb === CARET) {
      if (i >= la) return -1;
      if (j >= lb) return 1;
      if (ca !== CARET) return 1;
      if (cb !== CARET) return -1;
      i++;
      j++;
      continue;
    }
    if (i >= la || j >= lb) break;

    let ea = i;
    let eb = j;
    const isNum = isDigitCode(ca);
    if (isNum) {
      while (ea < la && isDigitCode(a.charCodeAt(ea))) ea++;
      while (eb < lb && isDigitCode(b.charCodeAt(eb))) eb++;
    } else {
      while (ea < la && isAlphaCode(a.charCodeAt(ea))) ea++;
      while (eb < lb && isAlphaCode(b.charCodeAt(eb))) eb++;
    }
    // Segments of different kinds: the numeric one is newer.
    if (eb === j) return isNum ? 1 : -1;
    if (isNum) {
      const r = compareDigitRuns(a, i, ea, b, j, eb);
      if (r !== 0) return r;
    } else {
      const n = Math.min(ea - i, eb - j);
      for (let k = 0; k < n; k++) {
        const d = a.charCodeAt(i + k) - b.charCodeAt(j + k);
        if (d !== 0) return d < 0 ? -1 : 1;
      }
      if (ea - i !== eb - j) return ea - i < eb - j ? -1 : 1;
    }
    i = ea;
    j = eb;
  }
  // All segments equal but separators differed: whichever has characters left is newer.
  if (i >= la && j >= lb) return 0;
  return i >= la ? -1 : 1;
}

/** Orders two parsed EVRs: epoch, version, then release (a missing release sorts first). */
export function compareRpmParsed(a: RpmVersion, b: RpmVersion): Ordering {
  const ea = a.epoch === '' ? '0' : a.epoch;
  const eb = b.epoch === '' ? '0' : b.epoch;
  const e = compareDigitRuns(ea, 0, ea.length, eb, 0, eb.length);
  if (e !== 0) return e;
  const v = rpmvercmp(a.version, b.version);
  if (v !== 0) return v;
  if (a.release === null || b.release === null) {
    return a.release === b.release ? 0 : a.release === null ? -1 : 1;
  }
  return rpmvercmp(a.release, b.release);
}

/** The rpm comparator (registered as scheme `rpm`). */
export const rpm: Comparator<RpmVersion> = {
  scheme: SCHEME,
  parse: parseRpm,
  compare: (a, b) => compareRpmParsed(parseRpm(a), parseRpm(b)),
  compareParsed: compareRpmParsed,
  valid: acceptedBy(parseRpm),
};
