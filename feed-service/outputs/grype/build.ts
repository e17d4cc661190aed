/**
 * Builds grype's database from airfeed's store into a directory: reads one snapshot (source.ts),
 * maps every record with its group's mapping module (mappers.ts), writes `vulnerability.db` (writer.ts) and
 * packages it (package.ts). The directory then holds `vulnerability.db`, `import.json`, the
 * `.tar.zst` archive and `latest.json`; callers move the last two where grype fetches them.
 *
 * The same store gives the same bytes: records arrive in a fixed order, every time written is a
 * data time (never the clock), and the SQLite file is written deterministically.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { AirfeedError } from '../../../drivers/_framework/errors.ts';
import { VulnRecord } from '../../../drivers/_framework/record.ts';
import type { Progress } from '../../../drivers/_framework/types.ts';
import type { Sql, Tx } from '../../storage/db.ts';
import { type Mapping, mappingFor } from './mappers.ts';
import type { GrypeEntry } from './model.ts';
import { type PackagedDatabase, packageDatabase } from './package.ts';
import { DB_FILE, SCHEMA_VERSION } from './schema.ts';
import { readSourceState, type SourceState, streamRecords } from './source.ts';
import { GrypeWriter, type WriteCounts } from './writer.ts';

/** `providers.processor`: what made the rows. */
export const PROCESSOR = 'airfeed@0.1.0';
/** `providers.version`: bumped when a mapping's output changes for the same records. */
export const MAPPING_VERSION = '2';

export interface BuildResult extends PackagedDatabase {
  schemaVersion: string;
  built: Date;
  dataSeq: number;
  key: string;
  groups: { name: string; records: number }[];
  unmapped: string[];
  counts: WriteCounts;
  records: number;
}

const noProgress: Progress = { phase: () => undefined, tick: () => undefined };

/** Builds into `dir` (which must exist and be empty). Throws OUTPUT_FAILED naming the step. */
export async function buildGrypeDatabase(sql: Sql, dir: string, options: { progress?: Progress } = {}): Promise<BuildResult> {
  const progress = options.progress ?? noProgress;
  // One snapshot for the state and every record, so they agree even while a sync applies.
  const built = await sql.begin('isolation level repeatable read read only', async (tx) => {
    const state = await readSourceState(tx);
    if (state.groups.length === 0 || state.built === null) {
      throw new AirfeedError(
        'OUTPUT_FAILED',
        `grype: no enabled group with data grype can use${state.unmapped.length > 0 ? ` (not covered yet: ${state.unmapped.join(', ')})` : ''}; sync or import Alpine data first`,
      );
    }
    const writer = new GrypeWriter(path.join(dir, DB_FILE));
    try {
      const result = await writeAll(tx, writer, state, progress);
      writer.finish(state.built);
      return { state, ...result, counts: writer.counts };
    } catch (err) {
      writer.abort();
      throw err;
    }
  });
  progress.phase('compress');
  const { state } = built;
  const eldest = built.eldest;
  const packaged = await packageDatabase(dir, { built: state.built!, eldest });
  return {
    ...packaged,
    schemaVersion: SCHEMA_VERSION,
    built: state.built!,
    dataSeq: state.dataSeq,
    key: state.key,
    groups: built.groups,
    unmapped: state.unmapped,
    counts: built.counts,
    records: built.records,
  };
}

async function writeAll(
  tx: Tx,
  writer: GrypeWriter,
  state: SourceState,
  progress: Progress,
): Promise<{ eldest: Date; groups: { name: string; records: number }[]; records: number }> {
  const mappings = new Map<string, Mapping>();
  for (const g of state.groups) {
    const m = mappingFor(g.name);
    if (m) mappings.set(g.name, m);
  }
  // Providers first (their capture time is the newest freshness of their groups), so handles can name them.
  const captured = new Map<string, Date>();
  for (const g of state.groups) {
    const p = mappings.get(g.name)?.provider;
    if (p === undefined) continue;
    const fresh = g.fresh ?? state.built!;
    const prev = captured.get(p);
    if (!prev || fresh > prev) captured.set(p, fresh);
  }
  const digests = new Map([...captured.keys()].map((p) => [p, createHash('sha256')]));
  for (const [id, date] of captured) writer.setProvider({ id, version: MAPPING_VERSION, processor: PROCESSOR, dateCaptured: date, inputDigest: '' });

  const total = state.groups.reduce((s, g) => s + g.recordCount, 0);
  progress.phase('write', total);
  const perGroup = new Map<string, number>();
  let records = 0;
  for await (const row of streamRecords(tx, state.groups.map((g) => g.name))) {
    const mapping = mappings.get(row.group);
    let record: VulnRecord;
    try {
      record = VulnRecord.parse(JSON.parse(row.doc));
    } catch (err) {
      throw new AirfeedError('OUTPUT_FAILED', `grype: record ${row.id} of group ${row.group} is not a valid record: ${(err as Error).message}`, { cause: err });
    }
    let entry: GrypeEntry | null | undefined;
    try {
      entry = mapping?.map(record);
    } catch (err) {
      throw new AirfeedError('OUTPUT_FAILED', `grype: record ${row.id} of group ${row.group} cannot be mapped: ${(err as Error).message}`, { cause: err });
    }
    if (entry) writer.addEntry(entry);
    if (mapping) digests.get(mapping.provider)?.update(`${row.group}\t${row.id}\t${row.hash}\n`);
    perGroup.set(row.group, (perGroup.get(row.group) ?? 0) + 1);
    records++;
    progress.tick(1);
  }
  for (const [id, date] of captured) {
    writer.setProvider({ id, version: MAPPING_VERSION, processor: PROCESSOR, dateCaptured: date, inputDigest: `sha256:${digests.get(id)!.digest('hex')}` });
  }
  const eldest = new Date(Math.min(...[...captured.values()].map((d) => d.getTime())));
  return {
    eldest: new Date(Math.floor(eldest.getTime() / 1000) * 1000),
    groups: state.groups.map((g) => ({ name: g.name, records: perGroup.get(g.name) ?? 0 })),
    records,
  };
}
