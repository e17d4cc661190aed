/**
 * File access shared by the parsers. Text inputs (package databases) are streamed line by line, so
 * memory holds one line at a time plus the packages found. JSON inputs (SBOMs, lockfiles) are read
 * whole, but only up to MAX_JSON_BYTES: they are usually a few MiB, and a whole-document parse
 * keeps every error a plain JSON path. Beyond the limit the user gets a clear error instead of an
 * out-of-memory crash (V8 strings also stop at about 512 MiB).
 */
import { open, readFile, stat } from 'node:fs/promises';
import { isAirfeedError } from '../../drivers/_framework/errors.ts';
import { inputError, readError } from './errors.ts';

/** The largest JSON input read by default: 256 MiB. */
export const MAX_JSON_BYTES = 256 * 1024 * 1024;

/** How many bytes of a file format detection looks at. */
export const HEAD_BYTES = 64 * 1024;

/** The lines of a text file with their 1-based numbers, streamed; read failures become SCAN_INPUT_INVALID. */
export async function* readLines(file: string): AsyncGenerator<[number, string], void, undefined> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    throw readError(file, err);
  }
  const rl = fh.readLines({ encoding: 'utf8' });
  const lines = rl[Symbol.asyncIterator]();
  try {
    for (let n = 1; ; n++) {
      let next: IteratorResult<string>;
      try {
        next = await lines.next();
      } catch (err) {
        throw readError(file, err);
      }
      if (next.done === true) return;
      yield [n, n === 1 ? stripBom(next.value) : next.value];
    }
  } finally {
    rl.close();
    await fh.close().catch(() => undefined);
  }
}

/** The first HEAD_BYTES of a file, and whether that is the whole file. */
export async function readHead(file: string): Promise<{ bytes: Buffer; complete: boolean }> {
  try {
    const fh = await open(file, 'r');
    try {
      const buf = Buffer.alloc(HEAD_BYTES);
      const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
      const size = (await fh.stat()).size;
      return { bytes: buf.subarray(0, bytesRead), complete: bytesRead >= size };
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw readError(file, err);
  }
}

/** Reads and parses a JSON file of at most `maxBytes`; too big, unreadable or not JSON are SCAN_INPUT_INVALID. */
export async function readJson(file: string, maxBytes: number = MAX_JSON_BYTES): Promise<unknown> {
  let text: string;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw inputError(file, 'is not a regular file', undefined, { file });
    if (st.size > maxBytes) {
      throw inputError(file, `is ${mib(st.size)}, over the ${mib(maxBytes)} limit for JSON inputs`, undefined, { file });
    }
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (isAirfeedError(err)) throw err;
    throw readError(file, err);
  }
  try {
    return JSON.parse(stripBom(text)) as unknown;
  } catch (err) {
    throw inputError(file, `not JSON (truncated or corrupt): ${(err as Error).message}`, err, { file });
  }
}

/** The text without a leading UTF-8 byte order mark. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** `256 MiB`, `1.5 MiB`, or `1024 bytes` below a MiB. */
function mib(bytes: number): string {
  const m = bytes / (1024 * 1024);
  if (m < 1) return `${bytes} bytes`;
  return `${Number.isInteger(m) ? m : m.toFixed(1)} MiB`;
}
