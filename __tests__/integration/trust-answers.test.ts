/**
 * The action meets a path to Signer that answers DescribeSigningJob wrongly: about another job,
 * another object or another place, or not at all. Each answer is checked against what the step
 * asked for; a wrong one fails its file, naming what differed, and nothing lands in output-dir.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import {
  DESTINATION_BUCKET,
  SOURCE_BUCKET,
  UNVERSIONED_BUCKET,
  runSigning,
  startRig,
  type Rig
} from '../rig/rig.js'
import type { ActionRun } from '../rig/run-action.js'
import { signedBytesOf, type DescribeRewrite, type LocalSigningJob } from '../rig/signer-service.js'
import { filesUnder, workspaceWith, zipBytes } from './workspace.js'

let rig: Rig

beforeAll(async () => {
  rig = await startRig()
})
afterAll(async () => {
  await rig?.stop()
})
beforeEach(() => {
  rig.signer.reset()
  rig.signer.jobDurationMs = 0
})

const NOT_TRUSTED =
  'The answer is not trusted and nothing was downloaded for this file: check what answers for Signer between the runner and AWS (AWS_ENDPOINT_URL_SIGNER, a proxy).'

interface SignedOne extends ActionRun {
  workspace: string
  job: LocalSigningJob
}

/** Signs dist/app.zip with every DescribeSigningJob answer passed through `rewrite`. */
async function signOneWith(rewrite: DescribeRewrite, seed: number): Promise<SignedOne> {
  rig.signer.faults.describeAnswer = rewrite
  const workspace = workspaceWith({ 'dist/app.zip': zipBytes(seed) })
  const run = await runSigning(rig, workspace, { path: 'dist/app.zip' })
  expect(rig.signer.jobs).toHaveLength(1)
  return { ...run, workspace, job: rig.signer.jobs[0]! }
}

/** Failed with exactly this message for dist/app.zip, and wrote nothing at all in output-dir. */
function expectRefused(run: SignedOne, message: string): void {
  expect(run.errors).toEqual([`dist/app.zip (job ${run.job.jobId}): ${message}`])
  expect(run.exitCode).toBe(1)
  expect(filesUnder(path.join(run.workspace, 'signed'))).toEqual([])
  expect(run.outputs['signed-object'] ?? '').toBe('')
}

async function putObject(bucket: string, key: string, body: Buffer): Promise<void> {
  await rig.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))
}

describe('a signed object anywhere but where the step asked Signer to write', () => {
  it('refuses the unsigned source object in the source bucket', async () => {
    const run = await signOneWith(
      answer => ({
        ...answer,
        signedObject: answer.signedObject && {
          s3: { bucketName: answer.source.s3.bucketName, key: answer.source.s3.key }
        }
      }),
      1
    )
    expectRefused(
      run,
      `Signing job ${run.job.jobId} for dist/app.zip succeeded but names its signed object s3://${SOURCE_BUCKET}/${run.job.source.key}, which is not in destination-bucket '${DESTINATION_BUCKET}'. ${NOT_TRUSTED}`
    )
  })

  // Objects that exist, so a run that did not check would download them and succeed.
  it.each([
    ['another prefix', 'planted/app.zip'],
    ['a key that starts like the prefix but for its slash', 'signed-planted/app.zip']
  ])('refuses an object of destination-bucket under %s', async (_, key) => {
    await putObject(DESTINATION_BUCKET, key, zipBytes(99))
    const run = await signOneWith(
      answer => ({
        ...answer,
        signedObject: answer.signedObject && { s3: { bucketName: DESTINATION_BUCKET, key } }
      }),
      2
    )
    expectRefused(
      run,
      `Signing job ${run.job.jobId} for dist/app.zip succeeded but names its signed object s3://${DESTINATION_BUCKET}/${key}, which is not under destination-prefix 'signed/'. ${NOT_TRUSTED}`
    )
  })
})

