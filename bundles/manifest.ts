/**
 * The bundle manifest: what a bundle holds, signed as exact bytes. Written as canonical JSON (sorted
 * keys, no whitespace), so equal content gives equal bytes, and read strictly with zod: unknown keys,
 * inconsistent counts, unsorted or unsafe member paths are refused.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { z } from 'zod';
import { canonicalJson } from '../drivers/_framework/canonical.ts';
import { AirfeedError } from '../drivers/_framework/errors.ts';
import { unsafePathReason } from './tar.ts';

/**
 * The bundle format written: 2, whose records are of record schema 2. Format 1 (airfeed 0.1, records
 * of schema 1) is still read: importers upgrade its records (drivers/_framework/record-v1.ts).
 */
export const FORMAT_VERSION = 2;
/** Format versions this airfeed reads. */
export const READABLE_FORMAT_VERSIONS = [1, 2] as const;
export const MANIFEST_NAME = 'manifest.json';
export const SIGNATURE_NAME = 'manifest.json.sig';
/** The version of airfeed writing bundles, from package.json. */
export const PRODUCER_VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase sha256 hex digest');
const Count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
// The record namespace rule of drivers/_framework/record.ts: `feed-ish:release`.
const GroupName = z.string().max(200).regex(/^[a-z0-9][a-z0-9._-]*:[A-Za-z0-9._-]+$/, 'must look like feed-ish:release');
const Time = z.iso.datetime();
const BundleId = z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'must be 1-128 letters, digits, dots, dashes or underscores');

export const ManifestGroup = z.strictObject({
  name: GroupName,
  feed: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be a feed name'),
  driver: z.string().min(1).max(100),
  description: z.string().max(10_000),
  /** Exclusive: the producer's change sequence the base covered (0 for a full bundle). */
  fromSeq: Count,
  /** Inclusive: the producer's highest change sequence for the group in this bundle. */
  toSeq: Count,
  records: Count,
  tombstones: Count,
});
export type ManifestGroup = z.infer<typeof ManifestGroup>;

export const ManifestMember = z.strictObject({
  path: z.string().max(255),
  group: GroupName,
  size: Count,
  sha256: Sha256,
  records: Count,
  tombstones: Count,
  uncompressedSize: Count,
});
export type ManifestMember = z.infer<typeof ManifestMember>;

export const Manifest = z
  .strictObject({
    formatVersion: z.union([z.literal(1), z.literal(FORMAT_VERSION)]),
    bundleId: BundleId,
    producer: z.strictObject({ name: z.string().min(1).max(100), version: z.string().max(100), keyId: Sha256 }),
    created: Time,
    expires: Time.nullable(),
    kind: z.enum(['full', 'delta']),
    base: z.strictObject({ bundleId: BundleId, manifestSha256: Sha256 }).nullable(),
    groups: z.array(ManifestGroup),
    members: z.array(ManifestMember),
  })
  .superRefine((m, ctx) => {
    for (const problem of consistency(m)) ctx.addIssue({ code: 'custom', message: problem });
  });
export type Manifest = z.infer<typeof Manifest>;

/** Cross-field rules zod's shapes cannot say: sorting, counts that add up, kinds and bases that agree. */
function consistency(m: z.infer<typeof Manifest>): string[] {
  const out: string[] = [];
  if ((m.kind === 'delta') !== (m.base !== null)) out.push(`a ${m.kind} bundle must ${m.kind === 'delta' ? 'name' : 'not name'} a base`);
  if (m.expires !== null && Date.parse(m.expires) <= Date.parse(m.created)) out.push('expires is not after created');
  const groups = new Map<string, ManifestGroup>();
  m.groups.forEach((g, i) => {
    const prev = m.groups[i - 1];
    if (prev && prev.name >= g.name) out.push(`groups are not sorted by name, or ${g.name} appears twice`);
    if (g.fromSeq > g.toSeq) out.push(`group ${g.name}: fromSeq ${g.fromSeq} is after toSeq ${g.toSeq}`);
    if (m.kind === 'full' && g.fromSeq !== 0) out.push(`group ${g.name}: a full bundle starts at sequence 0`);
    groups.set(g.name, g);
  });
  const totals = new Map<string, { records: number; tombstones: number }>();
  const finished = new Set<string>();
  m.members.forEach((mem, i) => {
    const prev = m.members[i - 1];
    if (prev && prev.path >= mem.path) out.push(`members are not sorted by path, or ${mem.path} appears twice`);
    const unsafe = unsafePathReason(mem.path);
    if (unsafe) out.push(`member ${JSON.stringify(mem.path)} ${unsafe}`);
    if (mem.path === MANIFEST_NAME || mem.path === SIGNATURE_NAME) out.push(`member path ${mem.path} is reserved`);
    if (!groups.has(mem.group)) out.push(`member ${mem.path} belongs to group ${mem.group}, which the manifest does not list`);
    // A group's members are read in one run, so they must be adjacent in the archive.
    if (prev && prev.group !== mem.group) {
      finished.add(prev.group);
      if (finished.has(mem.group)) out.push(`the members of group ${mem.group} are not adjacent`);
    }
    const t = totals.get(mem.group) ?? { records: 0, tombstones: 0 };
    t.records += mem.records;
    t.tombstones += mem.tombstones;
    totals.set(mem.group, t);
  });
  for (const g of m.groups) {
    const t = totals.get(g.name) ?? { records: 0, tombstones: 0 };
    if (t.records !== g.records || t.tombstones !== g.tombstones) {
      out.push(`group ${g.name} declares ${g.records} records and ${g.tombstones} tombstones but its members hold ${t.records} and ${t.tombstones}`);
    }
  }
  return out;
}

