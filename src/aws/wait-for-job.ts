import {
  DescribeSigningJobCommand,
  type DescribeSigningJobCommandOutput,
  type SignerClient
} from '@aws-sdk/client-signer'
import { systemClock, type Clock } from '../clock.js'
import { nextPollDelayMs } from './poll-schedule.js'
import { RequestRate } from './request-rate.js'
import { checkJobAnswer } from './check-signing-job.js'
import type { SigningRequest } from './request-token.js'
import { ActionError, errorMessage, isThrottling, isTransient } from '../errors.js'

export type SigningJob = DescribeSigningJobCommandOutput

/** The job ended as Failed: Signer has let go of its source. */
export class JobFailedError extends ActionError {}

export interface WaitOptions {
  timeoutMs: number
  /** Names the job's file in messages. */
  label: string
  /** The request that started the job: every answer must be about that job (check-signing-job.ts). */
  request: SigningRequest
  /** Paces the looks of every job of the step; throttling and failed looks slow all of them. */
  rate?: RequestRate
  clock?: Clock
  /** Called after every answered look, for progress logs. */
  onStatus?: (status: string, elapsedMs: number) => void
}

/**
 * Polls DescribeSigningJob until the job ends. Unlike the SDK waiter (20 s minimum delay; it
 * retries AccessDenied until its timeout) it looks at once, then at intervals that grow with the
 * time waited, and stops at once on errors no retry can mend. Every answer must describe the job
 * the step started. A look that fails in passing (throttling, a 5xx, no answer) slows the shared
 * rate: a Signer that fails one job's look likely fails all of them, so they all back off together.
 */
export async function waitForSigningJob(
  signer: SignerClient,
  jobId: string,
  options: WaitOptions
): Promise<SigningJob> {
  const clock = options.clock ?? systemClock
  const rate = options.rate ?? new RequestRate(clock)
  const started = { jobId, request: options.request, label: options.label }
  const start = clock.now()
  const deadline = start + options.timeoutMs
  let lastStatus = 'not yet seen'
  /** The looks that failed since the last answer, and the last one's error. */
  let failedLooks = 0
  let lastFailure: unknown

  for (;;) {
    await rate.acquire(deadline)
    const lookedAt = clock.now()
    let job: SigningJob | undefined
    try {
      // A whole number of milliseconds: AbortSignal.timeout refuses fractions (virtual clocks).
      const boundMs = Math.round(Math.max(1000, Math.min(15_000, deadline - clock.now())))
      job = await signer.send(new DescribeSigningJobCommand({ jobId }), {
        abortSignal: AbortSignal.timeout(boundMs)
      })
      failedLooks = 0
    } catch (error) {
      if (!isThrottling(error) && !isTransient(error)) {
        throw new ActionError(
          `Could not read signing job ${jobId} for ${options.label}: ${errorMessage(error)}`
        )
      }
      // The next look, this job's or another's, waits for its turn at the slower rate.
      rate.throttled()
      failedLooks++
      lastFailure = error
    }

    const elapsed = clock.now() - start
    if (job) {
      checkJobAnswer(job, started)
      lastStatus = job.status ?? 'unknown'
      options.onStatus?.(lastStatus, elapsed)
      if (job.status === 'Succeeded') return job
      if (job.status === 'Failed') {
        throw new JobFailedError(
          `Signing job ${jobId} for ${options.label} failed: ${job.statusReason ?? 'the service gave no reason'}`
        )
      }
    }
    if (clock.now() >= deadline) {
      throw new ActionError(timeoutMessage(jobId, options, lastStatus, failedLooks, lastFailure))
    }
    if (job) {
      const nextLook = lookedAt + nextPollDelayMs(lookedAt - start, clock.random)
      await clock.sleep(Math.max(0, Math.min(nextLook, deadline) - clock.now()))
    }
  }
}

/**
 * After an answered last look the job is still running; after failed ones its status is
 * unknown, and the message names the failure (the operation and endpoint of a look that got no
 * answer, the throttling or 5xx error) rather than calling the job unfinished.
 */
function timeoutMessage(
  jobId: string,
  options: WaitOptions,
  lastStatus: string,
  failedLooks: number,
  lastFailure: unknown
): string {
  const within = `${Math.round(options.timeoutMs / 1000)} s (timeout-seconds)`
  const describe = `aws signer describe-signing-job --job-id ${jobId}`
  if (failedLooks === 0) {
    return `Signing job ${jobId} for ${options.label} did not finish within ${within}; last status: ${lastStatus}. It may still finish: ${describe}`
  }
  const looks = failedLooks === 1 ? 'the last look' : `the last ${failedLooks} looks`
  return (
    `Signing job ${jobId} for ${options.label}: its status is unknown after ${within}: ${looks} failed, the last with ${errorMessage(lastFailure)}; last status: ${lastStatus}. ` +
    `It may have finished: ${describe}`
  )
}
