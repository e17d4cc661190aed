/**
 * Record schema version 1 (as airfeed 0.1 wrote it, frozen here) and its upgrade to version 2. Stored
 * documents are upgraded in place once (feed-service/storage/upgrade-records.ts), bundles of format
 * 1 on import, and the engine upgrades what an older service sends; all go through `readRecord`.
 *
 * The upgrade, field by field:
 * - `schemaVersion: 2` is added;
 * - `fixedIn[].version` `"None"` becomes `state: "affected"` without a version, or `"will_not_fix"`
 *   when the entry says `vendorAdvisory.noAdvisory: true` (Anchore's "won't fix");
 * - `"0"` without ranges becomes `state: "not_affected"`: a fix in the lowest version is secdb's and
 *   Debian's "this package here never had the flaw" (drivers/alpine/README.md, "Decisions");
 * - any other version is `state: "fixed"` with that version; an entry with ranges is `fixed` when it
 *   has a version or a range has a `fixed` event, the ranges carrying the truth;
 * - empty `ranges: []` and `ecosystem: ""` are left out (version 2 spells "none" by absence);
 * - `cvss[]` gains `exploitabilityScore`, `impactScore` and `type` as null; `baseSeverity` is upper-cased
 *   (`Critical` → `CRITICAL`, FIRST's spelling);
 * - a reference `type` that is an OSV type (any case) becomes that type, any other moves to `tags`;
 * - times with an offset are rewritten in UTC;
 * - a KEV block in `metadata.kev` (where the KEV driver kept it before version 2) moves to `kev`.
 */
import { z } from 'zod';
import { AirfeedError } from './errors.ts';
import {
  CVSS_SEVERITIES,
  describeIssues,
  type FixedIn,
  Kev,
  RECORD_SCHEMA_VERSION,
  REFERENCE_TYPES,
  Severity,
  validateRecord,
  type VulnRecord,
} from './record.ts';

const nonEmpty = z.string().min(1);
const isoTime = z.iso.datetime({ offset: true });
const V1_SCHEMES = ['apk', 'dpkg', 'rpm', 'semver', 'pep440', 'maven', 'gem', 'go'] as const;

const RangeV1 = z.strictObject({
  type: z.enum(['ECOSYSTEM', 'SEMVER', 'GIT']),
  events: z
    .array(
      z.union([
        z.strictObject({ introduced: nonEmpty }),
        z.strictObject({ fixed: nonEmpty }),
        z.strictObject({ last_affected: nonEmpty }),
        z.strictObject({ limit: nonEmpty }),
      ]),
    )
    .min(1),
});

const VendorAdvisoryV1 = z.strictObject({
  noAdvisory: z.boolean(),
  advisories: z.array(z.strictObject({ id: nonEmpty, link: z.string().nullable() })),
});

/** Version 1 of the record, exactly as airfeed 0.1 validated it. */
export const VulnRecordV1 = z.strictObject({
  id: nonEmpty,
  namespace: z.string().regex(/^[a-z0-9][a-z0-9._-]*:[A-Za-z0-9._-]+$/),
  severity: Severity,
  description: z.string(),
  link: z.string().nullable(),
  aliases: z.array(nonEmpty),
  cvss: z.array(
    z.strictObject({
      version: z.enum(['2.0', '3.0', '3.1', '4.0']),
      vector: nonEmpty,
      baseScore: z.number().min(0).max(10).nullable(),
      baseSeverity: z.string().nullable(),
      source: z.string().nullable(),
    }),
  ),
  fixedIn: z.array(
    z.strictObject({
      package: nonEmpty,
      version: nonEmpty,
      versionScheme: z.enum(V1_SCHEMES),
      vendorAdvisory: VendorAdvisoryV1.optional(),
      ranges: z.array(RangeV1).optional(),
      ecosystem: z.string().optional(),
    }),
  ),
  references: z.array(z.strictObject({ url: nonEmpty, type: z.string().optional() })),
  published: isoTime.nullable(),
  modified: isoTime.nullable(),
  withdrawn: isoTime.nullable(),
  metadata: z.record(z.string(), z.unknown()),
  provenance: z.strictObject({ driver: nonEmpty, source: nonEmpty }),
});
export type VulnRecordV1 = z.infer<typeof VulnRecordV1>;

function utc(t: string | null): string | null {
  return t === null || t.endsWith('Z') ? t : new Date(t).toISOString();
}

