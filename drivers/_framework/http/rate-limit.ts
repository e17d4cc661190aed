/**
 * Per-host rate limits with a rolling window, as upstreams state them: NVD allows 5 requests in
 * any rolling 30 seconds without an API key and 50 with one
 * (https://nvd.nist.gov/developers/start-here#divRateLimits). A limiter remembers when its last
 * `requests` requests started; a new one starts no earlier than `perMs` after the oldest of them.
 * Not fixed buckets: 5 requests at 0:29 and 5 more at 0:31 would break a rolling 30 s limit.
 *
 * Time comes from the injected clock and waits go through the injected sleep, so tests never
 * really wait; the reserved start time is what is recorded (not the clock after sleeping), so a
 * fake sleep that does not move the clock cannot make a caller spin.
 */

export interface RateLimit {
  /** Requests allowed in any window of `perMs`. */
  requests: number;
  perMs: number;
}

export class RollingWindowLimiter {
  readonly #starts: number[] = [];
  /** Serializes reservations so concurrent callers get distinct slots. */
  #queue: Promise<void> = Promise.resolve();

  constructor(
    readonly limit: RateLimit,
    readonly now: () => number,
    readonly sleep: (ms: number) => Promise<void>,
  ) {
    if (!Number.isInteger(limit.requests) || limit.requests < 1 || !(limit.perMs > 0)) {
      throw new RangeError(`rate limit must allow at least 1 request per positive period, got ${JSON.stringify(limit)}`);
    }
  }

  /** Waits until a request may start, and counts it. */
  acquire(signal?: AbortSignal): Promise<void> {
    const turn = this.#queue.then(async () => {
      signal?.throwIfAborted();
      const now = this.now();
      const { requests, perMs } = this.limit;
      while (this.#starts.length > 0 && (this.#starts[0] as number) <= now - perMs) this.#starts.shift();
      let at = now;
      if (this.#starts.length >= requests) {
        at = (this.#starts[this.#starts.length - requests] as number) + perMs;
        await this.sleep(at - now);
        signal?.throwIfAborted();
      }
      this.#starts.push(at);
      if (this.#starts.length > requests) this.#starts.splice(0, this.#starts.length - requests);
    });
    // A failed turn (aborted) must not block the callers after it.
    this.#queue = turn.catch(() => undefined);
    return turn;
  }
}
