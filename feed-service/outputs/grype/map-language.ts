/**
 * Language ecosystem records (the `github:*` groups: GHSA, Go, RustSec, PyPA advisories in OSV form)
 * → grype rows, built to what grype-db writes for vunnel's `github` provider
 * (grype/db/v6/build/transformers/github/transform.go) with the OSV range walk of its OSV
 * transformer (transformers/osv `getGrypeRangesFromRange`), since the records carry OSV ranges:
 *
 * - provider `github` (vunnel's GHSA provider, whose namespace grype shows as
 *   `github:language:<lang>`), for every record of the feed whatever its id prefix;
 * - one vulnerability handle per record: name the record id (`GHSA-…`, `GO-…`, `PYSEC-…`); status
 *   `rejected` with its withdrawn date when withdrawn, else `active`; blob `description` the title
 *   when there is one (GitHub's summary, which grype-db uses), else the details; `refs` the record's
 *   link then its references, once each; `aliases` the CVEs the record names, each also a
 *   `vulnerability_aliases` row (`GHSA-…` → `CVE-…`); severities GitHub's word (`CHML`: critical,
 *   high, medium, low) and every CVSS vector, unranked as grype-db leaves them;
 * - one affected package handle per fixed-in entry, no operating system: the package's ecosystem is
 *   syft's type (`npm`, `python`, `java-archive`, `go-module`, `rust-crate`, `gem`, `dotnet`,
 *   `php-composer`), taken from the entry's purl when it has one (as grype-db's OSV transformer
 *   does), else from the group; the name as grype normalizes it (Python: PEP 503, `Foo_Bar` →
 *   `foo-bar`; Java: lower case `group:artifact`);
 * - one range per OSV interval, version type the vunnel ecosystem name the group is named after
 *   (`npm`, `python`, `java`, `go`, `gem`, `rust`, `nuget`, `composer`: what grype-db writes for
 *   GitHub data, grype reading the ones it has no comparator for as fuzzy), the constraint
 *   normalized as grype-db's `EnforceSemVerConstraint` does for GitHub ranges (`>=1.2.0,<1.4.3`,
 *   `<2.0.1`, `<=0.9`; every version: `""`), and the fix `{version, state: fixed}` when the interval
 *   ends in one, else `{version: "", state: not-fixed}`;
 * - a range whose type grype parses versions of (`python`: PEP 440, `go`, `gem`) but whose
 *   constraint names a version that format rejects (PyPA's PYSEC-2019-125 fixed in `2019-09-12`,
 *   PYSEC-2021-371 in `0.2.0-n653`) gets the type `Unknown`, grype's fuzzy comparison, as grype-db's
 *   GitHub transformer does when `validateAffectedVersion` fails: grype cannot build a PEP 440
 *   constraint of it at match time. (The `npm`, `nuget`, `composer` types are read by grype's lenient
 *   semantic parser, and `java`, `rust` are fuzzy already: not checked.)
 * - OSV's explicit `versions` are used only when an entry has no range to read (they restate the
 *   ranges otherwise): `= 1.0.1 || = 1.0.2`; an entry with neither (only GIT commit ranges) gets no
 *   handle: grype could not evaluate it.
 */
import { ecosystemByGroup, ecosystemByPurlType } from '../../../drivers/_framework/names.ts';
import type { FixedIn, VulnRecord } from '../../../drivers/_framework/record.ts';
import { getComparator } from '../../../drivers/_framework/versions/index.ts';
import type { Range, Reference, VulnerabilityBlob } from './blobs.ts';
import { cveAliases, cvssSeverities, dedupeReferences, enforceSemverConstraint, exactVersions, osvRanges, withdrawnStatus, wordSeverity } from './map-common.ts';
import { emptyEntry, type GrypeEntry } from './model.ts';

export const LANGUAGE_PROVIDER = 'github';

/** airfeed group → vunnel's GitHub ecosystem name (its `ecosystem_map`), which grype-db writes as the range type. */
const VUNNEL_ECOSYSTEM: Readonly<Record<string, string>> = {
  'github:composer': 'composer',
  'github:gem': 'gem',
  'github:go': 'go',
  'github:java': 'java',
  'github:npm': 'npm',
  'github:nuget': 'nuget',
  'github:python': 'python',
  'github:rust': 'rust',
};

/** purl type → syft package type (what grype's `packages.ecosystem` holds). */
const SYFT_TYPE: Readonly<Record<string, string>> = {
  cargo: 'rust-crate',
  composer: 'php-composer',
  gem: 'gem',
  golang: 'go-module',
  maven: 'java-archive',
  npm: 'npm',
  nuget: 'dotnet',
  pypi: 'python',
};

