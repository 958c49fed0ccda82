import { randomUUID } from 'node:crypto'
import { describe, expect, it } from '@jest/globals'
import {
  DescribeSigningJobCommand,
  GetSigningPlatformCommand,
  GetSigningProfileCommand,
  type SignerClientConfig
} from '@aws-sdk/client-signer'
import { MOTO_ACCOUNT } from './moto.js'
import { TokenBucket } from './signer-faults.js'
import {
  DESTINATION,
  PROFILE,
  clientOf,
  describeJob,
  putSource,
  rejectionOf,
  service,
  signFile,
  signer,
  startJob,
  until,
  useLocalSigner,
  waitForJob
} from './signer-fixture.js'

// The knobs that make the local Signer misbehave, as the action's tests use them.
useLocalSigner()

/**
 * A retry strategy that never retries and records how the SDK classified each error
 * (THROTTLING, TRANSIENT, SERVER_ERROR or CLIENT_ERROR), from its name, status and $retryable.
 */
function classifyingRetries(classified: string[]): SignerClientConfig['retryStrategy'] {
  const token = { getRetryCount: () => 0, getRetryDelay: () => 0 }
  return {
    acquireInitialRetryToken: async () => token,
    refreshRetryTokenForRetry: async (_token, errorInfo) => {
      classified.push(errorInfo.errorType)
      throw errorInfo.error
    },
    recordSuccess: () => {}
  }
}

describe('fault knobs', () => {
  it('throttles DescribeSigningJob with TooManyRequestsException', async () => {
    const jobId = await startJob(
      'throttled.zip',
      await putSource('throttled.zip', Buffer.from('t'))
    )
    service.faults.describeThrottleRate = 1
    await expect(describeJob(jobId)).rejects.toMatchObject({
      name: 'TooManyRequestsException',
      $metadata: { httpStatusCode: 429 }
    })
    expect(service.requests.at(-1)).toMatchObject({ status: 429, jobId })
  })

  it('throttles a repeatable share of calls for a given seed', async () => {
    const statuses = async (): Promise<number[]> => {
      for (let call = 0; call < 30; call += 1)
        await describeJob('no-such-job').catch(() => undefined)
      return service.requests.map(request => request.status)
    }
    service.faults.describeThrottleRate = 0.5
    const first = await statuses()
    service.reset()
    service.faults.describeThrottleRate = 0.5
    expect(await statuses()).toEqual(first)
    expect(first).toContain(429)
    expect(first).toContain(404)
  })

  it('fails StartSigningJob before creating the job', async () => {
    service.faults.startErrors.push('before')
    const version = await putSource('before.zip', Buffer.from('b'))
    await expect(startJob('before.zip', version)).rejects.toMatchObject({
      name: 'InternalServiceErrorException',
      $metadata: { httpStatusCode: 500 }
    })
    expect(service.jobs).toHaveLength(0)
    expect(service.faults.startErrors).toHaveLength(0)
  })

  it('fails StartSigningJob after creating the job, and a retry finds it', async () => {
    service.faults.startErrors.push('after')
    const version = await putSource('after.zip', Buffer.from('a'))
    const token = randomUUID()
    await expect(
      startJob('after.zip', version, { clientRequestToken: token })
    ).rejects.toMatchObject({ name: 'InternalServiceErrorException' })
    expect(service.jobs).toHaveLength(1)
    const jobId = await startJob('after.zip', version, { clientRequestToken: token })
    expect(jobId).toBe(service.jobs[0]?.jobId)
    expect(service.jobs).toHaveLength(1)
    expect((await waitForJob(jobId)).status).toBe('Succeeded')
  })

  it('rewrites StartSigningJob answers with startAnswer, after creating the job', async () => {
    service.faults.startAnswer = answer => ({ ...answer, jobId: 'not the job' })
    const jobId = await startJob(
      'rewritten.zip',
      await putSource('rewritten.zip', Buffer.from('r'))
    )
    expect(jobId).toBe('not the job')
    expect(service.jobs).toHaveLength(1)
    expect(service.jobs[0]?.jobId).not.toBe(jobId)
  })

  it('denies the operations named with AccessDeniedException', async () => {
    service.faults.deny.add('GetSigningProfile')
    await expect(
      signer.send(new GetSigningProfileCommand({ profileName: PROFILE }))
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('signer:GetSigningProfile'),
      $metadata: { httpStatusCode: 403 }
    })
    const platform = await signer.send(
      new GetSigningPlatformCommand({ platformId: 'AWSLambda-SHA384-ECDSA' })
    )
    expect(platform.platformId).toBe('AWSLambda-SHA384-ECDSA')
  })

  it('refuses the signature of the operations named, as AWS does for a wrong key or Region', async () => {
    service.faults.refuseSignature.add('GetSigningProfile')
    await expect(
      signer.send(new GetSigningProfileCommand({ profileName: PROFILE }))
    ).rejects.toMatchObject({
      name: 'InvalidSignatureException',
      message: expect.stringContaining('The request signature we calculated does not match'),
      $metadata: { httpStatusCode: 403 }
    })
  })

  it('leaves signatureExpiresAt out of a signed job with omitSignatureExpiry', async () => {
    service.faults.omitSignatureExpiry = true
    const job = await signFile('no-expiry.zip', Buffer.from('e'))
    expect(job.status).toBe('Succeeded')
    expect(job.signatureExpiresAt).toBeUndefined()
  })

  it('fails only the next job with failNextJob', async () => {
    service.faults.failNextJob = 'Signing failed: injected'
    const failed = await signFile('fail-next.zip', Buffer.from('f'))
    expect(failed).toMatchObject({ status: 'Failed', statusReason: 'Signing failed: injected' })
    expect(service.faults.failNextJob).toBeNull()
    expect((await signFile('after-fail.zip', Buffer.from('g'))).status).toBe('Succeeded')
  })

  it('leaves jobs InProgress forever with neverComplete', async () => {
    service.faults.neverComplete = true
    const jobId = await startJob('stuck.zip', await putSource('stuck.zip', Buffer.from('s')))
    await new Promise(resolve => setTimeout(resolve, 300))
    expect((await describeJob(jobId)).status).toBe('InProgress')
    expect(service.jobs[0]?.completedAtMs).toBeUndefined()
  })
})

