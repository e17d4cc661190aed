/**
 * The one HTTP client for all drivers (undici): conditional GETs streamed to disk with atomic
 * renames (or, with `stream`, to a consumer that processes the answer as it arrives), gzip decoding, deterministic retries with backoff that honour `Retry-After`, per-host
 * rolling-window rate limits (http/rate-limit.ts) and secret headers that never reach a log or an
 * error (http/secrets.ts). Retry rules: http/retry.ts; body failures: http/body.ts.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { request, type Dispatcher } from 'undici';
import { AirfeedError } from '../errors.ts';
import { silentLogger } from '../log.ts';
import { bodyChunks, consume, writeBody } from './body.ts';
import { type RateLimit, RollingWindowLimiter } from './rate-limit.ts';
import { BodyError, isRetryableStatus, local, LocalError, parseRetryAfter, StatusError } from './retry.ts';
import { type HeaderValues, redactHeaders, revealHeaders, scrub, withoutSecrets } from './secrets.ts';

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
  /** Waits between attempts and for rate limits; injected by tests so they do not really wait. */
  sleep?: (ms: number) => Promise<void>;
  /** The clock rate limits and `Retry-After` dates are measured with (ms since the epoch). */
  now?: () => number;
  /** Debug lines per attempt (URL, redacted headers, outcome); silent by default. */
  log?: Logger;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /**
   * Extra request headers (`accept`, `authorization`, `apiKey: secret(key)`). Secret ones
   * (http/secrets.ts) are never logged or put in errors, and are not sent on to another origin.
   */
  headers?: HeaderValues;
  /** Statuses to retry besides 5xx and 429, honouring `Retry-After` (NVD: `[403]`). */
  retryStatuses?: readonly number[];
}

export interface DownloadOptions extends RequestOptions {
  etag?: string | null;
  lastModified?: string | null;
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

export interface GetTextOptions extends RequestOptions {
  /** Refuse bodies larger than this (decoded), in bytes; default 16 MiB. */
  maxBytes?: number;
}

const MAX_REDIRECTS = 5;
const DEFAULT_MAX_TEXT = 16 * 1024 * 1024;

function header(headers: Record<string, string | string[] | undefined>, name: string): string | null {
  const value = headers[name];
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

/** True for a gzip body; an encoding we never asked for is SOURCE_INVALID. */
function isGzip(url: string, res: Dispatcher.ResponseData): boolean {
  const e = (header(res.headers, 'content-encoding') ?? '').trim().toLowerCase();
  if (e === '' || e === 'identity') return false;
  if (e === 'gzip' || e === 'x-gzip') return true;
  res.body.destroy();
  throw new AirfeedError('SOURCE_INVALID', `GET ${url}: the answer uses Content-Encoding "${e}", which airfeed did not ask for and cannot decode`);
}

interface Attempt {
  url: string;
  headers: HeaderValues;
  signal: AbortSignal | undefined;
  retryStatuses: ReadonlySet<number>;
}

/** Downloads with conditional GETs and retries; one instance is shared by all drivers. */
export class HttpClient {
  readonly #dispatcher: Dispatcher | undefined;
  readonly #o: Required<Omit<HttpClientOptions, 'dispatcher'>>;
  readonly #limiters = new Map<string, RollingWindowLimiter>();

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
      now: options.now ?? (() => Date.now()),
      log: options.log ?? silentLogger,
    };
  }

  /**
   * Limits requests to `host` (`services.nvd.nist.gov`) to `limit.requests` in any rolling
   * `limit.perMs`; every attempt, retry and redirect hop counts. Setting it again replaces it.
   */
  setRateLimit(host: string, limit: RateLimit): void {
    this.#limiters.set(host.toLowerCase(), new RollingWindowLimiter(limit, this.#o.now, this.#o.sleep));
  }

