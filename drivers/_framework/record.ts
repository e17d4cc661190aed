/**
 * The normalized vulnerability record: one shape stored for every driver, from which the Anchore /v1
 * shapes, the OSV view and the engine's matching data are computed. See ../../README.md#records.
 */
import { z } from 'zod';

/** Severities in Anchore's vocabulary; the engine's database insert fails on anything else. */
export const SEVERITIES = ['Unknown', 'Negligible', 'Low', 'Medium', 'High', 'Critical'] as const;
export const Severity = z.enum(SEVERITIES);
export type Severity = z.infer<typeof Severity>;

/** Version schemes understood by the engine's comparators. */
export const VERSION_SCHEMES = ['apk', 'dpkg', 'rpm', 'semver', 'pep440', 'maven', 'gem', 'go'] as const;
export const VersionScheme = z.enum(VERSION_SCHEMES);
export type VersionScheme = z.infer<typeof VersionScheme>;

/** Marks "no fix available: every version is affected", as the Anchore feed spells it. */
export const NO_FIX = 'None';

const nonEmpty = z.string().min(1);
const isoTime = z.iso.datetime({ offset: true });

export const Cvss = z.strictObject({
  version: z.enum(['2.0', '3.0', '3.1', '4.0']),
  vector: nonEmpty,
  baseScore: z.number().min(0).max(10).nullable(),
  baseSeverity: z.string().nullable(),
  /** Who scored it: `nvd@nist.gov`, a vendor, … */
  source: z.string().nullable(),
});
export type Cvss = z.infer<typeof Cvss>;

export const Advisory = z.strictObject({ id: nonEmpty, link: z.string().nullable() });

/** `{"NoAdvisory": true}` in Anchore terms is `{noAdvisory: true, advisories: []}` here. */
export const VendorAdvisory = z.strictObject({
  noAdvisory: z.boolean(),
  advisories: z.array(Advisory),
});

/** One OSV-style range event; exactly one key is set. */
export const RangeEvent = z.union([
  z.strictObject({ introduced: nonEmpty }),
  z.strictObject({ fixed: nonEmpty }),
  z.strictObject({ last_affected: nonEmpty }),
  z.strictObject({ limit: nonEmpty }),
]);

export const Range = z.strictObject({
  type: z.enum(['ECOSYSTEM', 'SEMVER', 'GIT']),
  events: z.array(RangeEvent).min(1),
});
export type Range = z.infer<typeof Range>;

export const FixedIn = z.strictObject({
  /** Package name as the namespace names it (a distro's source package, an ecosystem's package). */
  package: nonEmpty,
  /** First fixed version, or `"None"` when no fix exists. */
  version: nonEmpty,
  versionScheme: VersionScheme,
  vendorAdvisory: VendorAdvisory.optional(),
  /** Affected ranges, for ecosystems whose advisories are ranges (OSV); empty for distro feeds. */
  ranges: z.array(Range).optional(),
  /** OSV ecosystem name (`npm`, `PyPI`, …) for language packages. */
  ecosystem: z.string().optional(),
});
export type FixedIn = z.infer<typeof FixedIn>;

export const Reference = z.strictObject({ url: nonEmpty, type: z.string().optional() });

export const Provenance = z.strictObject({
  driver: nonEmpty,
  /** Upstream URL or mirror-relative file the record was parsed from. */
  source: nonEmpty,
});

export const VulnRecord = z.strictObject({
  id: nonEmpty,
  /** The group (Anchore namespace) this record belongs to, e.g. `alpine:3.20`. */
  namespace: z.string().regex(/^[a-z0-9][a-z0-9._-]*:[A-Za-z0-9._-]+$/, 'namespace must look like feed-ish:release'),
  severity: Severity,
  description: z.string(),
  link: z.string().nullable(),
  aliases: z.array(nonEmpty),
  cvss: z.array(Cvss),
  fixedIn: z.array(FixedIn),
  references: z.array(Reference),
  published: isoTime.nullable(),
  modified: isoTime.nullable(),
  withdrawn: isoTime.nullable(),
  /** Served verbatim as Anchore `Metadata` (e.g. `{"NVD": {"CVSSv2": …}}`). */
  metadata: z.record(z.string(), z.unknown()),
  provenance: Provenance,
});
export type VulnRecord = z.infer<typeof VulnRecord>;

/** Validate a record; throws a ZodError naming the failing path. */
export function validateRecord(value: unknown): VulnRecord {
  return VulnRecord.parse(value);
}

/** The JSON Schema (draft 2020-12) of the normalized record, generated from the zod schema. */
export function recordJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(VulnRecord, { target: 'draft-2020-12' });
}
