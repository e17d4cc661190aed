/**
 * The normalized vulnerability record, schema version 2: one shape stored for every driver, from
 * which the Anchore /v1 shapes, the /v2 records, the OSV view and the engine's matching rows are
 * computed (drivers/_framework/shapes). See ../../README.md#records for the field list and the
 * OSV mapping; per-package states are in record-fixed.ts, the typed blocks in record-parts.ts, the
 * upgrade from version 1 in record-v1.ts.
 *
 * Spelling rules, so equal content gives equal canonical JSON and hashes: the fields of version 1
 * stay required (null or `[]` when the source has nothing); fields added by version 2 are optional
 * and absent when empty (an empty list or object is refused); times are UTC (`Z`).
 */
import { z } from 'zod';
import { FixedIn, JsonObject } from './record-fixed.ts';
import { CpeConfiguration, Credit, Cvss, Description, Epss, Kev, NVD_STATUSES, Reference, VendorSeverity, Weakness } from './record-parts.ts';

export {
  Advisory, FIX_STATES, FixedIn, FixState, JsonObject, Product, Range, RangeEvent, VendorAdvisory, VERSION_SCHEMES, VersionScheme,
} from './record-fixed.ts';
export {
  CpeConfiguration, CpeMatch, CpeNode, Credit, CREDIT_TYPES, Cvss, CVSS_SEVERITIES, CVSS_VERSIONS, Description, Epss, Kev, NVD_STATUSES, Reference,
  REFERENCE_TYPES, VendorSeverity, Weakness,
} from './record-parts.ts';

/** The record schema this airfeed writes. Stored documents of older versions are upgraded (record-v1.ts). */
export const RECORD_SCHEMA_VERSION = 2;

/** Severities in Anchore's vocabulary; the engine's database insert fails on anything else. */
export const SEVERITIES = ['Unknown', 'Negligible', 'Low', 'Medium', 'High', 'Critical'] as const;
export const Severity = z.enum(SEVERITIES);
export type Severity = z.infer<typeof Severity>;

/** Anchore's spelling of "no fix available" in /v1 `FixedIn[].Version`; records say `state: "affected"`. */
export const NO_FIX = 'None';

const nonEmpty = z.string().min(1);
/** A UTC time (`2024-01-02T03:04:05Z`, fractions allowed). */
export const UtcTime = z.iso.datetime();
const idList = z.array(nonEmpty).min(1);

/** The group name rule: `feed-ish:release`. */
export const NAMESPACE_RE = /^[a-z0-9][a-z0-9._-]*:[A-Za-z0-9._-]+$/;

export const Provenance = z.strictObject({
  driver: nonEmpty,
  /** Upstream URL or mirror-relative file the record was parsed from. */
  source: nonEmpty,
});

export const VulnRecord = z.strictObject({
  schemaVersion: z.literal(RECORD_SCHEMA_VERSION),
  id: nonEmpty,
  /** The group (Anchore namespace) this record belongs to, e.g. `alpine:3.20`. */
  namespace: z.string().regex(NAMESPACE_RE, 'namespace must look like feed-ish:release'),
  severity: Severity,
  /** A vendor's own ratings (OSV severity type `Ubuntu`, Red Hat impact), beside the six-value `severity`. */
  vendorSeverities: z.array(VendorSeverity).min(1).optional(),
  /** One-line title (OSV `summary`, GHSA summary, USN title). */
  title: nonEmpty.optional(),
  /** The English description (OSV `details`); `""` when the source has none. */
  description: z.string(),
  /** Descriptions in other languages, as NVD gives them. */
  descriptions: z.array(Description).min(1).optional(),
  link: z.string().nullable(),
  aliases: z.array(nonEmpty),
  /** OSV `related`: ids of related but different vulnerabilities. */
  related: idList.optional(),
  /** OSV `upstream`: ids this one is derived from (Ubuntu's UBUNTU-CVE-… from CVE-…). */
  upstream: idList.optional(),
  /** NVD `vulnStatus`. */
  status: z.enum(NVD_STATUSES).optional(),
  cvss: z.array(Cvss),
  weaknesses: z.array(Weakness).min(1).optional(),
  /** NVD 2.0 CPE applicability statements. */
  configurations: z.array(CpeConfiguration).min(1).optional(),
  fixedIn: z.array(FixedIn),
  references: z.array(Reference),
  credits: z.array(Credit).min(1).optional(),
  published: UtcTime.nullable(),
  modified: UtcTime.nullable(),
  withdrawn: UtcTime.nullable(),
  /** Enrichment: the CISA KEV entry (records of the `kev:catalog` group). */
  kev: Kev.optional(),
  /** Enrichment: the FIRST EPSS score (records of the `epss:scores` group). */
  epss: Epss.optional(),
  /** OSV top-level `database_specific`, as given. */
  databaseSpecific: JsonObject.optional(),
  /** Served verbatim as Anchore `Metadata` (e.g. `{"NVD": {"CVSSv2": …}}`). */
  metadata: z.record(z.string(), z.unknown()),
  provenance: Provenance,
});
export type VulnRecord = z.infer<typeof VulnRecord>;

/** Validate a record; throws a ZodError naming the failing path. */
export function validateRecord(value: unknown): VulnRecord {
  return VulnRecord.parse(value);
}

/** The JSON Schema (draft 2020-12) of the normalized record, generated from the zod schema (cross-field rules are zod's only). */
export function recordJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(VulnRecord, { target: 'draft-2020-12' });
}

/** `fixedIn[3].ranges[0].events` from a zod issue path. */
export function issuePath(p: readonly PropertyKey[]): string {
  let out = '';
  for (const part of p) out += typeof part === 'number' ? `[${part}]` : `${out === '' ? '' : '.'}${String(part)}`;
  return out === '' ? '(top level)' : out;
}

/** The first problems of a zod error, with their paths: `fixedIn[0].version: …; severity: …`. */
export function describeIssues(err: z.ZodError, max = 3): string {
  const shown = err.issues.slice(0, max).map((i) => `${issuePath(i.path)}: ${i.message}`);
  const more = err.issues.length > max ? ` (and ${err.issues.length - max} more)` : '';
  return `${shown.join('; ')}${more}`;
}
