/**
 * What every input parser produces: the packages installed on one system (or listed in one SBOM),
 * with the distro release they come from when the input says so. The matcher reads only this.
 */

/** Kinds of package the engine matches; distro kinds are matched by source package. */
export const PACKAGE_KINDS = ['apk', 'cargo', 'composer', 'deb', 'gem', 'go', 'maven', 'npm', 'nuget', 'pypi', 'rpm'] as const;
export type PackageKind = (typeof PACKAGE_KINDS)[number];

/** Input formats the engine reads (names used by `--input-format`). */
export const INPUT_FORMATS = [
  'apk-installed', 'cargo-lock', 'composer-lock', 'cyclonedx', 'dpkg-status', 'gemfile-lock', 'go-mod', 'go-sum', 'gradle-lockfile',
  'npm-lock', 'nuget-lock', 'pipfile-lock', 'pnpm-lock', 'poetry-lock', 'requirements', 'rpm-qa', 'spdx', 'syft', 'uv-lock', 'yarn-lock',
] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

/** A distro release as the feed names it: namespace `${id}:${release}`, e.g. `alpine:3.20`, `debian:12`, `rhel:9`. */
export interface Distro {
  id: string;
  release: string;
  /**
   * The distro the input named when its packages are matched against another's data: `rocky`,
   * `almalinux` or `centos` for `rhel` (Red Hat's advisories cover the rebuilds); absent otherwise.
   */
  rebuild?: string;
}

export interface InstalledPackage {
  /** The binary package name as installed (`libcrypto3`), or the language package name (`lodash`, `org.apache:commons-text`). */
  name: string;
  /** The installed version, exactly as the package manager records it (dpkg/rpm with epoch when present). */
  version: string;
  kind: PackageKind;
  /**
   * The source package a distro binary was built from (Alpine origin, dpkg `Source:`, the source rpm),
   * with its version when it differs from the binary's (dpkg `Source: name (version)`, the source rpm's
   * version-release). Absent when the input does not say; the matcher then uses the binary itself.
   */
  source?: { name: string; version?: string };
  /**
   * rpm: the module stream the package was built in (`nodejs:18`, from `%{MODULARITYLABEL}`
   * `nodejs:18:8090020231019152822:a75119d5`); `''` when the input says the package is in no module;
   * absent when the input cannot say (then entries of every stream apply).
   */
  module?: string;
  /** The package URL when the input gives one. */
  purl?: string;
  /** Where in the input the package was found: `file:line` for text formats, `file#/json/path` for JSON. */
  location: string;
}

export interface Inventory {
  file: string;
  format: InputFormat;
  /** From the SBOM's operating-system component or distro block; absent when the input does not say. */
  distro?: Distro;
  /** In input order. */
  packages: InstalledPackage[];
  /**
   * SBOM entries that name a package the engine cannot match (a purl type it does not know, no
   * version), so a report can say what was not scanned; absent when there are none.
   */
  skipped?: SkippedEntry[];
  /**
   * Every SBOM entry that carries CPEs (CycloneDX `cpe`, SPDX `cpe23Type`/`cpe22Type` references,
   * syft `cpes`), whether or not it is also a package above, for `scan --match cpe`; absent when none.
   */
  cpeComponents?: CpeComponent[];
}

/** An SBOM entry with CPEs, as `scan --match cpe` matches it against NVD's configurations. */
export interface CpeComponent {
  name: string;
  /** The entry's version (purl or component version); absent when it gives none. */
  version?: string;
  /** As the SBOM writes them, unparsed (a malformed one is reported when CPE matching runs). */
  cpes: string[];
  /** The package kind when the entry is also a package (it picks the version comparator). */
  kind?: PackageKind;
  location: string;
}

/** An input entry left out of `packages`, and why. */
export interface SkippedEntry {
  /** Where it is, as InstalledPackage.location. */
  location: string;
  reason: string;
  /** The package's name and version as the input gives them, when it does. */
  package?: string;
  version?: string;
  /**
   * True for code that is part of the project itself rather than a published package: a path, link
   * or directory dependency, a local tarball. The engine cannot check it, but there is no advisory
   * to check it against either, so it does not count as an unchecked package (policy
   * `failOnUnchecked`). Git and URL dependencies are third-party code and are not local.
   */
  local?: true;
}
