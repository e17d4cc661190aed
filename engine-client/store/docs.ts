/**
 * Reads of stored documents for enrichment and CPE matching: a scan's matched records, NVD, KEV and
 * EPSS records of their CVEs, and the CPE candidates of an SBOM's components. Each is one query,
 * bounded by the scan's matches or components, never by the size of a group.
 */
import type { Sql } from './db.ts';

/** One stored document. */
export interface StoredDoc {
  group: string;
  id: string;
  /** The record as its source sent it (JSON text). */
  doc: string;
}

/** The documents of these (group, id) pairs that exist. */
export async function docsByRef(sql: Sql, refs: readonly { group: string; id: string }[]): Promise<StoredDoc[]> {
  if (refs.length === 0) return [];
  const rows = await sql<StoredDoc[]>`
    select v.group_name as "group", v.id, v.doc
    from unnest(${sql.array(refs.map((r) => r.group))}::text[], ${sql.array(refs.map((r) => r.id))}::text[]) as k(g, i)
    join vulnerabilities v on v.group_name = k.g and v.id = k.i`;
  return [...rows];
}

/** The documents of any of `ids` in any of `groups`. */
export async function docsById(sql: Sql, groups: readonly string[], ids: readonly string[]): Promise<StoredDoc[]> {
  if (groups.length === 0 || ids.length === 0) return [];
  const rows = await sql<StoredDoc[]>`
    select group_name as "group", id, doc from vulnerabilities
    where group_name = any(${sql.array([...groups])}::text[]) and id = any(${sql.array([...new Set(ids)])}::text[])`;
  return [...rows];
}

/** The ids of `group`'s records whose CPE targets name one of these vendor:product pairs (any part). */
export async function cpeCandidates(sql: Sql, group: string, keys: readonly { vendor: string; product: string }[]): Promise<string[]> {
  if (keys.length === 0) return [];
  const rows = await sql<{ id: string }[]>`
    select distinct t.vuln_id as id
    from unnest(${sql.array(keys.map((k) => k.vendor))}::text[], ${sql.array(keys.map((k) => k.product))}::text[]) as k(vendor, product)
    join cpe_targets t on t.vendor = k.vendor and t.product = k.product and t.group_name = ${group}
    order by 1`;
  return rows.map((r) => r.id);
}
