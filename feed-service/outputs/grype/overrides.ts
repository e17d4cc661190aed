/**
 * The lookup overrides grype-db writes into every v6 database, as grype ships them for schema 6.1.9
 * (grype/db/v6/data.go: KnownOperatingSystemSpecifierOverrides, KnownPackageSpecifierOverrides).
 * grype reads them at match time, before it resolves an operating system or a package ecosystem:
 *
 * - `alpine` with a VERSION_ID like `3.21.0_alpha20240807` is Alpine edge (`label_version` edge):
 *   without the row, an edge image resolves to no operating system and matches nothing;
 * - `centos`, `rocky`, `almalinux`, … read RHEL's data; `raspbian` reads Debian's;
 * - `postmarketos` releases read the Alpine release they are built on;
 * - a request in a language or purl spelling (`python`, `pypi`) is answered with syft's type.
 *
 * Values are data, copied as grype states them; rows are written in this order.
 */

/** One `operating_system_specifier_overrides` row. Unset replacement fields are NULL. */
export interface OsOverride {
  alias: string;
  version?: string;
  versionPattern?: string;
  codename?: string;
  channel?: string;
  replacement?: string;
  replacementMajor?: string;
  replacementMinor?: string;
  replacementLabel?: string;
  replacementChannel?: string;
  rolling?: boolean;
  /** A semver constraint on the client's schema version (`< 6.0.3`): the row applies only to such clients. */
  clientSchemas?: string;
}

const rhel = (alias: string): OsOverride => ({ alias, replacement: 'rhel' });
const pmos = (version: string, minor: string): OsOverride => ({ alias: 'postmarketos', version, replacement: 'alpine', replacementMajor: '3', replacementMinor: minor });

export const OS_OVERRIDES: readonly OsOverride[] = [
  // Red Hat rebuilds and derivatives read RHEL's data.
  ...['centos', 'rocky', 'rockylinux', 'alma', 'almalinux', 'scientific', 'sl', 'gentoo'].map(rhel),
  { alias: 'raspbian', replacement: 'debian' },
  // Clients before 6.0.3 know no channels: a minor RHEL version reads the major's data.
  { alias: 'rhel', versionPattern: '^\\d+\\.\\d+', replacementMinor: '', clientSchemas: '< 6.0.3' },
  { alias: 'redhat', versionPattern: '^\\d+\\.\\d+', replacementMinor: '', replacement: 'rhel', clientSchemas: '< 6.0.3' },
  // The Alpine family.
  { alias: 'alpine', versionPattern: '.*_alpha.*', replacementLabel: 'edge', rolling: true },
  { alias: 'wolfi', rolling: true },
  { alias: 'chainguard', rolling: true },
  { alias: 'secureos', rolling: true },
  { alias: 'alpaquita', rolling: true },
  { alias: 'bellsoft-hardened-containers', rolling: true },
  { alias: 'archlinux', rolling: true },
  { alias: 'minimos', rolling: true },
  { alias: 'arch', replacement: 'archlinux', rolling: true },
  { alias: 'oracle', replacement: 'ol' },
  { alias: 'oraclelinux', replacement: 'ol' },
  { alias: 'amazon', replacement: 'amzn' },
  { alias: 'amazonlinux', replacement: 'amzn' },
  { alias: 'echo', rolling: true },
  // Debian testing/sid report the next release's codename.
  { alias: 'debian', codename: 'forky', rolling: true, replacementLabel: 'unstable' },
  { alias: 'postmarketos', version: 'edge', replacement: 'alpine', replacementLabel: 'edge', rolling: true },
  { alias: 'postmarketos', codename: 'edge', replacement: 'alpine', replacementLabel: 'edge', rolling: true },
  pmos('25.12', '23'), pmos('25.06', '22'), pmos('24.12', '21'), pmos('24.06', '20'), pmos('23.12', '19'), pmos('23.06', '18'),
  pmos('22.12', '17'), pmos('22.06', '16'), pmos('21.12', '15'), pmos('21.06', '14'), pmos('21.03', '13'), pmos('20.05', '12'),
  { alias: 'postmarketos', versionPattern: '^$', replacement: 'alpine' },
];

/** `package_specifier_overrides`: an ecosystem spelling → syft's package type. */
export const PACKAGE_OVERRIDES: readonly [string, string][] = [
  // language names → syft package types
  ['dart', 'dart-pub'],
  ['dotnet', 'dotnet'],
  ['elixir', 'hex'],
  ['erlang', 'hex'],
  ['erlang-otp', 'hex'],
  ['go', 'go-module'],
  ['haskell', 'hackage'],
  ['java', 'java-archive'],
  ['javascript', 'npm'],
  ['lua', 'lua-rocks'],
  ['ocaml', 'opam'],
  ['php', 'php-composer'],
  ['python', 'python'],
  ['R', 'R-package'],
  ['ruby', 'gem'],
  ['rust', 'rust-crate'],
  ['swift', 'swift'],
  ['swipl', 'swiplpack'],
  ['jenkins-plugin', 'java-archive'],
  // legacy spellings
  ['kb', 'msrc-kb'],
  ['dpkg', 'deb'],
  ['apkg', 'apk'],
  // package URL types that differ from syft's type names
  ['cargo', 'rust-crate'],
  ['cocoapods', 'pod'],
  ['composer', 'php-composer'],
  ['golang', 'go-module'],
  ['maven', 'java-archive'],
  ['nuget', 'dotnet'],
  ['pub', 'dart-pub'],
  ['pypi', 'python'],
];
