/**
 * The OSV view of a record (https://ossf.github.io/osv-schema/, valid against
 * ../shared/realdata/osv/osv-schema/validation/schema.json). The record keeps every OSV field, so an
 * OSV document read by a driver comes back out the same, up to this normalization:
 *
 * - `id`: the record id when it has a prefix OSV knows (`CVE-`, `GHSA-`, `ALPINE-`, …); otherwise the
 *   group's distro prefix (`ALPINE-XSA-204`) or `x_airfeed-…`, with the record id added to `aliases`;
 * - `modified`: the record's own `modified`, else the store's `updated_at` of the record — the last
 *   time its content changed in this store (Alpine's secdb gives no dates). It is a fact of the store,
 *   not of upstream: a site that imported a bundle has its own;
 * - `withdrawn`: the record's, else, for a tombstone, when it was deleted (`updated_at`);
 * - `summary` ← `title`, `details` ← `description` (left out when empty);
 * - `severity`: `cvss[]` as `CVSS_V2`/`CVSS_V3`/`CVSS_V4` vectors in record order, then
 *   `vendorSeverities` of a source OSV names as a type (`Ubuntu`); scores are not part of OSV;
 * - `affected[]`: one per `fixedIn` entry, in order. `package.ecosystem` is the entry's own OSV
 *   ecosystem string when it has one, else the names table's for the group (`Alpine:v3.20`,
 *   `Ubuntu:Pro:22.04:LTS` for a Pro channel); `ranges`/`versions`/`ecosystem_specific`/
 *   `database_specific` as stored. An entry without ranges or versions (distro feeds) gets
 *   `ECOSYSTEM` events `introduced: "0"` and, when fixed, `fixed: <version>`. What OSV cannot say
 *   goes to the entry's `database_specific.airfeed`: a state other than fixed/affected, the channel,
 *   module stream, product and vendor advisories;
 * - `not_affected` entries are not `affected`: they are listed in the top-level
 *   `database_specific.airfeed.not_affected` as `{ecosystem, name}`; the enrichment blocks go to
 *   `database_specific.airfeed.kev` and `.epss`;
 * - `references`: as stored, with `type` `WEB` where the record has none (OSV requires one), and the
 *   record's `link` as a `WEB` reference when no reference has that URL;
 * - empty lists are left out (OSV's `"aliases": []` comes back without the key).
 */
import { osvEcosystem, resolveGroup } from '../names.ts';
import type { FixedIn, VulnRecord } from '../record.ts';
import type { ShapeContext } from './context.ts';

/** The OSV schema version this view follows. */
export const OSV_SCHEMA_VERSION = '1.7.0';

/** The id prefixes of the OSV schema (`$defs.prefix`); an id without one is re-prefixed. */
const OSV_ID =
  /^(x_|(ASB-A|PUB-A|ALPINE|ALSA|ALBA|ALEA|AZL|BELL|BIT|CGA|CLEANSTART|CLSA|CURL|CVE|DEBIAN|DHI|DRUPAL|DSA|DLA|ELA|DTSA|ECHO|EEF|FreeBSD|GHSA|GO|GSD|HSEC|JLSEC|KUBE|LBSEC|LSN|MAL|MINI|MGASA|OESA|OSEC|OSV|openSUSE-SU|PHSA|PSF|PYSEC|RHBA|RHEA|RHSA|RLSA|RXSA|RSEC|ROOT|RUSTSEC|SUSE-[SRFO]U|UBUNTU|USN|V8)-)/;

/** OSV severity types that name a vendor's own scale (the rest are CVSS). */
const VENDOR_SEVERITY_TYPES = ['Ubuntu'] as const;

export interface OsvSeverity {
  type: string;
  score: string;
}

export interface OsvAffected {
  package: { ecosystem: string; name: string; purl?: string };
  ranges?: { type: string; repo?: string; events: Record<string, string>[]; database_specific?: Record<string, unknown> }[];
  versions?: string[];
  ecosystem_specific?: Record<string, unknown>;
  database_specific?: Record<string, unknown>;
}

export interface OsvVulnerability {
  schema_version: string;
  id: string;
  modified: string;
  published?: string;
  withdrawn?: string;
  aliases?: string[];
  related?: string[];
  upstream?: string[];
  summary?: string;
  details?: string;
  severity?: OsvSeverity[];
  affected?: OsvAffected[];
  references?: { type: string; url: string }[];
  credits?: { name: string; contact?: string[]; type?: string }[];
  database_specific?: Record<string, unknown>;
}

