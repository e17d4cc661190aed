/**
 * One names table, used by drivers, the engine and every output alike, so that a distro release or
 * an ecosystem has the same name everywhere:
 *
 * - distro release ↔ codename ↔ group: `bookworm` ↔ `12` ↔ `debian:12`, `sid` ↔ `unstable` ↔
 *   `debian:unstable`, `jammy` ↔ `22.04` ↔ `ubuntu:22.04`, Alpine branch `v3.20` ↔ `3.20` ↔
 *   `alpine:3.20` (branches by rule: `v<major>.<minor>` and `edge`), RHEL majors `rhel:9`;
 * - group ↔ OSV ecosystem (https://ossf.github.io/osv-schema/#affectedpackage-field and
 *   ../shared/realdata/osv/osv-schema/ecosystems.json): `Alpine:v3.20`, `Debian:12` (`Debian:sid`),
 *   `Ubuntu:22.04:LTS` (`Ubuntu:Pro:22.04:LTS` for a Pro channel), `Red Hat:<cpe>`;
 * - language ecosystem: OSV name ↔ Anchore group ↔ version scheme ↔ purl type ↔ the engine's
 *   package kind: `npm` ↔ `github:npm` ↔ `semver` ↔ `pkg:npm`, `PyPI` ↔ `github:python` ↔ `pep440` ↔
 *   `pkg:pypi`, … (table below).
 *
 * Packagist (`github:composer`) compares with `semver`: there is no Composer comparator, and
 * Composer's four-part and `v`-prefixed versions fail to parse there and are reported as problems
 * by the engine rather than guessed.
 *
 * Anything not in the table is an error naming the entry to add (NAME_UNMAPPED), never a silent
 * default: a scan that cannot place a package must not read as clean.
 */
import { AirfeedError } from './errors.ts';
import type { SchemeName } from './versions/index.ts';

/** A release of a distro with a codename: `{release: '12', codename: 'bookworm'}`. */
export interface DistroRelease {
  release: string;
  codename: string;
  /** Ubuntu long-term support releases carry `:LTS` in their OSV ecosystem. */
  lts?: boolean;
}

export interface DistroEntry {
  /** The os-release `ID` and the group prefix: `debian` → `debian:12`. */
  id: string;
  name: string;
  scheme: SchemeName;
  purlType: 'apk' | 'deb' | 'rpm';
  /** The purl namespace of the distro's packages: `pkg:deb/debian/…`. */
  purlNamespace: string;
  /** OSV ecosystem name, without its release suffix. */
  osvEcosystem: string;
  /** What a release looks like in a group name. */
  releasePattern: RegExp;
  /** Releases with codenames (Debian, Ubuntu); empty when the release is the only name (RHEL) or follows a rule (Alpine). */
  releases: readonly DistroRelease[];
}

const DEBIAN_RELEASES: readonly DistroRelease[] = [
  { release: '6', codename: 'squeeze' },
  { release: '7', codename: 'wheezy' },
  { release: '8', codename: 'jessie' },
  { release: '9', codename: 'stretch' },
  { release: '10', codename: 'buster' },
  { release: '11', codename: 'bullseye' },
  { release: '12', codename: 'bookworm' },
  { release: '13', codename: 'trixie' },
  { release: '14', codename: 'forky' },
  { release: '15', codename: 'duke' },
  { release: 'unstable', codename: 'sid' },
];

const UBUNTU_RELEASES: readonly DistroRelease[] = [
  { release: '12.04', codename: 'precise', lts: true },
  { release: '14.04', codename: 'trusty', lts: true },
  { release: '16.04', codename: 'xenial', lts: true },
  { release: '18.04', codename: 'bionic', lts: true },
  { release: '20.04', codename: 'focal', lts: true },
  { release: '22.04', codename: 'jammy', lts: true },
  { release: '22.10', codename: 'kinetic' },
  { release: '23.04', codename: 'lunar' },
  { release: '23.10', codename: 'mantic' },
  { release: '24.04', codename: 'noble', lts: true },
  { release: '24.10', codename: 'oracular' },
  { release: '25.04', codename: 'plucky' },
  { release: '25.10', codename: 'questing' },
  { release: '26.04', codename: 'resolute', lts: true },
];

