import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll } from '@jest/globals'
import {
  CreateBucketCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client
} from '@aws-sdk/client-s3'
import {
  DescribeSigningJobCommand,
  type DescribeSigningJobCommandOutput,
  SignerClient,
  type SignerClientConfig,
  StartSigningJobCommand,
  type StartSigningJobCommandInput
} from '@aws-sdk/client-signer'
import { motoClient, motoServer, type MotoServer } from './moto.js'
import { startSignerService, type SignerService } from './signer-service.js'

/**
 * What the local Signer's tests share, split as the service is (signer-service, signer-model,
 * signer-s3 and signer-faults .test.ts): moto with a versioned source bucket, an unversioned one
 * and a destination; the service with one profile; an SDK client; and the calls they make. A test
 * file calls `useLocalSigner()` once; the servers and the client below are then set before its
 * first test (each test file has its own copy of this module).
 */

export const region = 'us-east-1'
export const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }
export const SOURCE = 'sources'
export const UNVERSIONED = 'unversioned'
export const DESTINATION = 'signed'
export const PROFILE = 'ci_profile'

export let moto: MotoServer
export let s3: S3Client
export let service: SignerService
/** One attempt, so every error the service answers reaches the test as it was sent. */
export let signer: SignerClient

/** Starts the servers before the file's tests, resets the service after each, stops all after. */
export function useLocalSigner(): void {
  beforeAll(async () => {
    moto = await motoServer()
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
}

export async function putSource(key: string, body: Buffer, bucket = SOURCE): Promise<string> {
  const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))
  return put.VersionId ?? 'null'
}

export function startJob(
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

export function describeJob(jobId: string): Promise<DescribeSigningJobCommandOutput> {
  return signer.send(new DescribeSigningJobCommand({ jobId }))
}

export async function waitForJob(jobId: string): Promise<DescribeSigningJobCommandOutput> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const job = await describeJob(jobId)
    if (job.status !== 'InProgress') return job
    if (Date.now() > deadline) throw new Error(`job ${jobId} still InProgress`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

export async function signFile(
  key: string,
  bytes: Buffer
): Promise<DescribeSigningJobCommandOutput> {
  const jobId = await startJob(key, await putSource(key, bytes))
  return waitForJob(jobId)
}

export function clientOf(service: SignerService, config: SignerClientConfig = {}): SignerClient {
  return new SignerClient({ endpoint: service.endpoint, region, credentials, ...config })
}

export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: Error) => error
  )
}

export async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}