describe('an answer about another job or object', () => {
  it("refuses another job's ID", async () => {
    const other = '0f0f0f0f-1111-4222-8333-444455556666'
    const run = await signOneWith(answer => ({ ...answer, jobId: other }), 3)
    expectRefused(
      run,
      `DescribeSigningJob for signing job ${run.job.jobId} (dist/app.zip) answered about another job or object: jobId '${other}', not '${run.job.jobId}'. ${NOT_TRUSTED}`
    )
  })

  it.each<[string, 'bucketName' | 'key' | 'version', string]>([
    ['key', 'key', 'unsigned/elsewhere/b.zip'],
    ['version', 'version', 'pL4nTeDvErSi0n'],
    ['bucket', 'bucketName', UNVERSIONED_BUCKET]
  ])('refuses a source with another %s', async (member, field, value) => {
    const run = await signOneWith(
      answer => ({ ...answer, source: { s3: { ...answer.source.s3, [field]: value } } }),
      4
    )
    expectRefused(
      run,
      `DescribeSigningJob for signing job ${run.job.jobId} (dist/app.zip) answered about another job or object: source ${member} '${value}', not '${run.job.source[field]}'. ${NOT_TRUSTED}`
    )
  })

  it('refuses another profile', async () => {
    const run = await signOneWith(answer => ({ ...answer, profileName: 'someone_elses' }), 5)
    expectRefused(
      run,
      `DescribeSigningJob for signing job ${run.job.jobId} (dist/app.zip) answered about another job or object: profileName 'someone_elses', not 'release_profile'. ${NOT_TRUSTED}`
    )
  })
})

describe("a signed object that S3 says was written outside the job's run", () => {
  // Someone who may write destination-bucket replaced the object at the job's key after the job
  // completed: to the step that reads it, that is the job reported a minute earlier.
  it('refuses it before writing a byte, naming when each happened', async () => {
    const run = await signOneWith(
      answer => ({
        ...answer,
        createdAt: answer.createdAt - 60,
        completedAt: answer.completedAt === undefined ? undefined : answer.completedAt - 60
      }),
      9
    )
    const times = /was written at (\S+), not while job \S+ ran \((\S+) to (\S+)\)/.exec(
      run.errors[0] ?? ''
    )
    const [written, created, completed] = (times?.slice(1) ?? []).map(Date.parse)
    expect(written! - completed!).toBeGreaterThan(55_000)
    expect(completed! - created!).toBeLessThan(5_000)
    // The place is the one Signer named for the job, and the output says so; its bytes are refused.
    const signedObject = `s3://${DESTINATION_BUCKET}/${run.job.signedObject?.key}`
    expect(run.errors).toEqual([
      `dist/app.zip (job ${run.job.jobId}): Downloading the signed object ${signedObject} failed: it was written at ${times?.[1]}, not while job ${run.job.jobId} ran (${times?.[2]} to ${times?.[3]}): it was put there before the job or replaced since, so it is not what the job signed; nothing was written`
    ])
    expect(run.exitCode).toBe(1)
    expect(filesUnder(path.join(run.workspace, 'signed'))).toEqual([])
    expect(run.outputs['signed-path']).toBe('')
    expect(run.outputs['signed-object']).toBe(signedObject)
  })
})

describe('a DescribeSigningJob answer without the times of the job', () => {
  // Signer always names them for a job that ended; the step still signs without them, with the
  // runner's clock for the bounds: from just before it asked for the job to when it saw it end.
  it("takes the runner's times instead, and signs", async () => {
    const zip = zipBytes(10)
    const run = await signOneWith(
      answer => ({ ...answer, createdAt: undefined as unknown as number, completedAt: undefined }),
      10
    )
    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(
      readFileSync(path.join(run.workspace, 'signed/app.zip')).equals(
        signedBytesOf(zip, run.job.jobId)
      )
    ).toBe(true)
  })
})

