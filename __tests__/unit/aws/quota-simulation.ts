/**
 * Matrix legs under one account's StartSigningJob quota, in virtual time: each leg paces its
 * requests as a step does (its own RequestRate behind the SDK's PacedRetryStrategy), and every
 * request draws from one token bucket, the rig's, as the local Signer's `quotas` knob does.
 * It lets the bench's grid be explored in milliseconds instead of minutes.
 */
import { PacedRetryStrategy } from '../../../src/aws/retry-strategy.js'
import { RequestRate } from '../../../src/aws/request-rate.js'
import { TokenBucket } from '../../rig/signer-faults.js'
import { VirtualClock, seededRandom } from '../clocks.js'

export interface QuotaCell {
  legs: number
  filesPerLeg: number
  /** StartSigningJob requests a second, for all legs together. */
  perSecond: number
}

export interface SimulationOptions {
  /** One signing job's length: the last job started ends this long after its start. */
  jobMs: number
  /** From sending a request to its answer; the service takes the token halfway. */
  roundTripMs: number
  /** Legs start at uniform times within this (processes starting on a busy machine). */
  startSpreadMs: number
  /** timeout-seconds: how long a request may be retried. */
  budgetMs: number
  seed: number
}

export const SIMULATION: SimulationOptions = {
  jobMs: 3000,
  roundTripMs: 40,
  startSpreadMs: 1000,
  budgetMs: 600_000,
  seed: 1
}

export interface CellOutcome {
  /** From the first leg's start to the end of the last job. */
  totalMs: number
  /** Every file's request at the quota's rate, then one job: files / perSecond + jobMs. */
  boundMs: number
  ratio: number
  /** Answers 429, over all legs. */
  throttled: number
  /** Requests whose retries ran out of budget. */
  failed: number
}

/** The time-bound of a cell, as the bench reckons it. */
export function quotaBoundMs(cell: QuotaCell, jobMs: number): number {
  return ((cell.legs * cell.filesPerLeg) / cell.perSecond) * 1000 + jobMs
}

export async function simulateCell(
  cell: QuotaCell,
  options: SimulationOptions = SIMULATION
): Promise<CellOutcome> {
  const random = seededRandom(options.seed)
  const clock = new VirtualClock(0, random)
  const bucket = new TokenBucket({ perSecond: cell.perSecond }, 0)
  let throttled = 0
  let failed = 0
  let firstStart = Infinity

  /** One StartSigningJob as the SDK sends it: attempts until an answer or the strategy gives up. */
  const startJob = async (strategy: PacedRetryStrategy): Promise<number | undefined> => {
    let token = await strategy.acquireInitialRetryToken()
    for (;;) {
      await clock.sleep(options.roundTripMs / 2)
      const served = bucket.take(clock.now())
      await clock.sleep(options.roundTripMs / 2)
      if (served) {
        strategy.recordSuccess()
        return clock.now()
      }
      throttled++
      try {
        token = await strategy.refreshRetryTokenForRetry(token, { errorType: 'THROTTLING' })
      } catch {
        failed++
        return undefined
      }
    }
  }

  const leg = async (): Promise<number> => {
    const startAt = random() * options.startSpreadMs
    firstStart = Math.min(firstStart, startAt)
    await clock.sleep(startAt)
    const rate = new RequestRate(clock)
    const strategy = new PacedRetryStrategy(
      rate,
      { maxAttempts: 5, budgetMs: options.budgetMs },
      clock
    )
    const started = await Promise.all(
      Array.from({ length: cell.filesPerLeg }, () => startJob(strategy))
    )
    return Math.max(...started.map(at => at ?? Infinity))
  }

  const results = await clock.run(Array.from({ length: cell.legs }, leg))
  const legDoneMs = results.map(result => (result.status === 'fulfilled' ? result.value : Infinity))
  const totalMs = Math.max(...legDoneMs) + options.jobMs - firstStart
  const boundMs = quotaBoundMs(cell, options.jobMs)
  return { totalMs, boundMs, ratio: totalMs / boundMs, throttled, failed }
}
