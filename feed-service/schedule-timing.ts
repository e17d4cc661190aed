/**
 * The scheduler's timing decisions, pure (no clock, no randomness of their own): how long a failed
 * driver waits before its retry, how far a tick is jittered, and how much clock skew between
 * replicas is allowed when deciding whether a tick was already done (scheduler.ts).
 *
 * Jitter and skew allowance are both capped at a quarter of the schedule's period, so the previous
 * tick's run can never pass for this tick's: with NVD's `23 *\/2 * * *` (every 2 h) the cap is 30 min,
 * far above the defaults (60 s, 30 s); with `* * * * *` it is 15 s.
 */

/** The shortest gap (ms) between consecutive times of `nextRuns` (ms since the epoch, ascending); Infinity for fewer than two. */
export function periodOf(nextRuns: readonly number[]): number {
  let period = Infinity;
  for (let i = 1; i < nextRuns.length; i++) period = Math.min(period, (nextRuns[i] ?? 0) - (nextRuns[i - 1] ?? 0));
  return period;
}

/** `seconds` in ms, at most a quarter of `periodMs` (unknown period: no cap). */
export function boundedMs(seconds: number, periodMs: number | undefined): number {
  return Math.min(seconds * 1000, (periodMs ?? Infinity) / 4);
}

/** A tick's jitter in ms: `random01` (in [0, 1)) of the bounded `seconds`. */
export function jitterMs(random01: number, seconds: number, periodMs: number | undefined): number {
  return Math.floor(random01 * boundedMs(seconds, periodMs));
}

/** The wait (ms) before retrying after `failures` (≥ 1) consecutive failures: base, doubled per further failure, at most max. */
export function retryDelayMs(failures: number, baseSeconds: number, maxSeconds: number): number {
  return Math.min(baseSeconds * 1000 * 2 ** (failures - 1), maxSeconds * 1000);
}
