/**
 * The JSON documents grype keeps in the `blobs` table, shaped as grype's Go structs marshal them
 * (grype/db/v6/blobs.go; JSON Schema `blob-schema-6.1.9.json`): keys in struct order, and a field
 * tagged `omitempty` left out when it is empty (an empty string, an empty list, an absent object).
 * Three kinds exist:
 *
 * - VulnerabilityBlob, one per vulnerability handle:
 *   `{"id":"CVE-2024-1234","refs":[{"url":"https://security.alpinelinux.org/vuln/CVE-2024-1234"}]}`
 * - PackageBlob, one per affected/unaffected package or CPE handle:
 *   `{"ranges":[{"version":{"type":"apk","constraint":"< 1.2.3-r0"},"fix":{"version":"1.2.3-r0","state":"fixed"}}]}`
 * - KnownExploitedVulnerabilityBlob, one per KEV handle: `{"cve":"CVE-2021-44228","vendor_project":"Apache",…}`
 *
 * Which fields are `omitempty` is read off the blob JSON Schema grype generates from those structs:
 * a field it lists as `required` is written even when empty (`id`, `url`, `scheme`, `value`, `rank`,
 * `cve`), every other one is left out when empty — also a fix's `version` and `state` and a range's
 * `type` and `constraint`.
 *
 * Blobs are stored once per distinct text (grype deduplicates them the same way), so the text must
 * be a pure function of its content: no clock, no map order.
 */

export interface Reference {
  url: string;
  id?: string;
  tags?: string[];
}

/** A CVSS vector as grype's `CVSSSeverity` carries it. */
export interface CvssValue {
  vector: string;
  version?: string;
}

export interface Severity {
  /**
   * `CHMLN` (critical…negligible, as a lower-case word: the OS providers' severity), `CHML` (the
   * GitHub provider's, which has no negligible) or `CVSS`.
   */
  scheme: 'CHMLN' | 'CHML' | 'CVSS';
  value: string | CvssValue;
  source?: string;
  /**
   * grype's free-form priority, as grype-db sets it per provider: OS providers 1 for their own rating
   * and 2 for CVSS; NVD 1 for a Primary metric and 2 for a Secondary one; GitHub none (0).
   */
  rank: number;
}

export interface VulnerabilityBlob {
  id: string;
  assigner?: string[];
  description?: string;
  refs?: Reference[];
  aliases?: string[];
  severities?: Severity[];
}

/** grype's FixStatus values. */
export type FixState = 'fixed' | 'not-fixed' | 'wont-fix' | 'not-affected';

export interface Fix {
  version: string;
  state: FixState;
  detail?: { available?: { date: string; kind?: string }; references?: Reference[] };
}

export interface Range {
  version: { type: string; constraint: string };
  fix?: Fix;
}

export interface PackageQualifiers {
  rpm_modularity?: string;
  platform_cpes?: string[];
}

export interface PackageBlob {
  cves?: string[];
  qualifiers?: PackageQualifiers;
  ranges?: Range[];
}

export interface KevBlob {
  cve: string;
  vendor_project?: string;
  product?: string;
  date_added?: string;
  required_action?: string;
  due_date?: string;
  known_ransomware_campaign_use?: string;
  notes?: string;
  urls?: string[];
  cwes?: string[];
}

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** Drops what Go's `omitempty` drops: undefined, empty strings, empty lists, empty objects. */
function compact(value: unknown): Json | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (Array.isArray(value)) {
    const out = value.map(compact).filter((v): v is Json => v !== undefined);
    return out.length === 0 ? undefined : out;
  }
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const c = compact(v);
    if (c !== undefined) out[k] = c;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/** Keys in grype's struct order; `omitempty` fields left out when empty. */
function ordered(keys: readonly string[], value: object, keep: readonly string[] = []): Record<string, Json> {
  const source = value as Record<string, unknown>;
  const out: Record<string, Json> = {};
  for (const k of keys) {
    const c = compact(source[k]);
    if (c !== undefined) out[k] = c;
    // Fields without omitempty in grype's structs are written even when empty.
    else if (keep.includes(k)) out[k] = typeof source[k] === 'string' ? '' : null;
  }
  return out;
}

function reference(r: Reference): Record<string, Json> {
  return ordered(['url', 'id', 'tags'], r, ['url']);
}

function severity(s: Severity): Record<string, Json> {
  const value: Json = typeof s.value === 'string' ? s.value : ordered(['vector', 'version'], s.value, ['vector']);
  return { scheme: s.scheme, value, ...(s.source ? { source: s.source } : {}), rank: s.rank };
}

function fix(f: Fix): Record<string, Json> {
  // Version and state are `omitempty` in grype's Fix: a fix with no version is `{"state":"not-fixed"}`.
  const out = ordered(['version', 'state'], f);
  const detail = f.detail && compact({
    available: f.detail.available && ordered(['date', 'kind'], f.detail.available),
    references: f.detail.references?.map(reference),
  });
  if (detail !== undefined) out['detail'] = detail;
  return out;
}

export function vulnerabilityBlobText(b: VulnerabilityBlob): string {
  const out: Record<string, Json> = { id: b.id };
  Object.assign(out, ordered(['assigner', 'description'], b));
  if (b.refs && b.refs.length > 0) out['refs'] = b.refs.map(reference);
  Object.assign(out, ordered(['aliases'], b));
  if (b.severities && b.severities.length > 0) out['severities'] = b.severities.map(severity);
  return JSON.stringify(out);
}

export function packageBlobText(b: PackageBlob): string {
  const out: Record<string, Json> = {};
  Object.assign(out, ordered(['cves'], b));
  if (b.qualifiers) {
    // rpm_modularity "" is meaningful (the package must have no module): kept when present.
    const q: Record<string, Json> = {};
    if (b.qualifiers.rpm_modularity !== undefined) q['rpm_modularity'] = b.qualifiers.rpm_modularity;
    if (b.qualifiers.platform_cpes && b.qualifiers.platform_cpes.length > 0) q['platform_cpes'] = b.qualifiers.platform_cpes;
    if (Object.keys(q).length > 0) out['qualifiers'] = q;
  }
  if (b.ranges && b.ranges.length > 0) {
    out['ranges'] = b.ranges.map((r) => {
      // Type and constraint are `omitempty` too: every version of a package is `"version":{"type":"dpkg"}`.
      const range: Record<string, Json> = { version: ordered(['type', 'constraint'], r.version) };
      if (r.fix) range['fix'] = fix(r.fix);
      return range;
    });
  }
  return JSON.stringify(out);
}

export function kevBlobText(b: KevBlob): string {
  return JSON.stringify(
    ordered(['cve', 'vendor_project', 'product', 'date_added', 'required_action', 'due_date', 'known_ransomware_campaign_use', 'notes', 'urls', 'cwes'], b, ['cve']),
  );
}
