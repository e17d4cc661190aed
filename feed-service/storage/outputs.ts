/** The `outputs` table: when each output (the grype database) was last built, and from which data. */
import type { Sql } from './db.ts';

export interface OutputRow {
  name: string;
  builtAt: Date | null;
  dataTime: Date | null;
  dataSeq: number | null;
  stateKey: string | null;
  location: string | null;
  bytes: number | null;
  checksum: string | null;
  seconds: number | null;
  groups: string[];
  lastError: string | null;
  lastErrorAt: Date | null;
}

export interface OutputBuild {
  dataTime: Date;
  dataSeq: number;
  stateKey: string;
  location: string;
  bytes: number;
  checksum: string;
  seconds: number;
  groups: string[];
}

/** Records a good build (clearing the last error). */
export async function recordOutputBuild(sql: Sql, name: string, b: OutputBuild): Promise<void> {
  await sql`
    insert into outputs (name, built_at, data_time, data_seq, state_key, location, bytes, checksum, seconds, groups, last_error, last_error_at)
    values (${name}, now(), ${b.dataTime}, ${b.dataSeq}, ${b.stateKey}, ${b.location}, ${b.bytes}, ${b.checksum}, ${b.seconds},
            ${sql.json(b.groups)}, null, null)
    on conflict (name) do update set built_at = now(), data_time = excluded.data_time, data_seq = excluded.data_seq,
      state_key = excluded.state_key, location = excluded.location, bytes = excluded.bytes, checksum = excluded.checksum,
      seconds = excluded.seconds, groups = excluded.groups, last_error = null, last_error_at = null`;
}

/** Records a failed build; the last good one stays recorded. */
export async function recordOutputFailure(sql: Sql, name: string, error: string): Promise<void> {
  await sql`
    insert into outputs (name, last_error, last_error_at) values (${name}, ${error}, now())
    on conflict (name) do update set last_error = excluded.last_error, last_error_at = now()`;
}

export async function listOutputs(sql: Sql): Promise<OutputRow[]> {
  return sql<OutputRow[]>`
    select name, built_at as "builtAt", data_time as "dataTime", data_seq as "dataSeq", state_key as "stateKey",
           location, bytes, checksum, seconds, groups, last_error as "lastError", last_error_at as "lastErrorAt"
    from outputs order by name`;
}
