/**
 * grype's distro lookup, written out for tests against the SQLite file alone (grype/db/v6:
 * operating_system_store.go, affected_package_store.go; grype/version constraints):
 *
 * 1. The distro becomes an OS specifier: `alpine` 3.20.3 is name alpine, major 3, minor 20,
 *    remaining 3. The `operating_system_specifier_overrides` rows for the name are tried in order;
 *    the first that applies (client-schema constraint, codename, exact version, version pattern on
 *    the full version or label) replaces name, major, minor, label; `rolling` clears the version.
 * 2. Operating systems: name (or release_id) equal, ignoring case; label against codename or
 *    label_version; channel empty; then the most specific version match that exists: major and
 *    minor, else major with an empty minor, else major with any minor.
 * 3. Packages by name (ignoring case) and ecosystem (`apk`, `deb`, `rpm`); for a distro package
 *    grype asks for its own name and its source (origin, `Source:`, source rpm) name.
 * 4. A handle matches when any blob range's constraint holds for the installed version: `< 1.2-r0`,
 *    conjunctions with `,`, alternatives with `||`, and the empty constraint (every version). A
 *    version that cannot be compared (`1.11-20-r0` is no apk version) makes the range fail to
 *    evaluate, which grype's matcher skips: no finding, as the engine reports no match for it either.
 * 5. rpm handles carry `rpm_modularity`: `""` holds for a package built outside any module, a
 *    stream (`nodejs:18`) for a package of that module stream only.
 * 6. An unaffected handle of the same vulnerability and package whose range holds takes the
 *    finding back (grype's not-affected suppression).
 */
import type Database from 'better-sqlite3';
import { compareVersions } from '../../drivers/_framework/versions/index.ts';

const CLIENT_SCHEMA = [6, 1, 9];

interface Override {
  version: string;
  version_pattern: string;
  codename: string;
  replacement: string | null;
  replacement_major_version: string | null;
  replacement_minor_version: string | null;
  replacement_label_version: string | null;
  rolling: number;
  applicable_client_db_schemas: string;
}

interface Specifier {
  name: string;
  major: string;
  minor: string;
  remaining: string;
  label: string;
}

function trimZeroes(s: string): string {
  if (s === '') return s;
  const t = s.replace(/^0+/, '');
  return t === '' ? '0' : t;
}

function fullVersion(d: Specifier): string {
  if (d.major === '') return d.label;
  if (d.minor === '') return d.major;
  return d.remaining === '' ? `${d.major}.${d.minor}` : `${d.major}.${d.minor}.${d.remaining}`;
}

function schemaSatisfies(constraint: string): boolean {
  const m = /^\s*(<|<=|>|>=|=)\s*(\d+)\.(\d+)\.(\d+)\s*$/.exec(constraint);
  if (!m) return false;
  const want = [Number(m[2]), Number(m[3]), Number(m[4])];
  let c = 0;
  for (let i = 0; i < 3 && c === 0; i++) c = Math.sign(CLIENT_SCHEMA[i]! - want[i]!);
  return { '<': c < 0, '<=': c <= 0, '>': c > 0, '>=': c >= 0, '=': c === 0 }[m[1] as '<'];
}

/** The `operating_systems` ids grype searches for a distro (`alpine`, `3.20.3`). */
export function resolveOs(db: Database.Database, name: string, version: string, codename = ''): number[] {
  const [major = '', minor = '', ...rest] = /^\d/.test(version) ? version.split('.') : [];
  const d: Specifier = { name, major, minor, remaining: rest.join('.'), label: /^\d/.test(version) ? codename : version };
  const overrides = db.prepare('select * from operating_system_specifier_overrides where alias = ? collate nocase').all(d.name) as Override[];
  for (const a of overrides) {
    if (a.applicable_client_db_schemas !== '' && !schemaSatisfies(a.applicable_client_db_schemas)) continue;
    if (a.codename !== '' && a.codename !== d.label) continue;
    if (a.version !== '' && a.version !== fullVersion(d)) continue;
    if (a.version_pattern !== '') {
      const re = new RegExp(a.version_pattern);
      if (!re.test(fullVersion(d)) && !(d.label !== '' && re.test(d.label))) continue;
    }
    if (a.replacement !== null) d.name = a.replacement;
    if (a.rolling) {
      d.major = '';
      d.minor = '';
    }
    if (a.replacement_major_version !== null) d.major = a.replacement_major_version;
    if (a.replacement_minor_version !== null) d.minor = a.replacement_minor_version;
    if (a.replacement_label_version !== null) d.label = a.replacement_label_version;
    break;
  }
  d.major = trimZeroes(d.major);
  d.minor = trimZeroes(d.minor);
  let where = "(name = ? collate nocase or release_id = ? collate nocase) and (channel is null or channel = '')";
  const args: string[] = [d.name, d.name];
  if (d.label !== '') {
    where += ' and (codename = ? collate nocase or label_version = ? collate nocase)';
    args.push(d.label, d.label);
  }
  const ids = (extra: string, more: string[]): number[] =>
    (db.prepare(`select id from operating_systems where ${where}${extra} order by id`).all(...args, ...more) as { id: number }[]).map((r) => r.id);
  if (d.major === '' && d.minor === '') return ids('', []);
  if (d.minor !== '') {
    const exact = ids(' and major_version = ? and minor_version = ?', [d.major, d.minor]);
    if (exact.length > 0) return exact;
  }
  const majorOnly = ids(" and major_version = ? and minor_version = ''", [d.major]);
  if (majorOnly.length > 0) return majorOnly;
  return ids(' and major_version = ?', [d.major]);
}

