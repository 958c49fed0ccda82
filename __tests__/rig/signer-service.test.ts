import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import {
  CreateBucketCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client
} from '@aws-sdk/client-s3'
import {
  CancelSigningProfileCommand,
  DescribeSigningJobCommand,
  type DescribeSigningJobCommandOutput,
  GetSigningPlatformCommand,
  GetSigningProfileCommand,
  PutSigningProfileCommand,
  SignerClient,
  type SignerClientConfig,
  StartSigningJobCommand,
  type StartSigningJobCommandInput
} from '@aws-sdk/client-signer'
import { MOTO_ACCOUNT, motoClient, startMoto, type MotoServer } from './moto.js'
import { readObject } from './rig.js'
import { TokenBucket } from './signer-faults.js'
import {
  readSignature,
  signedBytesOf,
  startSignerService,
  SIGNATURE_MARKER,
  type SignerService
} from './signer-service.js'

const region = 'us-east-1'
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }
const SOURCE = 'sources'
const UNVERSIONED = 'unversioned'
const DESTINATION = 'signed'
const PROFILE = 'ci_profile'

let moto: MotoServer
let s3: S3Client
let service: SignerService
let signer: SignerClient

beforeAll(async () => {
  moto = await startMoto()
  s3 = motoClient(moto.endpoint)
  for (const bucket of [SOURCE, UNVERSIONED, DESTINATION]) {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }))
  }
  await s3.send(
    new PutBucketVersioningCommand({
      Bucket: SOURCE,
      VersioningConfiguration: { Status: 'Enabled' }
    })
  )
  service = await startSignerService({ s3Endpoint: moto.endpoint })
  service.addProfile({ name: PROFILE })
  // One attempt, so every error the service answers reaches the test as it was sent.
  signer = new SignerClient({ endpoint: service.endpoint, region, credentials, maxAttempts: 1 })
})

afterEach(() => {
  service.reset()
  service.jobDurationMs = 0
})

afterAll(async () => {
  signer?.destroy()
  await service?.stop()
  s3?.destroy()
  await moto?.stop()
})

async function putSource(key: string, body: Buffer, bucket = SOURCE): Promise<string> {
  const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))
  return put.VersionId ?? 'null'
}

function startJob(
  key: string,
  version: string,
  overrides: Partial<StartSigningJobCommandInput> = {},
  client = signer
): Promise<string> {
  return client
    .send(
      new StartSigningJobCommand({
        source: { s3: { bucketName: SOURCE, key, version } },
        destination: { s3: { bucketName: DESTINATION, prefix: 'signed/' } },
        profileName: PROFILE,
        clientRequestToken: randomUUID(),
        ...overrides
      })
    )
    .then(started => started.jobId ?? '')
}

function describeJob(jobId: string): Promise<DescribeSigningJobCommandOutput> {
  return signer.send(new DescribeSigningJobCommand({ jobId }))
}

async function waitForJob(jobId: string): Promise<DescribeSigningJobCommandOutput> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const job = await describeJob(jobId)
    if (job.status !== 'InProgress') return job
    if (Date.now() > deadline) throw new Error(`job ${jobId} still InProgress`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

async function signFile(key: string, bytes: Buffer): Promise<DescribeSigningJobCommandOutput> {
  const jobId = await startJob(key, await putSource(key, bytes))
  return waitForJob(jobId)
}

function clientOf(service: SignerService, config: SignerClientConfig = {}): SignerClient {
  return new SignerClient({ endpoint: service.endpoint, region, credentials, ...config })
}

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

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: Error) => error
  )
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

function monthIndex(date: Date): number {
  return date.getUTCFullYear() * 12 + date.getUTCMonth()
}

describe('signed bytes', () => {
  it('appends a block that readSignature finds, and nothing else does', () => {
    const payload = Buffer.from('payload')
    const signed = signedBytesOf(payload, 'job-1', 'ABCDEFGHIJ')
    expect(signed.subarray(0, payload.length).equals(payload)).toBe(true)
    expect(readSignature(signed)).toEqual({
      jobId: 'job-1',
      profileVersion: 'ABCDEFGHIJ',
      sha256: createHash('sha256').update(payload).digest('hex'),
      payloadLength: payload.length
    })
    expect(readSignature(payload)).toBeNull()
    expect(readSignature(Buffer.concat([signed, Buffer.from('trailing')]))).toBeNull()
  })

  it('needs the profile version of a job this process did not create', () => {
    expect(() => signedBytesOf(Buffer.from('x'), 'unknown-job')).toThrow('unknown-job')
  })
})

