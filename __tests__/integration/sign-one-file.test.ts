import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import {
  DESTINATION_BUCKET,
  SOURCE_BUCKET,
  UNVERSIONED_BUCKET,
  objectVersions,
  readObject,
  runSigning,
  startRig,
  type Rig
} from '../rig/rig.js'
import { signedBytesOf } from '../rig/signer-service.js'
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

const sign = (workspace: string, inputs: Record<string, string>) =>
  runSigning(rig, workspace, inputs)

const zip = zipBytes(7)

describe('signing one file as the runner runs the action', () => {
  it('uploads, signs, downloads the signed zip and sets every output', async () => {
    const workspace = workspaceWith({ 'build/function.zip': zip })

    const run = await sign(workspace, { path: 'build/function.zip' })

    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(rig.signer.jobs).toHaveLength(1)
    const job = rig.signer.jobs[0]!
    expect(run.outputs['job-id']).toBe(job.jobId)
    expect(run.outputs['signed-path']).toBe('signed/function.zip')
    expect(run.outputs['signed-object']).toBe(`s3://${DESTINATION_BUCKET}/signed/${job.jobId}.zip`)

    // The signed file is exactly what Signer wrote for that source version.
    const signedFile = readFileSync(path.join(workspace, 'signed/function.zip'))
    expect(signedFile.equals(signedBytesOf(zip, job.jobId))).toBe(true)
    expect(
      signedFile.equals(await readObject(rig.s3, DESTINATION_BUCKET, `signed/${job.jobId}.zip`))
    ).toBe(true)

    // The expiry the service gave, as ISO-8601 UTC.
    expect(run.outputs['signature-expires-at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/)
    expect(run.outputs['signature-expires-at']).toBe(job.signatureExpiresAt!.toISOString())

    const [result] = JSON.parse(run.outputs.results!) as Array<Record<string, string>>
    expect(result).toMatchObject({
      path: 'build/function.zip',
      signedPath: 'signed/function.zip',
      status: 'signed',
      jobId: job.jobId,
      signatureExpiresAt: run.outputs['signature-expires-at'],
      signedObject: run.outputs['signed-object'],
      sourceVersionId: job.source.version,
      profileVersion: job.profileVersion,
      sha256: createHash('sha256').update(signedFile).digest('hex')
    })
    expect(job.source.bucketName).toBe(SOURCE_BUCKET)
    expect(job.source.key).toMatch(/^unsigned\/octo-org-octo-repo\/.+\/function\.zip$/)

    expect(run.summary).toContain('<table>')
    expect(run.summary).toContain(job.jobId)
    expect(run.summary).toContain('signed/function.zip')
    expect(filesUnder(path.join(workspace, 'signed'))).toEqual(['function.zip'])
  })

  it('fails with the job id and the service reason when the job fails, leaving no file', async () => {
    const workspace = workspaceWith({ 'build/function.zip': zip })
    rig.signer.faults.failNextJob = 'Signing failed: the zip file is malformed'

    const run = await sign(workspace, { path: 'build/function.zip' })

    expect(run.exitCode).toBe(1)
    const job = rig.signer.jobs[0]!
    expect(run.errors.join('\n')).toContain(
      `Signing job ${job.jobId} for build/function.zip failed: Signing failed: the zip file is malformed`
    )
    expect(filesUnder(path.join(workspace, 'signed'))).toEqual([])
    expect(JSON.parse(run.outputs.results!)[0]).toMatchObject({
      status: 'failed',
      jobId: job.jobId
    })
  })

  it('refuses a source bucket without versioning before uploading anything', async () => {
    const workspace = workspaceWith({ 'function.zip': zip })

    const run = await sign(workspace, { path: 'function.zip', 'source-bucket': UNVERSIONED_BUCKET })

    expect(run.exitCode).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toContain(
      `Source bucket '${UNVERSIONED_BUCKET}' does not have versioning enabled`
    )
    expect(await objectVersions(rig.s3, UNVERSIONED_BUCKET)).toBe(0)
    expect(rig.signer.jobs).toHaveLength(0)
  })

  it('names an unknown profile and starts no job', async () => {
    const workspace = workspaceWith({ 'function.zip': zip })

    const run = await sign(workspace, { path: 'function.zip', 'profile-name': 'no_such_profile' })

    expect(run.exitCode).toBe(1)
    expect(run.errors[0]).toContain("Signing profile 'no_such_profile' was not found in us-east-1")
    expect(rig.signer.jobs).toHaveLength(0)
  })

  it('gives up at timeout-seconds naming the job, with nothing at the output path', async () => {
    const workspace = workspaceWith({ 'function.zip': zip })
    rig.signer.faults.neverComplete = true

    // 4 s, not less: the last look's answer gets a share of it, and a loaded runner (a full run
    // reaches load 8 on 2 cores) missed a 1 s share, which ends as 'status unknown' instead.
    const run = await sign(workspace, { path: 'function.zip', 'timeout-seconds': '4' })

    expect(run.exitCode).toBe(1)
    const job = rig.signer.jobs[0]!
    expect(run.errors[0]).toContain(
      `Signing job ${job.jobId} for function.zip did not finish within 4 s (timeout-seconds)`
    )
    // Counted from the job's creation, as the action counts it: start-up and upload are not in it.
    const endedAfterMs = run.spawnedAtMs + run.durationMs - job.createdAtMs
    console.log(`timeout-seconds 4: the run ended ${endedAfterMs} ms after the job was created`)
    expect(endedAfterMs).toBeLessThan(4000 + 2000)
    expect(filesUnder(path.join(workspace, 'signed'))).toEqual([])
  })

  it("refuses a file larger than the profile's platform signs, before uploading it", async () => {
    rig.signer.addProfile({ name: 'firmware_profile', platformId: 'AmazonFreeRTOS-TI-CC3220SF' })
    const workspace = workspaceWith({ 'firmware.bin': Buffer.alloc(17 * 1024 * 1024, 1) })
    const versionsBefore = await objectVersions(rig.s3, SOURCE_BUCKET)

    const run = await sign(workspace, { path: 'firmware.bin', 'profile-name': 'firmware_profile' })

    expect(run.errors).toEqual([
      "'firmware.bin' (17.0 MB) exceeds the 16.0 MB limit of signing platform AmazonFreeRTOS-TI-CC3220SF. " +
        'Make the artifact smaller, or sign with a profile on a platform that allows that size.'
    ])
    expect(await objectVersions(rig.s3, SOURCE_BUCKET)).toBe(versionsBefore)
    expect(rig.signer.jobs).toHaveLength(0)
  })

  it('builds a safe object key from an unsafe file name', async () => {
    const workspace = workspaceWith({ "build/my app's (1)..ünï.zip": zip })

    const run = await sign(workspace, { path: 'build/*.zip' })

    expect(run.errors).toEqual([])
    expect(rig.signer.jobs[0]!.source.key).toMatch(/^[A-Za-z0-9!_.*'()/-]+$/)
    expect(rig.signer.jobs[0]!.source.key).toMatch(/\/my_app's_\(1\)\.\._n_\.zip$/)
    expect(run.outputs['signed-path']).toBe("signed/my app's (1)..ünï.zip")
  })

  it('names the missing file and sends no request', async () => {
    const workspace = workspaceWith({ 'other.zip': zip })

    const run = await sign(workspace, { path: 'build/function.zip' })

    expect(run.exitCode).toBe(1)
    expect(run.errors).toEqual([
      `Input 'path': no files matched 'build/function.zip' in ${workspace}. Patterns are relative to the workspace; check that an earlier step built the files there.`
    ])
    expect(rig.signer.requests).toHaveLength(0)
  })
})