export function isLanguageGroup(group: string): boolean {
  return ecosystemByGroup(group) !== undefined;
}

/** The syft type of an entry's package: from its purl (`pkg:pypi/…`), else from the group. */
function syftType(group: string, f: FixedIn): string {
  const purlType = f.purl !== undefined ? /^pkg:([a-zA-Z0-9.+-]+)\//.exec(f.purl)?.[1]?.toLowerCase() : undefined;
  const fromPurl = purlType !== undefined && ecosystemByPurlType(purlType) ? SYFT_TYPE[purlType] : undefined;
  const fromGroup = ecosystemByGroup(group);
  return fromPurl ?? (fromGroup ? (SYFT_TYPE[fromGroup.purlType] ?? fromGroup.purlType) : group);
}

/** grype's name normalization per package type (grype/db/v6/name). */
export function normalizeName(name: string, type: string): string {
  if (type === 'python') return name.replace(/[-_.]+/g, '-').toLowerCase();
  if (type === 'java-archive') return name.toLowerCase();
  return name;
}

function languageBlob(r: VulnRecord, aliases: string[]): VulnerabilityBlob {
  const refs: Reference[] = [];
  if (r.link !== null && r.link.trim() !== '') refs.push({ url: r.link.trim() });
  for (const ref of r.references) if (ref.url.trim() !== '') refs.push({ url: ref.url.trim() });
  return {
    id: r.id,
    description: (r.title ?? r.description).trim(),
    refs: dedupeReferences(refs),
    aliases,
    severities: [...wordSeverity(r, 'CHML', 0), ...cvssSeverities(r, () => 0)],
  };
}

function entryRanges(f: FixedIn, type: string): Range[] {
  const ranges = osvRanges(f, type, enforceSemverConstraint);
  if (ranges.length > 0 || (f.ranges ?? []).some((r) => r.type !== 'GIT')) return ranges;
  if (f.versions) return [{ version: { type, constraint: exactVersions(f.versions) }, fix: { version: '', state: 'not-fixed' } }];
  if (f.version !== undefined) return [{ version: { type, constraint: enforceSemverConstraint(`< ${f.version}`) }, fix: { version: f.version, state: 'fixed' } }];
  if (!f.ranges && f.state !== 'fixed' && f.state !== 'not_affected') return [{ version: { type, constraint: '' }, fix: { version: '', state: f.state === 'will_not_fix' ? 'wont-fix' : 'not-fixed' } }];
  return [];
}

/** grype's name of its fuzzy version format (version.UnknownFormat.String()). */
export const UNKNOWN_FORMAT = 'Unknown';

/** The comparator that reads versions as grype's format of a range type does, for the types checked (module comment). */
const CHECKED: Readonly<Record<string, (v: string) => boolean>> = {
  python: (v) => getComparator('pep440').valid(v),
  gem: (v) => getComparator('gem').valid(v),
  // grype's Go format reads `1.2.3` as `v1.2.3` (OSV writes no `v`).
  go: (v) => getComparator('go').valid(v.startsWith('v') ? v : `v${v}`),
};

/** `range` as grype-db keeps it: its type `Unknown` when grype's format of the type rejects a version of the constraint. */
function validated(range: Range): Range {
  const valid = CHECKED[range.version.type];
  if (valid === undefined) return range;
  for (const m of range.version.constraint.matchAll(/(?:>=|<=|!=|>|<|=)\s*([^,|\s]+)/g)) {
    if (!valid(m[1]!)) return { ...range, version: { ...range.version, type: UNKNOWN_FORMAT } };
  }
  return range;
}

/** Maps one record of a `github:*` group. */
export function mapLanguageRecord(r: VulnRecord): GrypeEntry | null {
  const type = VUNNEL_ECOSYSTEM[r.namespace];
  if (type === undefined) return null;
  const aliases = cveAliases(r);
  const entry = emptyEntry(LANGUAGE_PROVIDER, {
    name: r.id, status: withdrawnStatus(r), published: r.published, modified: r.modified, withdrawn: r.withdrawn, blob: languageBlob(r, aliases),
  });
  for (const f of r.fixedIn) {
    if (f.state === 'not_affected') continue;
    const ranges = entryRanges(f, type).map(validated);
    if (ranges.length === 0) continue;
    const ecosystem = syftType(r.namespace, f);
    entry.affectedPackages.push({ os: null, pkg: { ecosystem, name: normalizeName(f.package, ecosystem) }, blob: { cves: aliases, ranges } });
  }
  return entry;
}
