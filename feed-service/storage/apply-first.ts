/**
 * The first apply of an empty group (see firstApply): no stage, no diff, one COPY straight into
 * `records`. Split from apply.ts, which handles every other apply.
 */
import { canonicalText, sha256Hex } from '../../drivers/_framework/canonical.ts';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import type { VulnRecord } from '../../drivers/_framework/record.ts';
import type { ApplyInput, ApplyResult, CanonicalRecord } from './apply.ts';
import { refuseDeletedRecords } from './apply-deletions.ts';
import { ChunkWriter, copyEscape } from '../../drivers/_framework/pg/copy.ts';
import type { Tx } from './db.ts';

/** True when the group holds any row, live or tombstone. */
export async function hasRows(tx: Tx, group: string): Promise<boolean> {
  const rows = await tx<{ any: boolean }[]>`select exists (select 1 from records where group_name = ${group}) as any`;
  return rows[0]?.any ?? true;
}

/**
 * The first apply of a group that holds no rows (not even tombstones): every record is new, so there
 * is nothing to diff. Records are COPYed straight into `records` as they are serialized, with `seq`
 * from its default (the next change-sequence value, in input order), so PostgreSQL stores one batch
 * while the next is being serialized. A repeated id breaks the primary key and is reported as such.
 */
export async function firstApply(tx: Tx, input: ApplyInput, maxSeqBefore: number, onProgress?: (n: number) => void): Promise<ApplyResult> {
  const prefix = `${copyEscape(input.group)}\t`;
  const now = (await tx<{ now: string }[]>`select now()::text as now`)[0]?.now ?? '';
  // A COPY that fails after its last byte was sent leaves porsager's stream waiting forever; the
  // deferred key is checked by the SET CONSTRAINTS statement below instead, which fails cleanly.
  await tx`set constraints records_pkey deferred`;
  const copy = new ChunkWriter(await tx`copy records (group_name, id, doc, hash, updated_at, deleted) from stdin`.writable());
  let count = 0;
  let ending = false;
  try {
    for await (const record of input.records) {
      if (record.namespace !== input.group) {
        throw new AirfeedError('SOURCE_INVALID', `record ${record.id} has namespace ${record.namespace} but was parsed into group ${input.group}`);
      }
      const doc = isCanonicalRecord(record) ? record.doc : canonicalText(record);
      await copy.write(`${prefix}${copyEscape(record.id)}\t${copyEscape(doc)}\t${sha256Hex(doc)}\t${now}\tf\n`);
      count++;
      if (onProgress && count % 2000 === 0) onProgress(count);
    }
    ending = true;
    await copy.end();
    await tx`set constraints records_pkey immediate`;
  } catch (err) {
    // End the COPY (once) so the connection is usable for the rollback; the error wins.
    if (!ending) await copy.end().catch(() => undefined);
    const pg = err as { code?: string; detail?: string };
    if (pg.code === '23505') {
      const id = /^Key \(group_name, id\)=\(.*?, (.*)\) already exists\.$/.exec(pg.detail ?? '')?.[1] ?? '(unknown)';
      throw new AirfeedError('SOURCE_INVALID', `${input.group}: record id ${id} appears more than once in one snapshot`, { cause: err });
    }
    throw err;
  }
  onProgress?.(count);
  // Deletions of an empty group name nothing to tombstone; an id that is also a record is still refused.
  if (input.deletions) await refuseDeletedRecords(tx, input.group, input.deletions);
  const max = await tx<{ m: number | null }[]>`select max(seq) as m from records where group_name = ${input.group}`;
  const counts: ApplyResult = {
    added: count, changed: 0, removed: 0, unchanged: 0, skipped: false, recordCount: count, maxSeq: Math.max(maxSeqBefore, max[0]?.m ?? 0),
  };
  await tx`update groups set record_count = ${counts.recordCount}, max_seq = ${counts.maxSeq}, last_sync = now(), last_success = now(),
      state = case when ${input.fingerprint ?? null}::text is null then state - 'fingerprint'
                   else jsonb_set(state, '{fingerprint}', to_jsonb(${input.fingerprint ?? null}::text)) end
      where name = ${input.group}`;
  return counts;
}

/** True for a record given as canonical JSON (stored byte for byte). */
export function isCanonicalRecord(record: VulnRecord | CanonicalRecord): record is CanonicalRecord {
  return typeof (record as { doc?: unknown }).doc === 'string';
}
