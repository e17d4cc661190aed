/**
 * Which order a CPE match compares a component's version with NVD's bounds in (NVD's
 * `versionStartIncluding` … `versionEndExcluding`, or the version in the criterion itself):
 *
 * - a language package (npm, PyPI, Maven, Go, RubyGems, NuGet, crates, Composer): its ecosystem's own
 *   comparator from the names table, as its package matches use. NVD writes the upstream project's
 *   versions, which are that ecosystem's versions; one the comparator refuses (NVD's `2.0` for npm,
 *   whose semver wants three parts) is a problem of the scan, reported, never guessed.
 * - anything else (a binary, a `pkg:generic` or unknown purl, a component known only by its CPE):
 *   no ecosystem says, so the order is Debian's `verrevcmp` applied to the whole string — digits
 *   compared as numbers, other characters by ASCII with letters before punctuation and `~` before
 *   everything — which orders every version string (`1.1.1zb` < `1.1.1zc`, `1.9.5` < `1.9.5p2`,
 *   `9.6_p1` < `9.7`) without refusing any, as NVD's own free-form versions need.
 *
 * Distro packages (apk, deb, rpm) are not CPE-matched at all (cpe/match.ts says why).
 */
import { ecosystemByKind } from '../../drivers/_framework/names.ts';
import { verrevcmp } from '../../drivers/_framework/versions/dpkg.ts';
import { getComparator } from '../../drivers/_framework/versions/index.ts';
import type { PackageKind } from '../inputs/types.ts';

/** A version order: `compare` throws (the comparator's InvalidVersionError) for a version it refuses. */
export interface VersionOrder {
  /** For messages: `semver`, `pep440`, … or `generic`. */
  name: string;
  compare(a: string, b: string): number;
}

const GENERIC: VersionOrder = { name: 'generic', compare: (a, b) => verrevcmp(a, b) };

/** The order for a component of `kind` (undefined: not a package of a known ecosystem). */
export function versionOrder(kind: PackageKind | undefined): VersionOrder {
  const scheme = kind === undefined ? undefined : ecosystemByKind(kind)?.scheme;
  if (scheme === undefined) return GENERIC;
  const cmp = getComparator(scheme);
  return { name: scheme, compare: (a, b) => cmp.compare(a, b) };
}
