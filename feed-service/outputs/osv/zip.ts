/**
 * A deterministic zip writer (PKWARE APPNOTE 6.3.x) for the OSV export: entries are added in the
 * order the caller wants them (sorted by name), each deflated whole (an OSV document is a few KB),
 * with its CRC-32 computed before its local header is written, so no data descriptors are needed.
 * Every header field is a function of the entry: name, data, and the time given (the document's
 * `modified`, as osv.dev's exporter sets it), stored as a DOS date and time in UTC plus an
 * extended-timestamp extra field (0x5455) with the Unix time, as Go's archive/zip writes it.
 *
 * Memory stays flat: each entry is written as it comes; the central directory is spooled to a file
 * beside the archive and appended at the end. An archive of 65,535 entries or more (npm's has
 * ~200,000) gets the ZIP64 end-of-central-directory record and locator, which readers (Go's
 * archive/zip, yauzl, Info-ZIP) use for the entry count; entries and offsets themselves must stay
 * under 4 GiB (the largest osv.dev ecosystem zip is a few hundred MB).
 */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import { crc32, deflateRawSync } from 'node:zlib';
import { AirfeedError } from '../../../drivers/_framework/errors.ts';

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const END = 0x06054b50;
const END64 = 0x06064b50;
const LOCATOR64 = 0x07064b50;
const MAX32 = 0xffffffff;
const VERSION = 20;
const VERSION64 = 45;

/** DOS date and time of a UTC instant (two-second resolution; dates before 1980 are 1980-01-01). */
function dosTime(d: Date): { date: number; time: number } {
  const year = d.getUTCFullYear();
  if (year < 1980) return { date: (1 << 5) | 1, time: 0 };
  return {
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
  };
}

/** The extended-timestamp extra field: flags (modification time present), then the Unix time. */
function timestampExtra(d: Date): Buffer {
  const b = Buffer.alloc(9);
  b.writeUInt16LE(0x5455, 0);
  b.writeUInt16LE(5, 2);
  b.writeUInt8(1, 4);
  b.writeUInt32LE(Math.max(0, Math.min(MAX32, Math.floor(d.getTime() / 1000))), 5);
  return b;
}

/** Bytes gathered before a write: one write per megabyte, not two per entry. */
const FLUSH = 1 << 20;

/** A file written in large pieces. */
class Buffered {
  private parts: Buffer[] = [];
  private size = 0;
  constructor(readonly handle: fs.FileHandle) {}
  async write(b: Buffer): Promise<void> {
    this.parts.push(b);
    this.size += b.length;
    if (this.size >= FLUSH) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.size === 0) return;
    const data = Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    await this.handle.write(data);
  }
}

export class ZipWriter {
  private out: Buffered | undefined;
  private central: Buffered | undefined;
  private offset = 0;
  private centralBytes = 0;
  private count = 0;

  private constructor(readonly file: string, private readonly centralFile: string) {}

  /** Opens `file` (and `<file>.cd` for the central directory) for writing. */
  static async create(file: string): Promise<ZipWriter> {
    const w = new ZipWriter(file, `${file}.cd`);
    w.out = new Buffered(await fs.open(file, 'w'));
    w.central = new Buffered(await fs.open(w.centralFile, 'w'));
    return w;
  }

  get entries(): number {
    return this.count;
  }

  /** Adds one file; `level` is zlib's deflate level (6, zlib's default, unless told). */
  async add(name: string, data: Buffer, modified: Date, level = 6): Promise<void> {
    const deflated = deflateRawSync(data, { level });
    await this.addDeflated(name, deflated, crc32(data), data.length, modified);
  }

