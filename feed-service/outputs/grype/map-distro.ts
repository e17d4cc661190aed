/**
 * Distro records (Alpine secdb today; Debian, Ubuntu and RHEL states with record schema v2) → grype
 * rows, following grype-db's OS transformer (grype/db/v6/build/transformers/os/transform.go):
 *
 * - The group names the operating system the way an Anchore namespace does, `<id>:<version>`:
 *   `alpine:3.20` is `{name: alpine, release_id: alpine, major 3, minor 20}`; a version that does
 *   not start with a digit is a label, `alpine:edge` is `{label_version: edge}` (grype resolves an
 *   `…_alpha…` VERSION_ID to it through the `alpine` specifier override).
 * - One vulnerability handle per record (`provider` = the driver's vunnel name, status `active`),
 *   its blob `{id, description, refs, aliases, severities}`; `refs` is the record's link, then its
 *   references.
 * - One affected package handle per package, ecosystem = the distro's syft package type (`apk`),
 *   with one range per fixed-in entry: `< <fix>` and fix `{version, state: fixed}`. A fix of
 *   `"None"` is the empty constraint (every version) with state `not-fixed`, or `wont-fix` when the
 *   vendor says no advisory will come.
 * - Alpine's fix `"0"` ("this branch never had it") stays an affected handle with `< 0`, which no
 *   version satisfies: grype-db emits no unaffected handles for apk data either, because grype's apk
 *   matcher reads `< 0` as "not affected" itself.
 */
import type { VulnRecord } from '../../../drivers/_framework/record.ts';
import type { Range, Severity, VulnerabilityBlob } from './blobs.ts';
import { emptyEntry, type GrypeEntry, type OsRow, type PackageHandle, type VulnerabilityStatus } from './model.ts';

/** airfeed driver id → vunnel provider id and the syft package type of its packages. */
const DISTROS: Readonly<Record<string, { provider: string; ecosystem: string }>> = {
  alpine: { provider: 'alpine', ecosystem: 'apk' },
};

/** os-release ID → grype's distro type name (grype/distro IDMapping), where they differ. */
const OS_NAMES: Readonly<Record<string, string>> = { rhel: 'redhat' };

export function isDistroDriver(driver: string): boolean {
  return driver in DISTROS;
}

const CVE = /^CVE-\d{4}-\d{4,}$/;

/** The operating system a distro group's records apply to: `alpine:3.20`, `alpine:edge`, `rhel:9+eus`. */
export function osOfGroup(group: string): OsRow {
  const colon = group.indexOf(':');
  const id = group.slice(0, colon);
  let version = group.slice(colon + 1);
  let channel = '';
  const plus = version.indexOf('+');
  if (plus >= 0) {
    channel = version.slice(plus + 1);
    version = version.slice(0, plus);
  }
  const fields = version.split('.');
  const numeric = /^\d/.test(version);
  return {
    name: OS_NAMES[id] ?? id,
    releaseId: id,
    major: numeric ? (fields[0] ?? '') : '',
    minor: numeric ? (fields[1] ?? '') : '',
    label: numeric ? '' : version,
    codename: '',
    channel,
  };
}

export function vulnerabilityStatus(r: VulnRecord): VulnerabilityStatus {
  return r.withdrawn ? 'rejected' : 'active';
}

/** The vulnerability blob every mapping shares: id, description, refs, aliases, severities. */
export function vulnerabilityBlob(r: VulnRecord): VulnerabilityBlob {
  const seen = new Set<string>();
  const refs: VulnerabilityBlob['refs'] = [];
  if (r.link && r.link.trim() !== '') {
    seen.add(r.link);
    refs.push({ url: r.link });
  }
  for (const ref of r.references) {
    if (seen.has(ref.url)) continue;
    seen.add(ref.url);
    refs.push(ref.type ? { url: ref.url, tags: [ref.type] } : { url: ref.url });
  }
  const severities: Severity[] = [];
  if (r.severity !== 'Unknown') severities.push({ scheme: 'CHMLN', value: r.severity.toLowerCase(), rank: 1 });
  for (const c of r.cvss) {
    severities.push({ scheme: 'CVSS', value: { vector: c.vector, version: c.version }, ...(c.source ? { source: c.source } : {}), rank: 2 });
  }
  return { id: r.id, description: r.description.trim(), refs, aliases: r.aliases, severities };
}

/** CVE ids among the aliases: what grype-db puts in a package blob's `cves`. */
export function cveAliases(r: VulnRecord): string[] {
  return r.aliases.filter((a) => CVE.test(a));
}

/** `vulnerability_aliases` rows: a non-CVE name and the CVE it is (the CVE is upstream of it). */
export function aliasRows(r: VulnRecord): { name: string; alias: string }[] {
  if (CVE.test(r.id)) return [];
  return cveAliases(r).map((alias) => ({ name: r.id, alias }));
}

/**
 * One fixed-in entry as a grype range, by its state (record schema v2): a fix is `< fix`; a package
 * the distro says is not affected is `< 0` (matches no version), as grype-db writes Alpine's "0";
 * no fix yet is every version with fix state `not-fixed` (deferred and under investigation too:
 * grype's blob has no state for them), and a decision not to
 * fix is `wont-fix`, which grype shows as such.
 */
function distroRange(fix: VulnRecord['fixedIn'][number]): Range {
  const all = (state: 'not-fixed' | 'wont-fix'): Range => ({ version: { type: fix.versionScheme, constraint: '' }, fix: { version: '', state } });
  switch (fix.state) {
    case 'not_affected':
      return { version: { type: fix.versionScheme, constraint: '< 0' }, fix: { version: '0', state: 'fixed' } };
    case 'will_not_fix':
      return all('wont-fix');
    case 'under_investigation':
    case 'affected':
    case 'deferred':
      return all('not-fixed');
    case 'fixed':
      break;
  }
  const version = fix.version ?? '';
  if (version === '') return all('not-fixed');
  const references = (fix.vendorAdvisory?.advisories ?? [])
    .filter((a) => a.link)
    .map((a) => ({ url: a.link ?? '', id: a.id, tags: ['advisory'] }));
  return {
    version: { type: fix.versionScheme, constraint: `< ${version}` },
    fix: { version, state: 'fixed', ...(references.length > 0 ? { detail: { references } } : {}) },
  };
}

/** Maps one record of a distro group; null when the driver is not a distro this module knows. */
export function mapDistroRecord(r: VulnRecord, driver: string): GrypeEntry | null {
  const distro = DISTROS[driver];
  if (!distro) return null;
  const entry = emptyEntry(distro.provider, {
    name: r.id,
    status: vulnerabilityStatus(r),
    published: r.published,
    modified: r.modified,
    withdrawn: r.withdrawn,
    blob: vulnerabilityBlob(r),
  });
  const os = osOfGroup(r.namespace);
  const cves = cveAliases(r);
  // One handle per package, its fixed-in entries as ranges, in the record's (sorted) order.
  const byPackage = new Map<string, PackageHandle>();
  for (const fix of r.fixedIn) {
    let handle = byPackage.get(fix.package);
    if (!handle) {
      handle = { os, pkg: { ecosystem: distro.ecosystem, name: fix.package }, blob: { cves, ranges: [] } };
      byPackage.set(fix.package, handle);
      entry.affectedPackages.push(handle);
    }
    handle.blob.ranges?.push(distroRange(fix));
  }
  entry.aliases = aliasRows(r);
  return entry;
}
