/** The `describeAnswer` knob: DescribeSigningJob answers rewritten on their way out. */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import {
  DescribeSigningJobCommand,
  type DescribeSigningJobCommandOutput,
  SignerClient,
  StartSigningJobCommand
} from '@aws-sdk/client-signer'
import { DESTINATION_BUCKET, PROFILE, SOURCE_BUCKET, startRig, type Rig } from './rig.js'
import type { JobDescription, LocalSigningJob } from './signer-service.js'

let rig: Rig
let signer: SignerClient

beforeAll(async () => {
  rig = await startRig()
  signer = new SignerClient({
    endpoint: rig.signer.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1
  })
})
afterAll(async () => {
  signer?.destroy()
  await rig?.stop()
})
beforeEach(() => {
  rig.signer.reset()
  rig.signer.jobDurationMs = 0
})

/** Starts a job on a fresh object and waits until the service has signed it. */
async function signedJob(name: string): Promise<LocalSigningJob> {
  const key = `unsigned/${randomUUID()}/${name}`
  const put = await rig.s3.send(
    new PutObjectCommand({ Bucket: SOURCE_BUCKET, Key: key, Body: Buffer.from(`PK ${name}`) })
  )
  const { jobId } = await signer.send(
    new StartSigningJobCommand({
      source: { s3: { bucketName: SOURCE_BUCKET, key, version: put.VersionId } },
      destination: { s3: { bucketName: DESTINATION_BUCKET, prefix: 'signed/' } },
      profileName: PROFILE,
      clientRequestToken: randomUUID()
    })
  )
  const job = rig.signer.jobs.find(candidate => candidate.jobId === jobId)!
  while (job.status === 'InProgress') await new Promise(resolve => setTimeout(resolve, 20))
  return job
}

const describeJob = (jobId: string): Promise<DescribeSigningJobCommandOutput> =>
  signer.send(new DescribeSigningJobCommand({ jobId }))

describe('faults.describeAnswer', () => {
  it('is off by default: the answer describes the job asked about', async () => {
    const job = await signedJob('a.zip')
    const answer = await describeJob(job.jobId)
    expect(answer.jobId).toBe(job.jobId)
    expect(answer.source?.s3).toEqual(job.source)
    expect(answer.signedObject?.s3).toEqual(job.signedObject)
  })

  it('gets the answer the service would send and the job, and sends what it returns', async () => {
    const job = await signedJob('a.zip')
    const plain = await describeJob(job.jobId)
    const seen: { answer: JobDescription; job: LocalSigningJob }[] = []
    rig.signer.faults.describeAnswer = (answer, described) => {
      seen.push({ answer, job: described })
      return {
        ...answer,
        signedObject: { s3: { bucketName: SOURCE_BUCKET, key: job.source.key } }
      }
    }

    const rewritten = await describeJob(job.jobId)

    expect(seen).toHaveLength(1)
    expect(seen[0]?.job).toBe(job)
    expect(seen[0]?.answer.jobId).toBe(job.jobId)
    expect(seen[0]?.answer.signedObject).toEqual({ s3: job.signedObject })
    expect(rewritten.signedObject?.s3).toEqual({ bucketName: SOURCE_BUCKET, key: job.source.key })
    // Nothing else changed.
    expect({ ...rewritten, $metadata: plain.$metadata, signedObject: plain.signedObject }).toEqual(
      plain
    )
    // The job itself is untouched: only the answer changed on its way out.
    expect(job.signedObject?.bucketName).toBe(DESTINATION_BUCKET)
  })

  it("can send another job's answer in place of the one asked about", async () => {
    const a = await signedJob('a.zip')
    const b = await signedJob('b.zip')
    rig.signer.faults.describeAnswer = (answer, job, describeOther) =>
      job === a ? describeOther(b) : answer

    const forA = await describeJob(a.jobId)
    const forB = await describeJob(b.jobId)

    expect(forA.jobId).toBe(b.jobId)
    expect(forA.source?.s3?.key).toBe(b.source.key)
    expect(forA.signedObject?.s3?.key).toBe(b.signedObject?.key)
    expect(forB.jobId).toBe(b.jobId)
  })

  it('can leave members out, and is cleared by reset()', async () => {
    const job = await signedJob('a.zip')
    rig.signer.faults.describeAnswer = ({ source: _, jobId: __, ...rest }) => rest

    const bare = await describeJob(job.jobId)
    expect(bare.jobId).toBeUndefined()
    expect(bare.source).toBeUndefined()
    expect(bare.status).toBe('Succeeded')

    rig.signer.reset()
    expect(rig.signer.faults.describeAnswer).toBeNull()
  })
})
