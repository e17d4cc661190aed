/**
 * The ustar (POSIX.1-1988) archive format, written deterministically and read strictly.
 *
 * Written by hand rather than with the `tar` package so every header byte is fixed (mode 0644,
 * uid/gid 0, empty user and group names, the caller's mtime, no pax headers) and so the reader can
 * refuse what a bundle never holds — links, devices, directories, extension headers, duplicates,
 * paths that escape — before a single data byte is used. Entries are read by file position, so a
 * body is never buffered and an unread body is skipped for free.
 */
import fs from 'node:fs/promises';
import { AirfeedError } from '../drivers/_framework/errors.ts';
import { openInputFile } from '../drivers/_framework/files.ts';

const BLOCK = 512;
const READ_CHUNK = 1024 * 1024;
// 11 octal digits in the size field.
const MAX_SIZE = 8 ** 11 - 1;

export interface HeaderFields {
  name: string;
  size: number;
  /** Modification time in whole seconds since the epoch. */
  mtime: number;
  /** Typeflag character: '0' regular file (default), '1' hard link, '2' symlink, '3'/'4' devices, '5' directory. */
  type?: string;
  linkname?: string;
  mode?: number;
}

/** Why a member path is unsafe to extract (absolute, `..`, empty segments, backslashes), or undefined when it is fine. */
export function unsafePathReason(name: string): string | undefined {
  if (name === '') return 'has an empty name';
  if (name.includes('\0')) return 'has a NUL byte in its name';
  if (name.startsWith('/')) return 'is an absolute path';
  if (name.includes('\\') || /^[A-Za-z]:/.test(name)) return 'is not a relative POSIX path';
  const parts = name.split('/');
  if (parts.includes('..')) return 'escapes the bundle directory (`..`)';
  if (parts.some((p) => p === '' || p === '.')) return 'has an empty or `.` path segment';
  return undefined;
}

function writeString(buf: Buffer, offset: number, length: number, value: string, what: string): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > length) throw new Error(`tar ${what} "${value}" is longer than ${length} bytes`);
  bytes.copy(buf, offset);
}

function writeOctal(buf: Buffer, offset: number, length: number, value: number): void {
  const text = value.toString(8).padStart(length - 1, '0');
  if (text.length > length - 1) throw new Error(`tar field value ${value} does not fit in ${length} bytes`);
  buf.write(`${text}\0`, offset, 'ascii');
}

/** Splits a long path into ustar's prefix and name fields. */
function splitName(name: string): [prefix: string, name: string] {
  if (Buffer.byteLength(name) <= 100) return ['', name];
  for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && rest !== '' && Buffer.byteLength(rest) <= 100) return [prefix, rest];
  }
  throw new Error(`tar path "${name}" is too long for a ustar header`);
}

