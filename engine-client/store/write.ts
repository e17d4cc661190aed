/**
 * The engine store's only writer. A group is written inside the caller's transaction (one per group
 * for an online sync, one for a whole bundle), by one of two paths:
 *
 * - **First sync** (write-first.ts): the whole group arrives (`replace`), the engine holds none of
 *   it, and the source sends each id at most once (a /v2 NDJSON answer, a full bundle). Records are
 *   COPYed straight into `vulnerabilities`, their affected rows and CPE targets spooled to disk and
 *   COPYed after: each document is written once, as the service's first apply does
 *   (feed-service/storage/apply-first.ts).
 * - **Staged** (write-staged.ts), for everything else: the changes are COPYed into a temp table, the
 *   last change per id wins, deletions (or, for a full snapshot, every id not in it) are removed, and
 *   only new or changed records are written, with their affected rows and CPE targets.
 *
 * Callers lock the group first (lockGroups) and record where the data came from (setGroupState) in
 * the same transaction, so a cursor never moves without the data it stands for.
 */
import type { Severity } from '../../drivers/_framework/record.ts';
import type { AffectedEntry } from '../../drivers/_framework/shapes/index.ts';
import type { CpeTarget } from '../cpe/targets.ts';
import type { Tx } from './db.ts';
import { writeFirst } from './write-first.ts';
import { writeStaged } from './write-staged.ts';

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
  /** The vendor:product targets of its CPE configurations (engine-client/cpe/targets.ts); [] for most records. */
  cpes: CpeTarget[];
  /** The record's other ids (OSV `aliases`, an Anchore advisory's `CVE`), as match/aliases.ts merges them. */
  aliases: string[];
  /** Whether the record is withdrawn (OSV `withdrawn`, Anchore `withdrawn`): it then matches nothing. */
  withdrawn: boolean;
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
  /**
   * Asked once the source has sent its first change: true when it sends each id at most once (one
   * /v2 NDJSON answer, a full bundle), which lets a first sync skip staging. Absent: false.
   */
  uniqueIds?: () => boolean;
  /** Directory for the first sync's spool files (default: the OS temp directory). */
  spoolDir?: string;
  /** The error for a snapshot that repeats an id (default: ENGINE_SOURCE_INVALID with `message`). */
  onDuplicate?: (message: string, cause: unknown) => Error;
}

export interface WriteResult {
  /** Changes received from the source (records and deletions). */
  received: number;
  /** Records inserted or changed. */
  upserts: number;
  /** Records removed. */
  deletions: number;
  /** How it was written: `first` straight into the final tables (write-first.ts), or `staged`. */
  path: 'first' | 'staged';
  /**
   * The group's size afterwards when the writer knows it without counting: a first sync wrote every
   * row the group has (it held none). Passed on to setGroupState, which then does not recount.
   */
  counts?: GroupCounts;
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
  /** The group's size as its writer knows it (WriteResult.counts): stored instead of recounted. */
  counts?: GroupCounts;
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

/**
 * Writes one group's changes inside the caller's transaction. A whole group arriving into a group
 * that holds nothing yet, from a source that sends each id at most once, is COPYed straight into the
 * final tables (write-first.ts); everything else is staged and diffed (write-staged.ts).
 */
export async function writeGroup(tx: Tx, input: GroupWrite): Promise<WriteResult> {
  // The source knows whether its ids are unique only once it has answered (NDJSON or JSON pages).
  const it = input.changes[Symbol.asyncIterator]();
  const head = await it.next();
  const changes = prepend(head, it);
  const first = input.mode === 'replace' && input.uniqueIds?.() === true && (await groupIsEmpty(tx, input.group));
  return first ? writeFirst(tx, { ...input, changes }) : writeStaged(tx, { ...input, changes });
}

/** The changes again, with the one already taken from the iterator in front. */
async function* prepend(head: IteratorResult<VulnChange>, rest: AsyncIterator<VulnChange>): AsyncGenerator<VulnChange> {
  for (let r = head; !r.done; r = await rest.next()) yield r.value;
}

async function groupIsEmpty(tx: Tx, group: string): Promise<boolean> {
  const rows = await tx<{ any: boolean }[]>`select exists (select 1 from vulnerabilities where group_name = ${group}) as any`;
  return rows[0]?.any === false;
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
  // Recounting a large group costs a scan of its rows (after a first sync, of every document just
  // written: 1.5 GB for 300,000 NVD records); a sync that changed nothing, or whose writer counted
  // what it wrote, needs none.
  const known = origin.counts;
  const rows = known
    ? await tx<GroupCounts[]>`update groups set record_count = ${known.records}, affected_count = ${known.affected} where name = ${name}
        returning record_count as records, affected_count as affected`
    : origin.unchanged
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