describe('signing profiles and platforms', () => {
  it('round-trips a profile through PutSigningProfile and GetSigningProfile', async () => {
    const put = await signer.send(
      new PutSigningProfileCommand({
        profileName: 'round_trip',
        platformId: 'AWSLambda-SHA384-ECDSA'
      })
    )
    expect(put.profileVersion).toMatch(/^[a-zA-Z0-9]{10}$/)
    const arn = `arn:aws:signer:us-east-1:${MOTO_ACCOUNT}:/signing-profiles/round_trip`
    expect(put.arn).toBe(arn)
    expect(put.profileVersionArn).toBe(`${arn}/${put.profileVersion}`)

    const got = await signer.send(new GetSigningProfileCommand({ profileName: 'round_trip' }))
    expect(got).toMatchObject({
      profileName: 'round_trip',
      profileVersion: put.profileVersion,
      profileVersionArn: put.profileVersionArn,
      platformId: 'AWSLambda-SHA384-ECDSA',
      platformDisplayName: 'AWS Lambda',
      signatureValidityPeriod: { value: 135, type: 'MONTHS' },
      status: 'Active'
    })
  })

  it('answers ResourceNotFoundException naming a missing profile', async () => {
    await expect(
      signer.send(new GetSigningProfileCommand({ profileName: 'no_such_profile' }))
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: expect.stringContaining('no_such_profile'),
      $metadata: { httpStatusCode: 404 }
    })
  })

  it('looks a profile up under the profileOwner given', async () => {
    service.addProfile({
      name: 'shared',
      owner: '210987654321',
      validity: { value: 2, type: 'YEARS' }
    })
    const got = await signer.send(
      new GetSigningProfileCommand({ profileName: 'shared', profileOwner: '210987654321' })
    )
    expect(got.signatureValidityPeriod).toEqual({ value: 2, type: 'YEARS' })
    await expect(
      signer.send(new GetSigningProfileCommand({ profileName: 'shared' }))
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' })
  })

  it('rejects names that break the model patterns with ValidationException', async () => {
    await expect(
      signer.send(new GetSigningProfileCommand({ profileName: 'bad-name' }))
    ).rejects.toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } })
    await expect(
      signer.send(new GetSigningProfileCommand({ profileName: PROFILE, profileOwner: '12345' }))
    ).rejects.toMatchObject({ name: 'ValidationException' })
  })

  it('describes built-in platforms and answers ResourceNotFoundException for others', async () => {
    const lambda = await signer.send(
      new GetSigningPlatformCommand({ platformId: 'AWSLambda-SHA384-ECDSA' })
    )
    expect(lambda).toMatchObject({ displayName: 'AWS Lambda', maxSizeInMB: 250 })
    const small = await signer.send(
      new GetSigningPlatformCommand({ platformId: 'AmazonFreeRTOS-TI-CC3220SF' })
    )
    expect(small.maxSizeInMB).toBe(16)
    await expect(
      signer.send(new GetSigningPlatformCommand({ platformId: 'NoSuchPlatform' }))
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' })
  })

  it('refuses to start jobs with a canceled profile', async () => {
    service.addProfile({ name: 'to_cancel' })
    await signer.send(new CancelSigningProfileCommand({ profileName: 'to_cancel' }))
    const got = await signer.send(new GetSigningProfileCommand({ profileName: 'to_cancel' }))
    expect(got.status).toBe('Canceled')
    const version = await putSource('canceled.zip', Buffer.from('payload'))
    await expect(
      startJob('canceled.zip', version, { profileName: 'to_cancel' })
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('not active')
    })
  })
})

