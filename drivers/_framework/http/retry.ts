/**
 * What the client retries, and the internal errors that carry the decision. A failure is one of:
 *
 * - `StatusError`: the server answered with a status that is not a success. Retried for 5xx and
 *   429 (honouring `Retry-After`), and for any status the caller lists (`retryStatuses`: NVD
 *   answers its rate limit with 403); anything else fails at once as SOURCE_HTTP_ERROR.
 * - `BodyError`: the connection broke, or a timeout fired, while the body was being read. Always
 *   retried; after the last attempt it is SOURCE_UNREACHABLE ("response body truncated after N
 *   bytes"). A network error before an answer arrives is treated the same way.
 * - `LocalError`: our own side failed (disk full, permissions): never retried, rethrown as it is.
 * - AirfeedError (a truncated gzip body, an oversized answer): the server really sent those
 *   bytes, so retrying would not help; rethrown at once.
 */
import { STATUS_CODES } from 'node:http';

/** Formats `404 Not Found`. */
export function statusLine(status: number): string {
  const text = STATUS_CODES[status];
  return text ? `${status} ${text}` : String(status);
}

/** An answer that is not a success. */
export class StatusError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs: number | null,
  ) {
    super(statusLine(status));
  }
}

/** The connection broke (or timed out) while the body was being read. */
export class BodyError extends Error {
  constructor(
    readonly bytes: number,
    cause: unknown,
  ) {
    super(`response body truncated after ${bytes} bytes: ${(cause as Error).message}`, { cause });
  }
}

/** A failure on our side: retrying the download would not help. */
export class LocalError extends Error {
  constructor(readonly original: unknown) {
    super((original as Error).message);
  }
}

/** Runs a filesystem step, marking its failure as local. */
export async function local<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    throw new LocalError(err);
  }
}

/** Parses `Retry-After` (delta seconds or an HTTP-date) into milliseconds from now. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** True when a status is worth another attempt: 5xx, 429, or one the caller listed. */
export function isRetryableStatus(status: number, extra: ReadonlySet<number>): boolean {
  return status >= 500 || status === 429 || extra.has(status);
}