describe("two files, one answered with the other file's job", () => {
  it.each([
    ["b's answer as it is", false],
    ["b's answer carrying a's job ID", true]
  ])("never puts b's signed bytes at a's path: %s", async (_, withJobIdOfA) => {
    const bytes = { a: zipBytes(6), b: zipBytes(7) }
    const jobOf = (name: string) =>
      rig.signer.jobs.find(job => job.source.key.endsWith(`/${name}.zip`))
    rig.signer.jobDurationMs = 1000
    rig.signer.faults.describeAnswer = (answer, job, describe) => {
      const b = jobOf('b')
      if (job !== jobOf('a')) return answer
      // Until b's job exists, a's own answer, held InProgress: the swap must be what a sees.
      if (!b) return { ...answer, status: 'InProgress', signedObject: undefined }
      return { ...describe(b), ...(withJobIdOfA ? { jobId: job.jobId } : {}) }
    }
    const workspace = workspaceWith({ 'dist/a.zip': bytes.a, 'dist/b.zip': bytes.b })

    const run = await runSigning(rig, workspace, { path: 'dist/*.zip' })

    const [a, b] = [jobOf('a')!, jobOf('b')!]
    const differs = withJobIdOfA
      ? `source key '${b.source.key}', not '${a.source.key}'; source version '${b.source.version}', not '${a.source.version}'`
      : `jobId '${b.jobId}', not '${a.jobId}'; source key '${b.source.key}', not '${a.source.key}'; source version '${b.source.version}', not '${a.source.version}'`
    expectOnlyBSigned(
      run,
      workspace,
      `dist/a.zip (job ${a.jobId}): DescribeSigningJob for signing job ${a.jobId} (dist/a.zip) answered about another job or object: ${differs}. ${NOT_TRUSTED}`,
      signedBytesOf(bytes.b, b.jobId)
    )
  })
})

/** a.zip refused with `error` and nothing at its path; b.zip signed, in place, with its bytes. */
function expectOnlyBSigned(
  run: ActionRun,
  workspace: string,
  error: string,
  signedB: Buffer
): void {
  expect(run.errors).toEqual([
    error,
    "1 of 2 files failed to sign; the 1 signed file(s) are in place and listed in 'results'."
  ])
  expect(run.exitCode).toBe(1)
  expect(filesUnder(path.join(workspace, 'signed'))).toEqual(['b.zip'])
  expect(readFileSync(path.join(workspace, 'signed', 'b.zip'))).toEqual(signedB)
}

describe("a Succeeded answer whose identity values are not of Signer's form", () => {
  // They would go into profile-version-arn, signing-job-arn and the summary's `aws lambda` line.
  it('refuses them, showing each quoted, and writes nothing', async () => {
    const run = await signOneWith(
      answer => ({ ...answer, jobOwner: 'x y<z>', profileVersion: 'v1$(id)' }),
      14
    )
    expectRefused(
      run,
      `Signing job ${run.job.jobId} for dist/app.zip succeeded but answered a jobOwner that is not a 12-digit account ID: 'x y<z>'; a profileVersion that is not 10 letters or digits: 'v1$(id)'. ${NOT_TRUSTED}`
    )
    expect(run.outputs['profile-version-arn']).toBe('')
    expect(run.outputs['signing-job-arn']).toBe('')
    expect(run.summary).not.toContain('allowed-publishers')
  })
})

describe("a file's own answer naming another file's signed object", () => {
  // The answer keeps a's job ID, source and profile: only the key says the object is b's, which
  // the same step had Signer write moments before, so it passes as written during a's job.
  it("refuses it, naming the key, and writes nothing at a's path", async () => {
    const bytes = { a: zipBytes(11), b: zipBytes(12) }
    const jobOf = (name: string) =>
      rig.signer.jobs.find(job => job.source.key.endsWith(`/${name}.zip`))
    rig.signer.jobDurationMs = 1000
    rig.signer.faults.describeAnswer = (answer, job, describe) => {
      const b = jobOf('b')
      if (job !== jobOf('a')) return answer
      if (b?.status !== 'Succeeded')
        return { ...answer, status: 'InProgress', signedObject: undefined }
      return { ...answer, status: 'Succeeded', signedObject: describe(b).signedObject }
    }
    const workspace = workspaceWith({ 'dist/a.zip': bytes.a, 'dist/b.zip': bytes.b })

    const run = await runSigning(rig, workspace, { path: 'dist/*.zip' })

    const [a, b] = [jobOf('a')!, jobOf('b')!]
    expectOnlyBSigned(
      run,
      workspace,
      `dist/a.zip (job ${a.jobId}): Signing job ${a.jobId} for dist/a.zip succeeded but names its signed object s3://${DESTINATION_BUCKET}/${b.signedObject?.key}, which is not this job's: destination-prefix 'signed/', then job ID ${a.jobId}, then nothing or an extension such as '.zip'. ${NOT_TRUSTED}`,
      signedBytesOf(bytes.b, b.jobId)
    )
  })
})

