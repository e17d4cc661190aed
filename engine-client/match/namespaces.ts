/**
 * Which feed group holds the records for a package, and which comparator orders its versions.
 * Distro packages live in one group per release (`alpine:3.20`, `debian:12`, `rhel:9`) and are
 * keyed by source package; language packages live in the `github:<ecosystem>` groups named as the
 * Anchore feed service names them (see ../../../shared/DESIGN.md, "Feeds, groups, records").
 */
import type { Distro, PackageKind } from '../inputs/types.ts';
import { packageKey } from '../store/package-key.ts';
import type { SchemeName } from '../../drivers/_framework/versions/index.ts';

/** The distro package kinds: matched against the release's group by source package. */
export const DISTRO_KINDS: ReadonlySet<PackageKind> = new Set(['apk', 'deb', 'rpm']);

/** Language package kind → the group of its ecosystem advisories. */
const LANGUAGE_GROUPS: Readonly<Partial<Record<PackageKind, string>>> = {
  cargo: 'github:rust',
  composer: 'github:composer',
  gem: 'github:gem',
  go: 'github:go',
  maven: 'github:java',
  npm: 'github:npm',
  nuget: 'github:nuget',
  pypi: 'github:python',
};

/**
 * The comparator of a language ecosystem, whatever scheme name the record carries: the DESIGN's
 * record schemes lump npm, crates and NuGet together as `semver`, but each has its own precedence.
 */
const LANGUAGE_SCHEMES: Readonly<Partial<Record<PackageKind, SchemeName>>> = {
  cargo: 'crates',
  gem: 'gem',
  go: 'go',
  maven: 'maven',
  npm: 'semver',
  nuget: 'nuget',
  pypi: 'pep440',
};

/** The group name a distro release's records live in: `alpine:3.20`. */
export function distroGroup(distro: Distro): string {
  return `${distro.id}:${distro.release}`;
}

/** The group holding records for a package of `kind`; undefined for a distro kind without a distro. */
export function groupFor(kind: PackageKind, distro: Distro | undefined): string | undefined {
  if (DISTRO_KINDS.has(kind)) return distro ? distroGroup(distro) : undefined;
  return LANGUAGE_GROUPS[kind];
}

/** The scheme to compare a package's versions with: the ecosystem's own, else the record's. */
export function schemeFor(kind: PackageKind, recordScheme: string): string {
  return LANGUAGE_SCHEMES[kind] ?? recordScheme;
}

/** The key a package of `kind` is looked up by (store/package-key.ts; names as is for distro kinds). */
export function lookupName(kind: PackageKind, name: string): string {
  return DISTRO_KINDS.has(kind) ? name : packageKey(LANGUAGE_GROUPS[kind] ?? '', name);
}
