/**
 * Which feed group holds the records for a package, and which comparator orders its versions, from
 * the names table (drivers/_framework/names.ts). Distro packages live in one group per release
 * (`alpine:3.20`, `debian:12`, `rhel:9`) and are keyed by source package; language packages live in
 * the `github:<ecosystem>` groups the table names for their kind. A distro or kind the table does
 * not know is NAME_UNMAPPED, naming the entry to add: the scan must not pass it over as clean.
 */
import type { Distro, PackageKind } from '../inputs/types.ts';
import { packageKey } from '../store/package-key.ts';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { distroGroup as groupOfRelease, ecosystemByKind, type EcosystemEntry } from '../../drivers/_framework/names.ts';

/** The distro package kinds: matched against the release's group by source package. */
export const DISTRO_KINDS: ReadonlySet<PackageKind> = new Set(['apk', 'deb', 'rpm']);

/** The group name a distro release's records live in: `alpine:3.20`. NAME_UNMAPPED for a distro the names table lacks. */
export function distroGroup(distro: Distro): string {
  return groupOfRelease(distro.id, distro.release);
}

/** The names-table ecosystem of a language package kind; NAME_UNMAPPED naming the ECOSYSTEMS entry to add otherwise. */
export function ecosystemOf(kind: PackageKind): EcosystemEntry {
  const e = ecosystemByKind(kind);
  if (!e) {
    throw new AirfeedError(
      'NAME_UNMAPPED',
      `package kind "${kind}" has no ecosystem in the names table (drivers/_framework/names.ts, ECOSYSTEMS): add {osv, group, scheme, purlType, kind: '${kind}'}`,
      { details: { kind } },
    );
  }
  return e;
}

/** The group holding records for a package of `kind`; undefined for a distro kind without a distro. */
export function groupFor(kind: PackageKind, distro: Distro | undefined): string | undefined {
  if (DISTRO_KINDS.has(kind)) return distro ? distroGroup(distro) : undefined;
  return ecosystemOf(kind).group;
}

/**
 * The scheme to compare a package's versions with: a language ecosystem's own (npm, crates and NuGet
 * each have their own precedence, whatever an older record calls it), else the record's.
 */
export function schemeFor(kind: PackageKind, recordScheme: string): string {
  return DISTRO_KINDS.has(kind) ? recordScheme : ecosystemOf(kind).scheme;
}

/** The key a package of `kind` is looked up by (store/package-key.ts; names as is for distro kinds). */
export function lookupName(kind: PackageKind, name: string): string {
  return DISTRO_KINDS.has(kind) ? name : packageKey(ecosystemOf(kind).group, name);
}
