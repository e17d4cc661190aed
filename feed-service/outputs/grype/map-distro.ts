/**
 * Distro records (Alpine secdb, Debian tracker, Ubuntu, Red Hat VEX) → grype rows, following
 * grype-db's OS transformer (grype/db/v6/build/transformers/os/transform.go) and, for Ubuntu records
 * read from Canonical's OSV, its Ubuntu strategy (transformers/osv/transform_ubuntu.go):
 *
 * - provider: vunnel's name for the source (`alpine`, `debian`, `ubuntu`, `rhel`); the operating
 *   system row per entry as distro-os.ts says (`debian:12` → debian 12 bookworm; `ubuntu:22.04` →
 *   ubuntu 22.4 jammy, a Pro fix → channel `esm`; `rhel:9` → redhat 9, an EUS product → channel `eus`).
 * - One vulnerability handle per record, status `active` (`rejected` when withdrawn), its blob
 *   `{id, description, refs, aliases, severities}`: refs the record's link then its references;
 *   aliases the CVEs the record names; severities the distro's own rating (`CHMLN`, rank 1) and
 *   every CVSS vector (rank 2). An Ubuntu record keyed `UBUNTU-CVE-…` is named by its upstream CVE
 *   (grype shows Ubuntu findings by CVE), and a withdrawn one is left out, as grype-db does.
 * - One affected package handle per (package, module stream, operating system), the package's
 *   ecosystem the distro's syft type (`apk`, `deb`, `rpm`); one range per fixed-in entry, by state:
 *   `fixed` → `< 1.2.3-r0` and fix `{version, state: fixed}` with the vendor advisories (DSA, RHSA,
 *   USN) as `advisory` references; `affected`, `deferred`, `under_investigation` → every version
 *   (constraint `""`) and `not-fixed`; `will_not_fix` → every version and `wont-fix`; entries that
 *   carry OSV ranges instead of a version (Ubuntu from OSV) → their intervals.
 * - `not_affected`: a package whose every entry says so gets an *unaffected* package handle
 *   (constraint `""`, fix state `not-affected`), which suppresses other providers' matches for it,
 *   except for Alpine: grype-db writes none for apk data, where Alpine's fix `"0"` stays an affected
 *   handle with `< 0`, a range no version satisfies. Mixed with other entries of the same package,
 *   a `not_affected` entry is that same `< 0` range (grype-db's reading of a fix of "0").
 * - rpm handles carry the `rpm_modularity` qualifier: the entry's module stream (`nodejs:18`), or
 *   `""` for a package built outside any module (grype then skips a module build of the package).
 * - Red Hat majors get no per-minor rows: a RHEL 9.4 host reads the major's rows (grype's fallback
 *   when no row has its minor), so each package has one handle per major. (grype-db's newer
 *   "minor span" expansion only pins per-minor fixes that airfeed's records do not carry.)
 */
import { distroById } from '../../../drivers/_framework/names.ts';
import type { FixedIn, VulnRecord } from '../../../drivers/_framework/record.ts';
import type { PackageBlob, Range, Reference, Severity, VulnerabilityBlob } from './blobs.ts';
import { cveAliases, cvssSeverities, osvRanges, withdrawnStatus, wordSeverity } from './map-common.ts';
import { entryOs, osKey } from './distro-os.ts';
import { emptyEntry, type GrypeEntry, type OsRow, type PackageHandle } from './model.ts';

/** vunnel's provider name of each distro airfeed holds. */
export const DISTRO_PROVIDERS: Readonly<Record<string, string>> = { alpine: 'alpine', debian: 'debian', rhel: 'rhel', ubuntu: 'ubuntu' };

/** The syft package type of a distro's packages (the `packages.ecosystem` grype looks them up by). */
function ecosystemOf(distroId: string): string {
  const d = distroById(distroId);
  return d ? d.purlType : distroId;
}

/** The vulnerability blob of a distro record (refs with their OSV type as a tag, when they have one). */
export function distroBlob(r: VulnRecord, name: string, aliases: string[]): VulnerabilityBlob {
  const refs: Reference[] = [];
  if (r.link !== null && r.link.trim() !== '') refs.push({ url: r.link.trim() });
  const seen = new Set(refs.map((x) => x.url));
  // One reference per URL (the first), as the OS transformer keeps links.
  for (const ref of r.references) {
    if (seen.has(ref.url)) continue;
    seen.add(ref.url);
    refs.push(ref.type ? { url: ref.url, tags: [ref.type] } : { url: ref.url });
  }
  const severities: Severity[] = [...wordSeverity(r, 'CHMLN', 1), ...cvssSeverities(r, () => 2)];
  return { id: name, description: r.description.trim(), refs, aliases, severities };
}

