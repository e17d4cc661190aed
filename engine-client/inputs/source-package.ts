/**
 * The source package a distro binary was built from, by the rules of each package manager. Distro
 * advisories name source packages (`openssl`, not `libssl3`), so every parser that knows a source
 * goes through these helpers and they agree whatever the input format.
 * dpkg: https://www.debian.org/doc/debian-policy/ch-controlfields.html#source
 * rpm: https://rpm-software-management.github.io/rpm/manual/tags.html (SOURCERPM, EPOCH)
 */

/** A source package as InstalledPackage carries it. */
export type SourcePackage = { name: string; version?: string };

/** The version without a Debian binNMU suffix (`1.2-3+b1` → `1.2-3`); undefined when it has none. */
export function withoutBinNmu(version: string): string | undefined {
  const m = /^(.+)\+b\d+$/.exec(version);
  return m?.[1];
}

/**
 * A dpkg source package. With no stated source version (or one equal to the binary's, as some
 * tools write it), the binary's version without a binNMU suffix is the source's; a plain binary
 * version is not copied (the source may differ, e.g. in epoch), so the version is left out and the
 * matcher uses the binary's.
 */
export function debSource(name: string, version: string | undefined, binaryVersion: string): SourcePackage {
  if (version !== undefined && version !== '' && version !== binaryVersion) return { name, version };
  const stripped = withoutBinNmu(binaryVersion);
  return stripped === undefined ? { name } : { name, version: stripped };
}

/** The epoch of an `E:V-R` version, `0` when it has none. */
export function epochOf(version: string): number {
  const m = /^(\d+):/.exec(version);
  return m?.[1] === undefined ? 0 : Number(m[1]);
}

/** `E:V-R` for an epoch and `V-R`, leaving the epoch out when it is 0 (or unknown, `(none)`). */
export function withEpoch(epoch: string | number | undefined | null, versionRelease: string): string {
  if (epoch === undefined || epoch === null || epoch === '' || epoch === '(none)') return versionRelease;
  if (/^\d+:/.test(versionRelease)) return versionRelease;
  const n = Number(epoch);
  return Number.isInteger(n) && n !== 0 ? `${n}:${versionRelease}` : versionRelease;
}

/** `{name, versionRelease}` of a source rpm file name (`openssl-3.0.7-27.el9.src.rpm`); undefined when it is not one. */
export function parseSourceRpm(fileName: string): { name: string; versionRelease: string } | undefined {
  const m = /^(.+)-([^-]+)-([^-]+)\.(?:no)?src\.rpm$/.exec(fileName);
  if (!m?.[1] || !m[2] || !m[3]) return undefined;
  return { name: m[1], versionRelease: `${m[2]}-${m[3]}` };
}

/**
 * The rpm source package of a source rpm file name. The file name has no epoch, but the epoch is
 * set in the spec file and shared by the source and its binaries, and distro advisories give fixed
 * versions with it (`1:3.0.7-28.el9`): so the binary's epoch is put on the source's version.
 */
export function rpmSource(sourceRpm: string, binaryVersion: string): SourcePackage | undefined {
  const parsed = parseSourceRpm(sourceRpm);
  if (!parsed) return undefined;
  return { name: parsed.name, version: withEpoch(epochOf(binaryVersion), parsed.versionRelease) };
}
