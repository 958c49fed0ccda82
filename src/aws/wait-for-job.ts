import {
  DescribeSigningJobCommand,
  type DescribeSigningJobCommandOutput,
  type SignerClient
} from '@aws-sdk/client-signer'
import { systemClock, type Clock } from '../clock.js'
import { nextPollDelayMs } from './poll-schedule.js'
import { RequestRate } from './request-rate.js'
import { retryDelayMs } from './backoff.js'
import { ActionError, errorMessage, isThrottling, isTransient } from '../errors.js'

export type SigningJob = DescribeSigningJobCommandOutput

/** The job ended as Failed: Signer has let go of its source. */
export class JobFailedError extends ActionError {}

export interface WaitOptions {
  timeoutMs: number
  /** Names the job's file in messages. */
  label: string
  /** Paces the looks of every job of the step; throttling slows all of them. */
  rate?: RequestRate
  clock?: Clock
  /** Called after every answered look, for progress logs. */
  onStatus?: (status: string, elapsedMs: number) => void
}

/**
 * Polls DescribeSigningJob until the job ends. Unlike the SDK waiter (20 s minimum delay; it
 * retries AccessDenied until its timeout) it looks at once, then at intervals that grow with the
 * time waited, and stops at once on errors no retry can mend.
 */
export async function waitForSigningJob(
  signer: SignerClient,
  jobId: string,
  options: WaitOptions
): Promise<SigningJob> {
  const clock = options.clock ?? systemClock
  const rate = options.rate ?? new RequestRate(clock)
  const start = clock.now()
  const deadline = start + options.timeoutMs
  let lastStatus = 'not yet seen'
  let serverErrors = 0

  for (;;) {
    await rate.acquire(deadline)
    const lookedAt = clock.now()
    let job: SigningJob | undefined
    try {
      job = await signer.send(new DescribeSigningJobCommand({ jobId }), {
        abortSignal: AbortSignal.timeout(Math.max(1000, Math.min(15_000, deadline - clock.now())))
      })
      rate.succeeded()
      serverErrors = 0
    } catch (error) {
      if (isThrottling(error)) {
        // The next look, this job's or another's, waits for its turn at the slower rate.
        rate.throttled()
      } else if (isTransient(error)) {
        serverErrors++
        await clock.sleep(
          Math.min(retryDelayMs(serverErrors, clock.random), deadline - clock.now())
        )
      } else {
        throw new ActionError(
          `Could not read signing job ${jobId} for ${options.label}: ${errorMessage(error)}`
        )
      }
    }

    const elapsed = clock.now() - start
    if (job) {
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
      throw new ActionError(
        `Signing job ${jobId} for ${options.label} did not finish within ${Math.round(options.timeoutMs / 1000)} s (timeout-seconds); last status: ${lastStatus}. ` +
          `It may still finish: aws signer describe-signing-job --job-id ${jobId}`
      )
    }
    if (job) {
      const nextLook = lookedAt + nextPollDelayMs(lookedAt - start, clock.random)
      await clock.sleep(Math.max(0, Math.min(nextLook, deadline) - clock.now()))
    }
  }
}