/**
 * The clauses of a grype constraint (`>= 1.2, < 1.4 || = 2.0`: alternatives of conjunctions of
 * operator and version), or an error naming the part grype's parser would reject.
 */
export function constraintClauses(constraint: string): { op: string; version: string }[][] {
  if (constraint.trim() === '') return [];
  return constraint.split('||').map((alt) =>
    alt.split(',').map((part) => {
      const m = /^\s*(<=|>=|!=|<|>|=)?\s*(\S+)\s*$/.exec(part);
      if (!m) throw new Error(`unreadable constraint part "${part}" in "${constraint}"`);
      return { op: m[1] ?? '=', version: m[2]! };
    }),
  );
}

/** Whether `version` satisfies a grype constraint in `scheme` (or by `cmp`, a comparator's compare). */
export function satisfies(constraint: string, version: string, scheme: string, cmp?: (a: string, b: string) => number): boolean {
  if (constraint.trim() === '') return true;
  return constraint.split('||').some((alt) =>
    alt.split(',').every((part) => {
      const m = /^\s*(<=|>=|!=|<|>|=)?\s*(\S+)\s*$/.exec(part);
      if (!m) throw new Error(`unreadable constraint part "${part}" in "${constraint}"`);
      const c = cmp ? cmp(version, m[2]!) : compareVersions(scheme, version, m[2]!);
      switch (m[1] ?? '=') {
        case '<': return c < 0;
        case '<=': return c <= 0;
        case '>': return c > 0;
        case '>=': return c >= 0;
        case '!=': return c !== 0;
        default: return c === 0;
      }
    }),
  );
}

export interface GrypeFinding {
  id: string;
  fix: string | null;
}

interface BlobRange {
  version: { type?: string; constraint?: string };
  fix?: { version?: string; state?: string };
}

interface PackageBlobJson {
  qualifiers?: { rpm_modularity?: string };
  ranges?: BlobRange[];
}

/** grype range type → airfeed comparator. */
const SCHEME: Readonly<Record<string, string>> = { apk: 'apk', dpkg: 'dpkg', deb: 'dpkg', rpm: 'rpm' };

function holds(range: BlobRange, version: string, cmp?: (a: string, b: string) => number): boolean {
  try {
    return satisfies(range.version.constraint ?? '', version, SCHEME[range.version.type ?? ''] ?? range.version.type ?? '', cmp);
  } catch {
    return false;
  }
}

export interface LookupOptions {
  /** The package's syft type: `apk` (default), `deb`, `rpm`. */
  ecosystem?: string;
  /** The rpm module stream the installed package was built in (`nodejs:18`); none for a package outside modules. */
  module?: string;
  /**
   * How versions compare, for a language package: grype compares by the installed package's type
   * (a `python` package by PEP 440, a `go-module` by Go's rules) whatever the range's type says.
   */
  compare?: (a: string, b: string) => number;
}

export interface GrypeFindingState extends GrypeFinding {
  /** The range's fix state: `fixed`, `not-fixed`, `wont-fix`. */
  state: string;
}

/** The vulnerabilities grype's distro lookup finds for an installed package (its names, version) on `os` ids. */
export function grypeFindings(db: Database.Database, osIds: number[] | null, names: string[], version: string, options: LookupOptions = {}): GrypeFinding[] {
  return grypeFindingStates(db, osIds, names, version, options).map(({ id, fix }) => ({ id, fix }));
}

/**
 * grypeFindings with each finding's fix state; `osIds` null is the lookup of a language package
 * (handles with no operating system).
 */
export function grypeFindingStates(db: Database.Database, osIds: number[] | null, names: string[], version: string, options: LookupOptions = {}): GrypeFindingState[] {
  if (osIds !== null && osIds.length === 0) return [];
  const ecosystem = options.ecosystem ?? 'apk';
  const query = (table: string): Database.Statement => db.prepare(`
    select v.name as id, b.value as blob from ${table} a
    join packages p on p.id = a.package_id
    join vulnerability_handles v on v.id = a.vulnerability_id
    join blobs b on b.id = a.blob_id
    where p.ecosystem = ? collate nocase and p.name = ? collate nocase
      and ${osIds === null ? 'a.operating_system_id is null' : `a.operating_system_id in (${osIds.map(() => '?').join(',')})`}`);
  const affected = query('affected_package_handles');
  const unaffected = query('unaffected_package_handles');
  const found = new Map<string, { fix: string | null; state: string }>();
  const cleared = new Set<string>();
  const cmp = options.compare;
  for (const name of new Set(names)) {
    for (const r of affected.all(ecosystem, name, ...(osIds ?? [])) as { id: string; blob: string }[]) {
      const blob = JSON.parse(r.blob) as PackageBlobJson;
      const modularity = blob.qualifiers?.rpm_modularity;
      if (modularity !== undefined && modularity !== (options.module ?? '') && !(options.module ?? '').startsWith(`${modularity}:`)) continue;
      for (const range of blob.ranges ?? []) {
        if (holds(range, version, cmp) && !found.has(r.id)) found.set(r.id, { fix: range.fix?.state === 'fixed' ? (range.fix.version ?? null) : null, state: range.fix?.state ?? '' });
      }
    }
    for (const r of unaffected.all(ecosystem, name, ...(osIds ?? [])) as { id: string; blob: string }[]) {
      const blob = JSON.parse(r.blob) as PackageBlobJson;
      if ((blob.ranges ?? []).some((range) => holds(range, version, cmp))) cleared.add(r.id);
    }
  }
  return [...found].filter(([id]) => !cleared.has(id)).map(([id, f]) => ({ id, ...f })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
