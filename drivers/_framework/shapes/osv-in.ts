/**
 * The inverse of the OSV view (osv.ts): an OSV document of one group as a record, for drivers that
 * read OSV (GHSA, Go, RustSec, PyPA, …). `toOsv(fromOsv(doc))` gives `doc` back up to the
 * normalization osv.ts documents (empty lists and objects left out, `schema_version` ours, CVSS
 * severities before vendor ones). Field by field:
 *
 * - `summary` → `title`, `details` → `description` (`""` when absent);
 * - `severity[]`: `CVSS_V2`/`V3`/`V4` → `cvss[]` with the vector only (the version read from it; no
 *   scores: OSV has none, drivers/_framework/cvss computes them); any other type (`Ubuntu`) →
 *   `vendorSeverities` `{source: type, value: score}`;
 * - `affected[]` → `fixedIn[]` in order: `state` `fixed` when a range has a `fixed` event, else
 *   `affected`; no `version` (the ranges carry the truth); `ecosystem` kept only when it is not the
 *   group's own (`Maven:https://maven.google.com`, `Ubuntu:Pro:16.04:LTS`); ranges (with `repo` and
 *   `database_specific`), `versions`, `purl`, `ecosystem_specific`, `database_specific` as given;
 * - `references`, `credits`, `aliases`, `related`, `upstream`, `published`, `modified`, `withdrawn`,
 *   top-level `database_specific` as given.
 *
 * What OSV does not say is the caller's: the six-value `severity` (default `Unknown`), `link`
 * (default null), `metadata`, `provenance`. Per-package `affected[].severity` has no place and is
 * refused (no real database in ../shared/realdata uses it).
 */
import { z } from 'zod';
import { osvEcosystem, resolveGroup } from '../names.ts';
import { type FixedIn, RECORD_SCHEMA_VERSION, type Severity, validateRecord, type VulnRecord } from '../record.ts';
import type { SchemeName } from '../versions/index.ts';

const Obj = z.record(z.string(), z.unknown());
const OsvDoc = z.looseObject({
  id: z.string().min(1),
  modified: z.string(),
  published: z.string().optional(),
  withdrawn: z.string().optional(),
  aliases: z.array(z.string()).nullable().optional(),
  related: z.array(z.string()).optional(),
  upstream: z.array(z.string()).optional(),
  summary: z.string().optional(),
  details: z.string().optional(),
  severity: z.array(z.strictObject({ type: z.string(), score: z.string() })).nullable().optional(),
  affected: z
    .array(
      z.strictObject({
        package: z.strictObject({ ecosystem: z.string(), name: z.string(), purl: z.string().optional() }),
        severity: z.unknown().optional(),
        ranges: z.array(z.strictObject({ type: z.enum(['ECOSYSTEM', 'SEMVER', 'GIT']), repo: z.string().optional(), events: z.array(z.record(z.string(), z.string())), database_specific: Obj.optional() })).optional(),
        versions: z.array(z.string()).optional(),
        ecosystem_specific: Obj.optional(),
        database_specific: Obj.optional(),
      }),
    )
    .nullable()
    .optional(),
  references: z.array(z.strictObject({ type: z.string(), url: z.string() })).nullable().optional(),
  credits: z.array(z.strictObject({ name: z.string(), contact: z.array(z.string()).optional(), type: z.string().optional() })).optional(),
  database_specific: Obj.optional(),
});

export interface FromOsvOptions {
  /** The group the record belongs to (`github:go`). */
  group: string;
  /** The version scheme of its packages (default: the names table's for the group). */
  scheme?: SchemeName;
  severity?: Severity;
  link?: string | null;
  provenance: { driver: string; source: string };
}

function cvssVersion(type: string, vector: string): '2.0' | '3.0' | '3.1' | '4.0' | undefined {
  if (type === 'CVSS_V2') return '2.0';
  if (type === 'CVSS_V4') return '4.0';
  if (type === 'CVSS_V3') return vector.startsWith('CVSS:3.0/') ? '3.0' : '3.1';
  return undefined;
}

