/**
 * Strict UTF-8 decoding. Upstream files are UTF-8 (JSON requires it, RFC 8259 §8.1); bytes that
 * are not are a defect of the file, never something to paper over: the lenient decoder Node uses
 * by default turns them into U+FFFD, and a package name becomes `\uFFFD\uFFFDaom` in the database.
 *
 * The rules are the WHATWG Encoding Standard's (the same as `TextDecoder` with `fatal: true`):
 * no overlong forms (`C0 80`), no surrogates (`ED A0 80`), nothing above U+10FFFF (`F4 90 80 80`),
 * no stray continuation bytes, no sequence cut short. A leading byte order mark (`EF BB BF`) is
 * allowed and dropped. A failure is SOURCE_INVALID naming the file and the byte offset of the first
 * bad sequence, so `cmp`/`xxd -s` find it at once.
 *
 * Decoding is streaming: a multi-byte character split across chunks is fine. The fast path is the
 * native fatal `TextDecoder`; only when it fails is the offset found by scanning the failing chunk.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { AirfeedError } from '../errors.ts';

/** Offset of the first invalid sequence in `bytes`, treating a sequence cut off at the end as valid when `partialOk`. */
export function firstInvalidUtf8(bytes: Uint8Array, partialOk = false): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) return partialOk ? n : i;
      const c = bytes[i + k] as number;
      if (c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += need + 1;
  }
  return n;
}

/** Length of an unfinished (but so far valid) sequence at the end of `bytes`: 0 to 3. */
function pendingTail(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back] as number;
    if (b < 0x80) return 0;
    if (b >= 0xc0) {
      const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return len > back ? back : 0;
    }
  }
  return 0;
}

function invalid(label: string, offset: number, bytes: Uint8Array, at: number, cause?: unknown): AirfeedError {
  const shown = Array.from(bytes.subarray(at, Math.min(bytes.length, at + 4)), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return new AirfeedError('SOURCE_INVALID', `${label}: invalid UTF-8 at byte ${offset}${shown ? ` (${shown})` : ''}`, {
    cause, details: { offset },
  });
}

/** A streaming strict decoder; `label` names the file in errors. */
export class Utf8Decoder {
  readonly #decoder = new TextDecoder('utf-8', { fatal: true });
  readonly #label: string;
  /** Bytes consumed before the current chunk. */
  #offset = 0;
  /** The unfinished sequence at the end of the previous chunk. */
  #tail: Uint8Array = new Uint8Array(0);

  constructor(label: string) {
    this.#label = label;
  }

  /** Bytes decoded so far (including the BOM). */
  get bytesRead(): number {
    return this.#offset;
  }

  /** Decodes one chunk; an unfinished character at its end is kept for the next. */
  write(chunk: Uint8Array): string {
    let text: string;
    try {
      text = this.#decoder.decode(chunk, { stream: true });
    } catch (err) {
      const joined = concat(this.#tail, chunk);
      const at = firstInvalidUtf8(joined, true);
      throw invalid(this.#label, this.#offset - this.#tail.length + at, joined, at, err);
    }
    this.#offset += chunk.length;
    // A sequence is at most 4 bytes, so one unfinished at the end of a chunk of 3 or more bytes
    // started inside that chunk.
    const basis = chunk.length >= 3 ? chunk : concat(this.#tail, chunk);
    this.#tail = basis.slice(basis.length - pendingTail(basis));
    return text;
  }

  /** Finishes: a character cut off at the end of the input is an error. */
  end(): string {
    try {
      return this.#decoder.decode();
    } catch (err) {
      throw new AirfeedError('SOURCE_INVALID', `${this.#label}: invalid UTF-8 at byte ${this.#offset - this.#tail.length}: the file ends inside a multi-byte character (truncated?)`, {
        cause: err, details: { offset: this.#offset - this.#tail.length },
      });
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Decodes a whole buffer strictly (BOM dropped); see the module doc. */
export function decodeUtf8(bytes: Uint8Array, label: string): string {
  const d = new Utf8Decoder(label);
  return d.write(bytes) + d.end();
}

/** A byte source: a Node stream or any async iterable of chunks. */
export type ByteSource = AsyncIterable<Uint8Array | string>;

/** Decodes a byte source into strings (one per non-empty chunk). */
export async function* utf8Chunks(source: ByteSource, label: string): AsyncGenerator<string> {
  const d = new Utf8Decoder(label);
  for await (const chunk of source) {
    const text = d.write(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    if (text !== '') yield text;
  }
  const rest = d.end();
  if (rest !== '') yield rest;
}

/** The decoder as a Transform: bytes in, strings out. */
export function strictUtf8Stream(label: string): Transform {
  const d = new Utf8Decoder(label);
  return new Transform({
    readableObjectMode: true,
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      try {
        const text = d.write(chunk);
        done(null, text === '' ? undefined : text);
      } catch (err) {
        done(err as Error);
      }
    },
    flush(done: TransformCallback) {
      try {
        const text = d.end();
        done(null, text === '' ? undefined : text);
      } catch (err) {
        done(err as Error);
      }
    },
  });
}
