/**
 * A fast acceptance test for one `vulnerabilities[]` item, in front of the zod schema of api.ts.
 *
 * Why: zod checks an item by building a stripped copy of it, member by member, and for the 80,844
 * real CVEs that took longer than `JSON.parse` of their text (profile of the nvd bench). This test
 * walks the parsed value once and builds nothing.
 *
 * It is only ever stricter than `NvdItem`: `checkItem` returns the item's `cve` when the value
 * surely passes the schema, and `undefined` otherwise — the caller then runs zod, which accepts
 * what this test was unsure of (an unknown member somewhere it matters) or throws the schema's own
 * error. So what is accepted, what is refused and every message stay zod's.
 *
 * The value returned is the parsed input itself, not zod's stripped copy. That is the same to
 * record.ts, which reads members by name and builds its own objects, except for the two lists it
 * copies whole into `metadata` (`cveTags`, `vendorComments`): their items must carry no member
 * beyond the schema's, else zod runs and strips them.
 */
import { CVE_ID, type NvdCve, NVD_TIME } from './api.ts';

const CVSS_VERSIONS: ReadonlySet<unknown> = new Set(['2.0', '3.0', '3.1', '4.0']);
const METRIC_TYPES: ReadonlySet<unknown> = new Set(['Primary', 'Secondary']);
const OPERATORS: ReadonlySet<unknown> = new Set(['AND', 'OR']);
const METRIC_LISTS = ['cvssMetricV40', 'cvssMetricV31', 'cvssMetricV30', 'cvssMetricV2'] as const;
const V2_FLAGS = ['acInsufInfo', 'obtainAllPrivilege', 'obtainUserPrivilege', 'obtainOtherPrivilege', 'userInteractionRequired'] as const;
const CVE_STRINGS = [
  'sourceIdentifier', 'vulnStatus', 'evaluatorComment', 'evaluatorSolution', 'evaluatorImpact', 'cisaExploitAdd', 'cisaActionDue', 'cisaRequiredAction',
  'cisaVulnerabilityName',
] as const;
const CPE_BOUNDS = ['versionStartIncluding', 'versionStartExcluding', 'versionEndIncluding', 'versionEndExcluding'] as const;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isStr = (v: unknown): v is string => typeof v === 'string';
const isFull = (v: unknown): boolean => typeof v === 'string' && v.length > 0;
const optStr = (v: unknown): boolean => v === undefined || typeof v === 'string';
const optBool = (v: unknown): boolean => v === undefined || typeof v === 'boolean';
const score = (v: unknown): boolean => typeof v === 'number' && v >= 0 && v <= 10;
const optScore = (v: unknown): boolean => v === undefined || score(v);

function strings(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  for (const s of v) if (typeof s !== 'string') return false;
  return true;
}

function langStrings(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  for (const d of v) if (!isObj(d) || !isStr(d['lang']) || !isStr(d['value'])) return false;
  return true;
}

/** True when every member of `o` is one of `allowed` (the list is copied whole into the record). */
function only(o: Obj, allowed: readonly string[]): boolean {
  for (const k in o) if (!allowed.includes(k)) return false;
  return true;
}

function metric(m: unknown): boolean {
  if (!isObj(m)) return false;
  const d = m['cvssData'];
  if (!isObj(d) || !CVSS_VERSIONS.has(d['version']) || !isFull(d['vectorString']) || !score(d['baseScore']) || !optStr(d['baseSeverity'])) return false;
  if ((m['source'] !== undefined && !isFull(m['source'])) || (m['type'] !== undefined && !METRIC_TYPES.has(m['type']))) return false;
  if (!optStr(m['baseSeverity']) || !optScore(m['exploitabilityScore']) || !optScore(m['impactScore'])) return false;
  for (const k of V2_FLAGS) if (!optBool(m[k])) return false;
  return true;
}

function metrics(v: unknown): boolean {
  if (v === undefined) return true;
  if (!isObj(v)) return false;
  for (const k of METRIC_LISTS) {
    const list = v[k];
    if (list === undefined) continue;
    if (!Array.isArray(list)) return false;
    for (const m of list) if (!metric(m)) return false;
  }
  return true;
}

function cpeMatch(m: unknown): boolean {
  if (!isObj(m) || typeof m['vulnerable'] !== 'boolean' || !isFull(m['criteria']) || !isFull(m['matchCriteriaId'])) return false;
  for (const k of CPE_BOUNDS) if (!optStr(m[k])) return false;
  return true;
}

function configurations(v: unknown): boolean {
  if (v === undefined) return true;
  if (!Array.isArray(v)) return false;
  for (const c of v) {
    if (!isObj(c) || (c['operator'] !== undefined && !OPERATORS.has(c['operator'])) || !optBool(c['negate']) || !Array.isArray(c['nodes'])) return false;
    for (const n of c['nodes']) {
      if (!isObj(n) || !OPERATORS.has(n['operator']) || !optBool(n['negate']) || !Array.isArray(n['cpeMatch'])) return false;
      for (const m of n['cpeMatch']) if (!cpeMatch(m)) return false;
    }
  }
  return true;
}

function weaknesses(v: unknown): boolean {
  if (v === undefined) return true;
  if (!Array.isArray(v)) return false;
  for (const w of v) if (!isObj(w) || !optStr(w['source']) || !optStr(w['type']) || !langStrings(w['description'])) return false;
  return true;
}

function references(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  for (const r of v) if (!isObj(r) || !isFull(r['url']) || !optStr(r['source']) || (r['tags'] !== undefined && !strings(r['tags']))) return false;
  return true;
}

function cveTags(v: unknown): boolean {
  if (v === undefined) return true;
  if (!Array.isArray(v)) return false;
  for (const t of v) if (!isObj(t) || !only(t, ['sourceIdentifier', 'tags']) || !optStr(t['sourceIdentifier']) || !strings(t['tags'])) return false;
  return true;
}

function vendorComments(v: unknown): boolean {
  if (v === undefined) return true;
  if (!Array.isArray(v)) return false;
  for (const c of v) {
    if (!isObj(c) || !only(c, ['organization', 'comment', 'lastModified']) || !isStr(c['organization']) || !isStr(c['comment']) || !isStr(c['lastModified'])) return false;
  }
  return true;
}

/** The item's `cve` when it surely fits `NvdItem` (api.ts); `undefined` when zod must decide. See the module doc. */
export function checkItem(item: unknown): NvdCve | undefined {
  if (!isObj(item)) return undefined;
  const cve = item['cve'];
  if (!isObj(cve)) return undefined;
  const id = cve['id'];
  const published = cve['published'];
  const lastModified = cve['lastModified'];
  if (!isStr(id) || !CVE_ID.test(id) || !isStr(published) || !NVD_TIME.test(published) || !isStr(lastModified) || !NVD_TIME.test(lastModified)) return undefined;
  for (const k of CVE_STRINGS) if (!optStr(cve[k])) return undefined;
  if (!langStrings(cve['descriptions']) || !references(cve['references']) || !metrics(cve['metrics']) || !weaknesses(cve['weaknesses'])) return undefined;
  if (!configurations(cve['configurations']) || !cveTags(cve['cveTags']) || !vendorComments(cve['vendorComments'])) return undefined;
  return cve as unknown as NvdCve;
}
