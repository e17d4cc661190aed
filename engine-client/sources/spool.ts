/**
 * Line-by-line reading of a feed service's answers as they arrive (the shared HttpClient's `stream`;
 * a connection that breaks midway fails the group's transaction, which is rolled back and may be
 * tried again, so nothing is half-applied), so memory stays flat whatever the size of a group; and
 * the sync's temp directory (a first sync spools its affected rows there: store/write-first.ts).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** A temp directory for the sync's files, removed by `cleanup`. */
export async function spoolDirectory(parent: string = os.tmpdir()): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  await fs.mkdir(parent, { recursive: true });
  const dir = await fs.mkdtemp(path.join(parent, 'airfeed-engine-'));
  return { dir, cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
}

/** The lines of a stream of chunks (without the newline), numbered from 1. */
export async function* chunkLines(chunks: AsyncIterable<Buffer>): AsyncGenerator<{ line: string; no: number }> {
  let carry: Buffer[] = [];
  let no = 0;
  for await (const chunk of chunks) {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, nl);
      const line = carry.length > 0 ? Buffer.concat([...carry, piece]) : piece;
      carry = [];
      start = nl + 1;
      yield { line: line.toString('utf8'), no: ++no };
    }
    if (start < chunk.length) carry.push(chunk.subarray(start));
  }
  if (carry.length > 0) yield { line: Buffer.concat(carry).toString('utf8'), no: ++no };
}
