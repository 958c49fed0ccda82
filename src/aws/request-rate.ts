import { systemClock, type Clock } from '../clock.js'

/**
 * How the pace reacts to throttling: halve (at most once a second, so a burst of throttled
 * answers to requests sent together counts as one), then grow back by half a request per second
 * for every second of successes, never below one request in five seconds.
 */
export const RATE = {
  minPerSecond: 0.2,
  increasePerSecond: 0.5,
  decreaseEveryMs: 1000,
  windowMs: 1000
} as const

/**
 * The pace of one kind of request for the whole step: every file's requests share it. Unlimited
 * until the service throttles; from then on additive increase and multiplicative decrease.
 * Steps that share one account's quota (matrix legs cannot talk to each other) each back off
 * this way and settle near their share instead of failing.
 */
export class RequestRate {
  private limit = Infinity
  private lastSlotAt = -Infinity
  private lastDecreaseAt = -Infinity
  private lastIncreaseAt = 0
  /** Send times within the last window: the rate that drew the first throttle. */
  private readonly recent: number[] = []

  constructor(private readonly clock: Clock = systemClock) {}

  /** Requests a second now allowed; Infinity until the first throttle. */
  get perSecond(): number {
    return this.limit
  }

  /** Waits for this request's turn (at once while never throttled), but not past `notAfter`. */
  async acquire(notAfter = Infinity): Promise<void> {
    const now = this.clock.now()
    this.remember(now)
    // Spaced by the rate as it is now, which may have changed since the last slot was given.
    const slot = this.limit === Infinity ? now : Math.max(now, this.lastSlotAt + 1000 / this.limit)
    this.lastSlotAt = slot
    const wait = Math.min(slot, notAfter) - now
    if (wait > 0) await this.clock.sleep(wait)
  }

  throttled(): void {
    const now = this.clock.now()
    if (now - this.lastDecreaseAt < RATE.decreaseEveryMs) return
    const current = this.limit === Infinity ? this.recentPerSecond(now) : this.limit
    this.limit = Math.max(RATE.minPerSecond, current / 2)
    this.lastDecreaseAt = now
    this.lastIncreaseAt = now
    // Requests that already have a slot keep it; the next one comes a full interval from now.
    this.lastSlotAt = Math.max(this.lastSlotAt, now)
  }

  succeeded(): void {
    if (this.limit === Infinity) return
    const now = this.clock.now()
    this.limit += (RATE.increasePerSecond * (now - this.lastIncreaseAt)) / 1000
    this.lastIncreaseAt = now
  }

  private remember(now: number): void {
    this.recent.push(now)
    this.forget(now)
  }

  private forget(now: number): void {
    while ((this.recent[0] ?? now) <= now - RATE.windowMs) this.recent.shift()
  }

  private recentPerSecond(now: number): number {
    this.forget(now)
    return Math.max(1, (this.recent.length * 1000) / RATE.windowMs)
  }
}
