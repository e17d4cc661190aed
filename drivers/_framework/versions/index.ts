/**
 * Version comparators for every ecosystem the engine matches, one module per scheme, keyed by the
 * scheme names used on the command line and in records. Each accepts exactly what the ecosystem's
 * own tool accepts (checked against those tools by scripts/vercmp-oracle.ts): it throws
 * InvalidVersionError only for what that tool refuses, and reports through `warnings()` what the
 * tool warns about or what airfeed finds odd in a version it still compares.
 */
import { apk } from './apk.ts';
import { crates } from './crates.ts';
import { dpkg } from './dpkg.ts';
import { UnknownSchemeError } from './errors.ts';
import { gem } from './gem.ts';
import { go } from './go.ts';
import { maven } from './maven.ts';
import { nuget } from './nuget.ts';
import { pep440 } from './pep440.ts';
import { rpm } from './rpm.ts';
import { semver } from './semver.ts';
import type { Comparator, Ordering } from './types.ts';

export { describeWarning, InvalidRangeError, InvalidVersionError, NO_WARNINGS, UnknownSchemeError } from './errors.ts';
export type { Comparator, Ordering } from './types.ts';

/** The scheme names, sorted. */
export const SCHEME_NAMES = ['apk', 'crates', 'dpkg', 'gem', 'go', 'maven', 'nuget', 'pep440', 'rpm', 'semver'] as const;

/** A known version scheme. */
export type SchemeName = (typeof SCHEME_NAMES)[number];

/** Every comparator by scheme name (explicit and sorted, so a missing one is a type error). */
export const COMPARATORS: Readonly<Record<SchemeName, Comparator>> = {
  apk,
  crates,
  dpkg,
  gem,
  go,
  maven,
  nuget,
  pep440,
  rpm,
  semver,
};

/** True when `scheme` names a registered comparator. */
export function isSchemeName(scheme: string): scheme is SchemeName {
  return Object.hasOwn(COMPARATORS, scheme);
}

/** The comparator for a scheme; throws UnknownSchemeError (listing the valid ones) otherwise. */
export function getComparator(scheme: string): Comparator {
  if (!isSchemeName(scheme)) throw new UnknownSchemeError(scheme, SCHEME_NAMES);
  return COMPARATORS[scheme];
}

/** Compares two versions of a scheme; throws UnknownSchemeError or InvalidVersionError. */
export function compareVersions(scheme: string, a: string, b: string): Ordering {
  return getComparator(scheme).compare(a, b);
}
