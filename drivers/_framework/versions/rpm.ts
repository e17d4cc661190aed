/**
 * RPM versions as `[epoch:]version[-release]` (EVR strings, as in RHEL/SUSE/Amazon advisories),
 * compared as rpm 4.18's `rpm.vercmp` / `rpmverCmp` does (rpmio/rpmver.c and rpmio/rpmvercmp.c,
 * https://github.com/rpm-software-management/rpm/blob/master/rpmio/rpmver.c).
 *
 * Splitting (`parseEVR`): the epoch is the run of ASCII digits at the start when a `:` follows it
 * (possibly empty: `:3.3.0.23-1.el8sat` has epoch ""), otherwise there is no epoch and any `:` is
 * part of the version (`b1:1` is version "b1:1"); the release is what follows the LAST `-`
 * (possibly empty: `1-`), the version what precedes it (so `0-0.7.0-3.el9` is version "0-0.7.0").
 * rpm refuses only the empty string.
 *
 * Order (`rpmverCmp`): epochs (a missing or empty one is "0"), then versions, then releases, each
 * with `rpmvercmp` (so a non-numeric epoch cannot occur, and `00:1 == 0:1`); a
 * missing release sorts below any present one, even an empty one (`1.0 < 1.0-1`, `1.0 < 1.0-`).
 * `rpmvercmp` splits a string into maximal ASCII-digit and ASCII-letter segments, everything else
 * (also every non-ASCII character) being a separator; `~` sorts before anything (even the end),
 * `^` after the end but before any further segment; digit segments compare as numbers, letter
 * segments by byte, and a digit segment beats a letter one.
 *
 * rpm never warns; airfeed's warnings name what rpm reads differently from what a person would
 * expect: an empty epoch, a `:` that is not an epoch, a `-` inside the version, an empty version or
 * release, and characters outside printable ASCII (separators to rpm).
 */
import { acceptedBy, InvalidVersionError, NO_WARNINGS } from './errors.ts';
import { compareDigitRuns, firstNonPrintable, isAlphaCode, isDigitCode } from './numeric.ts';
import type { Comparator, Ordering } from './types.ts';

const SCHEME = 'rpm';
const TILDE = 126;
const CARET = 94;

/** A split EVR. `epoch` is null when absent (compares as "0"; an empty one is "0"), `release` null when absent. */
export interface RpmVersion {
  readonly epoch: string | null;
  readonly version: string;
  readonly release: string | null;
}

/** Splits an EVR string as rpm's `parseEVR`; throws InvalidVersionError for "" only. */
export function parseRpm(v: string): RpmVersion {
  if (v === '') throw new InvalidVersionError(SCHEME, v, 'empty version (rpm: "invalid version")');
  let s = 0;
  while (isDigitCode(v.charCodeAt(s))) s++;
  const hyphen = v.lastIndexOf('-');
  const hasEpoch = v.charCodeAt(s) === 58; // ':'
  const epoch = hasEpoch ? (s === 0 ? '0' : v.slice(0, s)) : null;
  const from = hasEpoch ? s + 1 : 0;
  // strrchr() searched from after the epoch digits, so a '-' can only be found after them.
  if (hyphen >= from) return { epoch, version: v.slice(from, hyphen), release: v.slice(hyphen + 1) };
  return { epoch, version: from === 0 ? v : v.slice(from), release: null };
}

/** What is odd about an EVR rpm accepts (rpm itself never warns). */
export function rpmWarnings(v: string): readonly string[] {
  const p = parseRpm(v);
  let out: string[] | null = null;
  const add = (w: string): void => void (out ??= []).push(w);
  if (v.charCodeAt(0) === 58) add('empty epoch before ":" (rpm reads it as 0)');
  if (p.version.includes(':')) add('":" inside the version: rpm reads an epoch only from leading digits, so this is part of the version');
  if (p.version.includes('-')) add('"-" inside the version: rpm takes the release after the last "-"');
  if (p.version === '') add('empty version part');
  if (p.release === '') add('empty release after "-" (sorts above a missing release)');
  const bad = firstNonPrintable(v);
  if (bad >= 0) add(`character ${JSON.stringify(v[bad])} at ${bad} is not printable ASCII (rpm treats it as a separator)`);
  return out ?? NO_WARNINGS;
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

/** rpm's `compare_values`: a missing part sorts below a present one, else `rpmvercmp`. */
function compareValues(a: string | null, b: string | null): Ordering {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  return rpmvercmp(a, b);
}

/** Orders two split EVRs as `rpmverCmp`: epoch (missing = "0"), version, then release. */
export function compareRpmParsed(a: RpmVersion, b: RpmVersion): Ordering {
  return rpmvercmp(a.epoch ?? '0', b.epoch ?? '0') || rpmvercmp(a.version, b.version) || compareValues(a.release, b.release);
}

/** The rpm comparator (registered as scheme `rpm`). */
export const rpm: Comparator<RpmVersion> = {
  scheme: SCHEME,
  parse: parseRpm,
  compare: (a, b) => compareRpmParsed(parseRpm(a), parseRpm(b)),
  compareParsed: compareRpmParsed,
  valid: acceptedBy(parseRpm),
  warnings: rpmWarnings,
};
