/**
 * Decompression by content sniffing, streaming: the first bytes decide, never the file name
 * (upstreams serve `.json` that is gzip and `.gz` that is not).
 *
 * | magic                  | format | decoder                                    |
 * |------------------------|--------|--------------------------------------------|
 * | `1F 8B`                | gzip   | node:zlib (concatenated members too)       |
 * | `78 01/5E/9C/DA`       | zlib   | node:zlib                                  |
 * | `42 5A 68` (`BZh1-9`)  | bzip2  | unbzip2-stream's decoder (bzip2.ts)        |
 * | `FD 37 7A 58 5A 00`    | xz     | xz-decompress (WASM xz-embedded)           |
 * | `28 B5 2F FD`          | zstd   | fzstd behind our frame scanner (zstd.ts)   |
 * | `50 4B 03 04`          | zip    | not a stream: read it with read/archive.ts |
 * | anything else          | none   | passed through                             |
 *
 * xz-decompress runs one decoder at a time in the process (a module-wide lock around its WASM
 * context): two xz files read side by side each finish, one after the other, but a consumer that
 * holds one xz stream open while waiting on another would wait forever. A consumer that stops
 * early releases the lock (the stream is cancelled).
 *
 * Every decoder is guarded (read/limits.ts: total decoded bytes, ratio; plain input passes
 * unguarded, as nothing expands), and a truncated or
 * corrupt stream is SOURCE_INVALID naming the file — never a hang, never a silent partial result.
 */
import { createReadStream } from 'node:fs';
import { pipeline, Readable, type Transform } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import xzDecompress from 'xz-decompress';
import { AirfeedError } from '../errors.ts';
import { bzip2Decode } from './bzip2.ts';
import { type DecodeLimits, ExpansionGuard, limitsWith } from './limits.ts';
import { zstdDecode } from './zstd.ts';

export type Compression = 'gzip' | 'zlib' | 'bzip2' | 'xz' | 'zstd' | 'none';
export type Sniffed = Compression | 'zip';

/** Bytes `sniff` wants to see (fewer are fine at the end of a file). */
export const SNIFF_BYTES = 6;

/** The format of data starting with `head`; see the table in the module doc. */
export function sniff(head: Uint8Array): Sniffed {
  const at = (i: number): number => head[i] ?? -1;
  if (at(0) === 0x1f && at(1) === 0x8b) return 'gzip';
  if (at(0) === 0x42 && at(1) === 0x5a && at(2) === 0x68 && at(3) >= 0x31 && at(3) <= 0x39) return 'bzip2';
  if ([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00].every((b, i) => at(i) === b)) return 'xz';
  if (at(0) === 0x28 && at(1) === 0xb5 && at(2) === 0x2f && at(3) === 0xfd) return 'zstd';
  // A local file header, or the end-of-central-directory record of an empty zip.
  if (at(0) === 0x50 && at(1) === 0x4b && ((at(2) === 0x03 && at(3) === 0x04) || (at(2) === 0x05 && at(3) === 0x06))) return 'zip';
  if (at(0) === 0x78 && [0x01, 0x5e, 0x9c, 0xda].includes(at(1))) return 'zlib';
  return 'none';
}

export interface DecodeOptions {
  /** Names the file in errors. */
  label: string;
  limits?: Partial<DecodeLimits>;
  /** The format, when the caller knows it; sniffed by default. */
  compression?: Compression;
}

/** Runs `input` through a Node Transform, as an async iterable (errors from either side surface). */
async function* viaTransform(input: AsyncIterable<Uint8Array>, t: Transform): AsyncGenerator<Uint8Array> {
  // pipeline forwards errors both ways and destroys the source when the consumer stops early.
  const out = pipeline(Readable.from(input, { objectMode: false }), t, () => undefined);
  for await (const chunk of out) yield chunk as Uint8Array;
}

