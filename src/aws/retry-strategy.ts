import type { S3ClientConfig } from '@aws-sdk/client-s3'
import { systemClock, type Clock } from '../clock.js'
import type { RequestRate } from './request-rate.js'
import { retryDelayMs } from './backoff.js'
import { isProxyTunnelInPassing } from '../errors.js'

// The SDK's retry strategy interface, named through the client's own config type.
type RetryStrategy = Extract<
  NonNullable<S3ClientConfig['retryStrategy']>,
  { recordSuccess: unknown }
>
type RetryToken = Awaited<ReturnType<RetryStrategy['acquireInitialRetryToken']>>
type RetryErrorInfo = Parameters<RetryStrategy['refreshRetryTokenForRetry']>[1]

export interface RetryPolicy {
  /** Attempts for a request that failed in passing (5xx, reset, no answer). */
  maxAttempts: number
  /** No retry starts later than this after the request's first attempt. */
  budgetMs: number
}

class Attempt implements RetryToken {
  constructor(
    readonly firstAt: number,
    readonly retries: number
  ) {}

  getRetryCount(): number {
    return this.retries
  }

  // The strategy waits itself, before it hands the token back.
  getRetryDelay(): number {
    return 0
  }
}

/**
 * The SDK's retries, paced by a rate that all the step's requests of one kind share. A throttled
 * request slows that rate and waits its turn at it, until the budget is spent, however many
 * attempts that takes: a back-off of its own on top would leave the quota idle while the pace
 * already allows a request. Other transient failures get jittered exponential back-off and
 * `maxAttempts`. The caller's idempotency (the signing job's token, S3's versions) makes each
 * retry safe.
 */
export class PacedRetryStrategy implements RetryStrategy {
  constructor(
    private readonly rate: RequestRate,
    private readonly policy: RetryPolicy,
    private readonly clock: Clock = systemClock
  ) {}

  async acquireInitialRetryToken(): Promise<RetryToken> {
    await this.rate.acquire()
    return new Attempt(this.clock.now(), 0)
  }

  async refreshRetryTokenForRetry(token: RetryToken, error: RetryErrorInfo): Promise<RetryToken> {
    const previous = token as Attempt
    const attempts = previous.retries + 1
    const deadline = previous.firstAt + this.policy.budgetMs
    if (error.errorType === 'THROTTLING') {
      this.rate.throttled()
      // A turn after the budget is no retry: the SDK throws the throttling error now, before a
      // deadline of the caller's (a transfer's, the same length) cuts the wait short and hides it.
      if (this.rate.nextTurnAt() > deadline) throw new Error('no retry')
      await this.rate.acquire(deadline)
      // Let go at the deadline without a turn, behind other requests: the same.
      if (this.clock.now() >= deadline) throw new Error('no retry')
      return new Attempt(previous.firstAt, attempts)
    }
    const delay = retryDelayMs(attempts, this.clock.random)
    const retry =
      (error.errorType === 'TRANSIENT' || isProxyTunnelInPassing(errorOf(error))) &&
      attempts < this.policy.maxAttempts &&
      this.clock.now() + delay <= deadline
    // The SDK then gives up and throws the request's own error.
    if (!retry) throw new Error('no retry')
    await this.clock.sleep(delay)
    await this.rate.acquire()
    return new Attempt(previous.firstAt, attempts)
  }

  // The shared rate grows with time, not with successes.
  recordSuccess(): void {}
}

/**
 * The error behind the SDK's classification, which does not count a proxy's failure to reach the
 * endpoint as transient, though it is in passing as the endpoint's own 5xx would be.
 */
function errorOf(info: RetryErrorInfo): unknown {
  return (info as { error?: unknown }).error
}
