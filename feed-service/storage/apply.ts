/**
 * Apply: the only writer of records. A group is applied in one transaction:
 *
 * 1. stream the parsed records once: canonical JSON (serialized here, or given as a CanonicalRecord)
 *    and its sha256; the (COPY-escaped) JSON goes to a spool file on disk and only (id, hash,
 *    offset, length) is COPYed into a temp table;
 * 2. diff against the stored hashes in SQL: new, changed and resurrected records form the to-do list;
 * 3. the to-do records are read back from the spool in batches and COPYed straight into `records`,
 *    each with the next change-sequence value (their old versions deleted first);
 * 4. ids listed in `deletions` (an incremental input's tombstones, e.g. from a delta bundle) and, for a
 *    complete snapshot, live records missing from it become tombstones with a new sequence value.
 *
 * Unchanged records are never touched, so a re-sync with no change writes no record and takes no
 * sequence value. Memory stays flat: neither the records nor the to-do list are held in memory.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { canonicalText, sha256Hex } from '../../drivers/_framework/canonical.ts';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import type { VulnRecord } from '../../drivers/_framework/record.ts';
import { applyDeletions } from './apply-deletions.ts';
import { firstApply, hasRows, isCanonicalRecord } from './apply-first.ts';
import { ChunkWriter, copyEscape } from '../../drivers/_framework/pg/copy.ts';
import type { Sql, Tx } from './db.ts';
import { lockGroupInTransaction } from './locks.ts';
import type { GroupCounts } from './runs.ts';

const BATCH = 5000;
// Spool reads merge neighbouring records into one read while the span stays this small.
const MAX_SPAN = 8 * 1024 * 1024;
const MAX_GAP = 256 * 1024;

/**
 * A record already serialized as canonical JSON (e.g. read from a verified bundle): stored byte for
 * byte, so its hash is the producer's, and apply skips re-serializing it.
 */
export interface CanonicalRecord {
  id: string;
  namespace: string;
  /** The normalized record as `canonicalJson` writes it (sorted keys, no whitespace). */
  doc: string;
}

export interface ApplyInput {
  group: string;
  /** True when `records` is the whole group: missing records become tombstones. */
  complete: boolean;
  records: AsyncIterable<VulnRecord | CanonicalRecord>;
  /**
   * Ids of records to mark deleted (tombstones of an incremental input). Read only after `records` is
   * exhausted, so both may be views of one sequential stream. Unknown or already deleted ids are
   * ignored; an id that is also in `records` is an error.
   */
  deletions?: AsyncIterable<string>;
  /** Input digest to remember for skipping unchanged inputs next time. */
  fingerprint?: string;
}

export interface ApplyOptions {
  /** Directory for the spool file (default: the OS temp directory). */
  spoolDir?: string;
  /** Called with the number of records streamed so far, every few thousand records. */
  onProgress?: (staged: number) => void;
}

export interface ApplyResult extends GroupCounts {
  recordCount: number;
  maxSeq: number;
}

interface TodoRow {
  n: number;
  id: string;
  hash: string;
  off: number;
  len: number;
}

/** Applies one group's records in one transaction of its own; see the module comment. */
export async function applyGroup(sql: Sql, input: ApplyInput, options: ApplyOptions = {}): Promise<ApplyResult> {
  return sql.begin((tx) => applyGroupInTransaction(tx, input, options));
}

/**
 * Applies one group inside a caller's transaction (bundle import applies many groups in one). The
 * caller commits or rolls back; on error nothing of this group is visible after a rollback.
 */
