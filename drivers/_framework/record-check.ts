/**
 * A fast acceptance test for a record, in front of the zod schema (record.ts).
 *
 * Why: sync checks every record against the schema on its way to apply, and zod spent about as
 * long on an NVD record as canonical JSON and sha256 together (profile of `npm run bench -- nvd`).
 * This test walks the record once without building anything.
 *
 * It is only ever stricter than `VulnRecord`: true means the value surely passes the schema; false
 * means "ask zod", which then accepts or words the refusal as always. It covers the common shape —
 * the record-level fields, CVSS, weaknesses, CPE configurations, references, descriptions in other
 * languages, aliases — and leaves to zod any record with per-package states (`fixedIn` not empty),
 * credits, vendor severities, KEV, EPSS or `databaseSpecific`.
 */
import { NAMESPACE_RE, RECORD_SCHEMA_VERSION, SEVERITIES, UtcTime } from './record.ts';
import { CPE23_PREFIX, CVSS_SEVERITIES, CVSS_VERSIONS, LANG_TAG, NVD_STATUSES, REFERENCE_TYPES, WEAKNESS_ID } from './record-parts.ts';

type Obj = Record<string, unknown>;

const setOf = (values: readonly unknown[]): ReadonlySet<unknown> => new Set(values);
const RECORD_KEYS = setOf([
  'schemaVersion', 'id', 'namespace', 'severity', 'title', 'description', 'descriptions', 'link', 'aliases', 'related', 'upstream', 'status', 'cvss',
  'weaknesses', 'configurations', 'fixedIn', 'references', 'published', 'modified', 'withdrawn', 'metadata', 'provenance',
]);
const CVSS_KEYS = setOf(['version', 'vector', 'baseScore', 'baseSeverity', 'exploitabilityScore', 'impactScore', 'source', 'type']);
const WEAKNESS_KEYS = setOf(['id', 'source', 'type']);
const CONFIGURATION_KEYS = setOf(['operator', 'negate', 'nodes']);
const NODE_KEYS = setOf(['operator', 'negate', 'cpeMatch']);
const MATCH_KEYS = setOf(['vulnerable', 'criteria', 'matchCriteriaId', 'versionStartIncluding', 'versionStartExcluding', 'versionEndIncluding', 'versionEndExcluding']);
const REFERENCE_KEYS = setOf(['url', 'type', 'source', 'tags']);
const DESCRIPTION_KEYS = setOf(['lang', 'value']);
const PROVENANCE_KEYS = setOf(['driver', 'source']);
const SEVERITY = setOf(SEVERITIES);
const STATUS = setOf(NVD_STATUSES);
const CVSS_VERSION = setOf(CVSS_VERSIONS);
const CVSS_SEVERITY = setOf(CVSS_SEVERITIES);
const CVSS_TYPE = setOf(['Primary', 'Secondary']);
const OPERATOR = setOf(['AND', 'OR']);
const REFERENCE_TYPE = setOf(REFERENCE_TYPES);

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/** A plain object whose own members are all among `allowed` (zod's strictObject). */
function strict(v: unknown, allowed: ReadonlySet<unknown>): v is Obj {
  if (!isObj(v)) return false;
  for (const k in v) if (!allowed.has(k)) return false;
  return true;
}

const full = (v: unknown): boolean => typeof v === 'string' && v.length > 0;
const fullOrNull = (v: unknown): boolean => v === null || full(v);
const score = (v: unknown): boolean => v === null || (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 10);
const time = (v: unknown): boolean => v === null || (typeof v === 'string' && UtcTime.safeParse(v).success);

/** An array of non-empty strings, at least `min` long. */
function fullStrings(v: unknown, min: number): boolean {
  if (!Array.isArray(v) || v.length < min) return false;
  for (const s of v) if (!full(s)) return false;
  return true;
}

/** An array of at least `min` items, each passing `item`; `undefined` passes when `optional`. */
function list(v: unknown, min: number, optional: boolean, item: (x: unknown) => boolean): boolean {
  if (v === undefined) return optional;
  if (!Array.isArray(v) || v.length < min) return false;
  for (const x of v) if (!item(x)) return false;
  return true;
}

