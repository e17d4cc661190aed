/**
 * The engine store's only writer. A group is written inside the caller's transaction (one per group
 * for an online sync, one for a whole bundle), in three steps:
 *
 * 1. the changes are streamed once and COPYed into a temp table (the record's fixed-in entries ride
 *    along as a JSON array), so memory does not grow with the group;
 * 2. the last change per id wins; deletions (or, for a full snapshot, every id not in it) are removed;
 * 3. new or changed records are upserted, and only their affected rows are rewritten, expanded from
 *    the staged arrays in SQL. Unchanged records are not touched.
 *
 * Callers lock the group first (lockGroups) and record where the data came from (setGroupState) in
 * the same transaction, so a cursor never moves without the data it stands for.
 */
import type { Severity } from '../../drivers/_framework/record.ts';
import type { AffectedEntry } from '../../drivers/_framework/shapes/index.ts';
import { ChunkWriter, copyEscape } from '../../drivers/_framework/pg/copy.ts';
import type { Tx } from './db.ts';
import { packageKey } from './package-key.ts';

// Namespace of the engine's per-group write locks among advisory locks (first key of the two-key form).
const ENGINE_GROUP_LOCK = 7_324_102;

export type { AffectedEntry } from '../../drivers/_framework/shapes/index.ts';

/** A record to insert or replace: its lookup fields and the document as the source sent it (JSON). */
export interface VulnUpsert {
  id: string;
  deleted: false;
  severity: Severity;
  link: string | null;
  doc: string;
  affected: AffectedEntry[];
}

/** A record to remove. */
export interface VulnDeletion {
  id: string;
  deleted: true;
}

export type VulnChange = VulnUpsert | VulnDeletion;

export interface GroupWrite {
  group: string;
  /** `replace`: the changes are the whole group (ids not among its upserts are removed); `changes`: apply them. */
  mode: 'replace' | 'changes';
  changes: AsyncIterable<VulnChange>;
  /** Called with the number of changes staged so far, every 1000. */
  onProgress?: (staged: number) => void;
}

export interface WriteResult {
  /** Changes received from the source (records and deletions). */
  received: number;
  /** Records inserted or changed. */
  upserts: number;
  /** Records removed. */
  deletions: number;
}

/** A group's size after a write. */
export interface GroupCounts {
  records: number;
  affected: number;
}

/** What the engine knows about a group: origin, cursors, installed bundle. */
export interface GroupState {
  name: string;
  feed: string;
  source: string;
  v2Cursor: number | null;
  v1Since: Date | null;
  bundleId: string | null;
  bundleManifestSha256: string | null;
  bundleToSeq: number | null;
  bundleCreated: Date | null;
  recordCount: number;
  affectedCount: number;
  lastUpdate: Date;
  dataAsOf: Date;
}

/** Where a group's data now comes from; every field not given is cleared. */
export interface GroupOrigin {
  feed: string;
  source: string;
  v2Cursor?: number;
  v1Since?: Date;
  bundle?: { bundleId: string; manifestSha256: string; toSeq: number; created: Date };
  /** How fresh the data is (default: the transaction's time). */
  dataAsOf?: Date;
  /** Nothing was written to the group's rows: keep the stored counts instead of recounting them. */
  unchanged?: boolean;
}

/**
 * Serializes writers of these groups until the transaction ends (sorted, so two writers never wait
 * on each other in opposite order), and returns the state of those that exist.
 */
export async function lockGroups(tx: Tx, names: readonly string[]): Promise<Map<string, GroupState>> {
  const sorted = [...new Set(names)].sort();
  if (sorted.length === 0) return new Map();
  for (const name of sorted) await tx`select pg_advisory_xact_lock(${ENGINE_GROUP_LOCK}, hashtext(${name}))`;
  const rows = await tx<GroupState[]>`
    select name, feed, source, v2_cursor as "v2Cursor", v1_since as "v1Since", bundle_id as "bundleId",
           bundle_manifest_sha256 as "bundleManifestSha256", bundle_to_seq as "bundleToSeq", bundle_created as "bundleCreated",
           record_count as "recordCount", affected_count as "affectedCount", last_update as "lastUpdate", data_as_of as "dataAsOf"
    from groups where name = any(${tx.array(sorted)}::text[])`;
  return new Map(rows.map((r) => [r.name, r]));
}

/** Stages the changes; returns how many there were. */
async function stage(tx: Tx, input: GroupWrite): Promise<number> {
  await tx`drop table if exists pg_temp.engine_stage, pg_temp.engine_final, pg_temp.engine_changed`;
  await tx`create temp table engine_stage (
    n bigint not null, id text not null, deleted boolean not null,
    severity text, link text, doc text, affected jsonb) on commit drop`;
  const copy = new ChunkWriter(await tx`copy engine_stage (n, id, deleted, severity, link, doc, affected) from stdin`.writable());
  let n = 0;
  try {
    for await (const c of input.changes) {
      n++;
      if (c.deleted) {
        await copy.write(`${n}\t${copyEscape(c.id)}\tt\t\\N\t\\N\t\\N\t\\N\n`);
      } else {
        const link = c.link === null ? '\\N' : copyEscape(c.link);
        await copy.write(`${n}\t${copyEscape(c.id)}\tf\t${c.severity}\t${link}\t${copyEscape(c.doc)}\t${copyEscape(JSON.stringify(c.affected.map((a) => ({ ...a, key: packageKey(input.group, a.package) }))))}\n`);
      }
      if (input.onProgress && n % 1000 === 0) input.onProgress(n);
    }
  } catch (err) {
    // End the COPY so the connection is usable for the rollback; the error wins.
    await copy.end().catch(() => undefined);
    throw err;
  }
  await copy.end();
  input.onProgress?.(n);
  return n;
}

