import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import {
  DescribeSigningJobCommand,
  type DescribeSigningJobCommandInput,
  type DescribeSigningJobCommandOutput,
  type S3Source,
  SignerClient
} from '@aws-sdk/client-signer'
import { mockClient } from 'aws-sdk-client-mock'
import type { Clock } from '../../../src/clock.js'
import { InstantClock, VirtualClock } from '../clocks.js'
import { nextPollDelayMs } from '../../../src/aws/poll-schedule.js'
import { RequestRate } from '../../../src/aws/request-rate.js'
import { ActionError } from '../../../src/errors.js'
import { JobFailedError, waitForSigningJob } from '../../../src/aws/wait-for-job.js'
import { UntrustedAnswerError } from '../../../src/aws/check-signing-job.js'
import { rejectionOf, sdkError } from '../helpers.js'
import { REQUEST, answerAbout } from './signing-job-answers.js'

const REQUEST_SOURCE: S3Source = {
  bucketName: REQUEST.source.bucket,
  key: REQUEST.source.key,
  version: REQUEST.source.version
}

const START = 1_700_000_000_000

type Step = DescribeSigningJobCommandOutput['status'] | Error

const signerMock = mockClient(SignerClient)
let signer: SignerClient

/** Every DescribeSigningJob call: which job, and when on the clock. */
let calls: { jobId: string | undefined; at: number }[]

/**
 * Answers each job's polls from its script; the last step repeats. `latencyMs` is how long each
 * answer takes on an InstantClock.
 */
function script(
  clock: Clock,
  steps: Record<string, Step[]>,
  { reason, latencyMs = 0 }: { reason?: string; latencyMs?: number } = {}
): void {
  const position: Record<string, number> = {}
  signerMock.on(DescribeSigningJobCommand).callsFake((input: DescribeSigningJobCommandInput) => {
    const jobId = input.jobId ?? ''
    calls.push({ jobId, at: clock.now() })
    if (clock instanceof InstantClock) clock.time += latencyMs
    const list = steps[jobId]
    if (!list) throw new Error(`no script for ${jobId}`)
    const index = Math.min(position[jobId] ?? 0, list.length - 1)
    position[jobId] = index + 1
    const step = list[index]
    if (step instanceof Error) throw step
    return {
      ...answerAbout(jobId),
      status: step,
      statusReason: step === 'Failed' ? reason : undefined
    }
  })
}

const failure = (promise: Promise<unknown>) => rejectionOf(promise, ActionError)

beforeEach(() => {
  signerMock.reset()
  signer = new SignerClient({ region: 'us-east-1' })
  calls = []
})

afterEach(() => {
  signer.destroy()
})

