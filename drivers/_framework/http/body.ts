/**
 * Reading a response body into its destination, telling three failures apart:
 *
 * - the connection broke or timed out (BodyError: retried),
 * - the gzip stream is truncated or corrupt (SOURCE_INVALID: the server really sent those bytes),
 * - our side failed writing (LocalError: not retried).
 *
 * Each stage tags its own failure where it happens: the body is read through an async generator
 * that wraps whatever error the socket produced as BodyError, and the gunzip stage's errors are
 * recognised as zlib's. This replaced "the first stream to emit 'error' is the culprit", which
 * raced: undici can destroy the body (a socket closed right after the headers) before any
 * listener of ours is attached, so the pipeline failed with a raw `SocketError: other side closed`
 * that was taken for a local failure and escaped unwrapped.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { Dispatcher } from 'undici';
import { AirfeedError } from '../errors.ts';
import { BodyError, local, LocalError } from './retry.ts';

type Body = Dispatcher.ResponseData['body'];

/** zlib's error codes: a failure of the gunzip stage, not of the network or the disk. */
const isZlibError = (err: unknown): boolean => typeof (err as { code?: unknown }).code === 'string' && /^Z_/.test((err as { code: string }).code);

/** Pipes body → (gunzip) → tail; see the module doc. */
export async function consume(
  url: string, body: Body, gzip: boolean, tail: Array<Transform | Writable>, signal: AbortSignal | undefined,
): Promise<void> {
  let received = 0;
  async function* fromNetwork(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of body) {
        received += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
    } catch (err) {
      throw new BodyError(received, err);
    }
  }
  const gunzip = gzip ? createGunzip() : null;
  try {
    const source = Readable.from(fromNetwork(), { objectMode: false });
    await pipeline([source, ...(gunzip ? [gunzip] : []), ...tail], signal ? { signal } : {});
  } catch (err) {
    if (signal?.aborted) throw err;
    if (err instanceof AirfeedError || err instanceof BodyError || err instanceof LocalError) throw err;
    if (gunzip && isZlibError(err)) {
      throw new AirfeedError('SOURCE_INVALID', `GET ${url}: the gzip body is truncated or corrupt after ${received} bytes (${(err as Error).message})`, { cause: err });
    }
    throw new LocalError(err);
  } finally {
    // The body is ours to release whatever happened downstream.
    if (!body.destroyed) body.destroy();
  }
}

/** Streams the (decoded) body into `part`, hashing it, then fsyncs it. */
export async function writeBody(url: string, body: Body, gzip: boolean, part: string, signal: AbortSignal | undefined): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  const hasher = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  await consume(url, body, gzip, [hasher, createWriteStream(part)], signal);
  // The rename that follows must not expose a file whose bytes are still only in the page cache.
  await local(async () => {
    const fh = await fs.open(part, 'r');
    await fh.sync().finally(() => fh.close());
  });
  return { sha256: hash.digest('hex'), bytes };
}

/**
 * The (decoded) body as chunks, for a consumer that processes an answer while it arrives instead of
 * keeping it on disk. A connection that breaks or times out midway is not retried here (the consumer
 * has used part of the body): it fails as SOURCE_UNREACHABLE with `details.partial: true`, and the
 * consumer undoes what it did (a rollback) and may ask again. A truncated gzip body is SOURCE_INVALID.
 */
export async function* bodyChunks(url: string, body: Body, gzip: boolean): AsyncGenerator<Buffer> {
  let received = 0;
  async function* fromNetwork(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of body) {
        received += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
    } catch (err) {
      throw new BodyError(received, err);
    }
  }
  let source: AsyncIterable<Buffer> = fromNetwork();
  const gunzip = gzip ? createGunzip() : null;
  if (gunzip) {
    pipeline(Readable.from(source, { objectMode: false }), gunzip).catch((err: unknown) => gunzip.destroy(err as Error));
    source = gunzip;
  }
  try {
    for await (const chunk of source) yield chunk;
  } catch (err) {
    if (err instanceof BodyError) {
      throw new AirfeedError('SOURCE_UNREACHABLE', `GET ${url}: ${err.message}`, { cause: err, details: { url, received, partial: true } });
    }
    if (gzip && isZlibError(err)) {
      throw new AirfeedError('SOURCE_INVALID', `GET ${url}: the gzip body is truncated or corrupt after ${received} bytes (${(err as Error).message})`, { cause: err });
    }
    throw err;
  } finally {
    // A consumer that stopped early: nobody reads the gunzip stage's errors any more.
    gunzip?.on('error', () => undefined).destroy();
    if (!body.destroyed) body.destroy();
  }
}
