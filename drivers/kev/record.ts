/**
 * One KEV catalog entry → one record of group `kev:catalog`, id = the CVE id. KEV says a CVE is
 * exploited in the wild and what to do about it; it names no package versions, so `fixedIn` is
 * empty and the record matches nothing by itself: it enriches the records of other groups with the
 * same id (and aliases).
 *
 * - `description`: `shortDescription` with surrounding spaces trimmed; `severity` `Unknown` (KEV
 *   rates none); `link`: the catalog filtered to the CVE
 *   (`https://www.cisa.gov/known-exploited-vulnerabilities-catalog?search=CVE-2025-48384`).
 * - `published`: `dateAdded` at 00:00 UTC (when the CVE entered the catalog); `modified`: null
 *   (the catalog dates its releases, not its entries).
 * - `references`: the URLs in `notes`, in order, once each (`notes` is `url ; url ; …`, sometimes
 *   with a label: `CISA Mitigation Instructions: https://… ; Additional References: https://…`).
 * - `kev`: the KEV block of record schema v2, every entry field but the id and description,
 *   verbatim: `{dateAdded, dueDate, requiredAction, knownRansomwareCampaignUse, vendorProject,
 *   product, vulnerabilityName, notes, cwes}`; a missing `knownRansomwareCampaignUse` is `Unknown`
 *   (the schema: "'Unknown' if CISA lacks confirmation"), missing `notes` `""`, missing `cwes` `[]`.
 *   `metadata` is empty. The catalog's version is deliberately not in the record: every record would
 *   change with every release.
 */
import { type Kev, RECORD_SCHEMA_VERSION, type VulnRecord } from '../_framework/record.ts';
import type { KevEntry } from './catalog.ts';

export const GROUP = 'kev:catalog';
const CATALOG_PAGE = 'https://www.cisa.gov/known-exploited-vulnerabilities-catalog';

/** The KEV block of a record (record schema v2's `kev`). */
export type KevBlock = Kev;

/** The URLs in a `notes` text, in order of appearance, each once; trailing punctuation is not part of a URL. */
export function notesUrls(notes: string): string[] {
  const out: string[] = [];
  for (const m of notes.matchAll(/https?:\/\/[^\s<>"]+/g)) {
    const url = m[0].replace(/[;,.)\]]+$/, '');
    if (!out.includes(url)) out.push(url);
  }
  return out;
}

/** The record of one catalog entry; `source` names the file it came from. */
export function toRecord(e: KevEntry, source: string): VulnRecord {
  const kev: KevBlock = {
    dateAdded: e.dateAdded,
    dueDate: e.dueDate,
    requiredAction: e.requiredAction,
    knownRansomwareCampaignUse: e.knownRansomwareCampaignUse ?? 'Unknown',
    vendorProject: e.vendorProject,
    product: e.product,
    vulnerabilityName: e.vulnerabilityName,
    notes: e.notes ?? '',
    cwes: e.cwes ?? [],
  };
  const references: VulnRecord['references'] = notesUrls(kev.notes).map((url) => ({ url }));
  return {
    schemaVersion: RECORD_SCHEMA_VERSION,
    id: e.cveID,
    namespace: GROUP,
    severity: 'Unknown',
    description: e.shortDescription.trim(),
    link: `${CATALOG_PAGE}?search=${e.cveID}`,
    aliases: [],
    cvss: [],
    fixedIn: [],
    references,
    published: `${e.dateAdded}T00:00:00Z`,
    modified: null,
    withdrawn: null,
    kev,
    metadata: {},
    provenance: { driver: 'kev', source },
  };
}