describe('signing jobs', () => {
  it('signs the exact source version into {prefix}{jobId}{ext}', async () => {
    const bytes = randomBytes(64 * 1024)
    const version = await putSource('builds/app.zip', bytes)
    await putSource('builds/app.zip', Buffer.from('a later version'))
    const jobId = await startJob('builds/app.zip', version)
    const job = await waitForJob(jobId)

    expect(job).toMatchObject({
      jobId,
      status: 'Succeeded',
      profileName: PROFILE,
      platformId: 'AWSLambda-SHA384-ECDSA',
      platformDisplayName: 'AWS Lambda',
      source: { s3: { bucketName: SOURCE, key: 'builds/app.zip', version } },
      signedObject: { s3: { bucketName: DESTINATION, key: `signed/${jobId}.zip` } },
      jobOwner: MOTO_ACCOUNT,
      jobInvoker: MOTO_ACCOUNT
    })
    const profileVersion = job.profileVersion ?? ''
    expect(profileVersion).toMatch(/^[a-zA-Z0-9]{10}$/)

    const signed = await readObject(s3, DESTINATION, `signed/${jobId}.zip`)
    expect(signed.equals(signedBytesOf(bytes, jobId))).toBe(true)
    expect(signed.includes(SIGNATURE_MARKER)).toBe(true)
    expect(readSignature(signed)).toEqual({
      jobId,
      profileVersion,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      payloadLength: bytes.length
    })
  })

  it('sets signatureExpiresAt 135 calendar months after completion, in whole seconds', async () => {
    const job = await signFile('expiry.zip', Buffer.from('payload'))
    const completed = job.completedAt ?? new Date(NaN)
    const expires = job.signatureExpiresAt ?? new Date(NaN)
    expect(job.createdAt?.getTime()).toBeLessThanOrEqual(completed.getTime())
    expect(monthIndex(expires) - monthIndex(completed)).toBe(135)
    expect(expires.getUTCMilliseconds()).toBe(0)
    expect(expires.getUTCHours() * 3600 + expires.getUTCMinutes() * 60).toBe(
      completed.getUTCHours() * 3600 + completed.getUTCMinutes() * 60
    )
    expect(expires.getUTCSeconds()).toBe(completed.getUTCSeconds())
  })

  it('names the signed object without an extension when the source key has none', async () => {
    const job = await signFile('builds/README', Buffer.from('text'))
    expect(job.signedObject?.s3?.key).toBe(`signed/${job.jobId}`)
  })

  it('streams large files through a multipart upload', async () => {
    const bytes = randomBytes(20 * 1024 * 1024 + 123)
    const job = await signFile('large.bin', bytes)
    expect(job.status).toBe('Succeeded')
    const signed = await readObject(s3, DESTINATION, job.signedObject?.s3?.key ?? '')
    expect(signed.equals(signedBytesOf(bytes, job.jobId ?? ''))).toBe(true)
  })

  it('keeps a job InProgress for jobDurationMs', async () => {
    service.jobDurationMs = 400
    const jobId = await startJob('slow.zip', await putSource('slow.zip', Buffer.from('slow')))
    expect((await describeJob(jobId)).status).toBe('InProgress')
    await waitForJob(jobId)
    const [local] = service.jobs
    expect((local?.completedAtMs ?? 0) - (local?.createdAtMs ?? 0)).toBeGreaterThanOrEqual(400)
    expect(local?.describeCount).toBeGreaterThanOrEqual(2)
  })

  it('returns the same job for the same clientRequestToken', async () => {
    const version = await putSource('twice.zip', Buffer.from('twice'))
    const token = randomUUID()
    const first = await startJob('twice.zip', version, { clientRequestToken: token })
    const second = await startJob('twice.zip', version, { clientRequestToken: token })
    expect(second).toBe(first)
    expect(service.jobs).toHaveLength(1)
  })

  it('answers a retried token with its job even after the profile was canceled', async () => {
    service.addProfile({ name: 'retired' })
    const version = await putSource('retry.zip', Buffer.from('retry'))
    const token = randomUUID()
    const first = await startJob('retry.zip', version, {
      profileName: 'retired',
      clientRequestToken: token
    })
    await signer.send(new CancelSigningProfileCommand({ profileName: 'retired' }))
    const retried = await startJob('retry.zip', version, {
      profileName: 'retired',
      clientRequestToken: token
    })
    expect(retried).toBe(first)
  })

  it('fails an empty file', async () => {
    const job = await signFile('empty.zip', Buffer.alloc(0))
    expect(job.status).toBe('Failed')
    expect(job.statusReason).toBe('Signing failed: the file is empty')
    expect(job.signedObject).toBeUndefined()
  })

  it('fails a file that is already signed', async () => {
    const first = await signFile('once.zip', Buffer.from('sign me once'))
    const signed = await readObject(s3, DESTINATION, first.signedObject?.s3?.key ?? '')
    const again = await signFile('twice-signed.zip', signed)
    expect(again.status).toBe('Failed')
    expect(again.statusReason).toBe('Signing failed: the file is already signed')
  })

  it('refuses a source bucket without versioning', async () => {
    const version = await putSource('plain.zip', Buffer.from('plain'), UNVERSIONED)
    const start = signer.send(
      new StartSigningJobCommand({
        source: { s3: { bucketName: UNVERSIONED, key: 'plain.zip', version } },
        destination: { s3: { bucketName: DESTINATION } },
        profileName: PROFILE,
        clientRequestToken: randomUUID()
      })
    )
    await expect(start).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('versioning')
    })
    expect(service.jobs).toHaveLength(0)
  })

  it('refuses a missing source version, a missing destination bucket and a bad profile name', async () => {
    const version = await putSource('real.zip', Buffer.from('real'))
    await expect(startJob('real.zip', 'no-such-version')).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('no-such-version')
    })
    await expect(
      startJob('real.zip', version, { destination: { s3: { bucketName: 'nowhere' } } })
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('nowhere')
    })
    await expect(startJob('real.zip', version, { profileName: 'x' })).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('profileName')
    })
    await expect(
      startJob('real.zip', version, { profileName: 'missing_profile' })
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: expect.stringContaining('missing_profile')
    })
  })

  it('answers ResourceNotFoundException for an unknown job', async () => {
    await expect(describeJob('no-such-job')).rejects.toMatchObject({
      name: 'ResourceNotFoundException'
    })
  })

  it('logs every request with its status and job', async () => {
    const before = Date.now()
    const jobId = await startJob('logged.zip', await putSource('logged.zip', Buffer.from('log')))
    await waitForJob(jobId)
    await describeJob('no-such-job').catch(() => undefined)
    const [start, ...rest] = service.requests
    expect(start).toMatchObject({ operation: 'StartSigningJob', status: 200, jobId })
    expect(rest.at(-2)).toMatchObject({ operation: 'DescribeSigningJob', status: 200, jobId })
    expect(rest.at(-1)).toMatchObject({ operation: 'DescribeSigningJob', status: 404 })
    expect(service.requests.every(request => request.atMs >= before)).toBe(true)
  })
})

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
      envelope: null,
      payloadMetadata: null,
      describeAnswer: null
    })
    expect((await signer.send(platform)).platformId).toBe('AWSLambda-SHA384-ECDSA')
  })
})

