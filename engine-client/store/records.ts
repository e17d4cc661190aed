/**
 * The facts of stored records that the matcher needs beyond their affected rows: their aliases
 * and whether they are withdrawn (match/aliases.ts). They are read from the records as the store
 * keeps them (`vulnerabilities.doc`), only for the records that matched, so the affected rows stay
 * as they are and stores filled before this existed answer too:
 *
 * - a normalized record (/v2, bundles): `aliases` and `withdrawn`;
 * - an Anchore `github` Advisory (/v1): `CVE` (its aliases) and `withdrawn`;
 * - an Anchore `vulnerabilities` or `nvdv2` record: no aliases, never withdrawn.
 */
import { z } from 'zod';
import type { RecordFacts } from '../match/aliases.ts';
import type { Sql } from './db.ts';

const ids = z.array(z.string()).catch([]);
const Normalized = z.looseObject({ aliases: ids, withdrawn: z.string().nullable().catch(null) });
const Advisory = z.looseObject({ Advisory: z.looseObject({ CVE: ids.optional(), withdrawn: z.string().nullable().optional().catch(null) }) });

/** The facts of one stored document; undefined when it is not JSON (the store only keeps JSON). */
export function recordFacts(doc: string): RecordFacts | undefined {
  let value: unknown;
  try {
    value = JSON.parse(doc);
  } catch {
    return undefined;
  }
  const advisory = Advisory.safeParse(value);
  if (advisory.success) return { aliases: advisory.data.Advisory.CVE ?? [], withdrawn: Boolean(advisory.data.Advisory.withdrawn) };
  const normalized = Normalized.safeParse(value);
  if (normalized.success && typeof value === 'object' && value !== null && 'schemaVersion' in value) {
    return { aliases: normalized.data.aliases, withdrawn: normalized.data.withdrawn !== null };
  }
  return { aliases: [], withdrawn: false };
}

/** The facts of the records `ids` of `group`, in one query; ids the store does not hold are absent. */
export async function lookupRecordFacts(sql: Sql, group: string, recordIds: readonly string[]): Promise<Map<string, RecordFacts>> {
  const out = new Map<string, RecordFacts>();
  if (recordIds.length === 0) return out;
  const rows = await sql<{ id: string; doc: string }[]>`
    select id, doc from vulnerabilities where group_name = ${group} and id = any(${sql.array([...new Set(recordIds)])}::text[])`;
  for (const r of rows) {
    const facts = recordFacts(r.doc);
    if (facts !== undefined) out.set(r.id, facts);
  }
  return out;
}
