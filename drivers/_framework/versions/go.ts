/**
 * Go module versions, as golang.org/x/mod/semver (https://pkg.go.dev/golang.org/x/mod/semver,
 * semver/semver.go): SemVer 2.0 with a mandatory `v` prefix, where `vMAJOR` and `vMAJOR.MINOR` are
 * shorthands for `vMAJOR.0.0` / `vMAJOR.MINOR.0` (without pre-release or build). Build metadata,
 * including `+incompatible`, is ignored by the ordering. Pseudo-versions
 * (`v0.0.0-20060102150405-abcdef123456`, `v1.2.4-0.20060102150405-abcdef123456`,
 * `v1.2.3-pre.0.20060102150405-abcdef123456`, https://go.dev/ref/mod#pseudo-versions) are ordinary
 * pre-releases and therefore sort after the tag they derive from and before the next release.
 *
 * x/mod's `Compare` orders every invalid string below every valid one; airfeed reports an invalid
 * version instead (InvalidVersionError).
 */
import { acceptedBy, parsedWithoutWarnings, InvalidVersionError } from './errors.ts';
import { isDigitCode } from './numeric.ts';
import { comparePrecedence, scanSemver } from './semver2.ts';
import type { SemverParts } from './semver2.ts';
import type { Comparator, Ordering } from './types.ts';

const SCHEME = 'go';

/** A parsed Go module version (shorthands expanded). */
export type GoVersion = SemverParts;

function fail(v: string, reason: string): never {
  throw new InvalidVersionError(SCHEME, v, reason);
}

/** Reads `0|[1-9][0-9]*` at s[i]; returns the end index, or -1. */
function number(s: string, i: number): number {
  const start = i;
  while (isDigitCode(s.charCodeAt(i))) i++;
  if (i === start || (i - start > 1 && s.charCodeAt(start) === 48)) return -1;
  return i;
}

/** Parses a Go module version (`v` prefix required); throws InvalidVersionError. */
export function parseGo(v: string): GoVersion {
  if (v.charCodeAt(0) !== 118) fail(v, 'missing "v" prefix');
  // Shorthands vX and vX.Y (no pre-release or build allowed on them).
  const e1 = number(v, 1);
  if (e1 === v.length) return { major: v.slice(1), minor: '0', patch: '0', pre: [], build: [] };
  if (e1 > 0 && v.charCodeAt(e1) === 46) {
    const e2 = number(v, e1 + 1);
    if (e2 === v.length) return { major: v.slice(1, e1), minor: v.slice(e1 + 1), patch: '0', pre: [], build: [] };
  }
  const parts = scanSemver(v.slice(1));
  if (typeof parts === 'string') fail(v, parts);
  return parts;
}

/** Orders two parsed Go versions (x/mod/semver.Compare on valid input; build metadata ignored). */
export function compareGoParsed(a: GoVersion, b: GoVersion): Ordering {
  return comparePrecedence(a, b);
}

/** True for a pseudo-version, as x/mod/module.IsPseudoVersion. */
export function isPseudoVersion(v: string): boolean {
  let p: GoVersion;
  try {
    p = parseGo(v);
  } catch {
    return false;
  }
  const last = p.pre[p.pre.length - 1];
  if (last === undefined || last.length < 16 || last.charCodeAt(14) !== 45) return false;
  for (let i = 0; i < 14; i++) if (!isDigitCode(last.charCodeAt(i))) return false;
  if (last.indexOf('-', 15) >= 0) return false; // the revision part is [A-Za-z0-9]+
  return p.pre.length === 1 ? p.minor === '0' && p.patch === '0' : p.pre[p.pre.length - 2] === '0';
}

/** The Go modules comparator (registered as scheme `go`). */
export const go: Comparator<GoVersion> = {
  scheme: SCHEME,
  parse: parseGo,
  compare: (a, b) => comparePrecedence(parseGo(a), parseGo(b)),
  compareParsed: compareGoParsed,
  valid: acceptedBy(parseGo),
  warnings: parsedWithoutWarnings(parseGo),
};
