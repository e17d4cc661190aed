/**
 * Data members: gzip-compressed NDJSON, one line per record, in exactly one of two layouts:
 *
 *   {"id":"CVE-2024-1","hash":"<sha256 hex of doc>","doc":{…canonical JSON of the record…}}
 *   {"id":"CVE-2024-2","deleted":true}
 *
 * Every line is plain JSON (jq reads it), and the fixed layout lets the reader cut the doc out as the
 * exact bytes the hash covers, without parsing and re-serializing it. Writing goes through a temp file
 * (a tar header needs the size first) while the compressed bytes are hashed; reading checks size,
 * digest and the declared decompressed size as it streams.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { pipeline, Readable, Transform } from 'node:stream';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import zlib from 'node:zlib';
import { AirfeedError } from '../drivers/_framework/errors.ts';

/** Lines per member: keeps every member far below sizes that strain tools or memory. */
export const CHUNK_RECORDS = 50_000;
// Fixed so equal input gives equal bytes (node's gzip header carries mtime 0 and no file name).
const GZIP_LEVEL = 6;
const WRITE_BATCH = 1024 * 1024;
const HASH_HEX = /^[0-9a-f]{64}$/;

/** The line of a live record. */
export function recordLine(id: string, hash: string, doc: string): string {
  return `{"id":${JSON.stringify(id)},"hash":"${hash}","doc":${doc}}\n`;
}

/** The line of a tombstone (a record deleted since the base). */
export function tombstoneLine(id: string): string {
  return `{"id":${JSON.stringify(id)},"deleted":true}\n`;
}

export interface MemberStats {
  size: number;
  sha256: string;
  uncompressedSize: number;
}

/**
 * Compresses lines into a file as one gzip stream, hashing the compressed bytes on the way. (Blocks
 * compressed in parallel as concatenated gzip members, as pigz does, measured no faster on a busy
 * two-core machine and trip readers that stop after the first member, so one plain stream it is.)
 */
export class MemberWriter {
  private readonly gzip = zlib.createGzip({ level: GZIP_LEVEL, chunkSize: 256 * 1024 });
  private readonly hash = createHash('sha256');
  private readonly done: Promise<void>;
  private parts: string[] = [];
  private pending = 0;
  private size = 0;
  private uncompressed = 0;

  constructor(file: string) {
    const tap = new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        this.hash.update(chunk);
        this.size += chunk.length;
        cb(null, chunk);
      },
    });
    this.done = pipelineAsync(this.gzip, tap, createWriteStream(file, { mode: 0o600 }));
    // Surfaced by finish() or the next write; this keeps an early failure from being unhandled.
    this.done.catch(() => undefined);
  }

  /** Queues a line; compresses in ~1 MiB batches, waiting when the compressor is busy. */
  async write(line: string): Promise<void> {
    this.parts.push(line);
    this.pending += line.length;
    if (this.pending >= WRITE_BATCH) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const buf = Buffer.from(this.parts.join(''));
    this.parts = [];
    this.pending = 0;
    this.uncompressed += buf.length;
    // The compressor runs on libuv's thread pool, overlapping with this thread reading rows.
    if (!this.gzip.write(buf)) await Promise.race([once(this.gzip, 'drain'), this.done]);
  }

  /** Finishes the gzip stream and the file; returns size, digest and uncompressed size. */
  async finish(): Promise<MemberStats> {
    await this.flush();
    this.gzip.end();
    await this.done;
    return { size: this.size, sha256: this.hash.digest('hex'), uncompressedSize: this.uncompressed };
  }

  /** Stops writing after an error elsewhere. */
  abort(): void {
    this.gzip.destroy();
  }
}

export interface ParsedLine {
  id: string;
  deleted: boolean;
  /** For a live record: the sha256 hex of `doc`. */
  hash: string;
  /** For a live record: the canonical JSON bytes, a view into the line. */
  doc: Buffer | undefined;
}

const ID_PREFIX = Buffer.from('{"id":"');
const HASH_KEY = Buffer.from(',"hash":"');
const DOC_KEY = Buffer.from('","doc":');
const DELETED_TAIL = Buffer.from(',"deleted":true}');