describe('clientRequestToken reuse', () => {
  const elsewhere = { destination: { s3: { bucketName: DESTINATION, prefix: 'elsewhere/' } } }

  it('answers a reused token with the first job whatever was asked, by default', async () => {
    expect(service.faults.tokenReuse).toBe('first-response')
    const version = await putSource('reuse.zip', Buffer.from('reuse'))
    const otherVersion = await putSource('reuse-other.zip', Buffer.from('other'))
    const token = randomUUID()
    const first = await startJob('reuse.zip', version, { clientRequestToken: token })
    const again = await startJob('reuse-other.zip', otherVersion, {
      clientRequestToken: token,
      ...elsewhere
    })
    expect(again).toBe(first)
    expect(service.jobs).toHaveLength(1)
    expect(service.jobs[0]?.source.key).toBe('reuse.zip')
  })

  it('refuses a reused token with different parameters under reject-different', async () => {
    service.faults.tokenReuse = 'reject-different'
    const version = await putSource('strict.zip', Buffer.from('strict'))
    const token = randomUUID()
    const first = await startJob('strict.zip', version, { clientRequestToken: token })

    expect(await startJob('strict.zip', version, { clientRequestToken: token })).toBe(first)
    await expect(
      startJob('strict.zip', version, { clientRequestToken: token, ...elsewhere })
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: `clientRequestToken ${token} was already used with different parameters (destination.s3.prefix differ)`,
      $metadata: { httpStatusCode: 400 }
    })
    await expect(
      startJob('strict.zip', 'another-version', {
        clientRequestToken: token,
        profileOwner: MOTO_ACCOUNT
      })
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('(source.s3.version, profileOwner differ)')
    })
    expect(service.jobs).toHaveLength(1)
    expect(service.requests.map(request => request.status)).toEqual([200, 200, 400, 400])
  })
})

