/**
 * When to look at a signing job again, counted from the start of the previous look. The first
 * look is immediate (it catches jobs that fail at once, and missing permissions); a job seldom
 * ends within its first second, so the second look comes a second later. From then on the
 * interval grows with the time already waited — a twelfth of it — between half a second and ten
 * seconds: a job's end is noticed within about a tenth of its length, and a job never costs more
 * than two DescribeSigningJob calls a second, counted from its start. Once above the floor, up to
 * 10% jitter (downward, so neither limit is crossed) keeps many jobs from polling in step.
 */
export const POLL = {
  secondLookMs: 1000,
  minMs: 500,
  maxMs: 10_000,
  growth: 1 / 12,
  jitter: 0.1
} as const

/** `elapsedMs`: when the previous look started, counted from the job's start. */
export function nextPollDelayMs(elapsedMs: number, random: () => number = Math.random): number {
  if (elapsedMs < POLL.minMs) return POLL.secondLookMs
  const base = Math.min(POLL.maxMs, elapsedMs * POLL.growth)
  return Math.round(Math.max(POLL.minMs, base * (1 - POLL.jitter * random())))
}
