import { describe, expect, it } from '@jest/globals'
import { InstantClock, VirtualClock, seededRandom } from '../clocks.js'
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
    // A quarter of a second apart, a little less as the rate grows meanwhile.
    await rate.acquire()
    expect(clock.time).toBeGreaterThan(1000 / 4.2)
    expect(clock.time).toBeLessThanOrEqual(250)
    const first = clock.time
    await rate.acquire()
    expect(clock.time - first).toBeGreaterThan(1000 / 4.5)
    expect(clock.time - first).toBeLessThanOrEqual(250)
  })

  it('counts a burst of throttles within a second as one', () => {
    const clock = new InstantClock()
    const rate = new RequestRate(clock)
    for (let i = 0; i < 8; i++) void rate.acquire()
    for (let i = 0; i < 8; i++) rate.throttled()
    expect(rate.perSecond).toBe(4)
    clock.time += RATE.decreaseEveryMs
    rate.throttled()
    // The second's growth, then halved.
    expect(rate.perSecond).toBe((4 + RATE.increasePerSecond) / 2)
  })

  it('grows by a fixed step every second, throttled or not', () => {
    const clock = new InstantClock()
    const rate = new RequestRate(clock)
    rate.throttled() // nothing sent: counted as 1/s
    expect(rate.perSecond).toBe(0.5)
    clock.time += 4000
    expect(rate.perSecond).toBe(0.5 + 4 * RATE.increasePerSecond)
    rate.throttled()
    expect(rate.perSecond).toBe((0.5 + 4 * RATE.increasePerSecond) / 2)
    clock.time += 1000
    expect(rate.perSecond).toBe((0.5 + 4 * RATE.increasePerSecond) / 2 + RATE.increasePerSecond)
  })

  it('is never halved below what a second of growth adds: one request in 2 s at the slowest', async () => {
    const clock = new InstantClock()
    const rate = new RequestRate(clock)
    for (let i = 0; i < 20; i++) {
      rate.throttled()
      clock.time += RATE.decreaseEveryMs
    }
    rate.throttled()
    expect(rate.perSecond).toBe(RATE.increasePerSecond)
    const throttledAt = clock.time
    await rate.acquire()
    expect(clock.time - throttledAt).toBeLessThanOrEqual(2000)
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
    // A request let go at its own deadline takes no slot: the next one comes after a full
    // interval from the throttle, 1 s, when the rate has grown to 1 a second.
    await rate.acquire()
    expect(clock.time).toBe(1300)
  })

  it('lets waiting requests go sooner as the rate grows, without waiting for a success', async () => {
    const clock = new VirtualClock(0, seededRandom(7))
    const rate = new RequestRate(clock)
    rate.throttled() // 0.5 a second, growing by half a request a second every second
    const released: number[] = []
    const waiters = [rate.acquire(), rate.acquire(), rate.acquire()].map(promise =>
      promise.then(() => released.push(clock.time))
    )
    await clock.run<unknown>(waiters)
    // Each a full interval at the rate reached by then: t - previous = 1 / (0.5 + 0.5 t).
    // At a fixed 0.5 a second they would go at 2000, 4000 and 6000.
    const exact = [1000, 1732, 2332]
    released.forEach((at, i) => {
      expect(at).toBeGreaterThanOrEqual((exact[i] as number) - 1)
      expect(at).toBeLessThanOrEqual((exact[i] as number) + RATE.recheckMs)
    })
  })
})
