/** Helpers for PostgreSQL's COPY text format and for batching lines into large writes. */
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** Escapes a value for COPY text format (backslash, tab, newline, carriage return). */
export function copyEscape(value: string): string {
  // Fast path: canonical JSON never holds raw control characters, only backslashes.
  if (!/[\\\t\n\r]/.test(value)) return value;
  // Canonical JSON's only special character is the backslash of its escapes (`\"`): one native replace.
  if (!/[\t\n\r]/.test(value)) return value.replaceAll('\\', '\\\\');
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/**
 * A text[] value in COPY text format: the array literal (every element double-quoted, `"` and `\`
 * backslash-escaped: https://www.postgresql.org/docs/current/arrays.html#ARRAYS-IO), then escaped
 * for COPY like any other field.
 */
export function copyTextArray(values: readonly string[]): string {
  return copyEscape(`{${values.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`);
}

/** Buffers small writes into ~256 KiB chunks and honours backpressure of the target stream. */
export class ChunkWriter {
  private parts: (string | Buffer)[] = [];
  private size = 0;
  constructor(
    private readonly target: Writable,
    private readonly chunkBytes = 256 * 1024,
  ) {}

  /** Queues data; flushes when the chunk is full. */
  async write(data: string | Buffer): Promise<void> {
    this.parts.push(data);
    this.size += data.length;
    if (this.size >= this.chunkBytes) await this.flush();
  }

  /** Writes what is queued, waiting for drain when the target is full. */
  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    // Strings only (the usual case): joined and encoded once, not encoded one by one and then copied.
    const buf = this.parts.every((p) => typeof p === 'string')
      ? Buffer.from(this.parts.join(''))
      : Buffer.concat(this.parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
    this.parts = [];
    this.size = 0;
    if (!this.target.write(buf)) await once(this.target, 'drain');
  }

  /** Flushes and ends the target, resolving when it has finished. */
  async end(): Promise<void> {
    await this.flush();
    const done = Promise.race([once(this.target, 'finish'), once(this.target, 'close')]);
    this.target.end();
    await done;
  }
}