describe('quotas', () => {
  it('answers StartSigningJob 429 TooManyRequestsException, which the SDK takes for throttling', async () => {
    const version = await putSource('quota.zip', Buffer.from('q'))
    service.faults.quotas.StartSigningJob = { perSecond: 0, burst: 1 }
    await startJob('quota.zip', version)
    const classified: string[] = []
    const client = clientOf(service, { retryStrategy: classifyingRetries(classified) })

    const error = await rejectionOf(startJob('quota.zip', version, {}, client))
    client.destroy()

    expect(error).toMatchObject({
      name: 'TooManyRequestsException',
      message: 'Rate exceeded',
      $fault: 'client',
      $metadata: { httpStatusCode: 429 }
    })
    expect(classified).toEqual(['THROTTLING'])
    expect(service.jobs).toHaveLength(1)
    expect(service.requests.map(request => [request.operation, request.status])).toEqual([
      ['StartSigningJob', 200],
      ['StartSigningJob', 429]
    ])
  })

  it('shares one bucket per operation among all callers, and starts a new one when replaced', async () => {
    const platform = new GetSigningPlatformCommand({ platformId: 'AWSLambda-SHA384-ECDSA' })
    service.faults.quotas.GetSigningPlatform = { perSecond: 0, burst: 2 }
    const other = clientOf(service, { maxAttempts: 1 })
    await signer.send(platform)
    await other.send(platform)

    await expect(signer.send(platform)).rejects.toMatchObject({
      name: 'TooManyRequestsException',
      $metadata: { httpStatusCode: 429 }
    })
    await expect(other.send(platform)).rejects.toMatchObject({ $metadata: { httpStatusCode: 429 } })
    await signer.send(new GetSigningProfileCommand({ profileName: PROFILE }))
    service.faults.quotas.GetSigningPlatform = { perSecond: 0, burst: 1 }
    await other.send(platform)
    other.destroy()

    expect(service.requests.map(request => request.status)).toEqual([200, 200, 429, 429, 200, 200])
  })

  it('can answer with the deprecated ThrottlingException, also taken for throttling', async () => {
    service.faults.quotas.DescribeSigningJob = {
      perSecond: 0,
      burst: 0,
      error: 'ThrottlingException'
    }
    const classified: string[] = []
    const client = clientOf(service, { retryStrategy: classifyingRetries(classified) })

    const error = await rejectionOf(client.send(new DescribeSigningJobCommand({ jobId: 'any' })))
    client.destroy()

    expect(error).toMatchObject({
      name: 'ThrottlingException',
      message: 'Rate exceeded',
      $metadata: { httpStatusCode: 429 }
    })
    expect(classified).toEqual(['THROTTLING'])
    expect(service.requests).toEqual([
      { operation: 'DescribeSigningJob', atMs: expect.any(Number), status: 429, jobId: 'any' }
    ])
  })

  it('refills perSecond tokens a second, up to burst', () => {
    const bucket = new TokenBucket({ perSecond: 2, burst: 3 }, 0)
    expect([1, 2, 3, 4].map(() => bucket.take(0))).toEqual([true, true, true, false])
    expect(bucket.take(250)).toBe(false)
    expect(bucket.take(500)).toBe(true)
    expect([1, 2, 3, 4].map(() => bucket.take(60_000))).toEqual([true, true, true, false])

    const defaults = new TokenBucket({ perSecond: 0 }, 0)
    expect([defaults.take(0), defaults.take(1e9)]).toEqual([true, false])
    const fast = new TokenBucket({ perSecond: 5 }, 0)
    expect([1, 2, 3, 4, 5, 6].map(() => fast.take(0))).toEqual([...Array(5).fill(true), false])
  })
})

describe('hang', () => {
  const platform = new GetSigningPlatformCommand({ platformId: 'AWSLambda-SHA384-ECDSA' })

  it('holds a request unanswered until the client times out, and logs it with status 0', async () => {
    service.faults.hang.add('GetSigningProfile')
    const client = clientOf(service, { maxAttempts: 1, requestHandler: { socketTimeout: 1000 } })

    const error = await rejectionOf(
      client.send(new GetSigningProfileCommand({ profileName: PROFILE }))
    )
    client.destroy()

    expect(error.name).toBe('TimeoutError')
    expect(service.requests).toEqual([
      { operation: 'GetSigningProfile', atMs: expect.any(Number), status: 0 }
    ])
  })

  it('answers other operations while one hangs, until the caller aborts', async () => {
    service.faults.hang.add('DescribeSigningJob')
    const abort = new AbortController()
    const pending = rejectionOf(
      signer.send(new DescribeSigningJobCommand({ jobId: 'held' }), { abortSignal: abort.signal })
    )
    await until(() => service.requests.length === 1)

    await signer.send(platform)
    abort.abort()

    expect((await pending).name).toBe('AbortError')
    expect(service.requests.map(request => [request.operation, request.status])).toEqual([
      ['DescribeSigningJob', 0],
      ['GetSigningPlatform', 200]
    ])
    expect(service.requests[0]?.jobId).toBe('held')
  })

  it('drops hung requests on reset(), which restores every knob to its default', async () => {
    service.faults.hang.add('GetSigningPlatform')
    service.faults.tokenReuse = 'reject-different'
    service.faults.quotas.StartSigningJob = { perSecond: 0, burst: 0 }
    const pending = rejectionOf(signer.send(platform))
    await until(() => service.requests.length === 1)

    service.reset()

    expect(await pending).toBeInstanceOf(Error)
    expect(service.faults).toEqual({
      describeThrottleRate: 0,
      startErrors: [],
      neverComplete: false,
      failNextJob: null,
      deny: new Set(),
      refuseSignature: new Set(),
      omitSignatureExpiry: false,
      tokenReuse: 'first-response',
      quotas: {},
      hang: new Set(),
      internalErrors: {},
      revokeAgain: 'reject',
      envelope: null,
      payloadMetadata: null,
      describeAnswer: null,
      startAnswer: null
    })
    expect((await signer.send(platform)).platformId).toBe('AWSLambda-SHA384-ECDSA')
  })
})
