import { systemClock, type Clock } from '../clock.js'

/**
 * How the pace reacts to throttling: halve (at most once a second, so a burst of throttled
 * answers to requests sent together counts as one), and grow by half a request per second every
 * second, throttled or not. Growth that restarted at each throttle and came only with successes
 * kept legs sharing a low quota near a floor, leaving the quota idle between their requests
 * (about 2x the quota-bound time for 8 legs at 1/s in quota-simulation.ts). Growing regardless,
 * a halving never takes the rate below what a second's growth adds back (0.5/s), and a request
 * kept waiting goes within a second of the last: no floor is needed.
 */
export const RATE = {
  increasePerSecond: 0.5,
  decreaseEveryMs: 1000,
  windowMs: 1000,
  /** How often a waiting queue looks again at a rate that may have changed meanwhile. */
  recheckMs: 100
} as const

interface Waiter {
  release: () => void
  notAfter: number
}

/**
 * The pace of one kind of request for the whole step: every file's requests share it. Unlimited
 * until the service throttles; from then on additive increase and multiplicative decrease, and
 * requests (a throttled one's retry too) wait their turn in one queue that follows the rate as
 * it changes. Steps that share one account's quota (matrix legs cannot talk to each other) each
 * pace themselves this way, and together keep the quota busy instead of failing.
 */
export class RequestRate {
  /** The rate set by the last decrease, at `setAt`; it grows from there with time. */
  private base = Infinity
  private setAt = 0
  private lastSlotAt = -Infinity
  private lastDecreaseAt = -Infinity
  /** Send times within the last window: the rate that drew the first throttle. */
  private readonly recent: number[] = []
  private readonly queue: Waiter[] = []
  private pumping = false

  constructor(private readonly clock: Clock = systemClock) {}

  /** Requests a second now allowed; Infinity until the first throttle. */
  get perSecond(): number {
    return this.rateAt(this.clock.now())
  }

  /** Waits for this request's turn (at once while never throttled), but not past `notAfter`. */
  async acquire(notAfter = Infinity): Promise<void> {
    const now = this.clock.now()
    if (this.base === Infinity && this.queue.length === 0) {
      this.remember(now)
      this.lastSlotAt = now
      return
    }
    await new Promise<void>(release => {
      this.queue.push({ release, notAfter })
      if (!this.pumping) void this.pump()
    })
  }

  /** When a request asking now would get its turn, were no other request waiting. */
  nextTurnAt(): number {
    const now = this.clock.now()
    return this.base === Infinity ? now : Math.max(now, this.nextSlotAt())
  }

  throttled(): void {
    const now = this.clock.now()
    if (now - this.lastDecreaseAt < RATE.decreaseEveryMs) return
    const current = this.base === Infinity ? this.recentPerSecond(now) : this.rateAt(now)
    this.base = current / 2
    this.setAt = now
    this.lastDecreaseAt = now
    // The next request comes a full interval from now.
    this.lastSlotAt = Math.max(this.lastSlotAt, now)
  }

  private rateAt(now: number): number {
    return this.base + (RATE.increasePerSecond * (now - this.setAt)) / 1000
  }

  /**
   * A full interval after the last slot at the rate reached by then: the gap g (seconds) with
   * g × (r + a·g) = 1, r the rate at the last slot and a the growth a second.
   */
  private nextSlotAt(): number {
    const rate = this.rateAt(this.lastSlotAt)
    const growth = RATE.increasePerSecond
    const gap = (Math.sqrt(rate * rate + 4 * growth) - rate) / (2 * growth)
    return this.lastSlotAt + gap * 1000
  }

  /** Lets the waiters go one at a time, each a full interval of the rate as it is then. */
  private async pump(): Promise<void> {
    this.pumping = true
    while (this.queue.length > 0) {
      const now = this.clock.now()
      this.releaseOverdue(now)
      const due = this.nextSlotAt()
      if (now >= due) {
        const next = this.queue.shift()
        if (!next) break
        this.remember(now)
        this.lastSlotAt = now
        next.release()
      } else if (this.queue.length > 0) {
        await this.clock.sleep(Math.min(due - now, RATE.recheckMs))
      }
    }
    this.pumping = false
  }

  /** A waiter whose own deadline has come goes without a slot: its caller gives up anyway. */
  private releaseOverdue(now: number): void {
    for (let index = this.queue.length - 1; index >= 0; index--) {
      const waiter = this.queue[index]
      if (waiter && waiter.notAfter <= now) {
        this.queue.splice(index, 1)
        waiter.release()
      }
    }
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