/** sha256 hex of bytes. */
export function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The exact bytes written as manifest.json. */
export function manifestBytes(m: Manifest): Buffer {
  return Buffer.from(canonicalJson(m));
}

/**
 * A bundle id derived from the content (kind, creation time, digest of the manifest without its id),
 * so two exports of the same state at the same time get the same id and the same bytes.
 */
export function deriveBundleId(m: Omit<Manifest, 'bundleId'>): string {
  const digest = sha256(canonicalJson({ ...m, bundleId: '' })).slice(0, 16);
  const stamp = m.created.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${m.kind}-${stamp}-${digest}`;
}

/** The tar path of a group's data member: characters outside [A-Za-z0-9._-] are percent-encoded (`:` → `%3A`). */
export function memberPath(group: string, content: 'records' | 'tombstones', chunk: number): string {
  const dir = group.replace(/[^A-Za-z0-9._-]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return `data/${dir}/${content}-${String(chunk).padStart(6, '0')}.ndjson.gz`;
}

function zodMessage(err: z.ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

/** The raw JSON of manifest.json, after checking it is JSON and of a format version this airfeed reads. */
export function parseManifestJson(bytes: Buffer, label: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new AirfeedError('BUNDLE_INVALID', `bundle ${label}: ${MANIFEST_NAME} is not valid JSON (${(err as Error).message})`, { cause: err });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new AirfeedError('BUNDLE_INVALID', `bundle ${label}: ${MANIFEST_NAME} is not a JSON object`);
  }
  const obj = raw as Record<string, unknown>;
  if (!(READABLE_FORMAT_VERSIONS as readonly unknown[]).includes(obj['formatVersion'])) {
    throw new AirfeedError(
      'BUNDLE_UNSUPPORTED',
      `bundle ${label}: unknown format version ${JSON.stringify(obj['formatVersion'] ?? null)} (this airfeed ${PRODUCER_VERSION} reads format versions ${READABLE_FORMAT_VERSIONS.join(' and ')})`,
    );
  }
  return obj;
}

/** Validates a manifest's content and that `bytes` are its canonical form (so its sha256 is stable). */
export function validateManifest(raw: unknown, bytes: Buffer | undefined, label: string): Manifest {
  const parsed = Manifest.safeParse(raw);
  if (!parsed.success) throw new AirfeedError('BUNDLE_INVALID', `bundle ${label}: ${MANIFEST_NAME} is invalid: ${zodMessage(parsed.error)}`);
  if (bytes && !manifestBytes(parsed.data).equals(bytes)) {
    throw new AirfeedError('BUNDLE_INVALID', `bundle ${label}: ${MANIFEST_NAME} is not in canonical form (sorted keys, no whitespace)`);
  }
  return parsed.data;
}

/** Parses a duration such as `90d`, `12h`, `30m`, `2w` or `45s` into milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+)\s*([smhdw])$/.exec(text.trim());
  const unit = { s: 1e3, m: 60e3, h: 3600e3, d: 86_400e3, w: 604_800e3 }[m?.[2] ?? ''];
  if (!m || unit === undefined || Number(m[1]) <= 0) {
    throw new AirfeedError('INPUT_INVALID', `"${text}" is not a duration: use a positive number with s, m, h, d or w (e.g. 90d)`);
  }
  return Number(m[1]) * unit;
}
