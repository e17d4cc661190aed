/**
 * The facts of stored records that the matcher needs beyond their affected rows: their aliases
 * and whether they are withdrawn (match/aliases.ts). They are columns of `vulnerabilities`, written
 * at sync time from the record (sources/convert.ts; migration 006), only read for the records that
 * matched:
 *
 * - a normalized record (/v2, bundles): `aliases` and `withdrawn`;
 * - an Anchore `github` Advisory (/v1): `CVE` (its aliases) and `withdrawn`;
 * - an Anchore `vulnerabilities` or `nvdv2` record: no aliases, never withdrawn.
 *
 * A row stored before migration 006 and unchanged since has the columns NULL: its facts are read
 * from its document, as before, with the server extracting the two fields (so a scan with
 * thousands of matches does not transfer and parse thousands of whole documents). The document is
 * text because jsonb refuses some valid JSON (`\u0000`), and so do the json operators: that escape
 * is rewritten first.
 */
import { type RecordFacts, recordFacts } from '../match/aliases.ts';
import type { Sql } from './db.ts';

// jsonb refuses the escape `\u0000` (so do the json operators); the same six characters spelling U+FFFD
// keep the document valid JSON (also after an escaped backslash) and touch no field read here.
const NUL_ESCAPE = '\\u0000';
const REPLACEMENT_ESCAPE = '\\ufffd';

/** The facts of rows stored before migration 006, read from their documents. */
async function factsFromDocs(sql: Sql, group: string, ids: readonly string[], out: Map<string, RecordFacts>): Promise<void> {
  const rows = await sql<{ id: string; aliases: unknown; withdrawn: string | null }[]>`
    select id,
           coalesce(d -> 'aliases', d -> 'Advisory' -> 'CVE') as aliases,
           coalesce(d ->> 'withdrawn', d -> 'Advisory' ->> 'withdrawn') as withdrawn
    from (select id, replace(doc, ${NUL_ESCAPE}, ${REPLACEMENT_ESCAPE})::jsonb as d from vulnerabilities
          where group_name = ${group} and id = any(${sql.array([...ids])}::text[])) v`;
  for (const r of rows) out.set(r.id, recordFacts(r.aliases, r.withdrawn));
}

/** The facts of the records `ids` of `group`, in one query (two for a store older than them); ids the store does not hold are absent. */
export async function lookupRecordFacts(sql: Sql, group: string, recordIds: readonly string[]): Promise<Map<string, RecordFacts>> {
  const out = new Map<string, RecordFacts>();
  if (recordIds.length === 0) return out;
  const rows = await sql<{ id: string; aliases: string[] | null; withdrawn: boolean | null }[]>`
    select id, aliases, withdrawn from vulnerabilities
    where group_name = ${group} and id = any(${sql.array([...new Set(recordIds)])}::text[])`;
  const older: string[] = [];
  for (const r of rows) {
    if (r.aliases === null || r.withdrawn === null) older.push(r.id);
    else out.set(r.id, { aliases: r.aliases, withdrawn: r.withdrawn });
  }
  if (older.length > 0) await factsFromDocs(sql, group, older, out);
  return out;
}