export async function applyGroupInTransaction(tx: Tx, input: ApplyInput, options: ApplyOptions = {}): Promise<ApplyResult> {
  const spoolDir = options.spoolDir ?? os.tmpdir();
  await fs.mkdir(spoolDir, { recursive: true });
  const spoolPath = path.join(spoolDir, `apply-${process.pid}-${randomUUID()}.spool`);
  const spool = await fs.open(spoolPath, 'w+');
  try {
    await lockGroupInTransaction(tx, input.group);
    const groupRows = await tx<{ recordCount: number; maxSeq: number; now: string }[]>`
      select record_count as "recordCount", max_seq as "maxSeq", now()::text as now
      from groups where name = ${input.group} for update`;
    const groupRow = groupRows[0];
    if (!groupRow) throw new AirfeedError('GROUP_UNKNOWN', `group ${input.group} is not registered`);

    // Temp tables of an earlier group in the same transaction are dropped first.
    await tx`drop table if exists pg_temp.stage, pg_temp.todo, pg_temp.deletion`;
    if (!(await hasRows(tx, input.group))) return await firstApply(tx, input, groupRow.maxSeq, options.onProgress);
    const staged = await stage(tx, input, spool, options.onProgress);
    const dup = await tx<{ id: string }[]>`select id from stage group by id having count(*) > 1 limit 1`;
    if (dup[0]) {
      throw new AirfeedError('SOURCE_INVALID', `${input.group}: record id ${dup[0].id} appears more than once in one snapshot`);
    }
    await tx`create index on stage (id)`;
    await tx`analyze stage`;

    const todoCounts = await diff(tx, input.group);
    const maxSeq = await writeTodo(tx, input.group, spool, groupRow.now);
    let removed = 0;
    let tombMax = 0;
    if (input.deletions) ({ removed, tombMax } = await applyDeletions(tx, input.group, input.deletions));
    if (input.complete) {
      const gone = await tombstone(tx, input.group);
      removed += gone.removed;
      tombMax = Math.max(tombMax, gone.tombMax);
    }

    const counts: ApplyResult = {
      added: todoCounts.added,
      changed: todoCounts.changed,
      removed,
      unchanged: staged - todoCounts.added - todoCounts.changed,
      skipped: false,
      recordCount: groupRow.recordCount + todoCounts.added - removed,
      maxSeq: Math.max(groupRow.maxSeq, maxSeq, tombMax),
    };
    const fingerprint = input.fingerprint ?? null;
    await tx`update groups set record_count = ${counts.recordCount}, max_seq = ${counts.maxSeq},
      last_sync = now(), last_success = now(),
      state = case when ${fingerprint}::text is null then state - 'fingerprint'
                   else jsonb_set(state, '{fingerprint}', to_jsonb(${fingerprint}::text)) end
      where name = ${input.group}`;
    return counts;
  } finally {
    await spool.close();
    await fs.rm(spoolPath, { force: true });
  }
}

/** Pass 1: spool the records and COPY their (id, hash, offset, length) into the temp table `stage`. */
async function stage(tx: Tx, input: ApplyInput, spool: fs.FileHandle, onProgress?: (n: number) => void): Promise<number> {
  await tx`create temp table stage (id text not null, hash text not null, off bigint not null, len integer not null) on commit drop`;
  const copy = new ChunkWriter(await tx`copy stage (id, hash, off, len) from stdin`.writable());
  const spoolOut = new SpoolWriter(spool);
  let count = 0;
  try {
    for await (const record of input.records) {
      if (record.namespace !== input.group) {
        throw new AirfeedError('SOURCE_INVALID', `record ${record.id} has namespace ${record.namespace} but was parsed into group ${input.group}`);
      }
      const doc = isCanonicalRecord(record) ? record.doc : canonicalText(record);
      const escaped = copyEscape(doc);
      const off = spoolOut.offset;
      const len = await spoolOut.write(escaped);
      await copy.write(`${copyEscape(record.id)}\t${sha256Hex(doc)}\t${off}\t${len}\n`);
      count++;
      if (onProgress && count % 2000 === 0) onProgress(count);
    }
    await spoolOut.flush();
  } catch (err) {
    // End the COPY so the connection is usable for the rollback; the error wins.
    await copy.end().catch(() => undefined);
    throw err;
  }
  await copy.end();
  onProgress?.(count);
  return count;
}

/** Pass 2: the to-do list (new, changed, resurrected), numbered in spool order. */
async function diff(tx: Tx, group: string): Promise<{ added: number; changed: number }> {
  await tx`create temp table todo on commit drop as
    select row_number() over (order by s.off) as n, s.id, s.hash, s.off, s.len,
           (r.id is not null) as present, (r.id is not null and not r.deleted) as existed
    from stage s left join records r on r.group_name = ${group} and r.id = s.id
    where r.id is null or r.hash <> s.hash or r.deleted`;
  await tx`create index on todo (n)`;
  const rows = await tx<{ added: number; changed: number }[]>`
    select count(*) filter (where not existed)::int as added, count(*) filter (where existed)::int as changed from todo`;
  await tx`delete from records r using todo t where r.group_name = ${group} and r.id = t.id and t.present`;
  return rows[0] ?? { added: 0, changed: 0 };
}

