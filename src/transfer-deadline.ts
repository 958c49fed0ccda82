/**
 * The slowest transfer the action waits for: below this, a transfer that still trickles along
 * (so that no silence limit fires) is treated as stuck.
 */
export const MIN_BYTES_PER_SECOND = 1_000_000

/** The longest a timer can wait (about 24.8 days): a deadline that far away is no deadline. */
const LONGEST_TIMER_MS = 2 ** 31 - 1

/**
 * How long one transfer (an upload, a download, a release asset), retries included, may take:
 * `timeout-seconds`, plus the time its size takes at MIN_BYTES_PER_SECOND.
 */
export function transferDeadlineMs(budgetMs: number, bytes: number): number {
  const ms = budgetMs + Math.ceil((Math.max(0, bytes) * 1000) / MIN_BYTES_PER_SECOND)
  return Math.min(ms, LONGEST_TIMER_MS)
}

/** A transfer's deadline, started now: its signal aborts the transfer's requests when it passes. */
export class TransferDeadline {
  readonly ms: number
  readonly signal: AbortSignal

  constructor(budgetMs: number, bytes: number) {
    this.ms = transferDeadlineMs(budgetMs, bytes)
    // AbortSignal.timeout does not keep the process alive.
    this.signal = AbortSignal.timeout(this.ms)
  }

  get passed(): boolean {
    return this.signal.aborted
  }

  /** 'did not finish within 6.1 s (...)', for the error that names the transfer. */
  describe(): string {
    const seconds = Math.round(this.ms / 100) / 10
    return `did not finish within ${seconds} s (timeout-seconds plus the time its size takes at ${MIN_BYTES_PER_SECOND / 1_000_000} MB/s)`
  }
}
