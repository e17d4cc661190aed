/**
 * From what a source sends to what the store keeps: the normalized record (/v2 lines, bundle docs)
 * or an Anchore /v1 record (the `vulnerabilities`, `github` and `nvdv2` shapes) becomes one upsert
 * with its affected entries, computed by the `affected` output shape (drivers/_framework/shapes),
 * and the CPE targets of its NVD configurations (engine-client/cpe/targets.ts; /v1 records have none).
 * Checks of current records are loose on purpose: only the fields the engine reads must be there and
 * well-formed, so a newer producer that adds fields still syncs. A version 1 record (from a service
 * or bundle of airfeed 0.1) is validated and upgraded first (drivers/_framework/record-v1.ts). Each
 * converter returns a reason string instead of throwing, so the caller can name the URL, member or
 * line in its error.
 */
import { z } from 'zod';
import { canonicalJson } from '../../drivers/_framework/canonical.ts';
import { isAirfeedError } from '../../drivers/_framework/errors.ts';
import { ecosystemByGroup } from '../../drivers/_framework/names.ts';
import { NO_FIX, type Range, RECORD_SCHEMA_VERSION, Severity } from '../../drivers/_framework/record.ts';
import { readRecord } from '../../drivers/_framework/record-v1.ts';
import { AffectedInput, OUTPUT_SHAPES } from '../../drivers/_framework/shapes/index.ts';
import { cpeTargets } from '../cpe/targets.ts';
import { recordFacts } from '../match/aliases.ts';
import type { AffectedEntry, VulnUpsert } from '../store/write.ts';

const text = z.string().min(1);

/**
 * The fields of a record the engine's vulnerability row is made of (the affected rows: AffectedInput).
 * Other fields are ignored, not refused (z.object strips them; looseObject would copy every one of a
 * 5 KB NVD record's fields for nothing).
 */
const RecordHeader = z.object({
  schemaVersion: z.literal(RECORD_SCHEMA_VERSION),
  id: text,
  namespace: text,
  severity: Severity,
  link: z.string().nullable(),
});

const AnchoreVulnerability = z.looseObject({
  Vulnerability: z.looseObject({
    Name: text,
    NamespaceName: text,
    Severity: Severity,
    Link: z.string().nullable().optional(),
    FixedIn: z.array(z.looseObject({ Name: text, Version: text, VersionFormat: text, VendorAdvisory: z.looseObject({ NoAdvisory: z.boolean() }).optional() })),
  }),
});

const AnchoreAdvisory = z.looseObject({
  Advisory: z.looseObject({
    ghsaId: text,
    namespace: text,
    Severity: Severity,
    url: z.string().nullable().optional(),
    withdrawn: z.string().nullable().optional(),
    FixedIn: z.array(z.looseObject({ name: text, range: z.string(), identifier: z.string().nullable().optional(), ecosystem: z.string().optional() })),
  }),
});

const AnchoreNvd = z.looseObject({
  cve: z.looseObject({ CVE_data_meta: z.looseObject({ ID: text }) }),
  severity: Severity,
});


function issue(err: z.ZodError): string {
  const first = err.issues[0];
  if (!first) return 'is not valid';
  return first.path.length > 0 ? `field ${first.path.join('.')}: ${first.message}` : first.message;
}

/** The upsert of a normalized record in `group` (`docText`: its JSON, when the caller has it), or why it cannot be used. */
export function fromNormalized(value: unknown, group: string, id: string, docText?: string): VulnUpsert | string {
  let record = value;
  const version = value !== null && typeof value === 'object' ? (value as { schemaVersion?: unknown }).schemaVersion : undefined;
  if (version !== RECORD_SCHEMA_VERSION) {
    try {
      record = readRecord(value, `record ${id}`);
    } catch (err) {
      if (isAirfeedError(err)) return err.message;
      throw err;
    }
  }
  const parsed = RecordHeader.safeParse(record);
  if (!parsed.success) return `record ${id}: ${issue(parsed.error)}`;
  const r = parsed.data;
  if (r.id !== id) return `record ${id} carries id ${r.id}`;
  if (r.namespace !== group) return `record ${id} has namespace ${r.namespace}, not ${group}`;
  // Only `fixedIn` is read: the schema need not walk (and copy) the rest of the record.
  const input = AffectedInput.safeParse({ fixedIn: (record as { fixedIn?: unknown }).fixedIn });
  if (!input.success) return `record ${id}: ${issue(input.error)}`;
  const affected = OUTPUT_SHAPES.affected.render(input.data, { deleted: false, updatedAt: null });
  // An upgraded record is stored as upgraded, so every document the engine keeps is of one schema.
  const doc = record === value ? (docText ?? JSON.stringify(value)) : canonicalJson(record);
  const facts = record as { aliases?: unknown; withdrawn?: unknown };
  return { id, deleted: false, severity: r.severity, link: r.link, doc, affected, cpes: cpeTargets(record), ...recordFacts(facts.aliases, facts.withdrawn) };
}

