/**
 * Streaming Zstandard decoding (RFC 8878) with fzstd (pure JS: Node 20's zlib has no zstd),
 * behind a frame scanner of ours that walks the frame structure alongside it:
 *
 * - Every frame's window size is checked before fzstd sees the frame: fzstd allocates the whole
 *   window up front (up to 2 GiB), so a 20-byte header could claim gigabytes. Like the zstd CLI,
 *   windows above 128 MiB (`--long=27`) are refused (`maxWindowBytes`).
 * - A stream that ends inside a frame, or holds bytes that are not a frame, fails (fzstd also
 *   notices; the scanner names the offset). Skippable frames are allowed.
 *
 * Not verified: the optional XXH64 content checksum (fzstd skips it). Truncation is always
 * caught; a flipped bit inside a compressed block may not be, and the JSON or tar reader above
 * is then what notices.
 */
import { Decompress } from 'fzstd';
import { AirfeedError } from '../errors.ts';

/** The zstd CLI's default decoder window limit (ZSTD_WINDOWLOG_LIMIT_DEFAULT = 27). */
export const MAX_WINDOW_BYTES = 128 * 1024 * 1024;

const FRAME_MAGIC = 0xfd2fb528;
/**
 * Input handed to fzstd at once. fzstd decodes every block a push completes before returning, and
 * a 4-byte RLE block expands to 128 KiB, so this bounds what one push can produce (128 MiB for
 * hostile input) before the caller's limits are checked again.
 */
const SLICE = 4096;

type ScanState = 'magic' | 'skipsize' | 'fhd' | 'header' | 'block';

/** Walks zstd frames (headers, block headers, checksums) without decoding them. */
export class ZstdFrameScanner {
  #offset = 0;
  /** Bytes to skip (block bodies, skippable frames, checksums) before the next structure. */
  #skip = 0;
  #need = 4;
  #buf: number[] = [];
  #state: ScanState = 'magic';
  #headerLen = 0;
  #checksum = false;
  #descriptor = 0;

  constructor(
    readonly label: string,
    readonly maxWindowBytes = MAX_WINDOW_BYTES,
  ) {}

  #fail(message: string): AirfeedError {
    return new AirfeedError('SOURCE_INVALID', `${this.label}: zstd data ${message} at byte ${this.#offset}`, { details: { offset: this.#offset } });
  }

  /** Scans one chunk; throws on a structure that is not zstd or breaks a limit. */
  push(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, chunk.length - i);
        this.#skip -= n;
        i += n;
        this.#offset += n;
        continue;
      }
      this.#buf.push(chunk[i] as number);
      i++;
      this.#offset++;
      if (this.#buf.length === this.#need) this.#step();
    }
  }

  /** Call at the end of the input: it must end between frames. */
  end(): void {
    if (this.#skip > 0 || this.#buf.length > 0 || this.#state !== 'magic') throw this.#fail('ends inside a frame (truncated)');
  }

  #expect(state: ScanState, need: number): void {
    this.#state = state;
    this.#need = need;
    this.#buf = [];
  }

  #step(): void {
    const b = this.#buf;
    switch (this.#state) {
      case 'magic': {
        const magic = ((b[0] as number) | ((b[1] as number) << 8) | ((b[2] as number) << 16) | ((b[3] as number) << 24)) >>> 0;
        if (magic === FRAME_MAGIC) this.#expect('fhd', 1);
        else if ((magic & 0xfffffff0) >>> 0 === 0x184d2a50) this.#expect('skipsize', 4);
        else throw this.#fail('is not a zstd frame (bad magic number)');
        return;
      }
      case 'skipsize':
        this.#skip = ((b[0] as number) | ((b[1] as number) << 8) | ((b[2] as number) << 16)) + (b[3] as number) * 2 ** 24;
        this.#expect('magic', 4);
        return;
      case 'fhd': {
        const d = b[0] as number;
        if (d & 0x08) throw this.#fail('has a reserved frame header bit set');
        const single = (d >> 5) & 1;
        const fcsFlag = d >> 6;
        const fcsLen = fcsFlag === 0 ? single : 1 << fcsFlag;
        const dictLen = [0, 1, 2, 4][d & 3] as number;
        this.#checksum = ((d >> 2) & 1) === 1;
        this.#descriptor = d;
        this.#headerLen = (single ? 0 : 1) + dictLen + fcsLen;
        if (this.#headerLen === 0) this.#afterHeader(0);
        else this.#expect('header', this.#headerLen);
        return;
      }
      case 'header': {
        const d = this.#descriptor;
        const single = (d >> 5) & 1;
        let window: number;
        if (!single) {
          const wd = b[0] as number;
          const base = 2 ** (10 + (wd >> 3));
          window = base + (base / 8) * (wd & 7);
        } else {
          const fcsFlag = d >> 6;
          const fcsLen = fcsFlag === 0 ? 1 : 1 << fcsFlag;
          let fcs = 0;
          for (let k = 0; k < fcsLen; k++) fcs += (b[b.length - fcsLen + k] as number) * 2 ** (8 * k);
          window = fcsFlag === 1 ? fcs + 256 : fcs;
        }
        this.#afterHeader(window);
        return;
      }
      case 'block': {
        const v = (b[0] as number) | ((b[1] as number) << 8) | ((b[2] as number) << 16);
        const last = v & 1;
        const type = (v >> 1) & 3;
        if (type === 3) throw this.#fail('has a block of the reserved type');
        const size = v >>> 3;
        this.#skip = type === 1 ? 1 : size;
        if (last) {
          this.#skip += this.#checksum ? 4 : 0;
          this.#expect('magic', 4);
        } else {
          this.#expect('block', 3);
        }
        return;
      }
    }
  }

  #afterHeader(window: number): void {
    if (window > this.maxWindowBytes) {
      throw new AirfeedError('SOURCE_INVALID', `${this.label}: a zstd frame asks for a ${window}-byte window, more than the ${this.maxWindowBytes} allowed (limit maxWindowBytes)`, {
        details: { limit: 'maxWindowBytes', offset: this.#offset },
      });
    }
    this.#expect('block', 3);
  }
}

/** Decodes a zstd byte stream; errors name `label`. */
export async function* zstdDecode(input: AsyncIterable<Uint8Array>, label: string, maxWindowBytes = MAX_WINDOW_BYTES): AsyncGenerator<Uint8Array> {
  const scanner = new ZstdFrameScanner(label, maxWindowBytes);
  const out: Uint8Array[] = [];
  const d = new Decompress((data) => {
    if (data.length > 0) out.push(data);
  });
  const wrap = (err: unknown): unknown =>
    err instanceof AirfeedError ? err : new AirfeedError('SOURCE_INVALID', `${label}: the zstd data is truncated or corrupt: ${(err as Error).message}`, { cause: err });
  let any = false;
  for await (const chunk of input) {
    if (chunk.length === 0) continue;
    any = true;
    for (let i = 0; i < chunk.length; i += SLICE) {
      const slice = chunk.subarray(i, i + SLICE);
      try {
        scanner.push(slice);
        d.push(slice);
      } catch (err) {
        throw wrap(err);
      }
      if (out.length > 0) {
        yield* out;
        out.length = 0;
      }
    }
  }
  try {
    scanner.end();
    if (any) d.push(new Uint8Array(0), true);
  } catch (err) {
    throw wrap(err);
  }
  yield* out;
}
