/**
 * Zip archives (osv.dev's `<Ecosystem>/all.zip`, ~210 MB) read entry by entry from a file with
 * yauzl: the central directory at the end of the file is the authority (a truncated zip has none
 * and is refused at once). Entries up to SMALL_ENTRY bytes (osv.dev's zips hold 200,000 documents
 * of a few KB) are read through one sequential read-ahead window and inflated in one call — a
 * stream per entry costs several file reads and a zlib stream each, which made reading a zip of
 * small entries several times slower than inflating it — and their size and CRC-32 are checked
 * here; larger entries are streamed by yauzl, which checks their size.
 *
 * Refused before any data is read, naming the archive and the entry: more entries than
 * `maxEntries`; an entry larger than `maxEntryBytes`, or expanding more than `maxRatio` (from the
 * sizes the directory declares, which yauzl then enforces); files adding up to more than
 * `maxBytes`; names that are absolute or contain `..` or backslashes (yauzl); symbolic links
 * (Unix mode bits in the external attributes); encrypted entries and compression methods other
 * than stored and deflate.
 */
import fs from 'node:fs/promises';
import { promisify } from 'node:util';
import { crc32, inflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';
import { AirfeedError } from '../errors.ts';
import { unsafeKeyReason } from '../workspace.ts';
import { type DecodeLimits, limitError } from './limits.ts';
import type { ArchiveEntry } from './tar.ts';

const openZip = promisify<string, yauzl.Options, yauzl.ZipFile>(yauzl.open);

/** Entries of at most this many (declared) bytes are read in one go (module doc). */
export const SMALL_ENTRY = 1024 * 1024;
/** Bytes read ahead at once for small entries. */
const WINDOW = 1024 * 1024;
const LOCAL_HEADER = 30;

/** Sequential reads of a file through a read-ahead window; every window is a new buffer, so slices stay valid. */
class Window {
  #buf = Buffer.alloc(0);
  #start = 0;

  constructor(private readonly file: fs.FileHandle) {}

  /** `length` bytes at `offset`; fewer only at the end of the file. */
  async bytes(offset: number, length: number): Promise<Buffer> {
    if (offset >= this.#start && offset + length <= this.#start + this.#buf.length) return this.#buf.subarray(offset - this.#start, offset - this.#start + length);
    const buf = Buffer.allocUnsafe(Math.max(length, WINDOW));
    const { bytesRead } = await this.file.read(buf, 0, buf.length, offset);
    this.#buf = buf.subarray(0, bytesRead);
    this.#start = offset;
    return this.#buf.subarray(0, Math.min(length, bytesRead));
  }
}

/** The data of a small entry: local header, stored or deflated bytes, size and CRC-32 checked. Throws a plain Error saying what is wrong. */
async function smallEntryData(window: Window, entry: yauzl.Entry): Promise<Buffer> {
  const header = await window.bytes(entry.relativeOffsetOfLocalHeader, LOCAL_HEADER);
  if (header.length < LOCAL_HEADER || header.readUInt32LE(0) !== 0x04034b50) throw new Error('no local file header where the central directory says');
  const start = entry.relativeOffsetOfLocalHeader + LOCAL_HEADER + header.readUInt16LE(26) + header.readUInt16LE(28);
  const packed = await window.bytes(start, entry.compressedSize);
  if (packed.length < entry.compressedSize) throw new Error(`its data ends after ${packed.length} of ${entry.compressedSize} bytes`);
  let data: Buffer;
  if (entry.compressionMethod === 0) {
    data = packed;
  } else {
    try {
      data = inflateRawSync(packed, { maxOutputLength: entry.uncompressedSize + 1 });
    } catch (err) {
      throw new Error(`does not inflate: ${(err as Error).message}`, { cause: err });
    }
  }
  if (data.length !== entry.uncompressedSize) throw new Error(`holds ${data.length > entry.uncompressedSize ? 'more than' : 'only'} ${data.length} bytes, the central directory says ${entry.uncompressedSize}`);
  if (crc32(data) !== entry.crc32) throw new Error('its CRC-32 does not match the central directory');
  return data;
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFREG = 0o100000;

/** The regular files of the zip at `file`; `label` names it in errors. */
export async function* zipEntries(file: string, label: string, limits: DecodeLimits): AsyncGenerator<ArchiveEntry> {
  const fail = (message: string, entry?: string, cause?: unknown): AirfeedError =>
    new AirfeedError('SOURCE_INVALID', `${label}${entry === undefined ? '' : ` entry ${JSON.stringify(entry)}`}: ${message}`, cause === undefined ? {} : { cause });
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(file, { lazyEntries: true, autoClose: false, decodeStrings: true, validateEntrySizes: true, strictFileNames: true });
  } catch (err) {
    throw fail(`is not a readable zip archive (truncated or corrupt): ${(err as Error).message}`, undefined, err);
  }
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(file, 'r');
    const window = new Window(handle);
    if (zip.entryCount > limits.maxEntries) throw limitError(label, 'maxEntries', `holds ${zip.entryCount} entries, more than ${limits.maxEntries}`);
    let total = 0;
    for (;;) {
      const entry = await nextEntry(zip).catch((err: unknown) => {
        throw fail(`has a corrupt central directory: ${(err as Error).message}`, undefined, err);
      });
      if (entry === null) return;
      const name = entry.fileName;
      const mode = entry.versionMadeBy >> 8 === 3 ? entry.externalFileAttributes >>> 16 : 0;
      if (name.endsWith('/')) continue;
      if ((mode & S_IFMT) === S_IFLNK) throw fail('is a symbolic link; only regular files and directories are read', name);
      if (mode !== 0 && (mode & S_IFMT) !== 0 && (mode & S_IFMT) !== S_IFREG) throw fail(`is not a regular file (mode ${mode.toString(8)})`, name);
      const unsafe = unsafeKeyReason(name);
      if (unsafe !== undefined) throw fail(`has an unsafe name: it ${unsafe}`, name);
      if (entry.isEncrypted()) throw fail('is encrypted', name);
      if (!entry.canDecodeFileData()) throw fail(`uses compression method ${entry.compressionMethod}; only stored (0) and deflate (8) are read`, name);
      const size = entry.uncompressedSize;
      const entryLabel = `${label} entry ${JSON.stringify(name)}`;
      if (size > limits.maxEntryBytes) throw limitError(entryLabel, 'maxEntryBytes', `is ${size} bytes, more than ${limits.maxEntryBytes}`);
      if (size > limits.ratioFloorBytes && size / Math.max(1, entry.compressedSize) > limits.maxRatio) {
        throw limitError(entryLabel, 'maxRatio', `expands ${Math.floor(size / Math.max(1, entry.compressedSize))}× (${size} bytes from ${entry.compressedSize})`);
      }
      total += size;
      if (total > limits.maxBytes) throw limitError(label, 'maxBytes', `holds more than ${limits.maxBytes} bytes of files`);
      if (size <= SMALL_ENTRY && entry.compressedSize <= SMALL_ENTRY) {
        const data = await smallEntryData(window, entry).catch((err: unknown) => {
          throw fail(`is truncated or corrupt: ${(err as Error).message}`, name, err);
        });
        yield { name, size, body: (async function* () { if (data.length > 0) yield data; })() };
        continue;
      }
      const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) => {
        zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s)));
      }).catch((err: unknown) => {
        throw fail(`cannot be read: ${(err as Error).message}`, name, err);
      });
      let done = false;
      const body = (async function* () {
        try {
          for await (const chunk of stream) yield chunk as Uint8Array;
          done = true;
        } catch (err) {
          throw fail(`is truncated or corrupt: ${(err as Error).message}`, name, err);
        }
      })();
      yield { name, size, body };
      if (!done) (stream as unknown as { destroy(): void }).destroy();
    }
  } finally {
    zip.close();
    await handle?.close();
  }
}

function nextEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | null> {
  return new Promise((resolve, reject) => {
    const onEntry = (entry: yauzl.Entry): void => {
      cleanup();
      resolve(entry);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(null);
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const cleanup = (): void => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}
