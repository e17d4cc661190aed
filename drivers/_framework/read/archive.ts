/**
 * Archives by content: `archiveEntries(file)` reads a zip (read/zip.ts) or a tar that may be
 * compressed with any format read/decompress.ts sniffs (`.tar.zst`, `.tar.xz`, `.tar.gz`, `.tar.bz2`,
 * plain `.tar`; read/tar.ts), and yields the regular files one at a time with their content
 * streamed. Limits (read/limits.ts) apply to the decompression and to the entries.
 *
 *   for await (const entry of archiveEntries(file, { label: 'redhat: csaf_vex_2024-04-02.tar.zst' })) {
 *     if (!entry.name.endsWith('.json')) continue;          // unread bodies are skipped
 *     const doc = await readAll(entry.body, 8 << 20, `${label} entry ${entry.name}`);
 *   }
 */
import { createReadStream } from 'node:fs';
import { AirfeedError } from '../errors.ts';
import { decodeBytes, peek, SNIFF_BYTES, sniff } from './decompress.ts';
import { type DecodeLimits, limitsWith } from './limits.ts';
import { type ArchiveEntry, tarEntries } from './tar.ts';
import { zipEntries } from './zip.ts';

export type { ArchiveEntry } from './tar.ts';

export interface ArchiveOptions {
  /** Names the archive in errors. */
  label: string;
  limits?: Partial<DecodeLimits>;
}

/** The regular files of the archive at `file`; see the module doc. */
export async function* archiveEntries(file: string, options: ArchiveOptions): AsyncGenerator<ArchiveEntry> {
  const limits = limitsWith(options.limits);
  const { head, rest } = await peek(createReadStream(file), SNIFF_BYTES);
  if (sniff(head) === 'zip') {
    await rest[Symbol.asyncIterator]().return?.();
    yield* zipEntries(file, options.label, limits);
    return;
  }
  yield* tarEntries(decodeBytes(rest, { label: options.label, limits }), options.label, limits);
}

/** The entries of a (possibly compressed) tar arriving as a stream, e.g. an HTTP body. */
export async function* tarStreamEntries(source: AsyncIterable<Uint8Array>, options: ArchiveOptions): AsyncGenerator<ArchiveEntry> {
  const limits = limitsWith(options.limits);
  yield* tarEntries(decodeBytes(source, { label: options.label, limits }), options.label, limits);
}

/** Collects a (small) body into one Buffer, refusing more than `maxBytes`. */
export async function readAll(body: AsyncIterable<Uint8Array>, maxBytes: number, label: string): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const part of body) {
    size += part.length;
    if (size > maxBytes) throw new AirfeedError('SOURCE_INVALID', `${label}: is larger than ${maxBytes} bytes; refusing to hold it in memory`);
    parts.push(part);
  }
  return Buffer.concat(parts, size);
}