const nonEmpty = <T>(list: readonly T[] | null | undefined): T[] | undefined => (list && list.length > 0 ? [...list] : undefined);
const nonEmptyObj = (o: Record<string, unknown> | undefined): Record<string, unknown> | undefined => (o && Object.keys(o).length > 0 ? o : undefined);

/** The record of an OSV document (rules in the module comment); validated, throws a ZodError naming the field. */
export function fromOsv(value: unknown, options: FromOsvOptions): VulnRecord {
  const doc = OsvDoc.parse(value);
  const g = resolveGroup(options.group);
  const scheme = options.scheme ?? (g?.kind === 'ecosystem' ? g.ecosystem.scheme : g?.distro.scheme);
  if (!scheme) throw new Error(`fromOsv: no version scheme for group ${options.group}; pass one`);
  const own = g ? osvEcosystem(options.group) : undefined;
  const cvss: VulnRecord['cvss'] = [];
  const vendor: { source: string; value: string }[] = [];
  for (const s of doc.severity ?? []) {
    const version = cvssVersion(s.type, s.score);
    if (version) cvss.push({ version, vector: s.score, baseScore: null, baseSeverity: null, exploitabilityScore: null, impactScore: null, source: null, type: null });
    else vendor.push({ source: s.type, value: s.score });
  }
  // Built loosely and checked as a whole by validateRecord below.
  const fixedIn = (doc.affected ?? []).map((a): Record<string, unknown> => {
    if (a.severity !== undefined) throw new Error(`fromOsv: ${doc.id}: affected[].severity has no place in the record`);
    const ranges = nonEmpty(a.ranges)?.map((r) => ({
      type: r.type,
      ...(r.repo !== undefined ? { repo: r.repo } : {}),
      events: r.events,
      ...(nonEmptyObj(r.database_specific) ? { databaseSpecific: r.database_specific } : {}),
    }));
    const fixed = (ranges ?? []).some((r) => r.events.some((e) => 'fixed' in e));
    const ecosystemSpecific = nonEmptyObj(a.ecosystem_specific);
    const databaseSpecific = nonEmptyObj(a.database_specific);
    const versions = nonEmpty(a.versions);
    return {
      package: a.package.name,
      versionScheme: scheme,
      state: (fixed ? 'fixed' : 'affected') satisfies FixedIn['state'],
      ...(ranges ? { ranges } : {}),
      ...(versions ? { versions } : {}),
      ...(a.package.ecosystem !== own ? { ecosystem: a.package.ecosystem } : {}),
      ...(a.package.purl !== undefined ? { purl: a.package.purl } : {}),
      ...(ecosystemSpecific ? { ecosystemSpecific } : {}),
      ...(databaseSpecific ? { databaseSpecific } : {}),
    };
  });
  const lists = { related: nonEmpty(doc.related), upstream: nonEmpty(doc.upstream), vendorSeverities: nonEmpty(vendor) };
  const credits = nonEmpty(doc.credits)?.map((c) => ({ name: c.name, ...(nonEmpty(c.contact) ? { contact: c.contact } : {}), ...(c.type ? { type: c.type } : {}) }));
  const databaseSpecific = nonEmptyObj(doc.database_specific);
  return validateRecord({
    schemaVersion: RECORD_SCHEMA_VERSION,
    id: doc.id,
    namespace: options.group,
    severity: options.severity ?? 'Unknown',
    ...(lists.vendorSeverities ? { vendorSeverities: lists.vendorSeverities } : {}),
    ...(doc.summary ? { title: doc.summary } : {}),
    description: doc.details ?? '',
    link: options.link ?? null,
    aliases: doc.aliases ?? [],
    ...(lists.related ? { related: lists.related } : {}),
    ...(lists.upstream ? { upstream: lists.upstream } : {}),
    cvss,
    fixedIn,
    references: (doc.references ?? []).map((r) => ({ url: r.url, type: r.type })),
    ...(credits ? { credits } : {}),
    published: doc.published ?? null,
    modified: doc.modified,
    withdrawn: doc.withdrawn ?? null,
    ...(databaseSpecific ? { databaseSpecific } : {}),
    metadata: {},
    provenance: options.provenance,
  });
}