/** One 512-byte ustar header with fixed ownership fields, so equal input gives equal bytes. */
export function tarHeader(fields: HeaderFields): Buffer {
  if (!Number.isSafeInteger(fields.size) || fields.size < 0 || fields.size > MAX_SIZE) {
    throw new Error(`tar entry ${fields.name} has an invalid size ${fields.size}`);
  }
  const h = Buffer.alloc(BLOCK);
  const [prefix, name] = splitName(fields.name);
  writeString(h, 0, 100, name, 'name');
  writeOctal(h, 100, 8, fields.mode ?? 0o644);
  writeOctal(h, 108, 8, 0); // uid
  writeOctal(h, 116, 8, 0); // gid
  writeOctal(h, 124, 12, fields.size);
  writeOctal(h, 136, 12, Math.max(0, Math.floor(fields.mtime)));
  h.write(fields.type ?? '0', 156, 'ascii');
  writeString(h, 157, 100, fields.linkname ?? '', 'link name');
  h.write('ustar\u000000', 257, 'ascii');
  writeOctal(h, 329, 8, 0); // devmajor
  writeOctal(h, 337, 8, 0); // devminor
  writeString(h, 345, 155, prefix, 'prefix');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/** Appends entries to a new archive file; `finish` writes the two end blocks. */
export class TarWriter {
  private constructor(
    private readonly fh: fs.FileHandle,
    private readonly mtime: number,
  ) {}

  /** Creates (truncates) `file`; every entry gets `mtime` (seconds). */
  static async create(file: string, mtime: number): Promise<TarWriter> {
    return new TarWriter(await fs.open(file, 'w', 0o644), mtime);
  }

  /** Adds a regular file whose content is `data`. */
  async addBuffer(name: string, data: Buffer): Promise<void> {
    await this.write(tarHeader({ name, size: data.length, mtime: this.mtime }));
    await this.write(data);
    await this.pad(data.length);
  }

  /** Adds a regular file named `name` with the content of the file at `source`, streamed. */
  async addFile(name: string, source: string): Promise<void> {
    const src = await fs.open(source, 'r');
    try {
      const { size } = await src.stat();
      await this.write(tarHeader({ name, size, mtime: this.mtime }));
      let done = 0;
      while (done < size) {
        const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, size - done));
        const { bytesRead } = await src.read(buf, 0, buf.length, done);
        if (bytesRead === 0) throw new Error(`${source} shrank while it was being archived`);
        await this.write(buf.subarray(0, bytesRead));
        done += bytesRead;
      }
      await this.pad(size);
    } finally {
      await src.close();
    }
  }

  /** Writes the end-of-archive marker, flushes to disk and closes. */
  async finish(): Promise<void> {
    await this.write(Buffer.alloc(2 * BLOCK));
    await this.fh.sync();
    await this.fh.close();
  }

  /** Closes without finishing (the caller removes the file). */
  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }

  private async pad(size: number): Promise<void> {
    const rest = size % BLOCK;
    if (rest !== 0) await this.write(Buffer.alloc(BLOCK - rest));
  }

  private async write(buf: Buffer): Promise<void> {
    let off = 0;
    while (off < buf.length) {
      const { bytesWritten } = await this.fh.write(buf, off, buf.length - off);
      off += bytesWritten;
    }
  }
}

export interface TarEntry {
  name: string;
  size: number;
  /** Byte offset of the body in the archive file. */
  offset: number;
}

const TYPE_REFUSALS: Record<string, string> = {
  '1': 'is a hard link; bundles hold regular files only',
  '2': 'is a symbolic link; bundles hold regular files only',
  '3': 'is a character device; bundles hold regular files only',
  '4': 'is a block device; bundles hold regular files only',
  '5': 'is a directory entry; bundles hold regular files only',
  '6': 'is a FIFO; bundles hold regular files only',
  x: 'is a pax extended header, which bundles never use',
  g: 'is a pax global header, which bundles never use',
  L: 'is a GNU long-name header, which bundles never use',
  K: 'is a GNU long-link header, which bundles never use',
};

function readString(h: Buffer, offset: number, length: number): string {
  const field = h.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.toString('utf8', 0, end === -1 ? length : end);
}

function readOctal(h: Buffer, offset: number, length: number): number | undefined {
  const field = h.subarray(offset, offset + length);
  if (((field[0] ?? 0) & 0x80) !== 0) return undefined; // base-256: never written by airfeed
  const text = field.toString('ascii').replace(/[\0 ]+$/, '').replace(/^ +/, '');
  if (!/^[0-7]+$/.test(text)) return undefined;
  return parseInt(text, 8);
}

/** Reads an archive entry by entry, refusing anything but uniquely named regular files at safe paths. */
export class TarReader {
  private pos = 0;
  private index = 0;
  private ended = false;
  private readonly seen = new Set<string>();

  private constructor(
    private readonly fh: fs.FileHandle,
    private readonly fileSize: number,
    /** Names the archive in messages (its path). */
    readonly label: string,
  ) {}

  /** Opens `file` for reading; a path that is missing, a directory or unreadable is FILE_UNUSABLE naming it. */
  static async open(file: string): Promise<TarReader> {
    const { handle, size } = await openInputFile('bundle', file);
    return new TarReader(handle, size, file);
  }

