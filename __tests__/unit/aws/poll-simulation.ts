/**
 * A simulated clock for polling schedules: jobs of given lengths, looked at as the poller looks
 * (the first look at once, each next one `schedule(start of the previous look)` later), and what
 * that costs (calls) and how late each job's end is noticed (lag).
 */

import { seededRandom } from '../clocks.js'

export { seededRandom }

/** `nextPollDelayMs`'s signature. */
export type Schedule = (elapsedMs: number, random: () => number) => number

/**
 * The schedule before issue 11, the reference the current one is held to: second look at 1 s,
 * then a twelfth of the time waited within 0.5-10 s, rounded, up to 10% shorter.
 */
export function previousPollDelayMs(elapsedMs: number, random: () => number): number {
  if (elapsedMs < 500) return 1000
  const base = Math.min(10_000, elapsedMs / 12)
  return Math.round(Math.max(500, base * (1 - 0.1 * random())))
}

/** The job lengths the issue asks about, in seconds. */
export const DURATIONS_S = [1, 3, 10, 30, 60, 120, 300] as const

/** Start times of a job's looks, from its start, up to the first that sees it ended. */
export function looksUntil(schedule: Schedule, endsAtMs: number, random: () => number): number[] {
  const looks = [0]
  let at = 0
  while (at < endsAtMs) {
    at += schedule(at, random)
    looks.push(at)
  }
  return looks
}

/**
 * Where a job "of D seconds" ends: D plus a uniform part of max(0.5 s, D/10), which is at least
 * one interval of either schedule near D, so every phase of the looks against the end is drawn.
 */
export function jobLengthMs(durationS: number, random: () => number): number {
  return durationS * 1000 + random() * Math.max(500, durationS * 100)
}

export interface Outcome {
  lengthMs: number
  /** Calls until the job is seen ended, that one included. */
  calls: number
  lagMs: number
  /** The shortest time between two looks. */
  minGapMs: number
  /** The most looks within any one second. */
  mostCallsInASecond: number
}

export function pollJob(schedule: Schedule, lengthMs: number, random: () => number): Outcome {
  const looks = looksUntil(schedule, lengthMs, random)
  const gaps = looks.slice(1).map((at, i) => at - (looks[i] as number))
  let mostCallsInASecond = 0
  for (let first = 0, last = 0; last < looks.length; last++) {
    while ((looks[last] as number) - (looks[first] as number) >= 1000) first++
    mostCallsInASecond = Math.max(mostCallsInASecond, last - first + 1)
  }
  return {
    lengthMs,
    calls: looks.length,
    lagMs: (looks.at(-1) as number) - lengthMs,
    minGapMs: Math.min(Infinity, ...gaps),
    mostCallsInASecond
  }
}

/** The worst lag of a job of exactly `lengthMs`: jitter at both extremes and a seeded stream. */
export function worstLagMs(schedule: Schedule, lengthMs: number, seed = 11): number {
  const jitters = [() => 0, () => 1, seededRandom(seed)]
  return Math.max(...jitters.map(random => pollJob(schedule, lengthMs, random).lagMs))
}

/** The worst lag over jobs of every whole millisecond from `fromMs` to `toMs`. */
export function worstLagBetween(schedule: Schedule, fromMs: number, toMs: number): number {
  let worst = 0
  for (let lengthMs = fromMs; lengthMs <= toMs; lengthMs++) {
    worst = Math.max(worst, worstLagMs(schedule, lengthMs))
  }
  return worst
}

export interface Summary {
  durationS: number
  draws: number
  meanLagMs: number
  worstLagMs: number
  /** Lag as a share of the job's own length. */
  meanLagShare: number
  worstLagShare: number
  meanCalls: number
  maxCalls: number
  minGapMs: number
  mostCallsInASecond: number
  outcomes: Outcome[]
}

/**
 * `draws` jobs of about `durationS`. The lengths come from `seed` alone, so two schedules
 * simulated with the same seed are judged on the same jobs; the jitter has a stream of its own.
 */
export function simulate(
  schedule: Schedule,
  durationS: number,
  draws: number,
  seed: number
): Summary {
  const lengths = seededRandom(seed * 1000 + durationS)
  const jitter = seededRandom(seed * 1000 + durationS + 500)
  const outcomes = Array.from({ length: draws }, () =>
    pollJob(schedule, jobLengthMs(durationS, lengths), jitter)
  )
  const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length
  const lags = outcomes.map(o => o.lagMs)
  const shares = outcomes.map(o => o.lagMs / o.lengthMs)
  const calls = outcomes.map(o => o.calls)
  return {
    durationS,
    draws,
    meanLagMs: mean(lags),
    worstLagMs: Math.max(...lags),
    meanLagShare: mean(shares),
    worstLagShare: Math.max(...shares),
    meanCalls: mean(calls),
    maxCalls: Math.max(...calls),
    minGapMs: Math.min(...outcomes.map(o => o.minGapMs)),
    mostCallsInASecond: Math.max(...outcomes.map(o => o.mostCallsInASecond)),
    outcomes
  }
}

/**
 * The Markdown for BENCHMARKS.md: per length, the previous schedule → the current one, then the
 * worst lags over every length from 1 ms to 10 s.
 */
export function pollTable(current: Schedule, draws: number, seed: number): string {
  const seconds = (ms: number) => (ms / 1000).toFixed(2)
  const percent = (share: number) => `${(share * 100).toFixed(2)}%`
  const rows = DURATIONS_S.map(durationS => {
    const [before, after] = [previousPollDelayMs, current].map(schedule =>
      simulate(schedule, durationS, draws, seed)
    ) as [Summary, Summary]
    const end = durationS * 1000 + Math.max(500, durationS * 100)
    return [
      `${durationS} s`,
      `${seconds(durationS * 1000)}-${seconds(end)} s`,
      `${seconds(before.meanLagMs)} s (${percent(before.meanLagShare)}) → ${seconds(after.meanLagMs)} s (${percent(after.meanLagShare)})`,
      `${seconds(before.worstLagMs)} s (${percent(before.worstLagShare)}) → ${seconds(after.worstLagMs)} s (${percent(after.worstLagShare)})`,
      `${before.meanCalls.toFixed(2)} → ${after.meanCalls.toFixed(2)}`,
      (after.meanCalls - before.meanCalls).toFixed(2),
      `${before.mostCallsInASecond} → ${after.mostCallsInASecond}`
    ]
  })
  const header = [
    'job',
    'ends (uniform)',
    'mean lag (share of length)',
    'worst lag (share)',
    'calls per job (mean)',
    'calls Δ',
    'most calls in 1 s'
  ]
  const table = [header, header.map(() => '---'), ...rows].map(row => `| ${row.join(' | ')} |`)
  const worst = (fromMs: number, toMs: number) =>
    [previousPollDelayMs, current].map(s => seconds(worstLagBetween(s, fromMs, toMs))).join(' s → ')
  return [
    ...table,
    '',
    `Jobs of every length from 1 to 10 s (each millisecond, jitter at both extremes and seeded): worst lag ${worst(1000, 10_000)} s. Jobs that end within the first second: worst lag ${worst(1, 1000)} s.`
  ].join('\n')
}
