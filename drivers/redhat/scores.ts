/**
 * The parts of a Red Hat record that are not about fix state: CVSS scores (`scores[]`, sub-scores
 * computed from the vector by drivers/_framework/cvss), reference types and times. records.ts
 * builds the records with them.
 */
import type { Logger } from 'pino';
import { type CvssVersion, scoreCvss, severityOf } from '../_framework/cvss/index.ts';
import type { Cvss, Reference } from '../_framework/record.ts';

/** Who scored the CVSS vectors of a Red Hat document, as NVD names Red Hat. */
export const RED_HAT_SOURCE = 'secalert@redhat.com';

/** An RFC 3339 time as the record keeps it (UTC, no milliseconds when there are none); null when it does not parse. */
export function utc(s: string | null): string | null {
  if (s === null) return null;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : d.toISOString().replace('.000Z', 'Z');
}

function cvssVersion(v: string, vector: string): CvssVersion | null {
  if (vector.startsWith('CVSS:4.0/') || v === '4.0') return '4.0';
  if (vector.startsWith('CVSS:3.1/') || v === '3.1') return '3.1';
  if (vector.startsWith('CVSS:3.0/') || v === '3.0') return '3.0';
  if (v === '2.0' || v === '2' || /^AV:[LAN]\//.test(vector)) return '2.0';
  return null;
}

type Sev = Cvss['baseSeverity'];

/** A `scores[]` CVSS entry as a record metric, Red Hat its source; null (with a warning) when its version is not recognized. */
export function toCvss(c: { version: string; vectorString: string; baseScore: number | null; baseSeverity: string | null }, log: Logger, where: string): Cvss | null {
  const version = cvssVersion(c.version, c.vectorString);
  if (version === null) {
    log.warn({ doc: where, version: c.version, vector: c.vectorString }, 'redhat: CVSS version not recognized; score left out');
    return null;
  }
  let computed: ReturnType<typeof scoreCvss> | null = null;
  try {
    computed = scoreCvss(c.vectorString);
  } catch (err) {
    log.warn({ doc: where, vector: c.vectorString, err: (err as Error).message }, 'redhat: CVSS vector does not parse; kept with the published score only');
  }
  const baseScore = c.baseScore ?? computed?.score ?? null;
  const given = c.baseSeverity?.toUpperCase();
  const baseSeverity: Sev = given === 'NONE' || given === 'LOW' || given === 'MEDIUM' || given === 'HIGH' || given === 'CRITICAL'
    ? given
    : baseScore === null ? null : (severityOf(version, baseScore).toUpperCase() as Sev);
  return {
    version,
    vector: c.vectorString,
    baseScore,
    baseSeverity,
    exploitabilityScore: computed?.exploitabilityScore ?? null,
    impactScore: computed?.impactScore ?? null,
    source: RED_HAT_SOURCE,
    type: null,
  };
}

/** A CSAF reference's category and URL as a record reference type. */
export function referenceType(category: string | null, url: string): Reference['type'] {
  if (category === 'self') return 'ADVISORY';
  if (/bugzilla\.redhat\.com/.test(url)) return 'REPORT';
  return 'WEB';
}
