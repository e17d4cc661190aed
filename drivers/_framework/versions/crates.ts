/**
 * Rust crate versions (crates.io / Cargo), as dtolnay/semver's `Version`
 * (https://docs.rs/semver, src/parse.rs and src/impls.rs): strict SemVer 2.0 text (no `v`, no
 * whitespace, no leading zeros, MAJOR/MINOR/PATCH within u64).
 *
 * `compare` is SemVer precedence: build metadata is ignored (`1.2.3+a == 1.2.3+b`), which is what
 * "is this version below the fix" means. Rust's `Ord for Version` breaks such ties on the build
 * metadata to make the order total; `compareTotal` reproduces that for sorting, per the decision in
 * the reference vectors' README.
 */
import { acceptedBy, parsedWithoutWarnings, InvalidVersionError } from './errors.ts';
import { allDigits, compareDigits, compareStrings } from './numeric.ts';
import { comparePrecedence, scanSemver } from './semver2.ts';
import type { SemverParts } from './semver2.ts';
import type { Comparator, Ordering } from './types.ts';

const SCHEME = 'crates';
const U64_MAX = '18446744073709551615';

/** A parsed crate version. */
export type CrateVersion = SemverParts;

function fail(v: string, reason: string): never {
  throw new InvalidVersionError(SCHEME, v, reason);
}

/** Parses a crate version like `semver::Version::parse`; throws InvalidVersionError. */
export function parseCrate(v: string): CrateVersion {
  if (v === '') fail(v, 'empty string, expected a semver version');
  const parts = scanSemver(v);
  if (typeof parts === 'string') fail(v, parts);
  for (const n of [parts.major, parts.minor, parts.patch]) {
    if (compareDigits(n, U64_MAX) > 0) fail(v, 'value out of range (exceeds u64)');
  }
  return parts;
}

/** Rust's `Ord for BuildMetadata`: numeric identifiers first (by value, then by length), then ASCII. */
function compareBuild(a: readonly string[], b: readonly string[]): Ordering {
  if (a.length === 0 || b.length === 0) return a.length === b.length ? 0 : a.length === 0 ? -1 : 1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    const xn = allDigits(x);
    const yn = allDigits(y);
    let r: Ordering;
    if (xn && yn) r = compareDigits(x, y) || (x.length === y.length ? 0 : x.length < y.length ? -1 : 1);
    else if (xn) return -1;
    else if (yn) return 1;
    else r = compareStrings(x, y);
    if (r !== 0) return r;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** SemVer precedence of two parsed crate versions (build metadata ignored). */
export function compareCrateParsed(a: CrateVersion, b: CrateVersion): Ordering {
  return comparePrecedence(a, b);
}

/** Rust's total `Ord for Version`: precedence, then build metadata as a tie-break. */
export function compareTotal(a: string, b: string): Ordering {
  const pa = parseCrate(a);
  const pb = parseCrate(b);
  return comparePrecedence(pa, pb) || compareBuild(pa.build, pb.build);
}

/** The crates.io comparator (registered as scheme `crates`). */
export const crates: Comparator<CrateVersion> = {
  scheme: SCHEME,
  parse: parseCrate,
  compare: (a, b) => comparePrecedence(parseCrate(a), parseCrate(b)),
  compareParsed: compareCrateParsed,
  valid: acceptedBy(parseCrate),
  warnings: parsedWithoutWarnings(parseCrate),
};
