/**
 * The one HTTP client for all drivers (undici): conditional GETs streamed to disk with atomic
 * renames, gzip decoding, and deterministic retries with backoff that honour `Retry-After`.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import { STATUS_CODES } from 'node:http';
import path from 'node:path';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { createGunzip } from 'node:zlib';
import { request, type Dispatcher } from 'undici';
import { AirfeedError } from './errors.ts';

export interface HttpClientOptions {
  /** undici dispatcher (an Agent, a ProxyAgent, or a MockAgent in tests); undici's global one when absent. */
  dispatcher?: Dispatcher;
  /** Headers timeout and body (idle) timeout of each attempt, in ms. */
  timeoutMs?: number;
  /** Retries after the first attempt. */
  retries?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  userAgent?: string;
  /** Waits between attempts; injected by tests so they do not really wait. */
  sleep?: (ms: number) => Promise<void>;
}

export interface DownloadOptions {
  etag?: string | null;
  lastModified?: string | null;
  signal?: AbortSignal;
  /** Extra request headers (`accept`, `authorization`); `authorization` is not sent on to another origin. */
  headers?: Record<string, string>;
}

export interface DownloadResult {
  /** True on 304: `dest` was left untouched. */
  notModified: boolean;
  status: number;
  etag: string | null;
  lastModified: string | null;
  /** sha256 (hex) of the decoded bytes written to `dest`; null on 304. */
  sha256: string | null;
  /** Decoded bytes written to `dest`; 0 on 304. */
  bytes: number;
}

export interface GetTextOptions {
  signal?: AbortSignal;
  /** Extra request headers, as for download. */
  headers?: Record<string, string>;
  /** Refuse bodies larger than this (decoded), in bytes; default 16 MiB. */
  maxBytes?: number;
}

const MAX_REDIRECTS = 5;
const DEFAULT_MAX_TEXT = 16 * 1024 * 1024;

/** An answer that is not a success; retryable when 5xx or 429. */
class StatusError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs: number | null,
  ) {
    super(statusLine(status));
  }
}

/** The connection broke (or timed out) while the body was being read. */
class BodyError extends Error {
  constructor(bytes: number, cause: unknown) {
    super(`response body truncated after ${bytes} bytes: ${(cause as Error).message}`, { cause });
  }
}

/** Formats `404 Not Found`. */
function statusLine(status: number): string {
  const text = STATUS_CODES[status];
  return text ? `${status} ${text}` : String(status);
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | null {
  const value = headers[name];
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

/** Parses `Retry-After` (delta seconds or an HTTP-date) into milliseconds from now. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** True for a gzip body; an encoding we never asked for is SOURCE_INVALID. */
function isGzip(url: string, res: Dispatcher.ResponseData): boolean {
  const e = (header(res.headers, 'content-encoding') ?? '').trim().toLowerCase();
  if (e === '' || e === 'identity') return false;
  if (e === 'gzip' || e === 'x-gzip') return true;
  res.body.destroy();
  throw new AirfeedError('SOURCE_INVALID', `GET ${url}: the answer uses Content-Encoding "${e}", which airfeed did not ask for and cannot decode`);
}

/** A failure on our side (disk full, permissions): retrying the download would not help. */
class LocalError extends Error {
  constructor(readonly original: unknown) {
    super((original as Error).message);
  }
}

/** Runs a filesystem step, marking its failure as local. */
async function local<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    throw new LocalError(err);
  }
}

/** Downloads with conditional GETs and retries; one instance is shared by all drivers. */
export class HttpClient {
  readonly #dispatcher: Dispatcher | undefined;
  readonly #o: Required<Omit<HttpClientOptions, 'dispatcher'>>;