/** Distro families, sorted by id. */
export const DISTROS = [
  { id: 'alpine', name: 'Alpine Linux', scheme: 'apk', purlType: 'apk', purlNamespace: 'alpine', osvEcosystem: 'Alpine', releasePattern: /^(\d+\.\d+|edge)$/, releases: [] },
  { id: 'debian', name: 'Debian', scheme: 'dpkg', purlType: 'deb', purlNamespace: 'debian', osvEcosystem: 'Debian', releasePattern: /^(\d+|unstable)$/, releases: DEBIAN_RELEASES },
  { id: 'rhel', name: 'Red Hat Enterprise Linux', scheme: 'rpm', purlType: 'rpm', purlNamespace: 'redhat', osvEcosystem: 'Red Hat', releasePattern: /^\d+$/, releases: [] },
  { id: 'ubuntu', name: 'Ubuntu', scheme: 'dpkg', purlType: 'deb', purlNamespace: 'ubuntu', osvEcosystem: 'Ubuntu', releasePattern: /^\d\d\.\d\d$/, releases: UBUNTU_RELEASES },
] as const satisfies readonly DistroEntry[];

export interface EcosystemEntry {
  /** The OSV ecosystem name: `PyPI`. */
  osv: string;
  /** The Anchore feed group: `github:python`. */
  group: string;
  scheme: SchemeName;
  /** The purl type: `pypi` (`pkg:pypi/…`). */
  purlType: string;
  /** The engine's package kind (engine-client/inputs/types.ts PACKAGE_KINDS). */
  kind: string;
}

/** Language ecosystems, sorted by group. */
export const ECOSYSTEMS = [
  { osv: 'Packagist', group: 'github:composer', scheme: 'semver', purlType: 'composer', kind: 'composer' },
  { osv: 'RubyGems', group: 'github:gem', scheme: 'gem', purlType: 'gem', kind: 'gem' },
  { osv: 'Go', group: 'github:go', scheme: 'go', purlType: 'golang', kind: 'go' },
  { osv: 'Maven', group: 'github:java', scheme: 'maven', purlType: 'maven', kind: 'maven' },
  { osv: 'npm', group: 'github:npm', scheme: 'semver', purlType: 'npm', kind: 'npm' },
  { osv: 'NuGet', group: 'github:nuget', scheme: 'nuget', purlType: 'nuget', kind: 'nuget' },
  { osv: 'PyPI', group: 'github:python', scheme: 'pep440', purlType: 'pypi', kind: 'pypi' },
  { osv: 'crates.io', group: 'github:rust', scheme: 'crates', purlType: 'cargo', kind: 'cargo' },
] as const satisfies readonly EcosystemEntry[];

const TABLE = 'drivers/_framework/names.ts';

/** The distro family of an os-release id / group prefix, or undefined. */
export function distroById(id: string): DistroEntry | undefined {
  return DISTROS.find((d) => d.id === id);
}

/** The distro family of `id`; NAME_UNMAPPED naming the DISTROS entry to add otherwise. */
export function requireDistro(id: string, what: string): DistroEntry {
  const d = distroById(id);
  if (!d) {
    throw new AirfeedError(
      'NAME_UNMAPPED',
      `${what}: distro "${id}" has no entry in the names table (${TABLE}, DISTROS); known: ${DISTROS.map((x) => x.id).join(', ')}. Add {id: '${id}', scheme, purlType, osvEcosystem, releases} there`,
      { details: { distro: id } },
    );
  }
  return d;
}

/** The release a codename or branch names: `bookworm` → `12`, `sid` → `unstable`, Alpine `v3.20` → `3.20`; undefined when unknown. */
export function releaseOfCodename(distroId: string, codename: string): string | undefined {
  const name = codename.toLowerCase();
  if (distroId === 'alpine') return name === 'edge' ? 'edge' : /^v(\d+\.\d+)$/.exec(name)?.[1];
  return distroById(distroId)?.releases.find((r) => r.codename === name)?.release;
}

/** The codename or branch of a release: `12` → `bookworm`, Alpine `3.20` → `v3.20`; undefined when it has none. */
export function codenameOf(distroId: string, release: string): string | undefined {
  if (distroId === 'alpine') return release === 'edge' ? 'edge' : /^\d+\.\d+$/.test(release) ? `v${release}` : undefined;
  return distroById(distroId)?.releases.find((r) => r.release === release)?.codename;
}