const DISTRO_ID_PREFIX: Readonly<Record<string, string>> = { alpine: 'ALPINE', debian: 'DEBIAN', ubuntu: 'UBUNTU' };

/** The OSV id of a record of `group` (rules in the module comment). */
export function osvId(id: string, group: string): string {
  if (OSV_ID.test(id)) return id;
  const g = resolveGroup(group);
  const prefix = g?.kind === 'distro' ? DISTRO_ID_PREFIX[g.distro.id] : undefined;
  return `${prefix ?? 'x_airfeed'}-${id}`;
}

function nonEmpty<T>(list: readonly T[] | undefined): T[] | undefined {
  return list && list.length > 0 ? [...list] : undefined;
}

/** What OSV has no field for, kept under `database_specific.airfeed`. */
function airfeedExtras(f: FixedIn): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  if (f.state !== 'fixed' && f.state !== 'affected') out['state'] = f.state;
  if (f.channel !== undefined) out['channel'] = f.channel;
  if (f.moduleStream !== undefined) out['module_stream'] = f.moduleStream;
  if (f.product !== undefined) out['product'] = f.product;
  if (f.vendorAdvisory !== undefined) out['vendor_advisory'] = f.vendorAdvisory;
  return Object.keys(out).length > 0 ? out : undefined;
}

function affectedOf(f: FixedIn, group: string): OsvAffected {
  const ecosystem = f.ecosystem ?? osvEcosystem(group, { channel: f.channel, cpe: f.product?.cpe });
  const out: OsvAffected = { package: { ecosystem, name: f.package, ...(f.purl !== undefined ? { purl: f.purl } : {}) } };
  if (f.ranges) {
    out.ranges = f.ranges.map((r) => ({
      type: r.type,
      ...(r.repo !== undefined ? { repo: r.repo } : {}),
      events: r.events,
      ...(r.databaseSpecific !== undefined ? { database_specific: r.databaseSpecific } : {}),
    }));
  } else if (!f.versions) {
    out.ranges = [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, ...(f.state === 'fixed' && f.version !== undefined ? [{ fixed: f.version }] : [])] }];
  }
  if (f.versions) out.versions = [...f.versions];
  if (f.ecosystemSpecific) out.ecosystem_specific = f.ecosystemSpecific;
  const extras = airfeedExtras(f);
  if (f.databaseSpecific || extras) out.database_specific = { ...f.databaseSpecific, ...(extras ? { airfeed: extras } : {}) };
  return out;
}

function severityOf(r: VulnRecord): OsvSeverity[] {
  const out: OsvSeverity[] = r.cvss.map((c) => ({ type: c.version === '2.0' ? 'CVSS_V2' : c.version === '4.0' ? 'CVSS_V4' : 'CVSS_V3', score: c.vector }));
  for (const v of r.vendorSeverities ?? []) {
    if ((VENDOR_SEVERITY_TYPES as readonly string[]).includes(v.source)) out.push({ type: v.source, score: v.value });
  }
  return out;
}

/** The OSV view of one record (rules in the module comment). */
export function toOsv(r: VulnRecord, ctx: ShapeContext): OsvVulnerability {
  const id = osvId(r.id, r.namespace);
  const aliases = id === r.id ? r.aliases : [r.id, ...r.aliases.filter((a) => a !== r.id)];
  const references = r.references.map((ref) => ({ type: ref.type ?? 'WEB', url: ref.url }));
  if (r.link !== null && !references.some((ref) => ref.url === r.link)) references.push({ type: 'WEB', url: r.link });
  const withdrawn = r.withdrawn ?? (ctx.deleted ? ctx.updatedAt : null);
  const notAffected = r.fixedIn
    .filter((f) => f.state === 'not_affected')
    .map((f) => ({ ecosystem: f.ecosystem ?? osvEcosystem(r.namespace, { channel: f.channel, cpe: f.product?.cpe }), name: f.package }));
  const airfeed: Record<string, unknown> = {};
  if (notAffected.length > 0) airfeed['not_affected'] = notAffected;
  if (r.kev) airfeed['kev'] = r.kev;
  if (r.epss) airfeed['epss'] = r.epss;
  const databaseSpecific = Object.keys(airfeed).length > 0 ? { ...r.databaseSpecific, airfeed } : r.databaseSpecific;
  const modified = r.modified ?? ctx.updatedAt;
  if (modified === null) throw new Error(`OSV view of ${r.namespace} ${r.id}: the record has no modified time and the caller gave no updated_at`);
  const out: OsvVulnerability = { schema_version: OSV_SCHEMA_VERSION, id, modified };
  if (r.published !== null) out.published = r.published;
  if (withdrawn !== null) out.withdrawn = withdrawn;
  const lists = { aliases: nonEmpty(aliases), related: nonEmpty(r.related), upstream: nonEmpty(r.upstream) };
  for (const [key, value] of Object.entries(lists)) if (value) out[key as keyof typeof lists] = value;
  if (r.title !== undefined) out.summary = r.title;
  if (r.description !== '') out.details = r.description;
  const severity = severityOf(r);
  if (severity.length > 0) out.severity = severity;
  const affected = r.fixedIn.filter((f) => f.state !== 'not_affected').map((f) => affectedOf(f, r.namespace));
  if (affected.length > 0) out.affected = affected;
  if (references.length > 0) out.references = references;
  if (r.credits) out.credits = r.credits.map((c) => ({ name: c.name, ...(c.contact ? { contact: c.contact } : {}), ...(c.type ? { type: c.type } : {}) }));
  if (databaseSpecific) out.database_specific = databaseSpecific;
  return out;
}

