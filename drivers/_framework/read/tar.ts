/**
 * A strict streaming tar reader for upstream archives (Red Hat's `csaf_vex_YYYY-MM-DD.tar.zst`,
 * Ubuntu's OSV tarball), reading the decoded byte stream front to back:
 *
 * - ustar/POSIX headers with `prefix`, pax extended headers (`x`: `path`, `size`; `g` ignored) and
 *   GNU long names (`L`); every header's checksum is verified.
 * - Regular files are yielded (name, size, body); directories are skipped; symbolic and hard
 *   links, devices, FIFOs, sparse and multi-volume entries are refused — a driver never needs
 *   them and a link is how an archive writes outside its directory.
 * - Names are checked like bundle members (bundles/tar.ts): no absolute paths, no `..`, no
 *   backslashes; a leading `./` is dropped (`./2024/cve-2024-0056.json`).
 * - The archive must end with its zero-block end marker: a tar cut at an entry boundary is as
 *   truncated as one cut mid-entry, and is refused instead of read as a shorter archive.
 * - Limits (read/limits.ts): entry count and per-entry size are checked from the header, before
 *   a body byte is read.
 *
 * Written here rather than with the `tar` package's Parser: that one accepts a tar cut at an entry
 * boundary, sniffs compression itself (zstd through a zlib Node 20 lacks), and pushes entries
 * through events where this reader pulls them.
 */
import { AirfeedError } from '../errors.ts';
import { unsafeKeyReason } from '../workspace.ts';
import { type DecodeLimits, limitError } from './limits.ts';

const BLOCK = 512;

export interface ArchiveEntry {
  /** Path inside the archive, `/`-separated, no leading `./`. */
  name: string;
  /** Size in bytes as the archive declares it. */
  size: number;
  /** The content; read it (or not) before asking for the next entry. */
  body: AsyncIterable<Uint8Array>;
}