/** Parses one line in the fixed layout; returns a reason string when it is not one. */
export function parseLine(line: Buffer): ParsedLine | string {
  if (!line.subarray(0, ID_PREFIX.length).equals(ID_PREFIX)) return 'does not start with {"id":"';
  let end = ID_PREFIX.length;
  let escaped = false;
  for (; end < line.length; end++) {
    const c = line[end] ?? 0;
    if (c === 0x5c) {
      escaped = true;
      end++;
    } else if (c === 0x22) break;
  }
  if (end >= line.length) return 'has an unterminated id';
  let id: string;
  try {
    id = escaped ? (JSON.parse(line.toString('utf8', ID_PREFIX.length - 1, end + 1)) as string) : line.toString('utf8', ID_PREFIX.length, end);
  } catch {
    return 'has an id that is not a JSON string';
  }
  if (id === '') return 'has an empty id';
  const rest = end + 1;
  if (line.length - rest === DELETED_TAIL.length && line.subarray(rest).equals(DELETED_TAIL)) return { id, deleted: true, hash: '', doc: undefined };
  if (!line.subarray(rest, rest + HASH_KEY.length).equals(HASH_KEY)) return 'has neither "hash" nor "deleted" after the id';
  const hashAt = rest + HASH_KEY.length;
  const hash = line.toString('latin1', hashAt, hashAt + 64);
  if (!HASH_HEX.test(hash)) return 'has a hash that is not 64 lowercase hex digits';
  const docAt = hashAt + 64 + DOC_KEY.length;
  if (!line.subarray(hashAt + 64, docAt).equals(DOC_KEY)) return 'has no "doc" after the hash';
  const doc = line.subarray(docAt, line.length - 1);
  if (line[line.length - 1] !== 0x7d || doc[0] !== 0x7b || doc[doc.length - 1] !== 0x7d) return 'has a doc that is not a JSON object';
  return { id, deleted: false, hash, doc };
}

export interface MemberCheck {
  /** Bundle file, for messages. */
  label: string;
  path: string;
  size: number;
  sha256: string;
  uncompressedSize: number;
}

/**
 * Streams a member's lines (without the newline) while checking its compressed size and sha256 and
 * refusing to decompress past the declared size. Size and digest are final only at the end: callers
 * inside a transaction rely on the throw there to roll back.
 */
export async function* memberLines(body: AsyncIterable<Buffer> | Iterable<Buffer>, m: MemberCheck): AsyncGenerator<Buffer> {
  const fail = (what: string): never => {
    throw new AirfeedError('BUNDLE_INVALID', `bundle ${m.label}: member ${m.path} ${what}`);
  };
  const hash = createHash('sha256');
  let size = 0;
  async function* tap(): AsyncGenerator<Buffer> {
    for await (const chunk of body) {
      hash.update(chunk);
      size += chunk.length;
      yield chunk;
    }
  }
  const gunzip = zlib.createGunzip({ chunkSize: 256 * 1024 });
  const out = pipeline(Readable.from(tap()), gunzip, () => undefined);
  let total = 0;
  let carry: Buffer[] = [];
  try {
    for await (const chunk of out as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > m.uncompressedSize) fail(`decompresses beyond its declared size of ${m.uncompressedSize} bytes`);
      let start = 0;
      if (carry.length > 0) {
        const nl = chunk.indexOf(0x0a);
        if (nl === -1) {
          carry.push(chunk);
          continue;
        }
        carry.push(chunk.subarray(0, nl));
        yield Buffer.concat(carry);
        carry = [];
        start = nl + 1;
      }
      for (let nl = chunk.indexOf(0x0a, start); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
        yield chunk.subarray(start, nl);
        start = nl + 1;
      }
      if (start < chunk.length) carry.push(chunk.subarray(start));
    }
  } catch (err) {
    if (err instanceof AirfeedError) throw err;
    fail(`is not valid gzip data (${(err as Error).message})`);
  } finally {
    gunzip.destroy();
  }
  if (carry.length > 0) fail('ends in the middle of a line');
  if (size !== m.size) fail(`is ${size} bytes but the manifest says ${m.size}`);
  const digest = hash.digest('hex');
  if (digest !== m.sha256) fail(`has sha256 ${digest} but the manifest says ${m.sha256} (altered or damaged)`);
  if (total !== m.uncompressedSize) fail(`decompresses to ${total} bytes but the manifest says ${m.uncompressedSize}`);
}