/**
 * OSV events from an Anchore GitHub range (`>= 1.2.0 < 1.4.3 || >= 2.0.0 < 2.0.1`); null when the
 * text uses something OSV cannot say exactly (`> 1.0`), so the caller falls back to the fix version.
 */
export function rangeFromGithub(range: string): Range[] | null {
  const events: Range['events'] = [];
  for (const alternative of range.split('||')) {
    const tokens = alternative.trim().split(/\s+/).filter(Boolean);
    if (tokens.length === 0 || tokens.length % 2 !== 0) return null;
    let introduced = '0';
    let end: Range['events'][number] | undefined;
    for (let i = 0; i < tokens.length; i += 2) {
      const op = tokens[i];
      const version = tokens[i + 1] ?? '';
      if (op === '>=') introduced = version;
      else if (op === '<') end = { fixed: version };
      else if (op === '<=') end = { last_affected: version };
      else if (op === '=' || op === '==') {
        introduced = version;
        end = { last_affected: version };
      } else return null;
    }
    events.push({ introduced });
    if (end) events.push(end);
  }
  return events.length > 0 ? [{ type: 'ECOSYSTEM', events }] : null;
}

/** The upsert of an Anchore /v1 record of `group`, or why it cannot be used. */
export function fromAnchore(value: unknown, group: string): VulnUpsert | string {
  const doc = JSON.stringify(value);
  if (value !== null && typeof value === 'object' && 'Advisory' in value) {
    const parsed = AnchoreAdvisory.safeParse(value);
    if (!parsed.success) return `github record: ${issue(parsed.error)}`;
    const a = parsed.data.Advisory;
    if (a.namespace !== group) return `record ${a.ghsaId} has namespace ${a.namespace}, not ${group}`;
    // A withdrawn advisory no longer applies: it is kept, matching nothing.
    const fixes = a.withdrawn ? [] : a.FixedIn;
    const affected = fixes.map((f): AffectedEntry => {
      const fixed = f.identifier && f.identifier !== NO_FIX ? f.identifier : null;
      const ecosystem = f.ecosystem ?? group.slice(group.indexOf(':') + 1);
      // The Anchore ecosystem is the group's suffix (`python` of `github:python`): the names table has its scheme.
      const scheme = ecosystemByGroup(`github:${ecosystem}`)?.scheme ?? ecosystem;
      const ranges = f.range === NO_FIX ? null : rangeFromGithub(f.range);
      return { package: f.name, scheme, state: fixed !== null || ranges !== null ? 'fixed' : 'affected', fixed, ranges, versions: null, channel: null, module: null };
    });
    // An Advisory's aliases are its CVE ids (ANCHORE-FEED-API.md, the `github` groups).
    return { id: a.ghsaId, deleted: false, severity: a.Severity, link: a.url ?? null, doc, affected, cpes: [], ...recordFacts(a['CVE'], a.withdrawn) };
  }
  if (value !== null && typeof value === 'object' && 'cve' in value) {
    const parsed = AnchoreNvd.safeParse(value);
    if (!parsed.success) return `nvdv2 record: ${issue(parsed.error)}`;
    // CPE-matched records name no packages: kept for lookups by id (severity, CVSS), no affected rows. The
    // /v1 shape lists vulnerable CPEs without their version bounds, so they are not CPE targets.
    return { id: parsed.data.cve.CVE_data_meta.ID, deleted: false, severity: parsed.data.severity, link: null, doc, affected: [], cpes: [], aliases: [], withdrawn: false };
  }
  const parsed = AnchoreVulnerability.safeParse(value);
  if (!parsed.success) return `vulnerability record: ${issue(parsed.error)}`;
  const v = parsed.data.Vulnerability;
  if (v.NamespaceName !== group) return `record ${v.Name} has NamespaceName ${v.NamespaceName}, not ${group}`;
  // Anchore's spellings as the record upgrade reads them: "None" is no fix ("won't fix" with NoAdvisory),
  // a fix in "0" is "never affected".
  const affected = v.FixedIn.map((f): AffectedEntry => {
    const state = f.Version === NO_FIX
      ? (f.VendorAdvisory?.NoAdvisory ? 'will_not_fix' : 'affected')
      : f.Version === '0' ? 'not_affected' : 'fixed';
    return { package: f.Name, scheme: f.VersionFormat, state, fixed: state === 'fixed' ? f.Version : null, ranges: null, versions: null, channel: null, module: null };
  });
  return { id: v.Name, deleted: false, severity: v.Severity, link: v.Link ?? null, doc, affected, cpes: [], aliases: [], withdrawn: false };
}
