/**
 * NVD records (`nvdv2:cves`) → grype rows, following grype-db's NVD transformer
 * (grype/db/v6/build/transformers/nvd/transform.go):
 *
 * - provider `nvd`; one vulnerability handle per CVE, its status from NVD's `vulnStatus`
 *   (Analyzed, Modified → `active`; Awaiting/Undergoing Analysis → `analyzing`; Rejected →
 *   `rejected`; Received, Deferred or none → grype's unknown status, the empty string);
 * - blob: the English description; refs `https://nvd.nist.gov/vuln/detail/<id>` first, then NVD's
 *   references with their tags lower-cased and hyphenated (`Vendor Advisory` → `vendor-advisory`),
 *   sorted; severities every CVSS metric with its source, Primary before Secondary, NVD's own before
 *   other sources (those in name order), newer CVSS versions first; rank 1 for Primary, 2 for
 *   Secondary;
 * - one affected CPE handle per candidate of the configurations (nvd-config.ts): the CPE row (ANY
 *   as the empty string), blob `{cves: [id], qualifiers: {platform_cpes}, ranges}`; a range's
 *   version type is `jvm` for a JVM product (`jdk`, `jre`, `openjdk`, …), else the format grype
 *   reads from the CPE's target software (`python`, `go`, `gem`, `maven`, `rpm`, `deb`, `apk`,
 *   `semantic` for npm/nuget/composer-like ones), else none (grype then compares fuzzily); a type
 *   whose comparator rejects a version of the constraint is dropped, as grype-db's validation does;
 *   the fix is the inferred one (`< 7.3` alone → fixed in 7.3);
 * - one CWE handle per CWE of the weaknesses (`NVD-CWE-Other` kept, `NVD-CWE-noinfo` dropped).
 *
 * grype-db also turns a few curated CPEs into ecosystem package handles (its
 * CPEPackageSpecifierLookup); that table is grype's own curation, not NVD data, and is not applied.
 */
import type { VulnRecord } from '../../../drivers/_framework/record.ts';
import { getComparator, isSchemeName } from '../../../drivers/_framework/versions/index.ts';
import type { Range, Reference, Severity, VulnerabilityBlob } from './blobs.ts';
import { type CpeAttributes, formatCpe } from './cpe.ts';
import { dedupeReferences } from './map-common.ts';
import { emptyEntry, type GrypeEntry, type VulnerabilityStatus } from './model.ts';
import { cpeCandidates, inferredFix, rangeConstraint } from './nvd-config.ts';

export const NVD_PROVIDER = 'nvd';

export function isNvdGroup(group: string): boolean {
  return group.startsWith('nvdv2:');
}

/** grype's status of an NVD `vulnStatus` ('' is grype's unknown status). */
export function nvdStatus(r: VulnRecord): VulnerabilityStatus {
  switch (r.status) {
    case 'Analyzed':
    case 'Modified':
      return 'active';
    case 'Awaiting Analysis':
    case 'Undergoing Analysis':
      return 'analyzing';
    case 'Rejected':
      return 'rejected';
    default:
      return r.withdrawn ? 'rejected' : '';
  }
}

/** NVD reference tags as grype normalizes them: `Vendor Advisory` → `vendor-advisory`, sorted. */
export function normalizeTags(tags: readonly string[]): string[] {
  return tags.map((t) => t.trim().toLowerCase().replace(/[ _]/g, '-')).sort();
}

function cvssVersionCmp(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am - bm || an - bn;
}

/** Severities in grype-db's order (cve.go `CvssSummaries.Sorted`), ranked by type. */
function nvdSeverities(r: VulnRecord): Severity[] {
  const nvd = 'nvd@nist.gov';
  const sorted = [...r.cvss].sort((a, b) => {
    const ap = a.type === 'Secondary' ? 1 : 0;
    const bp = b.type === 'Secondary' ? 1 : 0;
    if (ap !== bp) return ap - bp;
    const as = a.source ?? '';
    const bs = b.source ?? '';
    if (as !== bs) {
      if (as === nvd) return -1;
      if (bs === nvd) return 1;
      return as < bs ? -1 : 1;
    }
    return cvssVersionCmp(b.version, a.version);
  });
  return sorted.map((c) => ({
    scheme: 'CVSS', value: { vector: c.vector, version: c.version }, ...(c.source ? { source: c.source } : {}), rank: c.type === 'Secondary' ? 2 : 1,
  }));
}

