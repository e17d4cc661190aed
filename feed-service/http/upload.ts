/**
 * Spooling a request body to disk for the bundle upload route (bundles.ts): counted against a size
 * limit as it streams, never held in memory, refused when the client stops before the end.
 */
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AirfeedError } from '../../drivers/_framework/errors.ts';

/**
 * A refusal with an HTTP status the error catalogue has no code for (413, 415). It has fastify's
 * error shape (statusCode), so the error handler answers it as `INPUT_INVALID` with its message.
 */
export class HttpRefusal extends Error {
  readonly statusCode: number;
  readonly code: string;

  constructor(statusCode: number, code: string, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HttpRefusal';
    this.statusCode = statusCode;
    this.code = code;
  }
}

/** `4 GiB`, `512 MiB`, `1000 bytes`: a size for messages. */
export function formatBytes(n: number): string {
  for (const [unit, size] of [['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) {
    if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  }
  return `${n} bytes`;
}

/** The 413 refusal of a body over the limit. */
export function tooLarge(maxBytes: number, what: string): HttpRefusal {
  return new HttpRefusal(
    413,
    'BUNDLE_TOO_LARGE',
    `the bundle is larger than this service accepts: ${what}, the limit is ${formatBytes(maxBytes)} (AIRFEED_MAX_BUNDLE_BYTES); nothing was imported`,
  );
}

/** The refusal of a body that ended before every announced byte arrived. */
export function cutOff(received: number, announced: number | undefined, cause?: unknown): AirfeedError {
  const message = `the upload was cut off after ${received} bytes${announced === undefined ? '' : ` of ${announced}`}; nothing was imported`;
  return new AirfeedError('INPUT_INVALID', message, cause === undefined ? {} : { cause });
}

/**
 * Writes the request body to `file`, at most `maxBytes`; throws unless the whole announced body
 * arrived. The body is piped, not pipelined: a refusal must leave the request (and so the socket)
 * open, or the 413 could not be sent; the connection is closed after the answer instead.
 */
export async function spool(raw: IncomingMessage, body: Readable, file: string, maxBytes: number): Promise<number> {
  const header = raw.headers['content-length'];
  const announced = header === undefined ? undefined : Number(header);
  let received = 0;
  let diskError: unknown;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      if (received > maxBytes) callback(tooLarge(maxBytes, `more than ${maxBytes} bytes received`));
      else callback(null, chunk);
    },
  });
  const out = fs.createWriteStream(file, { flags: 'wx', mode: 0o600 });
  out.once('error', (err) => (diskError = err));
  const onError = (err: Error): void => void counter.destroy(cutOff(received, announced, err));
  // `complete` is false on a socket closed mid-body (inject's requests do not have the property).
  const onClose = (): void => {
    if (raw.complete === false) counter.destroy(cutOff(received, announced));
  };
  body.once('error', onError);
  body.once('close', onClose);
  body.pipe(counter);
  try {
    await pipeline(counter, out);
  } catch (err) {
    if (diskError !== undefined) {
      // The path and the file system's error are the server's business: they go to the log with the cause.
      throw new AirfeedError('UNAVAILABLE', 'cannot store the upload on this service (its spool directory failed); nothing was imported', { cause: diskError, details: { spool: path.dirname(file) } });
    }
    throw err;
  } finally {
    body.unpipe(counter);
    body.off('error', onError);
    body.off('close', onClose);
  }
  // Belt and braces: the HTTP parser already fails a body that ends before its Content-Length.
  if (raw.complete === false || (announced !== undefined && received !== announced)) throw cutOff(received, announced);
  return received;
}