describe("a StartSigningJob answer whose job ID is not of Signer's form", () => {
  // The job-id output is what the README's first example pastes into a `run:` line.
  it('fails the file before any wait or download, and no output names the job', async () => {
    const jobId = '"; $(id) #'
    rig.signer.faults.startAnswer = answer => ({ ...answer, jobId })
    const workspace = workspaceWith({ 'dist/app.zip': zipBytes(13) })

    const run = await runSigning(rig, workspace, { path: 'dist/app.zip' })

    const job = rig.signer.jobs[0]!
    expect(run.errors).toEqual([
      `dist/app.zip: StartSigningJob for s3://${SOURCE_BUCKET}/${job.source.key} answered a jobId that is not a signing job ID: '${jobId}'. The answer is not trusted and the job is not waited for: check what answers for Signer between the runner and AWS (AWS_ENDPOINT_URL_SIGNER, a proxy).`
    ])
    expect(run.exitCode).toBe(1)
    expect(rig.signer.requests.map(request => request.operation)).not.toContain(
      'DescribeSigningJob'
    )
    expect(filesUnder(path.join(workspace, 'signed'))).toEqual([])
    expect(run.outputs['job-id']).toBe('')
    const results = JSON.parse(run.outputs.results ?? '[]') as Array<Record<string, unknown>>
    expect(results.map(result => result.jobId)).toEqual([''])
    // Only the error's text in results repeats the answer, quoted.
    const carrying = Object.entries(run.outputs).filter(
      ([name, value]) => name !== 'results' && value.includes(jobId)
    )
    expect(carrying).toEqual([])
  })
})

describe('a DescribeSigningJob that never answers', () => {
  it('fails naming DescribeSigningJob and the endpoint, within timeout-seconds, though the job succeeded', async () => {
    rig.signer.faults.hang.add('DescribeSigningJob')
    const workspace = workspaceWith({ 'dist/app.zip': zipBytes(8) })

    const run = await runSigning(rig, workspace, { path: 'dist/app.zip', 'timeout-seconds': '5' })

    const job = rig.signer.jobs[0]!
    expect(job.status).toBe('Succeeded')
    expect(run.exitCode).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(
      new RegExp(
        `^dist/app\\.zip \\(job ${job.jobId}\\): Signing job ${job.jobId} for dist/app\\.zip: its status is unknown after 5 s \\(timeout-seconds\\): the last (look|\\d+ looks) failed, the last with TimeoutError: DescribeSigningJob got no answer from 127\\.0\\.0\\.1:\\d+ in \\d+(\\.\\d)? s; last status: not yet seen\\. It may have finished: aws signer describe-signing-job --job-id ${job.jobId}$`
      )
    )
    expect(run.errors[0]).not.toContain('did not finish')
    expect(filesUnder(path.join(workspace, 'signed'))).toEqual([])
    // Counted from the job's creation, as the action counts it: the last look is cut at most 1 s
    // after timeout-seconds, and the step then only reports.
    const endedAfterMs = run.spawnedAtMs + run.durationMs - job.createdAtMs
    console.log(
      `DescribeSigningJob hung: the run ended ${endedAfterMs} ms after the job was created`
    )
    expect(endedAfterMs).toBeLessThan(5000 + 2000)
  })
})
