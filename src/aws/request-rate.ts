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
 * requests wait their turn in one queue that follows the rate as it changes. Steps that share
 * one account's quota (matrix legs cannot talk to each other) each back off this way and settle
 * near their share instead of failing.
 */
export class RequestRate {
  private limit = Infinity
  private lastSlotAt = -Infinity
  private lastDecreaseAt = -Infinity
  private lastIncreaseAt = 0
  /** Send times within the last window: the rate that drew the first throttle. */
  private readonly recent: number[] = []
  private readonly queue: Waiter[] = []
  private pumping = false

  constructor(private readonly clock: Clock = systemClock) {}

  /** Requests a second now allowed; Infinity until the first throttle. */
  get perSecond(): number {
    return this.limit
  }

  /** Waits for this request's turn (at once while never throttled), but not past `notAfter`. */
  async acquire(notAfter = Infinity): Promise<void> {
    const now = this.clock.now()
    if (this.limit === Infinity && this.queue.length === 0) {
      this.remember(now)
      this.lastSlotAt = now
      return
    }
    await new Promise<void>(release => {
      this.queue.push({ release, notAfter })
      if (!this.pumping) void this.pump()
    })
  }

  throttled(): void {
    const now = this.clock.now()
    if (now - this.lastDecreaseAt < RATE.decreaseEveryMs) return
    const current = this.limit === Infinity ? this.recentPerSecond(now) : this.limit
    this.limit = Math.max(RATE.minPerSecond, current / 2)
    this.lastDecreaseAt = now
    this.lastIncreaseAt = now
    // The next request comes a full interval from now.
    this.lastSlotAt = Math.max(this.lastSlotAt, now)
  }

  succeeded(): void {
    if (this.limit === Infinity) return
    const now = this.clock.now()
    this.limit += (RATE.increasePerSecond * (now - this.lastIncreaseAt)) / 1000
    this.lastIncreaseAt = now
  }

  /** Lets the waiters go one at a time, each a full interval of the rate as it is then. */
  private async pump(): Promise<void> {
    this.pumping = true
    while (this.queue.length > 0) {
      const now = this.clock.now()
      this.releaseOverdue(now)
      const due = this.lastSlotAt + 1000 / this.limit
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
