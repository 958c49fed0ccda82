import { describe, expect, it } from '@jest/globals'
import type { Clock } from '../../../src/clock.js'
import { RATE, RequestRate } from '../../../src/aws/request-rate.js'

/** Sleeping advances `now` at once; every sleep is recorded. */
class InstantClock implements Clock {
  time = 0
  readonly sleeps: number[] = []
  now = (): number => this.time
  sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms)
    this.time += ms
  }
  random = (): number => 0.5
}

describe('RequestRate', () => {
  it('never makes a request wait until the service throttles', async () => {
    const clock = new InstantClock()
    const rate = new RequestRate(clock)
    for (let i = 0; i < 100; i++) await rate.acquire()
    expect(clock.sleeps).toEqual([])
    expect(rate.perSecond).toBe(Infinity)
  })

  it('halves the rate it was sending at when first throttled, and spaces requests by it', async () => {
    const clock = new InstantClock()
    const rate = new RequestRate(clock)
    for (let i = 0; i < 8; i++) await rate.acquire() // 8 sent within the last second
    rate.throttled()
    expect(rate.perSecond).toBe(4)
    await rate.acquire()
    await rate.acquire()
    expect(clock.sleeps).toEqual([250, 250])
  })

  it('counts a burst of throttles within a second as one', () => {
    const clock = new InstantClock()
    const rate = new RequestRate(clock)
    for (let i = 0; i < 8; i++) void rate.acquire()
    for (let i = 0; i < 8; i++) rate.throttled()
    expect(rate.perSecond).toBe(4)
    clock.time += RATE.decreaseEveryMs
    rate.throttled()
    expect(rate.perSecond).toBe(2)
  })

  it(`never goes below ${RATE.minPerSecond} a second`, () => {
    const clock = new InstantClock()
    const rate = new RequestRate(clock)
    for (let i = 0; i < 20; i++) {
      rate.throttled()
      clock.time += RATE.decreaseEveryMs
    }
    expect(rate.perSecond).toBe(RATE.minPerSecond)
  })

  it('grows back by a fixed step for each second of successes', () => {
    const clock = new InstantClock()
    const rate = new RequestRate(clock)
    rate.throttled() // nothing sent: counted as 1/s
    expect(rate.perSecond).toBe(0.5)
    clock.time += 4000
    rate.succeeded()
    expect(rate.perSecond).toBe(0.5 + 4 * RATE.increasePerSecond)
    clock.time += 1000
    rate.succeeded()
    expect(rate.perSecond).toBe(0.5 + 5 * RATE.increasePerSecond)
  })

  it('gives the next request a full interval from the throttle, and never waits past notAfter', async () => {
    const clock = new InstantClock()
    const rate = new RequestRate(clock)
    await rate.acquire()
    clock.time = 300
    rate.throttled()
    expect(rate.perSecond).toBe(0.5)
    await rate.acquire(clock.time + 500)
    expect(clock.sleeps).toEqual([500])
    // The slot at 2300 stays taken: the next request comes two seconds after it.
    await rate.acquire()
    expect(clock.time).toBe(4300)
  })

  it('settles several steps that share one quota near the quota, none starved', async () => {
    // Six steps, each wanting 4 requests a second, against a service allowing 3 a second.
    const clock = { time: 0 }
    const steps = Array.from({ length: 6 }, () => {
      const own: Clock = {
        now: () => clock.time,
        sleep: async () => {},
        random: () => 0.5
      }
      return { rate: new RequestRate(own), nextAt: 0, sent: 0 }
    })
    const quota = { perSecond: 3, tokens: 3, at: 0 }
    const served: number[] = steps.map(() => 0)
    for (clock.time = 0; clock.time < 120_000; clock.time += 10) {
      quota.tokens = Math.min(3, quota.tokens + ((clock.time - quota.at) * quota.perSecond) / 1000)
      quota.at = clock.time
      steps.forEach((step, index) => {
        if (clock.time < step.nextAt) return
        const interval = step.rate.perSecond === Infinity ? 250 : 1000 / step.rate.perSecond
        step.nextAt = clock.time + Math.max(250, interval)
        void step.rate.acquire()
        if (quota.tokens >= 1) {
          quota.tokens -= 1
          served[index] = (served[index] ?? 0) + 1
          step.rate.succeeded()
        } else {
          step.rate.throttled()
        }
      })
    }
    const total = served.reduce((a, b) => a + b, 0)
    // Over two minutes the quota allows 360; the steps get nearly all of it, each a fair part.
    expect(total).toBeGreaterThan(0.9 * 360)
    for (const count of served) expect(count).toBeGreaterThan(total / 6 / 2)
  })
})