function cvss(c: unknown): boolean {
  return strict(c, CVSS_KEYS) && CVSS_VERSION.has(c['version']) && full(c['vector']) && score(c['baseScore']) && (c['baseSeverity'] === null || CVSS_SEVERITY.has(c['baseSeverity']))
    && score(c['exploitabilityScore']) && score(c['impactScore']) && fullOrNull(c['source']) && (c['type'] === null || CVSS_TYPE.has(c['type']));
}

function weakness(w: unknown): boolean {
  return strict(w, WEAKNESS_KEYS) && typeof w['id'] === 'string' && WEAKNESS_ID.test(w['id']) && fullOrNull(w['source']) && (w['type'] === null || CVSS_TYPE.has(w['type']));
}

function cpeMatch(m: unknown): boolean {
  if (!strict(m, MATCH_KEYS) || typeof m['vulnerable'] !== 'boolean' || typeof m['criteria'] !== 'string' || !CPE23_PREFIX.test(m['criteria']) || !full(m['matchCriteriaId'])) return false;
  const [si, se, ei, ee] = [m['versionStartIncluding'], m['versionStartExcluding'], m['versionEndIncluding'], m['versionEndExcluding']];
  for (const b of [si, se, ei, ee]) if (b !== undefined && !full(b)) return false;
  return !(si !== undefined && se !== undefined) && !(ei !== undefined && ee !== undefined);
}

function node(n: unknown): boolean {
  return strict(n, NODE_KEYS) && OPERATOR.has(n['operator']) && typeof n['negate'] === 'boolean' && list(n['cpeMatch'], 1, false, cpeMatch);
}

function configuration(c: unknown): boolean {
  return strict(c, CONFIGURATION_KEYS) && (c['operator'] === undefined || OPERATOR.has(c['operator'])) && (c['negate'] === undefined || typeof c['negate'] === 'boolean')
    && list(c['nodes'], 1, false, node);
}

function reference(r: unknown): boolean {
  return strict(r, REFERENCE_KEYS) && full(r['url']) && (r['type'] === undefined || REFERENCE_TYPE.has(r['type'])) && (r['source'] === undefined || full(r['source']))
    && (r['tags'] === undefined || fullStrings(r['tags'], 1));
}

function description(d: unknown): boolean {
  return strict(d, DESCRIPTION_KEYS) && typeof d['lang'] === 'string' && LANG_TAG.test(d['lang']) && d['lang'] !== 'en' && full(d['value']);
}

/** True when `value` surely fits `VulnRecord` (record.ts); false when zod must decide. See the module doc. */
export function surelyValidRecord(value: unknown): boolean {
  if (!strict(value, RECORD_KEYS)) return false;
  const r = value;
  if (r['schemaVersion'] !== RECORD_SCHEMA_VERSION || !full(r['id']) || typeof r['namespace'] !== 'string' || !NAMESPACE_RE.test(r['namespace'])) return false;
  if (!SEVERITY.has(r['severity']) || (r['title'] !== undefined && !full(r['title'])) || typeof r['description'] !== 'string') return false;
  if (!(r['link'] === null || typeof r['link'] === 'string') || !fullStrings(r['aliases'], 0)) return false;
  if ((r['related'] !== undefined && !fullStrings(r['related'], 1)) || (r['upstream'] !== undefined && !fullStrings(r['upstream'], 1))) return false;
  if (r['status'] !== undefined && !STATUS.has(r['status'])) return false;
  if (!Array.isArray(r['fixedIn']) || r['fixedIn'].length > 0) return false;
  if (!list(r['descriptions'], 1, true, description) || !list(r['cvss'], 0, false, cvss) || !list(r['weaknesses'], 1, true, weakness)) return false;
  if (!list(r['configurations'], 1, true, configuration) || !list(r['references'], 0, false, reference)) return false;
  if (!time(r['published']) || !time(r['modified']) || !time(r['withdrawn'])) return false;
  const p = r['provenance'];
  return isObj(r['metadata']) && strict(p, PROVENANCE_KEYS) && full(p['driver']) && full(p['source']);
}
