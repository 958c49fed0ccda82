/**
 * When to look at a signing job again, counted from the start of the previous look. The poller
 * looks once at once (it catches missing permissions and jobs that fail at once); every later
 * look comes as late as these bounds allow, so that a job costs as few DescribeSigningJob calls
 * as they permit:
 * - a job that ends between 1 and 10 s is noticed within 0.5 s: the second look at 1.5 s, then
 *   one every 0.5 s up to 10 s;
 * - a longer job is noticed within a tenth of its length: the next look after a tenth of the
 *   time waited, at most 10 s later;
 * - never more than two calls a second: at least 0.5 s between looks.
 * Up to 10 s the bounds leave no room for jitter; beyond, up to 10% jitter keeps jobs started
 * together from polling in step, downward so that no bound is crossed.
 */
export const POLL = {
  secondLookMs: 1500,
  minMs: 500,
  /** Until here every interval is `minMs`; from here it grows with the time waited. */
  growFromMs: 10_000,
  growth: 1 / 10,
  maxMs: 10_000,
  jitter: 0.1
} as const

/** `elapsedMs`: when the previous look started, counted from the job's start. */
export function nextPollDelayMs(elapsedMs: number, random: () => number = Math.random): number {
  // The second look is due 1.5 s after the start even when the first one started late.
  if (elapsedMs < POLL.secondLookMs - POLL.minMs) return POLL.secondLookMs - elapsedMs
  if (elapsedMs < POLL.growFromMs) return POLL.minMs
  const base = Math.min(POLL.maxMs, elapsedMs * POLL.growth)
  return Math.max(POLL.minMs, Math.floor(base * (1 - POLL.jitter * random())))
}