function union<T>(lists: readonly (readonly T[] | undefined)[], key: (t: T) => string): T[] | undefined {
  const seen = new Map<string, T>();
  for (const list of lists) for (const t of list ?? []) if (!seen.has(key(t))) seen.set(key(t), t);
  return seen.size > 0 ? [...seen.values()] : undefined;
}

/**
 * One OSV document for one id across groups (`/v2/vulnerabilities/{id}/osv`), from the views of
 * its records sorted by group: `affected` concatenated; aliases, related, upstream, severity,
 * references and credits united (first occurrence order); the first non-empty summary and details;
 * the earliest `published`, the latest `modified`; `withdrawn` only when every view is withdrawn;
 * `database_specific.airfeed.not_affected` concatenated; other keys (and other `airfeed` keys, such
 * as `kev`) from the first view that has them.
 */
export function mergeOsv(views: readonly OsvVulnerability[]): OsvVulnerability {
  const first = views[0];
  if (!first) throw new Error('mergeOsv needs at least one view');
  const max = (xs: (string | undefined)[]): string | undefined => xs.filter((x): x is string => x !== undefined).sort().at(-1);
  const min = (xs: (string | undefined)[]): string | undefined => xs.filter((x): x is string => x !== undefined).sort()[0];
  const out: OsvVulnerability = { schema_version: first.schema_version, id: first.id, modified: max(views.map((v) => v.modified)) ?? first.modified };
  const published = min(views.map((v) => v.published));
  if (published !== undefined) out.published = published;
  if (views.every((v) => v.withdrawn !== undefined)) out.withdrawn = max(views.map((v) => v.withdrawn)) ?? '';
  const id = (s: string): string => s;
  const lists = {
    aliases: union(views.map((v) => v.aliases), id),
    related: union(views.map((v) => v.related), id),
    upstream: union(views.map((v) => v.upstream), id),
  };
  for (const [key, value] of Object.entries(lists)) if (value) out[key as keyof typeof lists] = value;
  const summary = views.find((v) => v.summary !== undefined)?.summary;
  if (summary !== undefined) out.summary = summary;
  const details = views.find((v) => v.details !== undefined)?.details;
  if (details !== undefined) out.details = details;
  const severity = union(views.map((v) => v.severity), (s) => `${s.type} ${s.score}`);
  if (severity) out.severity = severity;
  const affected = views.flatMap((v) => v.affected ?? []);
  if (affected.length > 0) out.affected = affected;
  const references = union(views.map((v) => v.references), (r) => `${r.type} ${r.url}`);
  if (references) out.references = references;
  const credits = union(views.map((v) => v.credits), (c) => JSON.stringify([c.name, c.type ?? null]));
  if (credits) out.credits = credits;
  const specific: Record<string, unknown> = {};
  const airfeed: Record<string, unknown> = {};
  for (const v of views) {
    for (const [k, val] of Object.entries(v.database_specific ?? {})) {
      if (k === 'airfeed') {
        for (const [ak, aval] of Object.entries(val as Record<string, unknown>)) if (ak !== 'not_affected' && !(ak in airfeed)) airfeed[ak] = aval;
      } else if (!(k in specific)) specific[k] = val;
    }
  }
  const notAffected = views.flatMap((v) => ((v.database_specific?.['airfeed'] as { not_affected?: unknown[] } | undefined)?.not_affected ?? []));
  if (notAffected.length > 0) airfeed['not_affected'] = notAffected;
  if (Object.keys(airfeed).length > 0) specific['airfeed'] = airfeed;
  if (Object.keys(specific).length > 0) out.database_specific = specific;
  return out;
}