/** The group of a distro release: `debian`, `12` → `debian:12`. Throws NAME_UNMAPPED for an unknown distro. */
export function distroGroup(distroId: string, release: string): string {
  requireDistro(distroId, `group for ${distroId} ${release}`);
  return `${distroId}:${release}`;
}

/** The ecosystem of an Anchore group (`github:npm`), or undefined. */
export function ecosystemByGroup(group: string): EcosystemEntry | undefined {
  return ECOSYSTEMS.find((e) => e.group === group);
}

/** The ecosystem of an OSV ecosystem string (`Maven`, `Maven:https://maven.google.com`), or undefined. */
export function ecosystemByOsv(name: string): EcosystemEntry | undefined {
  return ECOSYSTEMS.find((e) => name === e.osv || name.startsWith(`${e.osv}:`));
}

/** The ecosystem of an engine package kind (`pypi`), or undefined. */
export function ecosystemByKind(kind: string): EcosystemEntry | undefined {
  return ECOSYSTEMS.find((e) => e.kind === kind);
}

/** The ecosystem of a purl type (`golang`), or undefined. */
export function ecosystemByPurlType(type: string): EcosystemEntry | undefined {
  return ECOSYSTEMS.find((e) => e.purlType === type);
}

/** What a group name stands for, per the table. */
export type GroupName =
  | { kind: 'distro'; distro: DistroEntry; release: string }
  | { kind: 'ecosystem'; ecosystem: EcosystemEntry };

/** Resolves a group name; undefined for groups the table does not know (`nvdv2:cves`, `kev:catalog`). */
export function resolveGroup(group: string): GroupName | undefined {
  const ecosystem = ecosystemByGroup(group);
  if (ecosystem) return { kind: 'ecosystem', ecosystem };
  const colon = group.indexOf(':');
  const distro = colon > 0 ? distroById(group.slice(0, colon)) : undefined;
  const release = group.slice(colon + 1);
  return distro && distro.releasePattern.test(release) ? { kind: 'distro', distro, release } : undefined;
}

/** As resolveGroup, but NAME_UNMAPPED naming the table entry to add for an unknown group. */
export function requireGroup(group: string, what: string): GroupName {
  const g = resolveGroup(group);
  if (!g) {
    throw new AirfeedError(
      'NAME_UNMAPPED',
      `${what}: group "${group}" has no entry in the names table (${TABLE}): add its distro to DISTROS (with a release pattern that matches) or its ecosystem to ECOSYSTEMS`,
      { details: { group } },
    );
  }
  return g;
}

/**
 * The OSV ecosystem of a package in `group`: `Alpine:v3.20` (`Alpine:edge`), `Debian:12` (`Debian:sid`),
 * `Ubuntu:22.04:LTS` (`Ubuntu:Pro:22.04:LTS` when the fix is in a Pro `channel`), `Red Hat:<cpe>`
 * (the product's CPE without `cpe:/o:redhat:`, else `enterprise_linux:<major>`), `PyPI`, ….
 */
export function osvEcosystem(group: string, options: { channel?: string | undefined; cpe?: string | undefined } = {}): string {
  const g = requireGroup(group, 'OSV ecosystem');
  if (g.kind === 'ecosystem') return g.ecosystem.osv;
  const { distro, release } = g;
  switch (distro.id) {
    case 'alpine':
      return `Alpine:${codenameOf('alpine', release) ?? release}`;
    case 'debian':
      return `Debian:${release === 'unstable' ? 'sid' : release}`;
    case 'ubuntu': {
      const lts = distro.releases.find((r) => r.release === release)?.lts ? ':LTS' : '';
      return `Ubuntu:${options.channel !== undefined ? 'Pro:' : ''}${release}${lts}`;
    }
    default: {
      const fromCpe = options.cpe !== undefined ? /^cpe:\/[aho]:redhat:(.+)$/.exec(options.cpe)?.[1] : undefined;
      return `${distro.osvEcosystem}:${fromCpe ?? `enterprise_linux:${release}`}`;
    }
  }
}
