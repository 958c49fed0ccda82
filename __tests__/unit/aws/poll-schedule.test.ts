import { describe, expect, it } from '@jest/globals'
import { POLL, nextPollDelayMs } from '../../../src/aws/poll-schedule.js'

const RANDOMS = [0, 0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999, 1]
const fixed = (value: number) => () => value

/** The interval before jitter: a twelfth of the time waited, kept within 0.5 s and 10 s. */
const base = (elapsed: number) => Math.min(10_000, Math.max(500, elapsed / 12))

describe('nextPollDelayMs', () => {
  it('waits at least 500 ms: never more than two polls a second', () => {
    for (const elapsed of [0, 1, 100, 499, 500, 1000, 3000, 5999, 6000, 6001, 50_000]) {
      for (const random of RANDOMS) {
        expect(nextPollDelayMs(elapsed, fixed(random))).toBeGreaterThanOrEqual(500)
      }
    }
    expect(POLL.minMs).toBe(500)
  })

  it('waits a second after the first, immediate look, then 500 ms', () => {
    for (const random of RANDOMS) {
      expect(nextPollDelayMs(0, fixed(random))).toBe(1000)
      expect(nextPollDelayMs(499, fixed(random))).toBe(1000)
      expect(nextPollDelayMs(1000, fixed(random))).toBe(500)
    }
  })

  it('never makes more than two looks a second, counted from the first look', () => {
    for (const random of RANDOMS) {
      let at = 0
      for (let looks = 1; looks < 200; looks++) {
        at += nextPollDelayMs(at, fixed(random))
        expect(looks + 1).toBeLessThanOrEqual(Math.max(2, (at / 1000) * 2))
      }
    }
  })

  it('waits no more than a tenth of the elapsed time once 6 s have passed', () => {
    for (let elapsed = 6000; elapsed <= 200_000; elapsed += 1733) {
      for (const random of RANDOMS) {
        expect(nextPollDelayMs(elapsed, fixed(random))).toBeLessThanOrEqual(elapsed / 10)
      }
    }
  })

  it('stays within 10% below a twelfth of the elapsed time (jitter only shortens)', () => {
    for (const elapsed of [6000, 12_000, 30_000, 60_000, 90_000, 119_000]) {
      for (const random of RANDOMS) {
        const delay = nextPollDelayMs(elapsed, fixed(random))
        expect(delay).toBeGreaterThanOrEqual(Math.max(500, Math.floor(base(elapsed) * 0.9)))
        expect(delay).toBeLessThanOrEqual(Math.ceil(base(elapsed)))
      }
    }
  })

  it('grows with the elapsed time', () => {
    for (const random of RANDOMS) {
      const delays = [12_000, 24_000, 48_000, 96_000].map(e => nextPollDelayMs(e, fixed(random)))
      expect([...delays].sort((a, b) => a - b)).toEqual(delays)
      expect(new Set(delays).size).toBe(delays.length)
    }
  })

  it('is capped at 10 s; jitter only shortens it, by at most 10%', () => {
    for (const elapsed of [120_000, 600_000, 21_600_000, Number.MAX_SAFE_INTEGER]) {
      for (const random of RANDOMS) {
        const delay = nextPollDelayMs(elapsed, fixed(random))
        expect(delay).toBeLessThanOrEqual(POLL.maxMs)
        expect(delay).toBeGreaterThanOrEqual(POLL.maxMs * 0.9)
      }
    }
    expect(POLL.maxMs).toBe(10_000)
  })

  it('spreads values with jitter', () => {
    const spread = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1]
    const values = spread.map(random => nextPollDelayMs(60_000, fixed(random)))
    expect(new Set(values).size).toBe(spread.length)
    expect(Math.max(...values) - Math.min(...values)).toBeGreaterThanOrEqual(450)
    const sampled = Array.from({ length: 200 }, () => nextPollDelayMs(60_000))
    expect(new Set(sampled).size).toBeGreaterThan(20)
    for (const value of sampled) {
      expect(value).toBeGreaterThanOrEqual(4500)
      expect(value).toBeLessThanOrEqual(5000)
    }
  })

  it('returns whole milliseconds', () => {
    for (const random of RANDOMS) {
      expect(Number.isInteger(nextPollDelayMs(77_777, fixed(random)))).toBe(true)
    }
  })
})