/** The advisories (DSA, RHSA, USN) of an entry, as a fix's references. */
function advisoryRefs(f: FixedIn): Reference[] {
  const seen = new Set<string>();
  const out: Reference[] = [];
  for (const a of f.vendorAdvisory?.advisories ?? []) {
    if (!a.link || seen.has(a.link)) continue;
    seen.add(a.link);
    out.push({ url: a.link, id: a.id, tags: ['advisory'] });
  }
  return out;
}

/** The grype ranges of one entry (rules in the module comment); a not_affected entry among others is `< 0`. */
function entryRanges(f: FixedIn): Range[] {
  const type = f.versionScheme;
  const all = (state: 'not-fixed' | 'wont-fix'): Range[] => [{ version: { type, constraint: '' }, fix: { version: '', state } }];
  switch (f.state) {
    case 'not_affected':
      return [{ version: { type, constraint: '< 0' }, fix: { version: '0', state: 'fixed' } }];
    case 'will_not_fix':
      return all('wont-fix');
    case 'affected':
    case 'deferred':
    case 'under_investigation':
      return f.ranges ? nonEmpty(osvRanges(f, type, (c) => c), all('not-fixed')) : all('not-fixed');
    case 'fixed':
      break;
  }
  if (f.version === undefined) return nonEmpty(osvRanges(f, type, (c) => c), all('not-fixed'));
  const references = advisoryRefs(f);
  return [{
    version: { type, constraint: `< ${f.version}` },
    fix: { version: f.version, state: 'fixed', ...(references.length > 0 ? { detail: { references } } : {}) },
  }];
}

function nonEmpty(ranges: Range[], otherwise: Range[]): Range[] {
  return ranges.length > 0 ? ranges : otherwise;
}

interface Group {
  os: OsRow;
  name: string;
  module: string | undefined;
  entries: FixedIn[];
}

/** The name and aliases an Ubuntu-from-OSV record is shown under: its upstream CVE (grype-db's rule). */
function ubuntuName(r: VulnRecord): { name: string; aliases: string[] } | null {
  if (!r.id.startsWith('UBUNTU-') || !r.upstream || r.upstream.length === 0) return null;
  const [first, ...rest] = r.upstream;
  return { name: first ?? r.id, aliases: rest };
}

/** Maps one record of a distro group; null for a record grype-db leaves out (a withdrawn Ubuntu record). */
export function mapDistroRecord(r: VulnRecord): GrypeEntry | null {
  const distroId = r.namespace.slice(0, r.namespace.indexOf(':'));
  const provider = DISTRO_PROVIDERS[distroId] ?? distroId;
  const ubuntu = distroId === 'ubuntu' ? ubuntuName(r) : null;
  if (distroId === 'ubuntu' && r.withdrawn !== null) return null;
  const name = ubuntu?.name ?? r.id;
  const aliases = ubuntu ? ubuntu.aliases : cveAliases(r);
  const entry = emptyEntry(provider, {
    name, status: withdrawnStatus(r), published: r.published, modified: r.modified, withdrawn: r.withdrawn, blob: distroBlob(r, name, aliases),
  });
  const ecosystem = ecosystemOf(distroId);
  const rpm = ecosystem === 'rpm';
  // One handle per (package, module stream, operating system), in the order the record names them.
  const groups = new Map<string, Group>();
  for (const f of r.fixedIn) {
    const os = entryOs(r.namespace, f);
    if (os === null) continue;
    const key = JSON.stringify([f.package, f.moduleStream ?? null, osKey(os)]);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { os, name: f.package, module: f.moduleStream, entries: [] }));
    g.entries.push(f);
  }
  for (const g of groups.values()) {
    const pkg = { ecosystem, name: g.name };
    if (ecosystem !== 'apk' && g.entries.every((f) => f.state === 'not_affected')) {
      // grype-db's unaffected handle: the CVEs and one range, no qualifiers.
      const type = g.entries[0]?.versionScheme ?? ecosystem;
      const handle: PackageHandle = { os: g.os, pkg, blob: { cves: aliases, ranges: [{ version: { type, constraint: '' }, fix: { version: '', state: 'not-affected' } }] } };
      entry.unaffectedPackages.push(handle);
      continue;
    }
    const blob: PackageBlob = { cves: aliases, ...(rpm ? { qualifiers: { rpm_modularity: g.module ?? '' } } : {}), ranges: g.entries.flatMap(entryRanges) };
    entry.affectedPackages.push({ os: g.os, pkg, blob });
  }
  return entry;
}
