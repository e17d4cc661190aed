/**
 * Streaming bzip2 decoding with the block decoder of unbzip2-stream (pure JS, checks every block's
 * CRC and the stream CRC, reads concatenated streams as pbzip2 writes them), driven by our own
 * loop instead of the package's stream wrapper: that wrapper collects a block's output one
 * number per byte in a JS array (a 79-byte bzip2 bomb of zeros makes a 45 MB block, ~400 MB of
 * array and seconds of CPU) and cannot be stopped inside a block. Here output goes into 64 KiB
 * Buffers and `check` is asked before each one is kept, so a limit stops a bomb mid-block.
 *
 * A block is decoded only once all of its compressed bytes can be in hand (the package's own
 * bound: 100,000 × level + 25,000 bytes); input that ends inside a block or stream is an error.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface BitReader {
  (n: number | null): number;
  bytesRead: number;
}
interface Bzip2Lib {
  header(bits: BitReader): number;
  decompress(bits: BitReader, out: (byte: number) => void, buf: Int32Array, bufsize: number, streamCRC: number | null): number | null;
}
// Internal modules of unbzip2-stream (no exports map); pinned by package.json and covered by tests.
const bz2 = require('unbzip2-stream/lib/bzip2.js') as Bzip2Lib;
const bitIterator = require('unbzip2-stream/lib/bit_iterator.js') as (next: () => Uint8Array | undefined) => BitReader;

const OUT = 64 * 1024;

/** Decodes bzip2; `check(bytes)` is called with the bytes about to be produced and may throw. */
export async function* bzip2Decode(input: AsyncIterable<Uint8Array>, check: (pending: number) => void = () => undefined): AsyncGenerator<Uint8Array> {
  const queue: Uint8Array[] = [];
  let received = 0;
  let bits: BitReader | null = null;
  let blockSize = 0;
  let streamCRC: number | null = null;
  let out = Buffer.allocUnsafe(OUT);
  let pos = 0;
  let pending = 0;
  const ready: Buffer[] = [];
  const emit = (byte: number): void => {
    out[pos++] = byte;
    if (pos === OUT) {
      pending += OUT;
      check(pending);
      ready.push(out);
      out = Buffer.allocUnsafe(OUT);
      pos = 0;
    }
  };
  const flush = (): void => {
    if (pos > 0) {
      check(pending + pos);
      ready.push(out.subarray(0, pos));
      out = Buffer.allocUnsafe(OUT);
      pos = 0;
    }
    pending = 0;
  };
  /** Decodes one header or block; false at the end of a stream. */
  const step = (): void => {
    if (bits === null) bits = bitIterator(() => queue.shift());
    if (!blockSize) {
      blockSize = bz2.header(bits);
      streamCRC = 0;
      return;
    }
    const size = 100_000 * blockSize;
    const result = bz2.decompress(bits, emit, new Int32Array(size), size, streamCRC);
    if (result === null) {
      blockSize = 0;
      streamCRC = null;
    } else {
      streamCRC = result;
    }
    flush();
  };
  const available = (): number => received - (bits ? bits.bytesRead : 0);

  for await (const chunk of input) {
    if (chunk.length === 0) continue;
    queue.push(chunk);
    received += chunk.length;
    while (available() + 1 >= (blockSize ? 25_000 + 100_000 * blockSize : 4)) {
      step();
      if (ready.length > 0) {
        yield* ready;
        ready.length = 0;
      }
    }
  }
  while (bits !== null && available() > 0) {
    step();
    if (ready.length > 0) {
      yield* ready;
      ready.length = 0;
    }
  }
  if (streamCRC !== null || received === 0) throw new Error(received === 0 ? 'no bzip2 data' : 'input stream ended prematurely');
}
