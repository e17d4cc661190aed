/**
 * Enrichment records → grype's decoration tables, keyed by CVE and carrying no vulnerability handle
 * of their own (grype/db/v6/build/transformers/kev and /epss):
 *
 * - CISA KEV (`kev:catalog`, provider `kev`): one `known_exploited_vulnerability_handles` row per
 *   CVE and its blob `{cve, vendor_project, product, date_added, required_action, due_date,
 *   known_ransomware_campaign_use, notes, urls, cwes}`. Dates become times at midnight UTC
 *   (`2021-12-10T00:00:00Z`), the ransomware flag is lower-cased (`known`, `unknown`), and the URLs
 *   are gathered as grype-db gathers them: the `;`-separated parts of `notes` that start with `http`
 *   (taken out of `notes`, whose other parts are joined again with `; `), then the bracketed URLs in
 *   the short description and the required action (`… see [https://…]`), each once.
 * - FIRST EPSS (`epss:scores`, provider `epss`): one `epss_handles` row per CVE (score, percentile);
 *   the scores' date goes to `epss_metadata` (the writer keeps the newest).
 */
import type { VulnRecord } from '../../../drivers/_framework/record.ts';
import type { KevBlob } from './blobs.ts';
import { emptyEntry, type GrypeEntry } from './model.ts';

export const KEV_PROVIDER = 'kev';
export const EPSS_PROVIDER = 'epss';

export function isKevGroup(group: string): boolean {
  return group.startsWith('kev:');
}

export function isEpssGroup(group: string): boolean {
  return group.startsWith('epss:');
}

/** The URLs and the remaining notes of a KEV entry, as grype-db's `getURLs` splits them. */
export function kevUrls(notes: string, texts: readonly string[]): { urls: string[]; notes: string } {
  const urls: string[] = [];
  const add = (u: string): void => {
    if (!urls.includes(u)) urls.push(u);
  };
  const kept: string[] = [];
  if (notes !== '') {
    for (const raw of notes.split(';')) {
      const part = raw.trim();
      if (part.toLowerCase().startsWith('http')) add(part);
      else if (part !== '') kept.push(part);
    }
  }
  for (const t of texts) for (const m of t.matchAll(/\[(https?:\/\/[^\]]+)\]/g)) add(m[1]!);
  return { urls, notes: kept.join('; ') };
}

/** Maps one KEV record; null when it carries no KEV block. */
export function mapKevRecord(r: VulnRecord): GrypeEntry | null {
  const k = r.kev;
  if (!k) return null;
  const { urls, notes } = kevUrls(k.notes, [r.description, k.requiredAction]);
  const blob: KevBlob = {
    cve: r.id,
    vendor_project: k.vendorProject,
    product: k.product,
    date_added: `${k.dateAdded}T00:00:00Z`,
    required_action: k.requiredAction,
    due_date: `${k.dueDate}T00:00:00Z`,
    known_ransomware_campaign_use: k.knownRansomwareCampaignUse.toLowerCase(),
    notes,
    urls,
    cwes: k.cwes,
  };
  const entry = emptyEntry(KEV_PROVIDER, null);
  entry.kev.push({ cve: r.id, blob });
  return entry;
}

/** Maps one EPSS record; null when it carries no EPSS block. */
export function mapEpssRecord(r: VulnRecord): GrypeEntry | null {
  if (!r.epss) return null;
  const entry = emptyEntry(EPSS_PROVIDER, null);
  entry.epss.push({ cve: r.id, epss: r.epss.score, percentile: r.epss.percentile, date: r.epss.date });
  return entry;
}
