/**
 * Parsing a CVSS vector string, strictly: every component is `KEY:VALUE` with a metric and value the
 * version's specification defines (./metrics.ts, case as the spec writes it), no metric twice, and
 * every base metric present. Metric order is free: real data has other orders than the specs' tables
 * (Red Hat's test vector `CVSS:3.0/S:U/AV:N/AC:L/…`; GitHub's `CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/SC:N/VI:H/…`
 * for GHSA-28g4-38q8-3cwc), and the score does not depend on it.
 *
 * What is accepted, by version:
 * - `CVSS:3.0/…`, `CVSS:3.1/…`, `CVSS:4.0/…`: the prefix is required (v3.1 spec §6, v4.0 "Vector String").
 * - v2.0: bare `AV:N/AC:L/Au:N/C:P/I:P/A:P` (the v2 guide §2.4 form; what NVD, the NVD 1.1 feed,
 *   Red Hat and OSV's `CVSS_V2` publish), also wrapped as `(AV:N/…/A:P)` (the old NVD XML feeds) or
 *   prefixed `CVSS:2.0/AV:N/…` (some scanners); the parsed vector is the bare form.
 * - Surrounding whitespace is ignored; anything else (a score glued in front, as in the CVE 5 record
 *   of CVE-2018-14618: `7.5/CVSS:3.0/AV:N/…`; lower-case keys; an empty component) is an error.
 *
 * Errors are AirfeedError SOURCE_INVALID naming the vector and the metric (details.vector, details.metric):
 * vectors come from upstream data, and a caller that takes them from elsewhere rewraps.
 */
import { AirfeedError } from '../errors.ts';
import { METRICS, metricDef } from './metrics.ts';
import type { CvssVersion, ParsedCvss } from './types.ts';

const PREFIX = /^CVSS:(\d+\.\d+)\//;
const COMPONENT = /^([A-Za-z]+):([A-Za-z]+)$/;

function invalid(vector: string, what: string, metric?: string): AirfeedError {
  return new AirfeedError('SOURCE_INVALID', `CVSS vector ${JSON.stringify(vector)}: ${what}`, {
    details: metric === undefined ? { vector } : { vector, metric },
  });
}

/** Splits off the version: the prefix for v3.x/v4.0, the v2 forms above otherwise. */
function versionOf(vector: string): { version: CvssVersion; body: string; written: string } {
  const prefix = PREFIX.exec(vector);
  if (prefix) {
    const v = prefix[1];
    const body = vector.slice(prefix[0].length);
    if (v === '3.0' || v === '3.1' || v === '4.0') return { version: v, body, written: vector };
    if (v === '2.0') return { version: '2.0', body, written: body };
    throw invalid(vector, `unsupported CVSS version ${v} (supported: 2.0, 3.0, 3.1, 4.0)`);
  }
  if (vector.startsWith('CVSS:')) throw invalid(vector, 'malformed version prefix (expected CVSS:<major>.<minor>/)');
  if (vector.startsWith('(') && vector.endsWith(')')) {
    const body = vector.slice(1, -1);
    return { version: '2.0', body, written: body };
  }
  return { version: '2.0', body: vector, written: vector };
}

/**
 * Parses a CVSS 2.0, 3.0, 3.1 or 4.0 vector. Throws AirfeedError SOURCE_INVALID naming the vector and
 * what is wrong: an unknown version, a malformed component, an unknown metric or value, a repeated
 * metric, or missing base metrics.
 */
export function parseCvssVector(input: string): ParsedCvss {
  const vector = input.trim();
  if (vector === '') throw invalid(input, 'empty vector');
  const { version, body, written } = versionOf(vector);
  const given = new Map<string, string>();
  const parts = body.split('/');
  for (const [i, part] of parts.entries()) {
    const m = COMPONENT.exec(part);
    if (!m) {
      const where = `component ${i + 1} of ${parts.length}`;
      throw invalid(vector, part === '' ? `empty ${where}` : `malformed ${where} ${JSON.stringify(part)} (expected METRIC:VALUE)`);
    }
    const key = m[1] as string;
    const value = m[2] as string;
    const def = metricDef(version, key);
    if (!def) {
      const hint = version === '2.0' && metricDef('3.1', key) ? '; a v3 vector must start with CVSS:3.0/ or CVSS:3.1/' : '';
      throw invalid(vector, `unknown metric ${key} for CVSS ${version}${hint}`, key);
    }
    if (given.has(key)) throw invalid(vector, `metric ${key} (${def.name}) appears more than once`, key);
    if (!def.values.includes(value)) {
      throw invalid(vector, `unknown value ${JSON.stringify(value)} for metric ${key} (${def.name}); CVSS ${version} allows ${def.values.join(', ')}`, key);
    }
    given.set(key, value);
  }
  const missing = METRICS[version].filter((d) => d.mandatory && !given.has(d.key));
  if (missing.length > 0) {
    throw invalid(vector, `missing base metric${missing.length > 1 ? 's' : ''} ${missing.map((d) => `${d.key} (${d.name})`).join(', ')}`, missing[0]?.key);
  }
  const metrics: Record<string, string> = {};
  for (const d of METRICS[version]) {
    const value = given.get(d.key);
    if (value !== undefined) metrics[d.key] = value;
  }
  return { version, vector: written, metrics };
}