  private fail(message: string): never {
    throw new AirfeedError('BUNDLE_INVALID', `bundle ${this.label}: ${message}`);
  }

  private async readAt(position: number, length: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await this.fh.read(buf, got, length - got, position + got);
      if (bytesRead === 0) this.fail(`the file ends early at byte ${position + got} (truncated?)`);
      got += bytesRead;
    }
    return buf;
  }

  /** The next entry (its body unread), or undefined at the end of the archive. */
  async next(): Promise<TarEntry | undefined> {
    if (this.ended) return undefined;
    if (this.pos + BLOCK > this.fileSize) this.fail(`the file ends without the end-of-archive marker after ${this.index} entries (truncated?)`);
    const h = await this.readAt(this.pos, BLOCK);
    if (h.every((b) => b === 0)) {
      await this.checkEnd();
      this.ended = true;
      return undefined;
    }
    const at = `entry #${this.index + 1} (at byte ${this.pos})`;
    const stored = readOctal(h, 148, 8);
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    if (stored !== sum) this.fail(`${at} has a bad header checksum (not a tar file, or damaged)`);
    const magic = h.toString('latin1', 257, 265);
    if (magic !== 'ustar\u000000' && magic !== 'ustar  \0') this.fail(`${at} is not a ustar header`);
    const prefix = readString(h, 345, 155);
    const short = readString(h, 0, 100);
    const name = prefix ? `${prefix}/${short}` : short;
    const type = String.fromCharCode(h[156] ?? 0);
    if (type !== '0' && type !== '\0') {
      const why = TYPE_REFUSALS[type] ?? `has the unsupported entry type '${type}'`;
      const link = type === '1' || type === '2' ? ` (to ${readString(h, 157, 100)})` : '';
      this.fail(`tar entry ${JSON.stringify(name)} ${why}${link}`);
    }
    const unsafe = unsafePathReason(name);
    if (unsafe) this.fail(`tar entry ${JSON.stringify(name)} ${unsafe}`);
    if (this.seen.has(name)) this.fail(`tar entry ${name} appears more than once (duplicate entry)`);
    this.seen.add(name);
    const size = readOctal(h, 124, 12);
    if (size === undefined) this.fail(`tar entry ${name} has an unreadable size field`);
    const offset = this.pos + BLOCK;
    if (offset + size > this.fileSize) this.fail(`tar entry ${name} is cut short: the file ends inside it (truncated?)`);
    this.pos = offset + Math.ceil(size / BLOCK) * BLOCK;
    this.index++;
    return { name, size, offset };
  }

  /** After the first zero block: a second one must follow, and only zeros after it. */
  private async checkEnd(): Promise<void> {
    if (this.pos + 2 * BLOCK > this.fileSize) this.fail('the end-of-archive marker is cut short (truncated?)');
    for (let p = this.pos + BLOCK; p < this.fileSize; p += READ_CHUNK) {
      const buf = await this.readAt(p, Math.min(READ_CHUNK, this.fileSize - p));
      if (!buf.every((b) => b === 0)) this.fail('there is data after the end-of-archive marker');
    }
  }

  /** Streams an entry's body in chunks of up to 1 MiB. */
  async *body(entry: TarEntry): AsyncGenerator<Buffer> {
    for (let done = 0; done < entry.size; ) {
      const buf = await this.readAt(entry.offset + done, Math.min(READ_CHUNK, entry.size - done));
      done += buf.length;
      yield buf;
    }
  }

  /** Reads a small entry whole; refuses one larger than `limit` bytes. */
  async readAll(entry: TarEntry, limit: number): Promise<Buffer> {
    if (entry.size > limit) this.fail(`${entry.name} is ${entry.size} bytes, more than the ${limit} allowed`);
    return this.readAt(entry.offset, entry.size);
  }

  /** Closes the file. */
  async close(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }
}