describe('stop', () => {
  const pendingTimers = (): number =>
    process.getActiveResourcesInfo().filter(resource => resource === 'Timeout').length

  it('cancels pending completions and their timers', async () => {
    const own = await startSignerService({ s3Endpoint: moto.endpoint, jobDurationMs: 200 })
    own.addProfile({ name: PROFILE })
    const client = new SignerClient({ endpoint: own.endpoint, region, credentials })
    const version = await putSource('pending.zip', Buffer.from('p'))
    await client.send(
      new StartSigningJobCommand({
        source: { s3: { bucketName: SOURCE, key: 'pending.zip', version } },
        destination: { s3: { bucketName: DESTINATION } },
        profileName: PROFILE,
        clientRequestToken: randomUUID()
      })
    )
    client.destroy()
    const timersBeforeStop = pendingTimers()
    await own.stop()
    expect(pendingTimers()).toBe(timersBeforeStop - 1)
    await new Promise(resolve => setTimeout(resolve, 400))
    expect(own.jobs[0]?.status).toBe('InProgress')
  })

  it('closes promptly while a request hangs', async () => {
    const own = await startSignerService({ s3Endpoint: moto.endpoint })
    own.faults.hang.add('GetSigningPlatform')
    const client = clientOf(own, { maxAttempts: 1 })
    const pending = rejectionOf(
      client.send(new GetSigningPlatformCommand({ platformId: 'AWSLambda-SHA384-ECDSA' }))
    )
    await until(() => own.requests.length === 1)

    let timer: NodeJS.Timeout | undefined
    const stillOpen = new Promise(resolve => (timer = setTimeout(resolve, 5000, 'still open')))
    const outcome = await Promise.race([own.stop().then(() => 'stopped'), stillOpen])
    clearTimeout(timer)
    client.destroy()

    expect(outcome).toBe('stopped')
    expect(await pending).toBeInstanceOf(Error)
  })
})
