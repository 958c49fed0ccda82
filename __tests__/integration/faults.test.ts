import path from 'node:path'
import { HeadObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { MOTO_ACCOUNT } from '../rig/moto.js'
import { runSigning, startRig, type Rig } from '../rig/rig.js'
import type { ActionRun } from '../rig/run-action.js'
import type { S3Fault, S3FaultProxy } from '../rig/s3-fault-proxy.js'
import { filesUnder, workspaceWith, zipBytes } from './workspace.js'

let rig: Rig
let proxy: S3FaultProxy
/** Where this test's S3 requests begin in the proxy's log. */
let firstRequest = 0

beforeAll(async () => {
  rig = await startRig({ s3Proxy: true })
  proxy = rig.proxy!
})
afterAll(async () => {
  await rig?.stop()
})
beforeEach(() => {
  rig.signer.reset()
  rig.signer.jobDurationMs = 0
  proxy.clearFaults()
  firstRequest = proxy.requests.length
})

function s3Requests() {
  return proxy.requests.slice(firstRequest)
}

const FILES = { 'dist/a.zip': zipBytes(1), 'dist/b.zip': zipBytes(2), 'dist/c.zip': zipBytes(3) }

async function sign(
  inputs: Record<string, string> = {},
  env: Record<string, string> = {},
  files: Record<string, Buffer> = FILES
): Promise<ActionRun & { workspace: string }> {
  const workspace = workspaceWith(files)
  const run = await runSigning(rig, workspace, { path: 'dist/*.zip', ...inputs }, { env })
  return { ...run, workspace }
}

function signedFiles(run: { workspace: string }): string[] {
  return filesUnder(path.join(run.workspace, 'signed'))
}

function requestsTo(operation: string): number {
  return rig.signer.requests.filter(request => request.operation === operation).length
}

describe('faults the action rides out, with exactly one signing job per file', () => {
  it('keeps polling through DescribeSigningJob throttling', async () => {
    rig.signer.faults.describeThrottleRate = 0.5

    const run = await sign()

    expect(run.errors).toEqual([])
    expect(signedFiles(run)).toEqual(['a.zip', 'b.zip', 'c.zip'])
    expect(rig.signer.jobs).toHaveLength(3)
    const throttled = rig.signer.requests.filter(
      request => request.operation === 'DescribeSigningJob' && request.status === 429
    )
    expect(throttled.length).toBeGreaterThan(0)
    // That every job's next look waits after a throttle is shown with a controlled clock in
    // __tests__/unit/wait.test.ts: here, on a loaded machine, requests already under way race it.
  })

  it.each<['before' | 'after']>([['before'], ['after']])(
    'retries StartSigningJob after a 500 %s the job was created, without a second job',
    async when => {
      rig.signer.faults.startErrors.push(when, when)

      const run = await sign()

      expect(run.errors).toEqual([])
      expect(signedFiles(run)).toEqual(['a.zip', 'b.zip', 'c.zip'])
      expect(rig.signer.jobs).toHaveLength(3)
      expect(new Set(rig.signer.jobs.map(job => job.clientRequestToken)).size).toBe(3)
      expect(requestsTo('StartSigningJob')).toBe(5)
    }
  )

  it.each<[S3Fault, number | 'reset']>([
    ['reset', 'reset'],
    ['internal-error', 500],
    ['slow-down', 503]
  ])('retries S3 requests answered with %s', async (fault, status) => {
    proxy.failNext(2, fault, { method: 'PUT' })
    proxy.failNext(1, fault, { method: 'GET', path: /\/signed\// })

    const run = await sign()

    expect(run.errors).toEqual([])
    expect(signedFiles(run)).toEqual(['a.zip', 'b.zip', 'c.zip'])
    expect(rig.signer.jobs).toHaveLength(3)
    expect(s3Requests().filter(request => request.status === status).length).toBeGreaterThanOrEqual(
      3
    )
  })
})

describe('faults that end the run, saying why and leaving nothing partial', () => {
  it('names S3 SlowDown when it outlasts timeout-seconds of retries', async () => {
    proxy.failNext(1000, 'slow-down', { method: 'PUT' })

    // 3 MB: the upload's deadline (timeout-seconds plus 3 s at 1 MB/s) then comes well after the
    // paced retries have given up, so the step names SlowDown even on a busy machine.
    const run = await sign(
      { path: 'dist/a.zip', 'timeout-seconds': '8' },
      {},
      {
        'dist/a.zip': zipBytes(1, 3_000_000)
      }
    )

    expect(run.exitCode).toBe(1)
    // Throttling is retried, ever more slowly, until timeout-seconds have passed.
    expect(s3Requests().filter(request => request.status === 503).length).toBeGreaterThan(2)
    expect(run.durationMs).toBeGreaterThan(5000)
    expect(run.durationMs).toBeLessThan(20_000)
    expect(run.errors).toContainEqual(
      expect.stringMatching(
        /Uploading to s3:\/\/release-unsigned\/.+ failed: SlowDown: Please reduce your request rate/
      )
    )
    expect(signedFiles(run)).toEqual([])
    expect(rig.signer.jobs).toHaveLength(0)
  })

  it('fails a file whose signed object cannot be downloaded, with no partial file', async () => {
    proxy.failNext(100, 'internal-error', { method: 'GET', path: /\/signed\/.*b/ })

    // A budget of 6 s ends the retries after 3 or 4 attempts instead of 5 (about 11 s of back-off).
    const run = await sign({ path: 'dist/b.zip', 'timeout-seconds': '6' })

    expect(run.exitCode).toBe(1)
    expect(run.errors[0]).toMatch(
      /^dist\/b\.zip \(job .+\): Downloading the signed object s3:\/\/release-signed\/signed\/.+ failed: InternalError: We encountered an internal error/
    )
    expect(signedFiles(run)).toEqual([])
  })

  it('stops at once on AccessDenied from DescribeSigningJob instead of waiting for the timeout', async () => {
    rig.signer.faults.deny.add('DescribeSigningJob')

    const run = await sign({ path: 'dist/a.zip', 'timeout-seconds': '60' })

    expect(run.exitCode).toBe(1)
    const job = rig.signer.jobs[0]!
    expect(run.errors[0]).toContain(
      `Could not read signing job ${job.jobId} for dist/a.zip: AccessDeniedException:`
    )
    expect(requestsTo('DescribeSigningJob')).toBe(1)
    expect(signedFiles(run)).toEqual([])
  })

  it('shows AWS errors with their code and message, and never prints credentials', async () => {
    rig.signer.faults.deny.add('StartSigningJob')
    const secrets = {
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY',
      AWS_SESSION_TOKEN: 'FwoGZXIvYXdzEXAMPLESESSIONTOKEN'
    }

    const run = await sign({ path: 'dist/a.zip' }, secrets)

    expect(run.exitCode).toBe(1)
    expect(run.errors[0]).toMatch(
      /StartSigningJob for s3:\/\/release-unsigned\/.+ with profile 'release_profile' failed: AccessDeniedException: .+ — the role needs signer:StartSigningJob/
    )
    for (const secret of Object.values(secrets)) {
      expect(run.stdout + run.stderr).not.toContain(secret)
    }
  })
})

describe('preflight that the role may not run', () => {
  it('warns once and signs anyway', async () => {
    rig.signer.faults.deny.add('GetSigningProfile')

    const run = await sign({ path: 'dist/a.zip' })

    expect(run.exitCode).toBe(0)
    expect(run.warnings).toEqual([
      'Skipped preflight checks the role may not call (signer:GetSigningProfile); AWS Signer still enforces a versioned source bucket and an Active profile.'
    ])
    expect(signedFiles(run)).toEqual(['a.zip'])
  })
})

describe("protecting the user's buckets", () => {
  it('sends expected-bucket-owner on every S3 request', async () => {
    const run = await sign({ 'expected-bucket-owner': MOTO_ACCOUNT })

    expect(run.errors).toEqual([])
    expect(s3Requests().length).toBeGreaterThan(0)
    for (const request of s3Requests()) {
      expect(request.headers['x-amz-expected-bucket-owner']).toBe(MOTO_ACCOUNT)
    }
  })

  it('writes nothing to a bucket that belongs to another account', async () => {
    const run = await sign({ 'expected-bucket-owner': '999999999999' })

    expect(run.exitCode).toBe(1)
    expect(run.errors.join('\n')).toContain('AccessDenied')
    expect(run.errors.join('\n')).toContain('is not owned by account 999999999999')
    expect(s3Requests().every(request => request.status === 403)).toBe(true)
    expect(rig.signer.jobs).toHaveLength(0)
    expect(signedFiles(run)).toEqual([])
  })

  it('encrypts uploads with the given KMS key', async () => {
    const key = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'

    const run = await sign({ path: 'dist/a.zip', 'sse-kms-key-id': key })

    expect(run.errors).toEqual([])
    const source = rig.signer.jobs[0]!.source
    const head = await rig.s3.send(
      new HeadObjectCommand({
        Bucket: source.bucketName,
        Key: source.key,
        VersionId: source.version
      })
    )
    expect(head.ServerSideEncryption).toBe('aws:kms')
    expect(head.SSEKMSKeyId).toBe(key)
  })
})