function upgradeFixedIn(f: VulnRecordV1['fixedIn'][number]): FixedIn {
  const ranges = f.ranges && f.ranges.length > 0 ? f.ranges : undefined;
  const real = f.version !== 'None' && f.version !== '0';
  const noFix = f.vendorAdvisory?.noAdvisory && f.version === 'None' ? 'will_not_fix' : 'affected';
  let state: FixedIn['state'];
  if (ranges) state = real || ranges.some((r) => r.events.some((e) => 'fixed' in e)) ? 'fixed' : noFix;
  else if (f.version === '0') state = 'not_affected';
  else state = real ? 'fixed' : noFix;
  return {
    package: f.package,
    versionScheme: f.versionScheme,
    state,
    ...(real ? { version: f.version } : {}),
    ...(ranges ? { ranges } : {}),
    ...(f.ecosystem ? { ecosystem: f.ecosystem } : {}),
    ...(f.vendorAdvisory ? { vendorAdvisory: f.vendorAdvisory } : {}),
  };
}

function upgradeSeverity(s: string | null): (typeof CVSS_SEVERITIES)[number] | null {
  if (s === null) return null;
  const upper = s.toUpperCase();
  const known = CVSS_SEVERITIES.find((k) => k === upper);
  if (!known) throw new Error(`cvss baseSeverity ${JSON.stringify(s)} is not one of ${CVSS_SEVERITIES.join(', ')}`);
  return known;
}

/** A version 1 record as version 2 (rules in the module comment); the result is validated. */
export function upgradeV1Record(r: VulnRecordV1): VulnRecord {
  const kev = Kev.safeParse(r.metadata['kev']);
  const metadata = kev.success ? Object.fromEntries(Object.entries(r.metadata).filter(([k]) => k !== 'kev')) : r.metadata;
  const upgraded = {
    schemaVersion: RECORD_SCHEMA_VERSION,
    id: r.id,
    namespace: r.namespace,
    severity: r.severity,
    description: r.description,
    link: r.link,
    aliases: r.aliases,
    cvss: r.cvss.map((c) => ({
      version: c.version, vector: c.vector, baseScore: c.baseScore, baseSeverity: upgradeSeverity(c.baseSeverity),
      exploitabilityScore: null, impactScore: null, source: c.source === '' ? null : c.source, type: null,
    })),
    fixedIn: r.fixedIn.map(upgradeFixedIn),
    references: r.references.map((ref) => {
      const type = ref.type === undefined ? undefined : REFERENCE_TYPES.find((t) => t === ref.type?.toUpperCase());
      if (type) return { url: ref.url, type };
      return ref.type ? { url: ref.url, tags: [ref.type] } : { url: ref.url };
    }),
    published: utc(r.published),
    modified: utc(r.modified),
    withdrawn: utc(r.withdrawn),
    ...(kev.success ? { kev: kev.data } : {}),
    metadata,
    provenance: r.provenance,
  };
  return validateRecord(upgraded);
}

/**
 * A stored or received document as a version 2 record: version 2 is validated, version 1 (no
 * `schemaVersion`) validated and upgraded. Throws RECORD_INVALID naming `where` and the field.
 */
export function readRecord(value: unknown, where: string): VulnRecord {
  const version = value !== null && typeof value === 'object' ? (value as { schemaVersion?: unknown }).schemaVersion : undefined;
  if (version === RECORD_SCHEMA_VERSION) {
    try {
      return validateRecord(value);
    } catch (err) {
      throw new AirfeedError('RECORD_INVALID', `${where}: not a valid record: ${err instanceof z.ZodError ? describeIssues(err) : String(err)}`, { cause: err });
    }
  }
  if (version !== undefined) {
    throw new AirfeedError(
      'RECORD_INVALID',
      `${where}: record schema version ${JSON.stringify(version)} is not one this airfeed reads (1 or ${RECORD_SCHEMA_VERSION}); upgrade airfeed`,
    );
  }
  const v1 = VulnRecordV1.safeParse(value);
  if (!v1.success) throw new AirfeedError('RECORD_INVALID', `${where}: not a valid version 1 record: ${describeIssues(v1.error)}`, { cause: v1.error });
  try {
    return upgradeV1Record(v1.data);
  } catch (err) {
    const why = err instanceof z.ZodError ? describeIssues(err) : (err as Error).message;
    throw new AirfeedError('RECORD_INVALID', `${where}: version 1 record cannot be upgraded: ${why}`, { cause: err });
  }
}

/** True when a parsed document is not of the current schema (it carries no `schemaVersion: 2`). */
export function isOldRecord(value: unknown): boolean {
  return value === null || typeof value !== 'object' || (value as { schemaVersion?: unknown }).schemaVersion !== RECORD_SCHEMA_VERSION;
}
