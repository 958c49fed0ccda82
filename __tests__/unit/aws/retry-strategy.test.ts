import { Readable } from 'node:stream'
import { describe, expect, it } from '@jest/globals'
import { GetSigningPlatformCommand, SignerClient } from '@aws-sdk/client-signer'
import { InstantClock } from '../clocks.js'
import { RequestRate } from '../../../src/aws/request-rate.js'
import { PacedRetryStrategy } from '../../../src/aws/retry-strategy.js'

type RetryToken = Awaited<ReturnType<PacedRetryStrategy['acquireInitialRetryToken']>>
type ErrorType = 'THROTTLING' | 'TRANSIENT' | 'SERVER_ERROR' | 'CLIENT_ERROR'

/** Refreshes the token after each error in turn; the number of retries granted. */
async function retriesGranted(strategy: PacedRetryStrategy, errors: ErrorType[]): Promise<number> {
  let token = await strategy.acquireInitialRetryToken()
  for (const errorType of errors) {
    try {
      token = await strategy.refreshRetryTokenForRetry(token, { errorType })
    } catch {
      return token.getRetryCount()
    }
  }
  return token.getRetryCount()
}

describe('PacedRetryStrategy', () => {
  it('retries a transient failure up to maxAttempts in all', async () => {
    const clock = new InstantClock(0, [1])
    const strategy = new PacedRetryStrategy(
      new RequestRate(clock),
      { maxAttempts: 5, budgetMs: 600_000 },
      clock
    )
    expect(await retriesGranted(strategy, Array(10).fill('TRANSIENT'))).toBe(4)
    // Jittered exponential back-off: 1, 2, 4, 8 s at the top of their ranges.
    expect(clock.sleeps).toEqual([1000, 2000, 4000, 8000])
  })

  it("retries a target the runner's proxy did not reach in passing, not a proxy that wants credentials", async () => {
    const tunnel = (status: number) =>
      Object.assign(
        new Error(
          `Failed to establish tunnel to signer.us-east-1.amazonaws.com:443 via http://proxy.corp:3128: HTTP/1.1 ${status} Proxy Said No`
        ),
        { code: 'ERR_PROXY_TUNNEL' }
      )
    const granted = async (status: number) => {
      const clock = new InstantClock(0, [1])
      const strategy = new PacedRetryStrategy(
        new RequestRate(clock),
        { maxAttempts: 3, budgetMs: 600_000 },
        clock
      )
      let token = await strategy.acquireInitialRetryToken()
      for (let i = 0; i < 5; i++) {
        try {
          // What the SDK hands over: its own type, CLIENT_ERROR, and the error itself.
          token = await strategy.refreshRetryTokenForRetry(token, {
            errorType: 'CLIENT_ERROR',
            error: tunnel(status)
          } as Parameters<PacedRetryStrategy['refreshRetryTokenForRetry']>[1])
        } catch {
          break
        }
      }
      return token.getRetryCount()
    }
    expect(await granted(502)).toBe(2)
    expect(await granted(407)).toBe(0)
  })

  it('retries throttling past maxAttempts, until the budget is spent', async () => {
    const clock = new InstantClock(0, [1])
    const strategy = new PacedRetryStrategy(
      new RequestRate(clock),
      { maxAttempts: 5, budgetMs: 120_000 },
      clock
    )
    const retries = await retriesGranted(strategy, Array(500).fill('THROTTLING'))
    expect(retries).toBeGreaterThan(4)
    // Throttled every time, the pace brings a turn about once a second; the next would have
    // come after the budget.
    expect(clock.time).toBeLessThanOrEqual(120_000)
    expect(clock.time).toBeGreaterThan(118_000)
  })

  it('gives a throttled request up at once when its next turn would come after the budget', async () => {
    const clock = new InstantClock(0, [1])
    const strategy = new PacedRetryStrategy(
      new RequestRate(clock),
      { maxAttempts: 5, budgetMs: 1500 },
      clock
    )
    // One request in the last second: half a request a second, the turn at 1 s (the rate grows
    // meanwhile). Throttled again there: halved, the next turn at 2 s, past the budget.
    expect(await retriesGranted(strategy, ['THROTTLING', 'THROTTLING'])).toBe(1)
    // Refused at once, so the SDK throws the throttling error before a caller's deadline of the
    // same length (a transfer's) would cut the wait short and name itself instead.
    expect(clock.time).toBe(1000)
  })

  it('retries a throttled request at its turn of the shared rate, with no back-off of its own', async () => {
    const clock = new InstantClock(0, [1])
    const rate = new RequestRate(clock)
    const strategy = new PacedRetryStrategy(rate, { maxAttempts: 5, budgetMs: 60_000 }, clock)
    const tokens = await Promise.all(
      Array.from({ length: 8 }, () => strategy.acquireInitialRetryToken())
    )
    // 8 requests in the last second, one throttled: 4 a second, a turn about 250 ms later. A
    // back-off of its own would have added up to a second (the draws are all 1 here).
    await strategy.refreshRetryTokenForRetry(tokens[0] as RetryToken, { errorType: 'THROTTLING' })
    expect(clock.time).toBeGreaterThan(200)
    expect(clock.time).toBeLessThanOrEqual(250)
  })

  it('slows the shared rate on throttling, so other requests wait too', async () => {
    const clock = new InstantClock(0, [1])
    const rate = new RequestRate(clock)
    const strategy = new PacedRetryStrategy(rate, { maxAttempts: 5, budgetMs: 60_000 }, clock)
    const token = await strategy.acquireInitialRetryToken()
    await strategy.refreshRetryTokenForRetry(token, { errorType: 'THROTTLING' })
    expect(rate.perSecond).toBeLessThan(Infinity)
    const before = clock.time
    await strategy.acquireInitialRetryToken() // another request of the step
    await strategy.acquireInitialRetryToken()
    expect(clock.time - before).toBeGreaterThanOrEqual(1000 / rate.perSecond)
  })

  it.each<ErrorType>(['CLIENT_ERROR', 'SERVER_ERROR'])('does not retry %s', async errorType => {
    const clock = new InstantClock(0, [1])
    const strategy = new PacedRetryStrategy(
      new RequestRate(clock),
      { maxAttempts: 5, budgetMs: 60_000 },
      clock
    )
    expect(await retriesGranted(strategy, [errorType])).toBe(0)
    expect(clock.sleeps).toEqual([])
  })

  it('starts no retry after the budget, even for a transient failure', async () => {
    const clock = new InstantClock(0, [1])
    const strategy = new PacedRetryStrategy(
      new RequestRate(clock),
      { maxAttempts: 5, budgetMs: 5000 },
      clock
    )
    const token = await strategy.acquireInitialRetryToken()
    clock.time += 30_000 // the first attempt hung until the client gave up on it
    await expect(
      strategy.refreshRetryTokenForRetry(token, { errorType: 'TRANSIENT' })
    ).rejects.toThrow()
  })

  it('is the retry strategy a real SDK client follows', async () => {
    // A handler answering 429 TooManyRequestsException twice, then the platform.
    let calls = 0
    const requestHandler = {
      handle: async () => {
        calls++
        const throttled = calls <= 2
        const body = throttled
          ? { message: 'Rate exceeded' }
          : { platformId: 'AWSLambda-SHA384-ECDSA', maxSizeInMB: 250 }
        return {
          response: {
            statusCode: throttled ? 429 : 200,
            headers: {
              'content-type': 'application/json',
              ...(throttled ? { 'x-amzn-errortype': 'TooManyRequestsException' } : {})
            },
            body: Readable.from([Buffer.from(JSON.stringify(body))])
          }
        }
      }
    }
    const clock = new InstantClock(0, [1])
    const rate = new RequestRate(clock)
    const signer = new SignerClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      requestHandler,
      maxAttempts: 2,
      retryStrategy: new PacedRetryStrategy(rate, { maxAttempts: 2, budgetMs: 60_000 }, clock)
    })
    const answer = await signer.send(
      new GetSigningPlatformCommand({ platformId: 'AWSLambda-SHA384-ECDSA' })
    )
    signer.destroy()
    expect(answer.maxSizeInMB).toBe(250)
    // Throttling is retried beyond maxAttempts, and the shared rate slowed down.
    expect(calls).toBe(3)
    expect(answer.$metadata.attempts).toBe(3)
    expect(rate.perSecond).toBeLessThan(Infinity)
  })
})