/** Writes one group's changes inside the caller's transaction; see the module comment. */
export async function writeGroup(tx: Tx, input: GroupWrite): Promise<WriteResult> {
  const { group } = input;
  const received = await stage(tx, input);
  // The last change of an id wins (a /v1 record updated while it was paged comes twice).
  await tx`create temp table engine_final on commit drop as
    select distinct on (id) id, deleted, severity, link, doc, affected from engine_stage order by id, n desc`;
  await tx`create unique index on engine_final (id)`;
  await tx`analyze engine_final`;

  const removed = input.mode === 'replace'
    ? await tx<{ n: number }[]>`
        with gone as (
          delete from vulnerabilities v where v.group_name = ${group}
            and not exists (select 1 from engine_final f where f.id = v.id and not f.deleted)
          returning v.id)
        select count(*)::int as n from gone`
    : await tx<{ n: number }[]>`
        with gone as (
          delete from vulnerabilities v using engine_final f where v.group_name = ${group} and v.id = f.id and f.deleted
          returning v.id)
        select count(*)::int as n from gone`;
  if (input.mode === 'replace') {
    await tx`delete from affected a where a.group_name = ${group}
      and not exists (select 1 from engine_final f where f.id = a.vuln_id and not f.deleted)`;
  } else {
    await tx`delete from affected a using engine_final f where a.group_name = ${group} and a.vuln_id = f.id and f.deleted`;
  }

  await tx`create temp table engine_changed (id text primary key) on commit drop`;
  const upserted = await tx<{ n: number }[]>`
    with up as (
      insert into vulnerabilities (group_name, id, severity, link, doc)
      select ${group}, id, severity, link, doc from engine_final where not deleted
      on conflict (group_name, id) do update set severity = excluded.severity, link = excluded.link, doc = excluded.doc
        where (vulnerabilities.severity, vulnerabilities.link, vulnerabilities.doc) is distinct from (excluded.severity, excluded.link, excluded.doc)
      returning id
    ), kept as (insert into engine_changed (id) select id from up returning id)
    select count(*)::int as n from kept`;
  await tx`delete from affected a using engine_changed c where a.group_name = ${group} and a.vuln_id = c.id`;
  await tx`
    insert into affected (group_name, vuln_id, pos, package, package_key, scheme, state, fixed, ranges, versions, channel, module, severity, link)
    select ${group}, f.id, e.pos::int, e.entry->>'package', e.entry->>'key', e.entry->>'scheme', e.entry->>'state', e.entry->>'fixed',
           nullif(e.entry->'ranges', 'null'::jsonb), nullif(e.entry->'versions', 'null'::jsonb), e.entry->>'channel', e.entry->>'module', f.severity, f.link
    from engine_changed c join engine_final f on f.id = c.id
    cross join lateral jsonb_array_elements(f.affected) with ordinality as e(entry, pos)`;

  return { received, upserts: upserted[0]?.n ?? 0, deletions: removed[0]?.n ?? 0 };
}

/**
 * Creates the group when new, records its origin, cursors and freshness, marks it updated now and
 * recounts its rows; returns the counts.
 */
export async function setGroupState(tx: Tx, name: string, origin: GroupOrigin): Promise<GroupCounts> {
  const b = origin.bundle;
  const cursor = origin.v2Cursor ?? null;
  const since = origin.v1Since ?? null;
  const asOf = origin.dataAsOf ?? null;
  await tx`
    insert into groups (name, feed, source, v2_cursor, v1_since, bundle_id, bundle_manifest_sha256, bundle_to_seq, bundle_created,
                        last_update, data_as_of)
    values (${name}, ${origin.feed}, ${origin.source}, ${cursor}, ${since}, ${b?.bundleId ?? null}, ${b?.manifestSha256 ?? null},
            ${b?.toSeq ?? null}, ${b?.created ?? null}, now(), coalesce(${asOf}::timestamptz, now()))
    on conflict (name) do update set feed = excluded.feed, source = excluded.source, v2_cursor = excluded.v2_cursor,
      v1_since = excluded.v1_since, bundle_id = excluded.bundle_id, bundle_manifest_sha256 = excluded.bundle_manifest_sha256,
      bundle_to_seq = excluded.bundle_to_seq, bundle_created = excluded.bundle_created,
      last_update = excluded.last_update, data_as_of = excluded.data_as_of`;
  // Recounting a large group costs a scan of its rows; a sync that changed nothing needs none.
  const rows = origin.unchanged
    ? await tx<GroupCounts[]>`select record_count as records, affected_count as affected from groups where name = ${name}`
    : await tx<GroupCounts[]>`
    update groups set record_count = (select count(*)::int from vulnerabilities where group_name = ${name}),
                      affected_count = (select count(*)::int from affected where group_name = ${name})
    where name = ${name}
    returning record_count as records, affected_count as affected`;
  const counts = rows[0];
  if (!counts) throw new Error(`group ${name} vanished inside its own transaction`);
  return counts;
}