  /**
   * Conditional GET of `url` into `dest`: on 304 `dest` is untouched; on 200 the decoded body is
   * streamed to `dest.part` and renamed over `dest`, so `dest` is always a whole file.
   */
  async download(url: string, dest: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
    const headers: HeaderValues = { ...opts.headers };
    if (opts.etag) headers['if-none-match'] = opts.etag;
    if (opts.lastModified) headers['if-modified-since'] = opts.lastModified;
    const part = `${dest}.part`;
    // Before the request: no await may sit between an answer and reading its body.
    await fs.mkdir(path.dirname(dest), { recursive: true });
    return this.#withRetries(this.#attempt(url, headers, opts), async (a) => {
      const res = await this.#get(a);
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
      try {
        const { sha256, bytes } = await writeBody(url, res.body, gzip, part, a.signal);
        await local(() => fs.rename(part, dest));
        return { notModified: false, status: res.statusCode, etag, lastModified, sha256, bytes };
      } catch (err) {
        await fs.rm(part, { force: true });
        throw err;
      }
    });
  }

  /** GETs a small text resource (a directory listing, an API page) into memory, with the same retries. */
  async getText(url: string, opts: GetTextOptions = {}): Promise<string> {
    const maxBytes = opts.maxBytes ?? DEFAULT_MAX_TEXT;
    return this.#withRetries(this.#attempt(url, { ...opts.headers }, opts), async (a) => {
      const res = await this.#get(a);
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
      await consume(url, res.body, gzip, [collect], a.signal);
      return Buffer.concat(chunks).toString('utf8');
    });
  }

  /**
   * GETs a resource whose body the caller processes as it arrives (body.ts bodyChunks), with the same
   * retries until an answer starts; nothing is written to disk. A body that breaks midway fails with
   * SOURCE_UNREACHABLE, `details.partial: true`: the caller undoes what it did and may call again.
   */
  async stream(url: string, opts: RequestOptions = {}): Promise<AsyncGenerator<Buffer>> {
    return this.#withRetries(this.#attempt(url, { ...opts.headers }, opts), async (a) => {
      const res = await this.#get(a);
      if (res.statusCode === 304) {
        await res.body.dump();
        throw new StatusError(304, null);
      }
      return bodyChunks(url, res.body, isGzip(url, res));
    });
  }

  #attempt(url: string, headers: HeaderValues, opts: RequestOptions): Attempt {
    return { url, headers, signal: opts.signal, retryStatuses: new Set(opts.retryStatuses ?? []) };
  }

  /** One GET with redirects followed; resolves with a 2xx or 304 answer, throws StatusError otherwise. */
  async #get(a: Attempt): Promise<Dispatcher.ResponseData> {
    let current = a.url;
    let extra = a.headers;
    for (let hop = 0; ; hop++) {
      const target = new URL(current);
      await this.#limiters.get(target.host.toLowerCase())?.acquire(a.signal);
      this.#o.log.debug({ url: current, headers: redactHeaders(extra), hop }, 'http: GET');
      const res = await request(current, {
        method: 'GET',
        headers: { 'user-agent': this.#o.userAgent, 'accept-encoding': 'gzip', ...revealHeaders(extra) },
        headersTimeout: this.#o.timeoutMs,
        bodyTimeout: this.#o.timeoutMs,
        ...(this.#dispatcher ? { dispatcher: this.#dispatcher } : {}),
        ...(a.signal ? { signal: a.signal } : {}),
      });
      const status = res.statusCode;
      if ((status >= 200 && status < 300) || status === 304) return res;
      await res.body.dump();
      const location = header(res.headers, 'location');
      if ([301, 302, 303, 307, 308].includes(status) && location !== null && hop < MAX_REDIRECTS) {
        const next = new URL(location, current);
        // A credential is for the origin it was given for, not for wherever that origin redirects.
        if (next.origin !== target.origin) extra = withoutSecrets(extra);
        current = next.href;
        continue;
      }
      const honoursRetryAfter = status === 429 || status === 503 || a.retryStatuses.has(status);
      const retryAfter = honoursRetryAfter ? parseRetryAfter(header(res.headers, 'retry-after'), this.#o.now()) : null;
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

  async #withRetries<T>(a: Attempt, attempt: (a: Attempt) => Promise<T>): Promise<T> {
    const { url } = a;
    const attempts = this.#o.retries + 1;
    let last: unknown;
    for (let i = 0; i < attempts; i++) {
      try {
        return await attempt(a);
      } catch (err) {
        if (a.signal?.aborted) throw err;
        if (err instanceof AirfeedError) throw err;
        if (err instanceof LocalError) throw err.original;
        if (err instanceof StatusError && !isRetryableStatus(err.status, a.retryStatuses)) {
          throw new AirfeedError('SOURCE_HTTP_ERROR', `GET ${url} answered ${err.message}`, { details: { status: err.status } });
        }
        last = err;
        if (i === attempts - 1) break;
        let wait = Math.min(this.#o.baseDelayMs * 2 ** i, this.#o.maxDelayMs);
        if (err instanceof StatusError && err.retryAfterMs !== null) wait = Math.min(err.retryAfterMs, this.#o.maxDelayMs * 4);
        this.#o.log.debug({ url, attempt: i + 1, waitMs: wait, error: scrub((err as Error).message, a.headers) }, 'http: retrying');
        await this.#wait(wait, a.signal);
      }
    }
    if (last instanceof StatusError) {
      throw new AirfeedError('SOURCE_HTTP_ERROR', `GET ${url} failed after ${attempts} attempts; last answer: ${last.message}`, {
        details: { status: last.status, attempts },
      });
    }
    // Network errors (undici's, or BodyError wrapping one) are ours to word; no foreign text reaches
    // the message unscrubbed.
    const reason = scrub(last instanceof Error ? last.message : String(last), a.headers);
    throw new AirfeedError('SOURCE_UNREACHABLE', `GET ${url} failed after ${attempts} attempts; last error: ${reason}`, {
      cause: last instanceof BodyError || last instanceof Error ? last : new Error(reason), details: { attempts },
    });
  }
}
