/**
 * The `semver` scheme: npm versions and ranges with node-semver's semantics
 * (https://github.com/npm/node-semver). Versions are parsed strictly (`v1.2.3` and surrounding
 * whitespace allowed, as node-semver does); `compareNpm`/`parseNpm` take `{ loose: true }` for
 * node-semver's loose grammar. `satisfies(version, range)` implements npm range matching,
 * including its pre-release rule; see npm-version.ts and npm-range.ts for the details.
 */
import { acceptedBy, NO_WARNINGS } from './errors.ts';
import { compareNpmParsed, parseNpm } from './npm-version.ts';
import type { NpmVersion } from './npm-version.ts';
import type { Comparator } from './types.ts';

export { compareNpm, compareNpmParsed, parseNpm } from './npm-version.ts';
export type { NpmOptions, NpmVersion } from './npm-version.ts';
export { parseRange, rangeTest, satisfies } from './npm-range.ts';
export type { NpmComparator, NpmRange } from './npm-range.ts';

/** Parses a version strictly (the comparator's `parse`). */
function parseStrict(v: string): NpmVersion {
  return parseNpm(v);
}

/** What node-semver accepts silently but is odd: surrounding white space (it trims). */
function semverWarnings(v: string): readonly string[] {
  parseNpm(v);
  return v.trim() === v ? NO_WARNINGS : ['surrounding white space is ignored (node-semver trims it)'];
}

/** The npm comparator (registered as scheme `semver`; strict parsing, build metadata ignored). */
export const semver: Comparator<NpmVersion> = {
  scheme: 'semver',
  parse: parseStrict,
  compare: (a, b) => compareNpmParsed(parseNpm(a), parseNpm(b)),
  compareParsed: compareNpmParsed,
  valid: acceptedBy(parseStrict),
  warnings: semverWarnings,
};
