import { randomUUID } from 'node:crypto'
import { describe, expect, it } from '@jest/globals'
import {
  CancelSigningProfileCommand,
  GetSigningPlatformCommand,
  GetSigningProfileCommand,
  PutSigningProfileCommand,
  SignerClient,
  StartSigningJobCommand
} from '@aws-sdk/client-signer'
import { MOTO_ACCOUNT } from './moto.js'
import {
  DESTINATION,
  PROFILE,
  SOURCE,
  clientOf,
  credentials,
  describeJob,
  moto,
  putSource,
  region,
  rejectionOf,
  service,
  signer,
  startJob,
  until,
  useLocalSigner,
  waitForJob
} from './signer-fixture.js'
import { startSignerService } from './signer-service.js'

// The service itself: dispatch, profiles, jobs and their tokens, the request log, stopping. Its
// model, its S3 side, the signed bytes and the fault knobs have test files of their own.
useLocalSigner()

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
