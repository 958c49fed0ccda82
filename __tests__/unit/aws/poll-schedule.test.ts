import { describe, expect, it } from '@jest/globals'
import { POLL, nextPollDelayMs } from '../../../src/aws/poll-schedule.js'

const RANDOMS = [0, 0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999, 1]
const fixed = (value: number) => () => value

/** The looks of one job without jitter (random 0), from its start. */
function looks(count: number, random = 0): number[] {
  const at = [0]
  while (at.length < count) {
    const last = at.at(-1) as number
    at.push(last + nextPollDelayMs(last, fixed(random)))
  }
  return at
}

describe('nextPollDelayMs', () => {
  it('looks a second time 1.5 s after the start, also when the first look started late', () => {
    for (const random of RANDOMS) {
      expect(nextPollDelayMs(0, fixed(random))).toBe(1500)
      expect(nextPollDelayMs(300, fixed(random))).toBe(1200)
      expect(nextPollDelayMs(999, fixed(random))).toBe(501)
      expect(nextPollDelayMs(1000, fixed(random))).toBe(500)
    }
    expect(POLL.secondLookMs).toBe(1500)
  })

  it('then looks every 500 ms up to 10 s, without jitter', () => {
    for (const random of RANDOMS) {
      for (const elapsed of [1500, 2000, 4321, 9000, 9999]) {
        expect(nextPollDelayMs(elapsed, fixed(random))).toBe(500)
      }
    }
    expect(looks(19)).toEqual([0, ...Array.from({ length: 18 }, (_, i) => 1500 + 500 * i)])
  })

  it('from 10 s waits a tenth of the time waited, at most 10 s', () => {
    expect(nextPollDelayMs(10_000, fixed(0))).toBe(1000)
    expect(nextPollDelayMs(33_333, fixed(0))).toBe(3333)
    expect(nextPollDelayMs(100_000, fixed(0))).toBe(10_000)
    expect(looks(23).slice(18)).toEqual([10_000, 11_000, 12_100, 13_310, 14_641])
    for (const elapsed of [120_000, 600_000, 21_600_000, Number.MAX_SAFE_INTEGER]) {
      expect(nextPollDelayMs(elapsed, fixed(0))).toBe(POLL.maxMs)
    }
  })

  it('jitters from 10 s on by up to 10%, only shortening, in whole milliseconds', () => {
    for (let elapsed = 10_000; elapsed <= 300_000; elapsed += 1733) {
      const base = Math.min(10_000, elapsed / 10)
      for (const random of RANDOMS) {
        const delay = nextPollDelayMs(elapsed, fixed(random))
        expect(Number.isInteger(delay)).toBe(true)
        expect(delay).toBeLessThanOrEqual(base)
        expect(delay).toBeGreaterThanOrEqual(Math.floor(base * 0.9))
      }
    }
    const spread = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1]
    const values = spread.map(random => nextPollDelayMs(60_000, fixed(random)))
    expect(new Set(values).size).toBe(spread.length)
    expect(Math.max(...values) - Math.min(...values)).toBe(600)
    const sampled = Array.from({ length: 200 }, () => nextPollDelayMs(60_000))
    expect(new Set(sampled).size).toBeGreaterThan(20)
  })

  it('never waits under 500 ms (two calls a second) nor over a tenth of the time waited from 10 s', () => {
    for (let elapsed = 0; elapsed <= 200_000; elapsed += 97) {
      for (const random of RANDOMS) {
        const delay = nextPollDelayMs(elapsed, fixed(random))
        expect(delay).toBeGreaterThanOrEqual(POLL.minMs)
        if (elapsed >= 10_000) expect(delay).toBeLessThanOrEqual(elapsed / 10)
      }
    }
  })

  it('grows with the time waited', () => {
    for (const random of RANDOMS) {
      const delays = [12_000, 24_000, 48_000, 96_000].map(e => nextPollDelayMs(e, fixed(random)))
      expect([...delays].sort((a, b) => a - b)).toEqual(delays)
      expect(new Set(delays).size).toBe(delays.length)
    }
  })
})
