/**
 * The floors the engine sync is measured against (engine.ts), each run in its own child process:
 * the feed service's NDJSON answer read and discarded, and the same documents COPYed into a table
 * with no parsing.
 */
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { ChunkWriter, copyEscape } from '../../drivers/_framework/pg/copy.ts';
import { chunkLines } from '../../engine-client/sources/spool.ts';
import { createSql } from '../../feed-service/storage/db.ts';

const now = (): number => performance.now() / 1000;

/** The floor: the service's NDJSON answer for the group, read and discarded. */
export async function ndjsonFloor(service: string, group: string): Promise<{ seconds: number; lines: number; bytes: number }> {
  const t0 = now();
  const res = await request(`${service}/v2/groups/${group}/records?after=0`, { headers: { accept: 'application/x-ndjson' }, bodyTimeout: 300_000 });
  if (res.statusCode !== 200) throw new Error(`NDJSON answered ${res.statusCode}`);
  let lines = 0;
  let bytes = 0;
  for await (const chunk of res.body) {
    const buf = chunk as Buffer;
    bytes += buf.length;
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) lines++;
  }
  return { seconds: now() - t0, lines, bytes };
}

/**
 * A second floor: the service's NDJSON answer COPYed, line by line, into a table shaped like the
 * engine's `vulnerabilities` (same storage and compression), with no JSON parsing, no validation and
 * no affected rows: what PostgreSQL alone costs to take the documents in.
 */
export async function copyFloor(url: string, service: string, group: string): Promise<{ seconds: number; lines: number }> {
  const sql = createSql(url, { max: 1 });
  const prefix = /^\{"seq":\d+,"id":("(?:[^"\\]|\\.)*"),"deleted":(?:true|false),"updatedAt":"[^"]*","record":/;
  try {
    await sql`drop table if exists bench_copy_floor`;
    await sql`create table bench_copy_floor (like vulnerabilities including all)`;
    const t0 = now();
    let lines = 0;
    await sql.begin(async (tx) => {
      const copy = new ChunkWriter(await tx`copy bench_copy_floor (group_name, id, severity, link, doc) from stdin`.writable());
      const res = await request(`${service}/v2/groups/${group}/records?after=0`, { headers: { accept: 'application/x-ndjson' }, bodyTimeout: 300_000 });
      for await (const { line } of chunkLines(res.body as AsyncIterable<Buffer>)) {
        const m = prefix.exec(line);
        if (!m?.[1]) continue;
        lines++;
        await copy.write(`${copyEscape(group)}\t${copyEscape(JSON.parse(m[1]) as string)}\tUnknown\t\\N\t${copyEscape(line.slice(m[0].length, -1))}\n`);
      }
      await copy.end();
    });
    return { seconds: now() - t0, lines };
  } finally {
    await sql`drop table if exists bench_copy_floor`.catch(() => undefined);
    await sql.end({ timeout: 5 });
  }
}
