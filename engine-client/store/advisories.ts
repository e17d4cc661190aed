/**
 * The vendor advisories of matched packages (Debian DSA/DLA, Ubuntu USN, …), read from the stored
 * documents of the matched records only, after matching: the affected rows carry what matching
 * needs, and a scan's matches are few. A document is the normalized record (`fixedIn[]
 * .vendorAdvisory.advisories`) or, from an Anchore /v1 source, the Anchore record (`FixedIn[]
 * .VendorAdvisory.AdvisorySummary[{ID, Link}]`); entries of the matched package count.
 */
import type { Advisory, AdvisoryKey } from '../match/match.ts';
import type { Sql } from './db.ts';

type Doc = {
  fixedIn?: { package?: unknown; vendorAdvisory?: { advisories?: { id?: unknown; link?: unknown }[] } }[];
  Vulnerability?: { FixedIn?: { Name?: unknown; VendorAdvisory?: { AdvisorySummary?: { ID?: unknown; Link?: unknown }[] } }[] };
};

/** Advisories for the entries of `pkg` in one stored document, deduplicated, in document order. */
export function advisoriesInDoc(doc: Doc, pkg: string): Advisory[] {
  const out = new Map<string, Advisory>();
  for (const f of doc.fixedIn ?? []) {
    if (f.package !== pkg) continue;
    for (const a of f.vendorAdvisory?.advisories ?? []) {
      if (typeof a.id === 'string' && !out.has(a.id)) out.set(a.id, { id: a.id, link: typeof a.link === 'string' ? a.link : null });
    }
  }
  for (const f of doc.Vulnerability?.FixedIn ?? []) {
    if (f.Name !== pkg) continue;
    for (const a of f.VendorAdvisory?.AdvisorySummary ?? []) {
      if (typeof a.ID === 'string' && !out.has(a.ID)) out.set(a.ID, { id: a.ID, link: typeof a.Link === 'string' ? a.Link : null });
    }
  }
  return [...out.values()];
}

/** The advisories of each (group, vulnerability, package) asked, in one query; keys without any are left out. */
export async function lookupAdvisories(sql: Sql, keys: readonly AdvisoryKey[]): Promise<Map<string, Advisory[]>> {
  const out = new Map<string, Advisory[]>();
  if (keys.length === 0) return out;
  const pairs = [...new Map(keys.map((k) => [`${k.group}\u0000${k.vulnId}`, k])).values()];
  const rows = await sql<{ group: string; id: string; doc: string }[]>`
    select v.group_name as "group", v.id, v.doc
    from vulnerabilities v
    join unnest(${sql.array(pairs.map((k) => k.group))}::text[], ${sql.array(pairs.map((k) => k.vulnId))}::text[]) as k(g, i)
      on v.group_name = k.g and v.id = k.i`;
  const docs = new Map(rows.map((r) => [`${r.group}\u0000${r.id}`, r.doc]));
  for (const k of keys) {
    const text = docs.get(`${k.group}\u0000${k.vulnId}`);
    if (text === undefined) continue;
    let doc: Doc;
    try {
      doc = JSON.parse(text) as Doc;
    } catch {
      continue; // the store keeps only documents it parsed when writing them
    }
    const found = advisoriesInDoc(doc, k.package);
    if (found.length > 0) out.set(`${k.group}\u0000${k.vulnId}\u0000${k.package}`, found);
  }
  return out;
}