function nvdBlob(r: VulnRecord): VulnerabilityBlob {
  const refs: Reference[] = [{ url: `https://nvd.nist.gov/vuln/detail/${r.id}` }];
  for (const ref of r.references) {
    if (ref.url === '') continue;
    const tags = normalizeTags(ref.tags ?? []);
    refs.push(tags.length > 0 ? { url: ref.url, tags } : { url: ref.url });
  }
  return { id: r.id, description: r.description.trim(), refs: dedupeReferences(refs), severities: nvdSeverities(r) };
}

/** JVM product names (grype/pkg `HasJvmPackageName`). */
const JVM = new Set(['java_se', 'jre', 'jdk', 'zulu', 'openjdk', 'java', 'java/jre', 'java/jdk']);

/** grype's version format names (version/format.go `ParseFormat`), lower-cased, by the strings that name them. */
const FORMATS: Readonly<Record<string, string>> = {
  semantic: 'semantic', semver: 'semantic', npm: 'semantic', nuget: 'semantic', composer: 'semantic', hex: 'semantic', pub: 'semantic',
  swift: 'semantic', conan: 'semantic', cocoapods: 'semantic', hackage: 'semantic',
  apk: 'apk', bitnami: 'bitnami', deb: 'deb', dpkg: 'deb', go: 'go', golang: 'go', maven: 'maven', rpm: 'rpm', python: 'python',
  kb: 'kb', gem: 'gem', portage: 'portage', jvm: 'jvm', jre: 'jvm', jdk: 'jvm', openjdk: 'jvm', jep223: 'jvm',
};

/** airfeed's comparator for a grype format, to check a constraint's versions with. */
const CHECK_SCHEME: Readonly<Record<string, string>> = { semantic: 'semver', apk: 'apk', deb: 'dpkg', go: 'go', maven: 'maven', rpm: 'rpm', python: 'pep440', gem: 'gem' };

function versionType(cpe: CpeAttributes, constraint: string): string {
  if (JVM.has(cpe.product)) return 'jvm';
  const type = FORMATS[cpe.targetSw.toLowerCase()] ?? '';
  const scheme = CHECK_SCHEME[type];
  if (scheme === undefined || !isSchemeName(scheme)) return type;
  const cmp = getComparator(scheme);
  for (const m of constraint.matchAll(/(?:>=|<=|>|<|=)\s*([^,\s]+)/g)) {
    try {
      cmp.parse(m[1]!);
    } catch {
      return '';
    }
  }
  return type;
}

/** Maps one NVD record. */
export function mapNvdRecord(r: VulnRecord): GrypeEntry {
  const entry = emptyEntry(NVD_PROVIDER, {
    name: r.id, status: nvdStatus(r), published: r.published, modified: r.modified, withdrawn: r.withdrawn, blob: nvdBlob(r),
  });
  for (const c of cpeCandidates(r.configurations ?? [])) {
    const ranges: Range[] = c.ranges.map((range) => {
      const constraint = rangeConstraint(range);
      const fix = inferredFix(range, c.cpe);
      return { version: { type: versionType(c.cpe, constraint), constraint }, ...(fix !== null ? { fix: { version: fix, state: 'fixed' as const } } : {}) };
    });
    entry.affectedCpes.push({
      cpe: {
        part: c.cpe.part, vendor: c.cpe.vendor, product: c.cpe.product, edition: c.cpe.edition, language: c.cpe.language,
        softwareEdition: c.cpe.swEdition, targetHardware: c.cpe.targetHw, targetSoftware: c.cpe.targetSw, other: c.cpe.other,
      },
      blob: { cves: [r.id], ...(c.platforms.length > 0 ? { qualifiers: { platform_cpes: c.platforms.map(formatCpe) } } : {}), ranges },
    });
  }
  for (const w of r.weaknesses ?? []) {
    if (w.id === 'NVD-CWE-noinfo') continue;
    entry.cwes.push({ cve: r.id, cwe: w.id, source: w.source ?? '', type: w.type ?? '' });
  }
  return entry;
}