/** Pass 3: COPY the to-do records from the spool into `records`, with fresh sequence values. */
async function writeTodo(tx: Tx, group: string, spool: fs.FileHandle, now: string): Promise<number> {
  let last = 0;
  let maxSeq = 0;
  const prefix = `${copyEscape(group)}\t`;
  for (;;) {
    const batch = await tx<TodoRow[]>`select n::int, id, hash, off, len from todo where n > ${last} order by n limit ${BATCH}`;
    if (batch.length === 0) break;
    const seqs = await tx<{ s: number }[]>`select nextval('change_seq') as s from generate_series(1, ${batch.length})`;
    const values = seqs.map((r) => r.s).sort((a, b) => a - b);
    const copy = new ChunkWriter(
      await tx`copy records (group_name, id, doc, hash, seq, updated_at, deleted) from stdin`.writable(),
    );
    let i = 0;
    for await (const [row, doc] of readSpool(spool, batch)) {
      const seq = values[i++] ?? 0;
      await copy.write(`${prefix}${copyEscape(row.id)}\t`);
      await copy.write(doc);
      await copy.write(`\t${row.hash}\t${seq}\t${now}\tf\n`);
      maxSeq = Math.max(maxSeq, seq);
    }
    await copy.end();
    last = batch[batch.length - 1]?.n ?? last;
  }
  return maxSeq;
}

/** Pass 4: live records missing from a complete snapshot become tombstones. */
async function tombstone(tx: Tx, group: string): Promise<{ removed: number; tombMax: number }> {
  const rows = await tx<{ removed: number; tombMax: number | null }[]>`
    with gone as (
      select r.id from records r
      where r.group_name = ${group} and not r.deleted and not exists (select 1 from stage s where s.id = r.id)
      order by r.id
    ), marked as (
      update records r set deleted = true, seq = nextval('change_seq'), updated_at = now()
      from gone where r.group_name = ${group} and r.id = gone.id returning r.seq
    )
    select count(*)::int as removed, max(seq) as "tombMax" from marked`;
  return { removed: rows[0]?.removed ?? 0, tombMax: rows[0]?.tombMax ?? 0 };
}

/** Reads the spooled documents of `rows` (sorted by offset), merging neighbours into large reads. */
async function* readSpool(spool: fs.FileHandle, rows: TodoRow[]): AsyncGenerator<[TodoRow, Buffer]> {
  let i = 0;
  while (i < rows.length) {
    const first = rows[i];
    if (!first) break;
    let j = i + 1;
    let end = first.off + first.len;
    for (; j < rows.length; j++) {
      const r = rows[j];
      if (!r || r.off - end > MAX_GAP || r.off + r.len - first.off > MAX_SPAN) break;
      end = r.off + r.len;
    }
    const buf = Buffer.allocUnsafe(end - first.off);
    const { bytesRead } = await spool.read(buf, 0, buf.length, first.off);
    if (bytesRead !== buf.length) throw new Error(`spool read short: ${bytesRead} of ${buf.length} bytes`);
    for (let k = i; k < j; k++) {
      const r = rows[k];
      if (r) yield [r, buf.subarray(r.off - first.off, r.off - first.off + r.len)];
    }
    i = j;
  }
}

/** Appends to the spool file in large writes, tracking byte offsets. */
class SpoolWriter {
  offset = 0;
  private parts: Buffer[] = [];
  private pending = 0;
  private written = 0;
  constructor(private readonly fh: fs.FileHandle) {}

  /** Queues `text`; returns its length in bytes. */
  async write(text: string): Promise<number> {
    const buf = Buffer.from(text);
    this.parts.push(buf);
    this.pending += buf.length;
    this.offset += buf.length;
    if (this.pending >= 1024 * 1024) await this.flush();
    return buf.length;
  }

  /** Writes what is queued at the end of the file. */
  async flush(): Promise<void> {
    if (this.pending === 0) return;
    const buf = Buffer.concat(this.parts);
    await this.fh.write(buf, 0, buf.length, this.written);
    this.written += buf.length;
    this.parts = [];
    this.pending = 0;
  }
}
