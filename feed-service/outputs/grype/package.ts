/**
 * Packages a built `vulnerability.db` the way grype distributes it (grype/db/v6/build/archive.go,
 * grype/db/v6/distribution/latest.go, grype/db/v6/import_metadata.go):
 *
 * - `import.json` beside the database: `{"digest": "xxh64:<16 hex>", "client_version": "v6.1.9"}`,
 *   which `grype db import` and `grype db update` check the unpacked file against;
 * - the archive `vulnerability-db_v6.1.9_<oldest provider capture, RFC 3339>_<built, epoch seconds>.tar.zst`
 *   holding `vulnerability.db` then `import.json` (ustar, fixed owners and modes, mtime = built);
 * - `latest.json` beside the archive: `schemaVersion`, `status` (`active`), `built`, `path` (the
 *   archive's name, relative to the listing) and `checksum` (`sha256:` of the archive), which grype
 *   fetches from `<GRYPE_DB_UPDATE_URL>/v6/latest.json` and compares with its installed database.
 *
 * zstd: the tar stream is compressed as it is written, in one zstd frame, by the zstd library
 * compiled to WebAssembly (@hpcc-js/wasm-zstd): no native build, and the same input gives the same
 * bytes. Memory holds one 1 MiB chunk at a time.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Zstd } from '@hpcc-js/wasm-zstd';
import xxhash from 'xxhash-wasm';
import { tarHeader } from '../../../bundles/tar.ts';
import { AirfeedError } from '../../../drivers/_framework/errors.ts';
import { DB_FILE, SCHEMA_VERSION } from './schema.ts';

export const IMPORT_FILE = 'import.json';
export const LATEST_FILE = 'latest.json';
/** The directory under a listing root that grype asks for: `<update-url>/v6/latest.json`. */
export const MODEL_DIR = 'v6';

/** zstd level: 3 is zstd's default (fast); the database compresses about 10:1 there. */
const ZSTD_LEVEL = 3;
const CHUNK = 1024 * 1024;

export interface LatestDocument {
  schemaVersion: string;
  status: 'active';
  built: string;
  path: string;
  checksum: string;
}

export interface PackagedDatabase {
  /** Absolute path of the archive. */
  archive: string;
  latest: LatestDocument;
  archiveBytes: number;
  dbBytes: number;
  /** `xxh64:…` of vulnerability.db, as import.json states it. */
  dbDigest: string;
}

/** RFC 3339 in UTC without fractions, as Go's `time.RFC3339` prints a UTC time: `2024-12-31T00:00:00Z`. */
export function rfc3339(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

/** `xxh64:<16 hex>` of a file, streamed. */
export async function xxh64File(file: string): Promise<string> {
  const hasher = await xxhash();
  const h = hasher.create64();
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK })) h.update(chunk as Buffer);
  return `xxh64:${h.digest().toString(16).padStart(16, '0')}`;
}

/** The import.json text, as Go's json.Encoder with a one-space indent writes it. */
export function importJsonText(digest: string): string {
  return `${JSON.stringify({ digest, client_version: SCHEMA_VERSION }, null, 1)}\n`;
}

/** The latest.json text, as Go's json.MarshalIndent(…, "", " ") writes grype's LatestDocument. */
export function latestJsonText(doc: LatestDocument): string {
  return JSON.stringify({ status: doc.status, schemaVersion: doc.schemaVersion, built: doc.built, path: doc.path, checksum: doc.checksum }, null, 1);
}

export function archiveName(eldest: Date, built: Date): string {
  return `vulnerability-db_${SCHEMA_VERSION}_${rfc3339(eldest)}_${Math.floor(built.getTime() / 1000)}.tar.zst`;
}

// The WebAssembly zstd instance is shared by the process and keeps one stream: one archive at a time.
let queue: Promise<unknown> = Promise.resolve();
function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  const run = queue.then(fn, fn);
  queue = run.catch(() => undefined);
  return run;
}

/** Writes `<dir>/import.json`, the archive and `<dir>/latest.json`; `dir` holds the built vulnerability.db. */
export async function packageDatabase(dir: string, o: { built: Date; eldest: Date }): Promise<PackagedDatabase> {
  const dbFile = path.join(dir, DB_FILE);
  const dbBytes = (await fs.stat(dbFile)).size;
  const dbDigest = await xxh64File(dbFile);
  const importText = Buffer.from(importJsonText(dbDigest));
  await fs.writeFile(path.join(dir, IMPORT_FILE), importText);
  const name = archiveName(o.eldest, o.built);
  const archive = path.join(dir, name);
  const mtime = Math.floor(o.built.getTime() / 1000);
  const { bytes, sha256 } = await exclusive(() => writeTarZst(archive, [
    { name: DB_FILE, size: dbBytes, mtime, read: () => createReadStream(dbFile, { highWaterMark: CHUNK }) },
    { name: IMPORT_FILE, size: importText.length, mtime, read: () => [importText] },
  ]));
  const latest: LatestDocument = { schemaVersion: SCHEMA_VERSION, status: 'active', built: rfc3339(o.built), path: name, checksum: `sha256:${sha256}` };
  await fs.writeFile(path.join(dir, LATEST_FILE), latestJsonText(latest));
  return { archive, latest, archiveBytes: bytes, dbBytes, dbDigest };
}

interface Member {
  name: string;
  size: number;
  mtime: number;
  read: () => AsyncIterable<Buffer | string> | Iterable<Buffer>;
}

async function writeTarZst(file: string, members: Member[]): Promise<{ bytes: number; sha256: string }> {
  const zstd = await Zstd.load();
  const out = await fs.open(file, 'w');
  const hash = createHash('sha256');
  let bytes = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const emit = async (compressed: Uint8Array): Promise<void> => {
    if (compressed.length === 0) return;
    hash.update(compressed);
    bytes += compressed.length;
    await out.write(compressed);
  };
  // Feeds the compressor whole 1 MiB chunks, so its output does not depend on how the input was read.
  const feed = async (data: Buffer): Promise<void> => {
    pending.push(data);
    pendingBytes += data.length;
    while (pendingBytes >= CHUNK) {
      const all = Buffer.concat(pending);
      await emit(zstd.compressChunk(all.subarray(0, CHUNK)));
      pending = [all.subarray(CHUNK)];
      pendingBytes = all.length - CHUNK;
    }
  };
  try {
    zstd.reset();
    zstd.setCompressionLevel(ZSTD_LEVEL);
    for (const m of members) {
      await feed(tarHeader({ name: m.name, size: m.size, mtime: m.mtime }));
      let seen = 0;
      for await (const chunk of m.read()) {
        const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        seen += b.length;
        await feed(b);
      }
      if (seen !== m.size) throw new AirfeedError('OUTPUT_FAILED', `grype: ${m.name} changed while it was archived (${seen} bytes read, ${m.size} expected)`);
      const pad = (512 - (m.size % 512)) % 512;
      if (pad > 0) await feed(Buffer.alloc(pad));
    }
    await feed(Buffer.alloc(1024)); // two zero blocks end a tar archive
    if (pendingBytes > 0) await emit(zstd.compressChunk(Buffer.concat(pending)));
    await emit(zstd.compressEnd());
    await out.sync();
  } catch (err) {
    zstd.reset();
    throw err instanceof AirfeedError ? err : new AirfeedError('OUTPUT_FAILED', `grype: cannot write the archive ${file}: ${(err as Error).message}`, { cause: err });
  } finally {
    await out.close();
  }
  return { bytes, sha256: hash.digest('hex') };
}
