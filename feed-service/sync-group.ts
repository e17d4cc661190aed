/**
 * One parsed group through sync: skip it when its inputs and parser are unchanged, else validate
 * every record against the record schema on its way to apply, with the group's deletions for an
 * incremental input. A failing group is rolled back by apply (its previous data stays served) and
 * reported; the caller goes on with the next group.
 */
import type { Logger } from 'pino';
import { AirfeedError, type ErrorCode } from '../drivers/_framework/errors.ts';
import { type VulnRecord, VulnRecord as RecordSchema } from '../drivers/_framework/record.ts';
import { surelyValidRecord } from '../drivers/_framework/record-check.ts';
import type { SettingValues } from '../drivers/_framework/settings.ts';
import type { Driver, ParsedGroup, Progress } from '../drivers/_framework/types.ts';
import { applyGroup } from './storage/apply.ts';
import type { Sql } from './storage/db.ts';
import { type GroupRow, touchGroup } from './storage/groups.ts';
import { type GroupCounts, recordEvent } from './storage/runs.ts';

export interface GroupReport extends GroupCounts {
  error?: string;
  /** Catalogue code of the group's error, when it had one. */
  errorCode?: ErrorCode;
}

export interface GroupSyncContext {
  sql: Sql;
  driver: Driver;
  runId: number;
  log: Logger;
  progress: Progress;
  settings: SettingValues;
  spoolDir: string;
  force: boolean;
}

/** The fingerprint stored for a group: the driver's parser version, then the inputs' digest. */
export function storedFingerprint(driver: Driver, parsed: ParsedGroup): string {
  return `${driver.parserVersion}:${parsed.fingerprint}`;
}

/** `fixedIn[0].version` from a zod issue path. */
function issuePath(p: readonly PropertyKey[]): string {
  let out = '';
  for (const part of p) out += typeof part === 'number' ? `[${part}]` : `${out === '' ? '' : '.'}${String(part)}`;
  return out === '' ? '(the record itself)' : out;
}

/** Where a record came from, for messages: its provenance source when it has one. */
function sourceOf(value: unknown): string {
  const source = (value as { provenance?: { source?: unknown } } | null)?.provenance?.source;
  return typeof source === 'string' && source !== '' ? source : '(no provenance.source)';
}

/**
 * Yields `records` after checking each against the record schema and the group; the first bad one
 * throws RECORD_INVALID naming the driver, the group, the file (provenance.source), the record id
 * and the field. The records yielded are the driver's own objects (validation does not copy them).
 */
export async function* checkedRecords(driver: string, group: string, records: AsyncIterable<VulnRecord>): AsyncGenerator<VulnRecord> {
  let n = 0;
  for await (const record of records) {
    // The common shape is checked without zod; zod decides (and words the error) for the rest.
    if (surelyValidRecord(record)) {
      n++;
      yield record;
      continue;
    }
    const parsed = RecordSchema.safeParse(record);
    if (!parsed.success) {
      const id = typeof (record as { id?: unknown } | null)?.id === 'string' ? (record as { id: string }).id : `#${n + 1} (no id)`;
      const issue = parsed.error.issues[0];
      const what = issue ? `${issuePath(issue.path)}: ${issue.message}` : parsed.error.message;
      const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problems)` : '';
      throw new AirfeedError('RECORD_INVALID', `${driver}: ${group}: ${sourceOf(record)}: record ${id}: ${what}${more}`, { cause: parsed.error });
    }
    n++;
    yield record;
  }
}

/** Applies (or skips) one parsed group; see the module doc. Never throws for the group's own failure. */
export async function syncGroup(ctx: GroupSyncContext, parsed: ParsedGroup, group: GroupRow): Promise<GroupReport> {
  const { sql, driver, runId, log } = ctx;
  const base = { driver: driver.id, group: parsed.name, runId };
  await recordEvent(sql, { type: 'feeds.sync.group_started', ...base });
  const fingerprint = storedFingerprint(driver, parsed);
  if (!ctx.force && group.state['fingerprint'] === fingerprint) {
    await touchGroup(sql, parsed.name, true);
    await recordEvent(sql, { type: 'feeds.sync.group_completed', ...base, details: { skipped: true } });
    return { added: 0, changed: 0, removed: 0, unchanged: group.recordCount, skipped: true };
  }
  ctx.progress.phase(`apply ${parsed.name}`);
  let seen = 0;
  try {
    if (parsed.complete && parsed.deletions) {
      throw new AirfeedError('DRIVER_CONTRACT', `${driver.id}: ${parsed.name}: a complete group names deletions; only incremental groups (complete: false) may`);
    }
    const result = await applyGroup(
      sql,
      {
        group: parsed.name,
        complete: parsed.complete,
        records: checkedRecords(driver.id, parsed.name, parsed.records),
        ...(parsed.deletions ? { deletions: parsed.deletions } : {}),
        fingerprint,
      },
      { spoolDir: ctx.spoolDir, onProgress: (n) => { ctx.progress.tick(n - seen); seen = n; } },
    );
    const { recordCount: _c, maxSeq: _m, ...counts } = result;
    await recordEvent(sql, { type: 'feeds.sync.group_completed', ...base, details: { ...counts } });
    return counts;
  } catch (err) {
    const raw = err instanceof AirfeedError ? err.message : `${parsed.name}: ${(err as Error).message}`;
    const message = ctx.settings.redact(raw);
    log.error({ err, group: parsed.name }, 'group sync failed');
    await touchGroup(sql, parsed.name, false);
    await recordEvent(sql, { type: 'feeds.sync.group_failed', level: 'error', ...base, details: { error: message } });
    const code = err instanceof AirfeedError ? err.code : undefined;
    return { added: 0, changed: 0, removed: 0, unchanged: 0, skipped: false, error: message, ...(code ? { errorCode: code } : {}) };
  }
}