function decoderFor(kind: Compression, input: AsyncIterable<Uint8Array>, label: string, guard: ExpansionGuard): AsyncIterable<Uint8Array> {
  switch (kind) {
    case 'gzip':
      return viaTransform(input, createGunzip({ chunkSize: 256 * 1024 }));
    case 'zlib':
      return viaTransform(input, createInflate());
    case 'bzip2':
      return bzip2Decode(input, (pending) => guard.check(pending));
    case 'xz': {
      const web = new xzDecompress.XzReadableStream(Readable.toWeb(Readable.from(input, { objectMode: false })) as ReadableStream<Uint8Array>);
      return Readable.fromWeb(web);
    }
    case 'zstd':
      return zstdDecode(input, label);
    case 'none':
      return input;
  }
}

/** Reads the first bytes of `source`, returning them and an iterable of the whole (unconsumed) input. */
export async function peek(source: AsyncIterable<Uint8Array>, n: number): Promise<{ head: Uint8Array; rest: AsyncIterable<Uint8Array> }> {
  const it = source[Symbol.asyncIterator]();
  const seen: Uint8Array[] = [];
  let have = 0;
  let done = false;
  while (have < n) {
    const next = await it.next();
    if (next.done) {
      done = true;
      break;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    seen.push(chunk);
    have += chunk.length;
  }
  const head = Buffer.concat(seen);
  async function* rest(): AsyncGenerator<Uint8Array> {
    try {
      if (head.length > 0) yield head;
      if (done) return;
      for (;;) {
        const next = await it.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      if (!done) await it.return?.();
    }
  }
  return { head, rest: rest() };
}

/**
 * The decoded bytes of `source` (sniffed unless `compression` is given), guarded by the limits;
 * decoder failures become SOURCE_INVALID naming `label`.
 */
export async function* decodeBytes(source: AsyncIterable<Uint8Array>, options: DecodeOptions): AsyncGenerator<Uint8Array> {
  const { label } = options;
  const limits = limitsWith(options.limits);
  let kind: Sniffed;
  let input: AsyncIterable<Uint8Array> = source;
  if (options.compression) kind = options.compression;
  else {
    const peeked = await peek(source, SNIFF_BYTES);
    kind = sniff(peeked.head);
    input = peeked.rest;
  }
  if (kind === 'zip') throw new AirfeedError('SOURCE_INVALID', `${label}: is a zip archive, not a compressed file; read its entries instead`);
  if (kind === 'none') {
    // Nothing expands: the bytes are what the source holds.
    yield* input;
    return;
  }
  let compressed = 0;
  const counted = (async function* () {
    for await (const chunk of input) {
      compressed += chunk.length;
      yield chunk;
    }
  })();
  const guard = new ExpansionGuard(label, limits, () => compressed);
  try {
    for await (const chunk of decoderFor(kind, counted, label, guard)) {
      guard.add(chunk.length);
      yield chunk;
    }
  } catch (err) {
    if (err instanceof AirfeedError) throw err;
    throw new AirfeedError(
      'SOURCE_INVALID',
      `${label}: the ${kind} data is truncated or corrupt (after ${compressed} compressed bytes, ${guard.decoded} decoded): ${(err as Error).message}`,
      { cause: err, details: { compression: kind, compressed, decoded: guard.decoded } },
    );
  }
}

/** Opens `file` and decodes it (see `decodeBytes`); returns the detected format with the stream. */
export async function openDecoded(file: string, options: DecodeOptions): Promise<{ compression: Compression; stream: Readable }> {
  const { head, rest } = await peek(createReadStream(file), SNIFF_BYTES);
  const kind = options.compression ?? sniff(head);
  if (kind === 'zip') {
    await drain(rest);
    throw new AirfeedError('SOURCE_INVALID', `${options.label}: is a zip archive, not a compressed file; read its entries instead`);
  }
  return { compression: kind, stream: Readable.from(decodeBytes(rest, { ...options, compression: kind }), { objectMode: false }) };
}

/** Stops reading an iterable, releasing its source. */
async function drain(source: AsyncIterable<Uint8Array>): Promise<void> {
  const it = source[Symbol.asyncIterator]();
  await it.return?.();
}
