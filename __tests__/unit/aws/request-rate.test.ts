import { describe, expect, it } from '@jest/globals'
import { InstantClock, VirtualClock, seededRandom } from '../clocks.js'
import { throttledDelayMs } from '../../../src/aws/backoff.js'
import { RATE, RequestRate } from '../../../src/aws/request-rate.js'

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
    expect(clock.time).toBe(250)
    await rate.acquire()
    expect(clock.time).toBe(500)
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
    await rate.acquire(800)
    expect(clock.time).toBe(800)
    // A request let go at its own deadline takes no slot: the next one comes 2 s after the throttle.
    await rate.acquire()
    expect(clock.time).toBe(2300)
  })

  it('lets waiting requests go sooner as soon as the rate grows', async () => {
    const clock = new VirtualClock(0, seededRandom(7))
    const rate = new RequestRate(clock)
    rate.throttled() // 0.5 a second: a request every 2 s
    const released: number[] = []
    const first = rate.acquire().then(() => {
      released.push(clock.time)
      rate.succeeded() // 2 s of success since the throttle: 1.5 a second
    })
    const others = [rate.acquire(), rate.acquire()].map(promise =>
      promise.then(() => released.push(clock.time))
    )
    await clock.run<unknown>([first, ...others])
    // Without the growth: 2000, 4000, 6000.
    expect(released.map(Math.round)).toEqual([2000, 2667, 3333])
  })

  it('lets matrix legs that share one quota finish close to the pace it allows, none starved', async () => {
    // Four legs of six requests each, all at once, against a service allowing 3 a second.
    const clock = new VirtualClock(0, seededRandom(7))
    const quota = { tokens: 3, at: 0 }
    const take = (): boolean => {
      quota.tokens = Math.min(3, quota.tokens + ((clock.time - quota.at) * 3) / 1000)
      quota.at = clock.time
      if (quota.tokens < 1) return false
      quota.tokens -= 1
      return true
    }
    const served: number[][] = [[], [], [], []]
    const legs = served.map(async (times, leg) => {
      const rate = new RequestRate(clock)
      await Promise.all(
        Array.from({ length: 6 }, async () => {
          await rate.acquire()
          for (let throttles = 1; !take(); throttles++) {
            rate.throttled()
            await clock.sleep(throttledDelayMs(throttles, clock.random))
            await rate.acquire()
          }
          rate.succeeded()
          times.push(clock.time)
          return leg
        })
      )
    })
    await clock.run(legs)
    const last = Math.max(...served.flat())
    // 24 requests at 3 a second, the first 3 at once: 7 s at the quota's own pace.
    expect(last).toBeLessThanOrEqual(2 * 7000)
    for (const times of served) expect(times).toHaveLength(6)
  })
})
