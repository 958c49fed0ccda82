import { systemClock, type Clock } from '../clock.js'

/** Back-off after throttling or a server error: 1 s doubling to 20 s, "full jitter" in the upper half. */
export const RETRY = { baseMs: 1000, maxMs: 20_000 } as const

export function retryDelayMs(failures: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RETRY.maxMs, RETRY.baseMs * 2 ** Math.max(0, failures - 1))
  return Math.round(ceiling / 2 + (ceiling / 2) * random())
}

/**
 * Shared by every job of a run: when the service throttles one poll, all polls pause, so many
 * jobs waiting together back off as one client.
 */
export class ThrottleGate {
  private resumeAt = 0
  private throttles = 0

  constructor(private readonly clock: Clock = systemClock) {}

  /** Waits out a pause, but never past `deadline`. */
  async pass(deadline: number): Promise<void> {
    const wait = Math.min(this.resumeAt, deadline) - this.clock.now()
    if (wait > 0) await this.clock.sleep(wait)
  }

  throttled(): void {
    this.throttles++
    this.resumeAt = Math.max(
      this.resumeAt,
      this.clock.now() + retryDelayMs(this.throttles, this.clock.random)
    )
  }

  /** A success that arrives during a pause was sent before the pause began: it ends no back-off. */
  recovered(): void {
    if (this.clock.now() >= this.resumeAt) this.throttles = 0
  }
}
