import { describe, expect, it } from '@jest/globals'
import { RETRY, retryDelayMs } from '../../../src/aws/backoff.js'

const fixed = (value: number) => () => value

describe('retryDelayMs', () => {
  it('doubles from 1 s with each failure and caps at 20 s', () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 30].map(failures => retryDelayMs(failures, fixed(1)))
    expect(ceilings).toEqual([1000, 2000, 4000, 8000, 16_000, 20_000, 20_000, 20_000])
    expect(RETRY.maxMs).toBe(20_000)
  })

  it('treats zero failures like the first', () => {
    expect(retryDelayMs(0, fixed(1))).toBe(1000)
  })

  it('draws from the upper half of the ceiling', () => {
    expect(retryDelayMs(1, fixed(0))).toBe(500)
    expect(retryDelayMs(3, fixed(0))).toBe(2000)
    expect(retryDelayMs(3, fixed(0.5))).toBe(3000)
    expect(retryDelayMs(100, fixed(0))).toBe(10_000)
    const sampled = Array.from({ length: 200 }, () => retryDelayMs(5))
    expect(new Set(sampled).size).toBeGreaterThan(20)
    for (const value of sampled) {
      expect(value).toBeGreaterThanOrEqual(8000)
      expect(value).toBeLessThanOrEqual(16_000)
    }
  })
})