/** Pulls exact byte counts from an async iterable of chunks. */
export class ByteReader {
  readonly #it: AsyncIterator<Uint8Array>;
  #chunk: Uint8Array = new Uint8Array(0);
  #pos = 0;
  #ended = false;
  /** Bytes handed out (or skipped) so far. */
  offset = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#it = source[Symbol.asyncIterator]();
  }

  async #fill(): Promise<boolean> {
    while (this.#pos >= this.#chunk.length) {
      if (this.#ended) return false;
      const next = await this.#it.next();
      if (next.done) {
        this.#ended = true;
        return false;
      }
      this.#chunk = next.value;
      this.#pos = 0;
    }
    return true;
  }

  /** Exactly `n` bytes, or fewer when the input ends first. */
  async read(n: number): Promise<Buffer> {
    const parts: Uint8Array[] = [];
    let have = 0;
    while (have < n && (await this.#fill())) {
      const take = Math.min(n - have, this.#chunk.length - this.#pos);
      parts.push(this.#chunk.subarray(this.#pos, this.#pos + take));
      this.#pos += take;
      have += take;
    }
    this.offset += have;
    return Buffer.concat(parts, have);
  }

  /** Up to `n` bytes as they come, chunk by chunk; stops early when the input ends. */
  async *take(n: number): AsyncGenerator<Uint8Array> {
    let left = n;
    while (left > 0 && (await this.#fill())) {
      const take = Math.min(left, this.#chunk.length - this.#pos);
      const part = this.#chunk.subarray(this.#pos, this.#pos + take);
      this.#pos += take;
      left -= take;
      this.offset += take;
      yield part;
    }
  }

  /** Reads to the end, returning how many bytes there were and whether they were all zero. */
  async rest(): Promise<{ bytes: number; zero: boolean }> {
    let bytes = 0;
    let zero = true;
    while (await this.#fill()) {
      const part = this.#chunk.subarray(this.#pos);
      if (zero && part.some((b) => b !== 0)) zero = false;
      bytes += part.length;
      this.offset += part.length;
      this.#pos = this.#chunk.length;
    }
    return { bytes, zero };
  }

  /** Releases the source early. */
  async close(): Promise<void> {
    if (!this.#ended) await this.#it.return?.();
    this.#ended = true;
  }
}

function text(h: Buffer, start: number, length: number): string {
  const field = h.subarray(start, start + length);
  const nul = field.indexOf(0);
  return field.subarray(0, nul === -1 ? length : nul).toString('utf8');
}

/** Octal (NUL/space padded) or GNU base-256 numeric field. */
function numeric(h: Buffer, start: number, length: number): number {
  const field = h.subarray(start, start + length);
  if (((field[0] as number) & 0x80) !== 0) {
    let value = (field[0] as number) & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + (field[i] as number);
    return value;
  }
  const digits = field.toString('latin1').replace(/[\0 ]+$/, '').trim();
  if (!/^[0-7]*$/.test(digits)) return Number.NaN;
  return digits === '' ? 0 : parseInt(digits, 8);
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (h[i] as number);
  return numeric(h, 148, 8) === sum;
}

/** `path` and `size` from pax records (`"<len> <key>=<value>\n"`). */
function paxRecords(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space === -1) break;
    const len = Number(data.subarray(pos, space).toString('latin1'));
    if (!Number.isSafeInteger(len) || len <= 0 || pos + len > data.length) throw new Error(`malformed pax record at offset ${pos}`);
    const record = data.subarray(space + 1, pos + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += len;
  }
  return out;
}

const padded = (n: number): number => Math.ceil(n / BLOCK) * BLOCK;
/** Metadata entries (pax headers, GNU long names) are small; a huge one is a broken archive. */
const MAX_META = 1024 * 1024;

/** The regular files of a tar stream; see the module doc. `label` names the archive in errors. */
export async function* tarEntries(source: AsyncIterable<Uint8Array>, label: string, limits: DecodeLimits): AsyncGenerator<ArchiveEntry> {
  const r = new ByteReader(source);
  const fail = (message: string, entry?: string): AirfeedError =>
    new AirfeedError('SOURCE_INVALID', `${label}${entry === undefined ? '' : ` entry ${JSON.stringify(entry)}`}: ${message}`, { details: { offset: r.offset } });
  let entries = 0;
  let total = 0;
  let pax = new Map<string, string>();
  let longName: string | null = null;
  try {
    for (;;) {
      const at = r.offset;
      const h = await r.read(BLOCK);
      if (h.length === 0) throw fail(`ends at byte ${at} without the end-of-archive marker (truncated)`);
      if (h.length < BLOCK) throw fail(`ends inside a header at byte ${r.offset} (truncated)`);
      if (h.every((b) => b === 0)) {
        // The end marker: what follows is padding to the record size.
        const rest = await r.rest();
        if (!rest.zero) throw fail(`has data after its end-of-archive marker at byte ${at}`);
        return;
      }
      if (!checksumOk(h)) throw fail(`has a header with a bad checksum at byte ${at} (corrupt, or not a tar archive)`);
      if (++entries > limits.maxEntries) throw limitError(label, 'maxEntries', `holds more than ${limits.maxEntries} entries`);
      const type = String.fromCharCode(h[156] as number);
      const magic = h.subarray(257, 263).toString('latin1');
      const prefix = magic === 'ustar\0' ? text(h, 345, 155) : '';
      let name = longName ?? pax.get('path') ?? (prefix ? `${prefix}/${text(h, 0, 100)}` : text(h, 0, 100));
      const size = pax.has('size') ? Number(pax.get('size')) : numeric(h, 124, 12);
      if (!Number.isSafeInteger(size) || size < 0) throw fail(`has an invalid size field at byte ${at}`, name);
      if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
        if (size > MAX_META) throw fail(`has a ${size}-byte metadata entry (type ${type})`);
        const data = await r.read(padded(size));
        if (data.length < padded(size)) throw fail(`ends inside a metadata entry (truncated)`);
        const body = data.subarray(0, size);
        if (type === 'x') pax = paxRecords(body);
        else if (type === 'L') longName = text(body, 0, body.length);
        // 'g' (global pax) and 'K' (long link name) say nothing a regular file needs.
        continue;
      }
      pax = new Map();
      longName = null;
      name = name.replace(/^(\.\/)+/, '');
      if (type === '5' || (name.endsWith('/') && (type === '0' || type === '\0') && size === 0)) {
        await skip(r, padded(size), () => fail('ends inside a directory entry (truncated)', name));
        continue;
      }
      if (type !== '0' && type !== '\0' && type !== '7') {
        const what: Record<string, string> = { 1: 'a hard link', 2: 'a symbolic link', 3: 'a character device', 4: 'a block device', 6: 'a FIFO', S: 'a sparse file', M: 'a multi-volume continuation', V: 'a volume label' };
        throw fail(`is ${what[type] ?? `of type ${JSON.stringify(type)}`}; only regular files and directories are read`, name);
      }
      const unsafe = unsafeKeyReason(name);
      if (unsafe !== undefined) throw fail(`has an unsafe name: it ${unsafe}`, name);
      if (size > limits.maxEntryBytes) throw limitError(`${label} entry ${JSON.stringify(name)}`, 'maxEntryBytes', `is ${size} bytes, more than ${limits.maxEntryBytes}`);
      total += size;
      if (total > limits.maxBytes) throw limitError(label, 'maxBytes', `holds more than ${limits.maxBytes} bytes of files`);
      let consumed = 0;
      const entryName = name;
      const body = (async function* () {
        for await (const part of r.take(size - consumed)) {
          consumed += part.length;
          yield part;
        }
        if (consumed < size) throw fail(`ends inside this entry after ${consumed} of ${size} bytes (truncated)`, entryName);
      })();
      yield { name, size, body };
      // Whatever the consumer left unread is skipped, then the padding.
      await skip(r, size - consumed, () => fail(`ends inside this entry (truncated)`, entryName));
      await skip(r, padded(size) - size, () => fail(`ends inside this entry's padding (truncated)`, entryName));
    }
  } finally {
    await r.close();
  }
}

async function skip(r: ByteReader, n: number, truncated: () => AirfeedError): Promise<void> {
  let left = n;
  for await (const part of r.take(n)) left -= part.length;
  if (left > 0) throw truncated();
}
