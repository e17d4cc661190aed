/**
 * Limits on what a compressed file or an archive may expand to, so a hostile or broken upstream
 * file (a "zip bomb": 42 KB that decompress to petabytes, a tar of a million empty files) fails
 * cleanly instead of filling the disk or the memory. Every decompressor and archive reader checks
 * them while streaming; a breach is SOURCE_INVALID naming the file, the entry and the limit.
 *
 * The defaults fit the largest real inputs with room to spare: osv.dev's all.zip (~210 MB, ~1.5 GB
 * decoded), Red Hat's VEX archive (tens of thousands of JSON files, some over 3 MB), the NVD year
 * pages; drivers pass tighter limits where they know better.
 */
import { AirfeedError } from '../errors.ts';

export interface DecodeLimits {
  /** Decoded bytes of one file, or of all entries of an archive together. */
  maxBytes: number;
  /** Decoded bytes of one archive entry. */
  maxEntryBytes: number;
  /** Entries of one archive (directories and metadata entries count). */
  maxEntries: number;
  /** Decoded bytes per compressed byte, checked once more than `ratioFloorBytes` were decoded. */
  maxRatio: number;
  /** Below this many decoded bytes the ratio is not checked: small inputs compress absurdly well. */
  ratioFloorBytes: number;
}

const GiB = 1024 * 1024 * 1024;

export const DEFAULT_LIMITS: Readonly<DecodeLimits> = Object.freeze({
  maxBytes: 32 * GiB,
  maxEntryBytes: 4 * GiB,
  maxEntries: 2_000_000,
  // Real JSON compresses 10–50× (Red Hat's VEX tar.zst: 41×); bombs reach 1,000× (gzip) to 10⁶× (bzip2, zstd).
  maxRatio: 500,
  ratioFloorBytes: 64 * 1024 * 1024,
});

/** `DEFAULT_LIMITS` with the caller's overrides. */
export function limitsWith(overrides: Partial<DecodeLimits> = {}): DecodeLimits {
  return { ...DEFAULT_LIMITS, ...overrides };
}

export type LimitName = keyof Omit<DecodeLimits, 'ratioFloorBytes'>;

/** The SOURCE_INVALID error for a breached limit. */
export function limitError(label: string, limit: LimitName, detail: string): AirfeedError {
  return new AirfeedError('SOURCE_INVALID', `${label}: ${detail} (limit ${limit}); refusing it as a decompression bomb or a broken file`, {
    details: { limit },
  });
}

/** Counts decoded bytes against `maxBytes` and the compression ratio. */
export class ExpansionGuard {
  #decoded = 0;

  constructor(
    readonly label: string,
    readonly limits: DecodeLimits,
    /** Compressed bytes read so far. */
    readonly compressed: () => number,
  ) {}

  get decoded(): number {
    return this.#decoded;
  }

  /** Adds `n` decoded bytes; throws when a limit is breached. */
  add(n: number): void {
    this.check(n);
    this.#decoded += n;
  }

  /** Throws when `pending` more decoded bytes would breach a limit (for decoders that produce in bulk). */
  check(pending: number): void {
    const decoded = this.#decoded + pending;
    const { maxBytes, maxRatio, ratioFloorBytes } = this.limits;
    if (decoded > maxBytes) throw limitError(this.label, 'maxBytes', `decodes to more than ${maxBytes} bytes`);
    if (decoded > ratioFloorBytes) {
      const ratio = decoded / Math.max(1, this.compressed());
      if (ratio > maxRatio) {
        throw limitError(this.label, 'maxRatio', `expands ${Math.floor(ratio)}× (${decoded} bytes from ${this.compressed()})`);
      }
    }
  }
}
