/**
 * File access shared by the parsers. Text inputs (package databases, line-based lockfiles) are
 * streamed line by line, so memory holds one line at a time plus the packages found. JSON inputs
 * (SBOMs, lockfiles) and YAML/TOML lockfiles are read whole, but only up to MAX_JSON_BYTES: they
 * are usually a few MiB, and a whole-document parse keeps every error a plain JSON path or line.
 * Beyond the limit the user gets a clear error instead of an out-of-memory crash (V8 strings also
 * stop at about 512 MiB).
 */
import { fileError, fileProblem, openInputFile } from '../../drivers/_framework/files.ts';
import { inputError } from './errors.ts';

/** The largest JSON input read by default: 256 MiB. */
export const MAX_JSON_BYTES = 256 * 1024 * 1024;

/** How many bytes of a file format detection looks at. */
export const HEAD_BYTES = 64 * 1024;

/** Opens an input file (a regular file, readable); SCAN_INPUT_INVALID naming the problem otherwise. */
function openInput(file: string): ReturnType<typeof openInputFile> {
  return openInputFile('input', file, 'SCAN_INPUT_INVALID');
}

/** The error for a read that failed after the file was opened. */
function readError(file: string, err: unknown): Error {
  return fileError('input', file, fileProblem(err), err, 'SCAN_INPUT_INVALID');
}

/** The lines of a text file with their 1-based numbers, streamed; read failures become SCAN_INPUT_INVALID. */
export async function* readLines(file: string): AsyncGenerator<[number, string], void, undefined> {
  const { handle: fh } = await openInput(file);
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
  const { handle: fh, size } = await openInput(file);
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
    return { bytes: buf.subarray(0, bytesRead), complete: bytesRead >= size };
  } catch (err) {
    throw readError(file, err);
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/**
 * Reads a whole text file of at most `maxBytes` (without a byte order mark); too big or unreadable
 * is SCAN_INPUT_INVALID. For documents that must be parsed whole: JSON, and the YAML and TOML
 * lockfiles (pnpm-lock.yaml, yarn berry, poetry.lock, uv.lock, Cargo.lock).
 */
export async function readText(file: string, maxBytes: number = MAX_JSON_BYTES, kind = 'JSON'): Promise<string> {
  const { handle, size } = await openInput(file);
  try {
    if (size > maxBytes) throw inputError(file, `is ${mib(size)}, over the ${mib(maxBytes)} limit for ${kind} inputs`, undefined, { file });
    const text = await handle.readFile('utf8').catch((err: unknown) => {
      throw readError(file, err);
    });
    return stripBom(text);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Reads and parses a JSON file of at most `maxBytes`; too big, unreadable or not JSON are SCAN_INPUT_INVALID. */
export async function readJson(file: string, maxBytes: number = MAX_JSON_BYTES): Promise<unknown> {
  const text = await readText(file, maxBytes);
  try {
    return JSON.parse(text) as unknown;
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
