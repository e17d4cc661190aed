/**
 * A small zip writer for tests and benchmarks (the project reads zips, it never writes them): entries
 * deflated (or stored), written one at a time to a file, with a central directory at the end and,
 * past 65,535 entries (osv.dev's npm `all.zip` has over 200,000), the ZIP64 end records
 * (APPNOTE.TXT 4.3.14–4.3.16). Deterministic: a fixed DOS time, no extra fields.
 *
 * Faults for tests: `declaredSize` writes a size other than the real one into both headers (a
 * "lying" bomb), `declaredCrc` a wrong CRC-32.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { crc32, deflateRawSync } from 'node:zlib';

const DOS_TIME = 0; // 00:00:00
const DOS_DATE = (2024 - 1980) << 9 | 1 << 5 | 1; // 2024-01-01

export interface ZipEntryOptions {
  method?: 'deflate' | 'store';
  /** Uncompressed size to declare instead of the real one. */
  declaredSize?: number;
  /** CRC-32 to declare instead of the real one. */
  declaredCrc?: number;
}

interface Central {
  name: Buffer;
  crc: number;
  method: number;
  compressed: number;
  size: number;
  offset: number;
}

export class ZipWriter {
  readonly #out: WriteStream;
  readonly #central: Central[] = [];
  #offset = 0;

  constructor(readonly file: string) {
    this.#out = createWriteStream(file);
  }

  async #write(buf: Buffer): Promise<void> {
    this.#offset += buf.length;
    if (!this.#out.write(buf)) await new Promise<void>((resolve) => this.#out.once('drain', () => resolve()));
  }

  /** Adds one file entry. */
  async add(name: string, data: Buffer | string, options: ZipEntryOptions = {}): Promise<void> {
    const raw = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const method = options.method === 'store' ? 0 : 8;
    const body = method === 8 ? deflateRawSync(raw) : raw;
    const size = options.declaredSize ?? raw.length;
    const nameBuf = Buffer.from(name, 'utf8');
    const crc = options.declaredCrc ?? crc32(raw);
    const head = Buffer.alloc(30);
    head.writeUInt32LE(0x04034b50, 0);
    head.writeUInt16LE(20, 4); // version needed
    head.writeUInt16LE(0x0800, 6); // UTF-8 names
    head.writeUInt16LE(method, 8);
    head.writeUInt16LE(DOS_TIME, 10);
    head.writeUInt16LE(DOS_DATE, 12);
    head.writeUInt32LE(crc, 14);
    head.writeUInt32LE(body.length, 18);
    head.writeUInt32LE(size, 22);
    head.writeUInt16LE(nameBuf.length, 26);
    head.writeUInt16LE(0, 28);
    this.#central.push({ name: nameBuf, crc, method, compressed: body.length, size, offset: this.#offset });
    await this.#write(Buffer.concat([head, nameBuf, body]));
  }

  /** Writes the central directory and closes the file. */
  async close(): Promise<void> {
    const start = this.#offset;
    for (const c of this.#central) {
      const rec = Buffer.alloc(46);
      rec.writeUInt32LE(0x02014b50, 0);
      rec.writeUInt16LE(0x0314, 4); // made by: Unix, 2.0
      rec.writeUInt16LE(20, 6);
      rec.writeUInt16LE(0x0800, 8);
      rec.writeUInt16LE(c.method, 10);
      rec.writeUInt16LE(DOS_TIME, 12);
      rec.writeUInt16LE(DOS_DATE, 14);
      rec.writeUInt32LE(c.crc, 16);
      rec.writeUInt32LE(c.compressed, 20);
      rec.writeUInt32LE(c.size, 24);
      rec.writeUInt16LE(c.name.length, 28);
      rec.writeUInt32LE((0o100644 << 16) >>> 0, 38); // regular file
      rec.writeUInt32LE(c.offset, 42);
      await this.#write(Buffer.concat([rec, c.name]));
    }
    const size = this.#offset - start;
    const count = this.#central.length;
    if (count > 0xffff) {
      const z64 = Buffer.alloc(56);
      const z64Offset = this.#offset;
      z64.writeUInt32LE(0x06064b50, 0);
      z64.writeBigUInt64LE(44n, 4);
      z64.writeUInt16LE(45, 12);
      z64.writeUInt16LE(45, 14);
      z64.writeBigUInt64LE(BigInt(count), 24);
      z64.writeBigUInt64LE(BigInt(count), 32);
      z64.writeBigUInt64LE(BigInt(size), 40);
      z64.writeBigUInt64LE(BigInt(start), 48);
      const locator = Buffer.alloc(20);
      locator.writeUInt32LE(0x07064b50, 0);
      locator.writeBigUInt64LE(BigInt(z64Offset), 8);
      locator.writeUInt32LE(1, 16);
      await this.#write(Buffer.concat([z64, locator]));
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(Math.min(count, 0xffff), 8);
    end.writeUInt16LE(Math.min(count, 0xffff), 10);
    end.writeUInt32LE(size, 12);
    end.writeUInt32LE(start, 16);
    await this.#write(end);
    await new Promise<void>((resolve, reject) => this.#out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}

/** Writes a zip of `entries` (name → content) in the given order. */
export async function writeZip(file: string, entries: Iterable<[string, Buffer | string, ZipEntryOptions?]>): Promise<string> {
  const zip = new ZipWriter(file);
  for (const [name, data, options] of entries) await zip.add(name, data, options);
  await zip.close();
  return file;
}
