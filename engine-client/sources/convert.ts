/**
 * From what a source sends to what the store keeps: the normalized record (/v2 lines, bundle docs)
 * or an Anchore /v1 record (the `vulnerabilities`, `github` and `nvdv2` shapes) becomes one upsert
 * with its affected entries. Checks are loose on purpose: only the fields the engine reads must be
 * there and well-formed, so a newer producer that adds fields still syncs. Each converter returns a
 * reason string instead of throwing, so the caller can name the URL, member or line in its error.
 */
import { z } from 'zod';
import { NO_FIX, Range, Severity } from '../../drivers/_framework/record.ts';
import type { AffectedEntry, VulnUpsert } from '../store/write.ts';

const text = z.string().min(1);

const NormalizedRecord = z.looseObject({
  id: text,
  namespace: text,
  severity: Severity,
  link: z.string().nullable(),
  fixedIn: z.array(
    z.looseObject({ package: text, version: text, versionScheme: text, ranges: z.array(Range).optional() }),
  ),
});

const AnchoreVulnerability = z.looseObject({
  Vulnerability: z.looseObject({
    Name: text,
    NamespaceName: text,
    Severity: Severity,
    Link: z.string().nullable().optional(),
    FixedIn: z.array(z.looseObject({ Name: text, Version: text, VersionFormat: text })),
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

/** GitHub ecosystem (as the Anchore feed names it) → the engine's version scheme. */
const ECOSYSTEM_SCHEMES: Record<string, string> = {
  composer: 'semver',
  gem: 'gem',
  go: 'go',
  java: 'maven',
  npm: 'semver',
  nuget: 'nuget',
  python: 'pep440',
  rust: 'crates',
};

function issue(err: z.ZodError): string {
  const first = err.issues[0];
  if (!first) return 'is not valid';
  return first.path.length > 0 ? `field ${first.path.join('.')}: ${first.message}` : first.message;
}

/** The upsert of a normalized record in `group` (`docText`: its JSON, when the caller has it), or why it cannot be used. */
export function fromNormalized(value: unknown, group: string, id: string, docText?: string): VulnUpsert | string {
  const parsed = NormalizedRecord.safeParse(value);
  if (!parsed.success) return `record ${id}: ${issue(parsed.error)}`;
  const r = parsed.data;
  if (r.id !== id) return `record ${id} carries id ${r.id}`;
  if (r.namespace !== group) return `record ${id} has namespace ${r.namespace}, not ${group}`;
  const affected: AffectedEntry[] = r.fixedIn.map((f) => ({
    package: f.package,
    scheme: f.versionScheme,
    fixed: f.version === NO_FIX ? null : f.version,
    ranges: f.ranges && f.ranges.length > 0 ? f.ranges : null,
  }));
  return { id, deleted: false, severity: r.severity, link: r.link, doc: docText ?? JSON.stringify(value), affected };
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
      return { package: f.name, scheme: ECOSYSTEM_SCHEMES[ecosystem] ?? ecosystem, fixed, ranges: f.range === NO_FIX ? null : rangeFromGithub(f.range) };
    });
    return { id: a.ghsaId, deleted: false, severity: a.Severity, link: a.url ?? null, doc, affected };
  }
  if (value !== null && typeof value === 'object' && 'cve' in value) {
    const parsed = AnchoreNvd.safeParse(value);
    if (!parsed.success) return `nvdv2 record: ${issue(parsed.error)}`;
    // CPE-matched records name no packages: kept for lookups by id, no affected rows.
    return { id: parsed.data.cve.CVE_data_meta.ID, deleted: false, severity: parsed.data.severity, link: null, doc, affected: [] };
  }
  const parsed = AnchoreVulnerability.safeParse(value);
  if (!parsed.success) return `vulnerability record: ${issue(parsed.error)}`;
  const v = parsed.data.Vulnerability;
  if (v.NamespaceName !== group) return `record ${v.Name} has NamespaceName ${v.NamespaceName}, not ${group}`;
  const affected = v.FixedIn.map((f): AffectedEntry => ({
    package: f.Name,
    scheme: f.VersionFormat,
    fixed: f.Version === NO_FIX ? null : f.Version,
    ranges: null,
  }));
  return { id: v.Name, deleted: false, severity: v.Severity, link: v.Link ?? null, doc, affected };
}