  /** Adds a file already deflated (raw deflate) with its CRC-32 and uncompressed size. */
  async addDeflated(name: string, deflated: Buffer, crc: number, size: number, modified: Date): Promise<void> {
    const nameBytes = Buffer.from(name, 'utf8');
    const utf8 = nameBytes.length !== name.length ? 0x0800 : 0;
    const { date, time } = dosTime(modified);
    const extra = timestampExtra(modified);
    if (this.offset + 30 + nameBytes.length + extra.length + deflated.length > MAX32 || size > MAX32) {
      throw new AirfeedError('OUTPUT_FAILED', `osv: ${this.file} would pass 4 GiB at entry ${name}; archives that large are not written`);
    }
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL, 0);
    local.writeUInt16LE(VERSION, 4);
    local.writeUInt16LE(utf8, 6);
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(deflated.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(extra.length, 28);
    await this.out!.write(Buffer.concat([local, nameBytes, extra, deflated]));

    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(CENTRAL, 0);
    cd.writeUInt16LE((3 << 8) | VERSION, 4); // made by: Unix
    cd.writeUInt16LE(VERSION, 6);
    cd.writeUInt16LE(utf8, 8);
    cd.writeUInt16LE(8, 10);
    cd.writeUInt16LE(time, 12);
    cd.writeUInt16LE(date, 14);
    cd.writeUInt32LE(crc >>> 0, 16);
    cd.writeUInt32LE(deflated.length, 20);
    cd.writeUInt32LE(size, 24);
    cd.writeUInt16LE(nameBytes.length, 28);
    cd.writeUInt16LE(extra.length, 30);
    cd.writeUInt16LE(0, 32); // comment
    cd.writeUInt16LE(0, 34); // disk
    cd.writeUInt16LE(0, 36); // internal attributes
    cd.writeUInt32LE((0o100644 << 16) >>> 0, 38); // regular file, rw-r--r--
    cd.writeUInt32LE(this.offset, 42);
    const record = Buffer.concat([cd, nameBytes, extra]);
    await this.central!.write(record);
    this.centralBytes += record.length;
    this.offset += local.length + nameBytes.length + extra.length + deflated.length;
    this.count++;
  }

  /** Appends the central directory and the end records, and closes the file; returns its size. */
  async finish(): Promise<number> {
    const out = this.out!;
    const central = this.central!;
    const cdOffset = this.offset;
    await central.flush();
    await central.handle.close();
    this.central = undefined;
    for await (const chunk of createReadStream(this.centralFile, { highWaterMark: 1 << 20 })) await out.write(chunk as Buffer);
    await fs.rm(this.centralFile, { force: true });
    let end = cdOffset + this.centralBytes;
    if (this.count >= 0xffff || cdOffset >= MAX32 || this.centralBytes >= MAX32) {
      const z64 = Buffer.alloc(56);
      z64.writeUInt32LE(END64, 0);
      z64.writeBigUInt64LE(44n, 4); // size of the rest of this record
      z64.writeUInt16LE((3 << 8) | VERSION64, 12);
      z64.writeUInt16LE(VERSION64, 14);
      z64.writeUInt32LE(0, 16);
      z64.writeUInt32LE(0, 20);
      z64.writeBigUInt64LE(BigInt(this.count), 24);
      z64.writeBigUInt64LE(BigInt(this.count), 32);
      z64.writeBigUInt64LE(BigInt(this.centralBytes), 40);
      z64.writeBigUInt64LE(BigInt(cdOffset), 48);
      const locator = Buffer.alloc(20);
      locator.writeUInt32LE(LOCATOR64, 0);
      locator.writeUInt32LE(0, 4);
      locator.writeBigUInt64LE(BigInt(end), 8);
      locator.writeUInt32LE(1, 16);
      await out.write(Buffer.concat([z64, locator]));
      end += z64.length + locator.length;
    }
    const eocd = Buffer.alloc(22);
    eocd.writeUInt32LE(END, 0);
    eocd.writeUInt16LE(0, 4);
    eocd.writeUInt16LE(0, 6);
    eocd.writeUInt16LE(Math.min(this.count, 0xffff), 8);
    eocd.writeUInt16LE(Math.min(this.count, 0xffff), 10);
    eocd.writeUInt32LE(Math.min(this.centralBytes, MAX32), 12);
    eocd.writeUInt32LE(Math.min(cdOffset, MAX32), 16);
    eocd.writeUInt16LE(0, 20);
    await out.write(eocd);
    end += eocd.length;
    await out.flush();
    await out.handle.sync();
    await out.handle.close();
    this.out = undefined;
    return end;
  }

  /** Closes and removes what was written (after a failure). */
  async abort(): Promise<void> {
    await this.out?.handle.close().catch(() => undefined);
    await this.central?.handle.close().catch(() => undefined);
    await fs.rm(this.file, { force: true });
    await fs.rm(this.centralFile, { force: true });
  }
}