  /** Creates a client; every option has a production default. */
  constructor(options: HttpClientOptions = {}) {
    this.#dispatcher = options.dispatcher;
    this.#o = {
      timeoutMs: options.timeoutMs ?? 30_000,
      retries: options.retries ?? 4,
      baseDelayMs: options.baseDelayMs ?? 500,
      maxDelayMs: options.maxDelayMs ?? 30_000,
      userAgent: options.userAgent ?? 'airfeed/0.1',
      sleep: options.sleep ?? ((ms) => delay(ms)),
    };
  }

  /**
   * Conditional GET of `url` into `dest`: on 304 `dest` is untouched; on 200 the decoded body is
   * streamed to `dest.part` and renamed over `dest`, so `dest` is always a whole file.
   */
  async download(url: string, dest: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.etag) headers['if-none-match'] = opts.etag;
    if (opts.lastModified) headers['if-modified-since'] = opts.lastModified;
    const part = `${dest}.part`;
    return this.#withRetries(url, opts.signal, async () => {
      const res = await this.#get(url, headers, opts.signal);
      const etag = header(res.headers, 'etag');
      const lastModified = header(res.headers, 'last-modified');
      if (res.statusCode === 304) {
        await res.body.dump();
        return {
          notModified: true, status: 304, etag: etag ?? opts.etag ?? null,
          lastModified: lastModified ?? opts.lastModified ?? null, sha256: null, bytes: 0,
        };
      }
      const gzip = isGzip(url, res);
      await local(() => fs.mkdir(path.dirname(dest), { recursive: true }));
      try {
        const { sha256, bytes } = await writeBody(url, res.body, gzip, part, opts.signal);
        await local(() => fs.rename(part, dest));
        return { notModified: false, status: res.statusCode, etag, lastModified, sha256, bytes };
      } catch (err) {
        await fs.rm(part, { force: true });
        throw err;
      }
    });
  }

  /** GETs a small text resource (a directory listing) into memory, with the same retries. */
  async getText(url: string, opts: GetTextOptions = {}): Promise<string> {
    const maxBytes = opts.maxBytes ?? DEFAULT_MAX_TEXT;
    return this.#withRetries(url, opts.signal, async () => {
      const res = await this.#get(url, opts.headers ?? {}, opts.signal);
      if (res.statusCode === 304) {
        await res.body.dump();
        throw new StatusError(304, null);
      }
      const gzip = isGzip(url, res);
      const chunks: Buffer[] = [];
      let bytes = 0;
      const collect = new Writable({
        write(chunk: Buffer, _enc, done) {
          bytes += chunk.length;
          if (bytes > maxBytes) {
            done(new AirfeedError('SOURCE_INVALID', `GET ${url}: the answer is larger than ${maxBytes} bytes; refusing to hold it in memory`));
            return;
          }
          chunks.push(chunk);
          done();
        },
      });
      await consume(url, res.body, gzip, [collect], opts.signal);
      return Buffer.concat(chunks).toString('utf8');
    });
  }

  /** One GET with redirects followed; resolves with a 2xx or 304 answer, throws StatusError otherwise. */
  async #get(url: string, given: Record<string, string>, signal: AbortSignal | undefined): Promise<Dispatcher.ResponseData> {
    let current = url;
    let extra = given;
    for (let hop = 0; ; hop++) {
      const res = await request(current, {
        method: 'GET',
        headers: { 'user-agent': this.#o.userAgent, 'accept-encoding': 'gzip', ...extra },
        headersTimeout: this.#o.timeoutMs,
        bodyTimeout: this.#o.timeoutMs,
        ...(this.#dispatcher ? { dispatcher: this.#dispatcher } : {}),
        ...(signal ? { signal } : {}),
      });
      const status = res.statusCode;
      if ((status >= 200 && status < 300) || status === 304) return res;
      await res.body.dump();
      const location = header(res.headers, 'location');
      if ([301, 302, 303, 307, 308].includes(status) && location !== null && hop < MAX_REDIRECTS) {
        const next = new URL(location, current);
        // A credential is for the origin it was given for, not for wherever that origin redirects.
        if (next.origin !== new URL(current).origin) extra = Object.fromEntries(Object.entries(extra).filter(([k]) => k.toLowerCase() !== 'authorization'));
        current = next.href;
        continue;
      }
      const retryAfter = status === 429 || status === 503 ? parseRetryAfter(header(res.headers, 'retry-after')) : null;
      throw new StatusError(status, retryAfter);
    }
  }

  /** The injected sleep, cut short by `signal`. */
  async #wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (!signal) return this.#o.sleep(ms);
    signal.throwIfAborted();
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#o.sleep(ms).then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  async #withRetries<T>(url: string, signal: AbortSignal | undefined, attempt: () => Promise<T>): Promise<T> {
    const attempts = this.#o.retries + 1;
    let last: unknown;
    for (let i = 0; i < attempts; i++) {
      try {
        return await attempt();
      } catch (err) {
        if (signal?.aborted) throw err;
        if (err instanceof AirfeedError) throw err;
        if (err instanceof LocalError) throw err.original;
        if (err instanceof StatusError) {
          const retryable = err.status >= 500 || err.status === 429;
          if (!retryable) {
            throw new AirfeedError('SOURCE_HTTP_ERROR', `GET ${url} answered ${err.message}`, { details: { status: err.status } });
          }
        }
        last = err;
        if (i === attempts - 1) break;
        let wait = Math.min(this.#o.baseDelayMs * 2 ** i, this.#o.maxDelayMs);
        if (err instanceof StatusError && err.retryAfterMs !== null) wait = Math.min(err.retryAfterMs, this.#o.maxDelayMs * 4);
        await this.#wait(wait, signal);
      }
    }
    if (last instanceof StatusError) {
      throw new AirfeedError('SOURCE_HTTP_ERROR', `GET ${url} failed after ${attempts} attempts; last answer: ${last.message}`, {
        details: { status: last.status, attempts },
      });
    }
    const reason = last instanceof Error ? last.message : String(last);
    throw new AirfeedError('SOURCE_UNREACHABLE', `GET ${url} failed after ${attempts} attempts; last error: ${reason}`, {
      cause: last, details: { attempts },
    });
  }
}

/** Streams the (decoded) body into `part`, hashing it, then fsyncs it. */
async function writeBody(
  url: string, body: Dispatcher.ResponseData['body'], gzip: boolean, part: string, signal: AbortSignal | undefined,
): Promise<{ sha256: string; bytes: number }> {
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

type Stage = 'body' | 'gunzip' | 'local';

/**
 * Pipes body → (gunzip) → tail, telling apart a broken connection (BodyError, retried), a corrupt
 * or truncated gzip stream (SOURCE_INVALID: the server really sent those bytes) and local errors
 * (LocalError, not retried).
 * pipeline destroys every stream with the first error, so the first stage to fail is the culprit.
 */
async function consume(
  url: string, body: Dispatcher.ResponseData['body'], gzip: boolean,
  tail: Array<NodeJS.ReadWriteStream | NodeJS.WritableStream>, signal: AbortSignal | undefined,
): Promise<void> {
  let received = 0;
  let first: { stage: Stage; err: unknown } | null = null;
  const watch = (stream: NodeJS.EventEmitter, stage: Stage): void => {
    stream.once('error', (err: unknown) => { first ??= { stage, err }; });
  };
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      done(null, chunk);
    },
  });
  watch(body, 'body');
  const gunzip = gzip ? createGunzip() : null;
  if (gunzip) watch(gunzip, 'gunzip');
  for (const stream of tail) watch(stream, 'local');
  const streams = [body, counter, ...(gunzip ? [gunzip] : []), ...tail];
  try {
    await pipeline(streams, signal ? { signal } : {});
  } catch (err) {
    if (signal?.aborted) throw err;
    if (err instanceof AirfeedError) throw err;
    const culprit = first as { stage: Stage; err: unknown } | null;
    if (culprit?.stage === 'body') throw new BodyError(received, culprit.err);
    if (culprit?.stage === 'gunzip') {
      throw new AirfeedError(
        'SOURCE_INVALID',
        `GET ${url}: the gzip body is truncated or corrupt after ${received} bytes (${(culprit.err as Error).message})`,
        { cause: culprit.err },
      );
    }
    throw new LocalError(culprit?.err ?? err);
  }
}