describe('waitForSigningJob', () => {
  it('looks at once, without sleeping first', async () => {
    const clock = new InstantClock(START)
    script(clock, { 'job-1': ['Succeeded'] })
    const job = await waitForSigningJob(signer, 'job-1', {
      timeoutMs: 60_000,
      label: 'build/a.zip',
      request: REQUEST,
      clock
    })
    expect(job.status).toBe('Succeeded')
    expect(job.signedObject?.s3?.key).toBe('signed/job-1.zip')
    expect(calls).toEqual([{ jobId: 'job-1', at: START }])
    expect(clock.sleeps).toEqual([])
  })

  it('polls InProgress, InProgress, Succeeded with the delays nextPollDelayMs gives', async () => {
    const clock = new InstantClock(START, [0.1, 0.9, 0.3])
    script(clock, { 'job-1': ['InProgress', 'InProgress', 'Succeeded'] })
    const statuses: [string, number][] = []
    const job = await waitForSigningJob(signer, 'job-1', {
      timeoutMs: 60_000,
      label: 'build/a.zip',
      request: REQUEST,
      clock,
      onStatus: (status, elapsed) => statuses.push([status, elapsed])
    })
    expect(job.jobId).toBe('job-1')
    expect(job.status).toBe('Succeeded')
    const first = nextPollDelayMs(0, () => 0.1)
    const second = nextPollDelayMs(first, () => 0.9)
    expect(clock.sleeps).toEqual([first, second])
    expect(calls.map(call => call.at - START)).toEqual([0, first, first + second])
    expect(statuses).toEqual([
      ['InProgress', 0],
      ['InProgress', first],
      ['Succeeded', first + second]
    ])
  })

  it('counts each interval from the start of the previous look, so slow answers do not stretch it', async () => {
    const clock = new InstantClock(START, [0.5])
    script(
      clock,
      { 'job-1': [...Array<Step>(30).fill('InProgress'), 'Succeeded'] },
      {
        latencyMs: 300
      }
    )
    await waitForSigningJob(signer, 'job-1', {
      timeoutMs: 600_000,
      label: 'f',
      request: REQUEST,
      clock
    })
    expect(calls).toHaveLength(31)
    for (let i = 1; i < calls.length; i++) {
      const previous = (calls[i - 1]?.at ?? 0) - START
      const gap = (calls[i]?.at ?? 0) - START - previous
      expect(gap).toBe(
        Math.max(
          300,
          nextPollDelayMs(previous, () => 0.5)
        )
      )
    }
  })

  it('spaces a long wait by nextPollDelayMs of the time waited, never under 500 ms', async () => {
    const clock = new InstantClock(START, [0.5])
    script(clock, { 'job-1': [...Array<Step>(60).fill('InProgress'), 'Succeeded'] })
    await waitForSigningJob(signer, 'job-1', {
      timeoutMs: 600_000,
      label: 'f',
      request: REQUEST,
      clock
    })
    expect(calls).toHaveLength(61)
    let elapsed = 0
    for (const delay of clock.sleeps) {
      expect(delay).toBe(nextPollDelayMs(elapsed, () => 0.5))
      expect(delay).toBeGreaterThanOrEqual(500)
      elapsed += delay
    }
    expect(clock.time - START).toBe(elapsed)
    expect(Math.max(...clock.sleeps)).toBeGreaterThan(500)
  })

  it('fails on a Failed job, naming the job and the reason', async () => {
    const clock = new InstantClock(START)
    script(clock, { 'job-7': ['InProgress', 'Failed'] }, { reason: 'Signing certificate expired' })
    const error = await failure(
      waitForSigningJob(signer, 'job-7', {
        timeoutMs: 60_000,
        label: 'build/a.zip',
        request: REQUEST,
        clock
      })
    )
    expect(error.message).toBe(
      'Signing job job-7 for build/a.zip failed: Signing certificate expired'
    )
    expect(calls).toHaveLength(2)
  })

  it('says the service gave no reason when a Failed job has none', async () => {
    const clock = new InstantClock(START)
    script(clock, { 'job-7': ['Failed'] })
    const error = await failure(
      waitForSigningJob(signer, 'job-7', { timeoutMs: 60_000, label: 'f', request: REQUEST, clock })
    )
    expect(error.message).toContain('job-7')
    expect(error.message).toContain('the service gave no reason')
  })

  it.each([
    ['AccessDeniedException', 403],
    ['ResourceNotFoundException', 404],
    ['ValidationException', 400]
  ])('stops after exactly one call on %s', async (name, status) => {
    const clock = new InstantClock(START)
    script(clock, { 'job-1': [sdkError(name, status), 'Succeeded'] })
    const error = await failure(
      waitForSigningJob(signer, 'job-1', {
        timeoutMs: 60_000,
        label: 'build/a.zip',
        request: REQUEST,
        clock
      })
    )
    expect(error.message).toBe(
      `Could not read signing job job-1 for build/a.zip: ${name}: ${name} message`
    )
    expect(calls).toHaveLength(1)
    expect(clock.sleeps).toEqual([])
  })

  it('after TooManyRequestsException, looks again at half the pace it was sending', async () => {
    const clock = new InstantClock(START)
    script(clock, { 'job-1': [sdkError('TooManyRequestsException', 429), 'Succeeded'] })
    const job = await waitForSigningJob(signer, 'job-1', {
      timeoutMs: 60_000,
      label: 'f',
      request: REQUEST,
      clock
    })
    expect(job.status).toBe('Succeeded')
    // One look in the last second: the pace drops to one every two seconds, and grows by half a
    // look a second every second: a full interval later, at 1 s, it is one a second.
    expect(calls.map(call => call.at - START)).toEqual([0, 1000])
  })

  it('halves the pace with each throttle in a row, and still looks once a second', async () => {
    const clock = new InstantClock(START)
    const throttle = sdkError('ThrottlingException', 400)
    script(clock, { 'job-1': [throttle, throttle, throttle, 'Succeeded'] })
    await waitForSigningJob(signer, 'job-1', {
      timeoutMs: 60_000,
      label: 'f',
      request: REQUEST,
      clock
    })
    // Each throttle halves the pace to 0.5 looks a second, which grows back to one a second by
    // the next look: the poller keeps looking, as legs sharing a quota must for it to stay busy.
    expect(calls.map(call => call.at - START)).toEqual([0, 1000, 2000, 3000])
  })

  it("holds back another job's look through the shared rate", async () => {
    const clock = new VirtualClock(START)
    const rate = new RequestRate(clock)
    const throttled = sdkError('TooManyRequestsException', 429)
    script(clock, {
      'job-a': [throttled, throttled, 'Succeeded'],
      'job-b': ['InProgress', 'Succeeded']
    })
    const options = { timeoutMs: 60_000, label: 'f', request: REQUEST, clock, rate }
    const results = await clock.run([
      waitForSigningJob(signer, 'job-a', options),
      waitForSigningJob(signer, 'job-b', options)
    ])
    expect(results.map(result => result.status)).toEqual(['fulfilled', 'fulfilled'])
    const times = (jobId: string) => calls.filter(c => c.jobId === jobId).map(c => c.at - START)
    // Two looks at 0, one throttled: 1 look/s, growing by 0.5/s every second. Each turn comes a
    // full interval after the last at the rate reached by then: job-a at 732 ms (throttled
    // again, within a second of the cut: no second cut) and 1332 ms; job-b's second look, due
    // at 1500 on its own schedule, waits for its turn at 1852.
    expect(times('job-a').map(Math.round)).toEqual([0, 732, 1332])
    expect(times('job-b').map(Math.round)).toEqual([0, 1852])
  })

  it('without a shared rate, the other job polls on its own schedule', async () => {
    const clock = new VirtualClock(START)
    const throttled = sdkError('TooManyRequestsException', 429)
    script(clock, {
      'job-a': [throttled, throttled, 'Succeeded'],
      'job-b': ['InProgress', 'Succeeded']
    })
    await clock.run([
      waitForSigningJob(signer, 'job-a', {
        timeoutMs: 60_000,
        label: 'a',
        request: REQUEST,
        clock
      }),
      waitForSigningJob(signer, 'job-b', { timeoutMs: 60_000, label: 'b', request: REQUEST, clock })
    ])
    expect(calls.filter(c => c.jobId === 'job-b').map(c => c.at - START)).toEqual([
      0,
      nextPollDelayMs(0, clock.random)
    ])
  })

  it('after a 500 InternalServiceErrorException, looks again at half the pace, as after throttling', async () => {
    const clock = new InstantClock(START, [0.5])
    const serverError = sdkError('InternalServiceErrorException', 500)
    script(clock, { 'job-1': [serverError, serverError, 'InProgress', serverError, 'Succeeded'] })
    const job = await waitForSigningJob(signer, 'job-1', {
      timeoutMs: 60_000,
      label: 'f',
      request: REQUEST,
      clock
    })
    expect(job.status).toBe('Succeeded')
    // Each 500 halves the pace, which grows by 0.5/s every second, and each look comes a full
    // interval after the last at the pace reached by then: 0.5/s after the first 500 (1/s by
    // 1000), again after the second (the answered look at 2000). The look due at 2500 waits for
    // its turn at 2732 (1.37/s); its 500 halves that to 0.68/s: the next look at 3620.
    expect(calls.map(call => Math.round(call.at - START))).toEqual([0, 1000, 2000, 2732, 3620])
  })

  it('after 5xx answers, every job of the step backs off together through the shared rate', async () => {
    const clock = new VirtualClock(START)
    const rate = new RequestRate(clock)
    const serverError = sdkError('ServiceUnavailableException', 503)
    script(clock, {
      'job-a': [serverError, serverError, serverError, 'Succeeded'],
      'job-b': ['InProgress', 'InProgress', 'Succeeded'],
      'job-c': ['InProgress', 'InProgress', 'Succeeded']
    })
    const options = { timeoutMs: 60_000, label: 'f', request: REQUEST, clock, rate }
    const results = await clock.run(
      ['job-a', 'job-b', 'job-c'].map(jobId =>
        waitForSigningJob(signer, jobId, options).then(job => job.status)
      )
    )
    expect(results).toEqual(
      ['job-a', 'job-b', 'job-c'].map(() => ({ status: 'fulfilled', value: 'Succeeded' }))
    )
    const times = (jobId: string) =>
      calls.filter(c => c.jobId === jobId).map(c => Math.round(c.at - START))
    // Three looks at 0, one answered 503: 3 looks/s halve to 1.5/s for the whole step, growing by
    // 0.5/s every second; each turn comes a full interval after the last at the pace reached by
    // then. job-a's 503 at 562 comes within a second of that cut and leaves the pace; the one at
    // 1055 halves it again (2.03/s to 1.01/s), so job-a's next turn is 1781.
    expect(times('job-a')).toEqual([0, 562, 1055, 1781])
    // job-b and job-c, due at 1500 on their own schedule, queue behind it, and the pace keeps
    // growing: job-b at 2378 (1.38/s), job-c at 2895 (1.68/s), job-b's third look, due at 2878,
    // at 3357 (1.93/s), and so on.
    expect(times('job-b')).toEqual([0, 2378, 3357])
    expect(times('job-c')).toEqual([0, 2895, 3778])
  })

  it('retries a poll the client aborted at its per-request timeout (AbortError)', async () => {
    // What the SDK throws when the abortSignal of DescribeSigningJob fires on a hung request.
    const aborted = Object.assign(new Error('Request aborted'), { name: 'AbortError' })
    const clock = new InstantClock(START, [0.5])
    script(clock, { 'job-1': [aborted, 'Succeeded'] })
    const job = await waitForSigningJob(signer, 'job-1', {
      timeoutMs: 60_000,
      label: 'f',
      request: REQUEST,
      clock
    })
    expect(job.status).toBe('Succeeded')
    expect(calls).toHaveLength(2)
  })

  it('times out naming the job and timeout-seconds, within 1 s of the timeout', async () => {
    const clock = new InstantClock(START, [0.5])
    script(clock, { 'job-9': ['InProgress'] })
    const error = await failure(
      waitForSigningJob(signer, 'job-9', {
        timeoutMs: 30_000,
        label: 'build/a.zip',
        request: REQUEST,
        clock
      })
    )
    expect(error.message).toContain('Signing job job-9 for build/a.zip did not finish within 30 s')
    expect(error.message).toContain('timeout-seconds')
    expect(error.message).toContain('last status: InProgress')
    expect(error.message).toContain('aws signer describe-signing-job --job-id job-9')
    const waited = clock.time - START
    expect(Math.abs(waited - 30_000)).toBeLessThanOrEqual(1000)
    // The last look is at the deadline, not one interval before it.
    expect((calls.at(-1)?.at ?? 0) - START).toBe(30_000)
    expect(calls.length).toBeLessThan(40)
  })

  it('returns a job that succeeds at the very last look', async () => {
    const clock = new InstantClock(START, [0.5])
    signerMock.on(DescribeSigningJobCommand).callsFake(() => {
      calls.push({ jobId: 'job-1', at: clock.now() })
      return {
        ...answerAbout('job-1'),
        status: clock.now() - START >= 10_000 ? 'Succeeded' : 'InProgress'
      }
    })
    const job = await waitForSigningJob(signer, 'job-1', {
      timeoutMs: 10_000,
      label: 'f',
      request: REQUEST,
      clock
    })
    expect(job.status).toBe('Succeeded')
    expect(clock.time - START).toBe(10_000)
  })

  it.each([
    ['throttled', sdkError('TooManyRequestsException', 429, 'Rate exceeded')],
    ['failing with 503', sdkError('ServiceUnavailableException', 503, 'Service unavailable')]
  ])('times out on time while %s on every call, naming the error', async (_, error) => {
    const clock = new InstantClock(START, [0.5])
    script(clock, { 'job-1': [error] })
    const timeout = await failure(
      waitForSigningJob(signer, 'job-1', { timeoutMs: 20_000, label: 'f', request: REQUEST, clock })
    )
    expect(timeout.message).toBe(
      `Signing job job-1 for f: its status is unknown after 20 s (timeout-seconds): the last ${calls.length} looks failed, the last with ${error.name}: ${error.message}; last status: not yet seen. It may have finished: aws signer describe-signing-job --job-id job-1`
    )
    expect(Math.abs(clock.time - START - 20_000)).toBeLessThanOrEqual(1000)
    expect(calls.length).toBeGreaterThan(1)
  })

  it('names the operation and endpoint that stopped answering, and the last status seen, instead of "did not finish"', async () => {
    // What the client's explainFailedRequests makes of a look that got no answer.
    const noAnswer = Object.assign(
      new Error('DescribeSigningJob got no answer from 127.0.0.1:9 in 2 s'),
      { name: 'TimeoutError' }
    )
    const clock = new InstantClock(START, [0.5])
    script(clock, { 'job-1': ['InProgress', noAnswer] })
    const timeout = await failure(
      waitForSigningJob(signer, 'job-1', { timeoutMs: 5000, label: 'f', request: REQUEST, clock })
    )
    expect(timeout.message).toMatch(
      /^Signing job job-1 for f: its status is unknown after 5 s \(timeout-seconds\): the last \d looks failed, the last with TimeoutError: DescribeSigningJob got no answer from 127\.0\.0\.1:9 in 2 s; last status: InProgress\. It may have finished: aws signer describe-signing-job --job-id job-1$/
    )
    expect(timeout.message).not.toContain('did not finish')
  })

  it('says "did not finish" when the last look was answered, even after failed ones', async () => {
    const clock = new InstantClock(START, [0.5])
    script(clock, { 'job-1': [sdkError('InternalServiceErrorException', 500), 'InProgress'] })
    const timeout = await failure(
      waitForSigningJob(signer, 'job-1', { timeoutMs: 5000, label: 'f', request: REQUEST, clock })
    )
    expect(timeout.message).toBe(
      'Signing job job-1 for f did not finish within 5 s (timeout-seconds); last status: InProgress. It may still finish: aws signer describe-signing-job --job-id job-1'
    )
  })

  it('asks about the given job id', async () => {
    const clock = new InstantClock(START)
    script(clock, { 'abc-123': ['Succeeded'] })
    await waitForSigningJob(signer, 'abc-123', {
      timeoutMs: 1000,
      label: 'f',
      request: REQUEST,
      clock
    })
    const sent = signerMock.commandCalls(DescribeSigningJobCommand)
    expect(sent).toHaveLength(1)
    expect(sent[0]?.args[0].input).toEqual({ jobId: 'abc-123' })
  })

  describe('trusts only answers about the job it started', () => {
    const untrusted = (promise: Promise<unknown>) => rejectionOf(promise, UntrustedAnswerError)
    const wait = (clock: Clock) =>
      waitForSigningJob(signer, 'job-1', {
        timeoutMs: 60_000,
        label: 'dist/a.zip',
        request: REQUEST,
        clock
      })
    const answering = (clock: Clock, answers: Partial<DescribeSigningJobCommandOutput>[]) => {
      signerMock.on(DescribeSigningJobCommand).callsFake(() => {
        calls.push({ jobId: 'job-1', at: clock.now() })
        return answers[Math.min(calls.length, answers.length) - 1]
      })
    }
    const about = (changes: Partial<DescribeSigningJobCommandOutput>) => ({
      ...answerAbout('job-1'),
      status: 'Succeeded' as const,
      ...changes
    })
    const source = (changes: Partial<S3Source>) => ({
      s3: { ...REQUEST_SOURCE, ...changes }
    })

    it.each([
      ["another job's ID", { jobId: 'job-2' }, "jobId 'job-2', not 'job-1'"],
      ['no job ID', { jobId: undefined }, "no jobId (expected 'job-1')"],
      [
        'another source bucket',
        { source: source({ bucketName: 'elsewhere' }) },
        "source bucket 'elsewhere', not 'release-unsigned'"
      ],
      [
        'another source key',
        { source: source({ key: 'unsigned/o/r/1-1/sign/abc/dist/b.zip' }) },
        "source key 'unsigned/o/r/1-1/sign/abc/dist/b.zip', not 'unsigned/o/r/1-1/sign/abc/dist/a.zip'"
      ],
      [
        'another source version',
        { source: source({ version: 'v-2' }) },
        "source version 'v-2', not 'v-1'"
      ],
      ['no source', { source: undefined }, 'no S3 source'],
      [
        'another profile',
        { profileName: 'other_profile' },
        "profileName 'other_profile', not 'release_profile'"
      ]
    ])('refuses an answer with %s at once, naming it', async (_, changes, named) => {
      const clock = new InstantClock(START)
      answering(clock, [about(changes)])
      const error = await untrusted(wait(clock))
      expect(error.message).toBe(
        `DescribeSigningJob for signing job job-1 (dist/a.zip) answered about another job or object: ${named}. The answer is not trusted and nothing was downloaded for this file: check what answers for Signer between the runner and AWS (AWS_ENDPOINT_URL_SIGNER, a proxy).`
      )
      expect(calls).toHaveLength(1)
    })

    it('checks every answer, not only the last: an InProgress one about another job fails too', async () => {
      const clock = new InstantClock(START)
      answering(clock, [
        about({ status: 'InProgress' }),
        about({ status: 'InProgress', jobId: 'job-2' }),
        about({})
      ])
      const error = await untrusted(wait(clock))
      expect(error.message).toContain("jobId 'job-2', not 'job-1'")
      expect(calls).toHaveLength(2)
    })

    it('lists every difference of one answer', async () => {
      const clock = new InstantClock(START)
      answering(clock, [about({ jobId: 'job-2', source: source({ key: 'k', version: 'v-9' }) })])
      const error = await untrusted(wait(clock))
      expect(error.message).toContain(
        "jobId 'job-2', not 'job-1'; source key 'k', not 'unsigned/o/r/1-1/sign/abc/dist/a.zip'; source version 'v-9', not 'v-1'"
      )
    })

    it('takes a Failed answer about another job as untrusted, not as this job failing', async () => {
      const clock = new InstantClock(START)
      answering(clock, [about({ status: 'Failed', statusReason: 'bad zip', jobId: 'job-2' })])
      const error = await untrusted(wait(clock))
      expect(error).not.toBeInstanceOf(JobFailedError)
    })

    it('accepts the profile name spelled in another case, and an answer without one', async () => {
      for (const profileName of ['Release_Profile', undefined]) {
        const clock = new InstantClock(START)
        calls = []
        answering(clock, [about({ profileName })])
        await expect(wait(clock)).resolves.toMatchObject({ status: 'Succeeded' })
      }
    })
  })
})
