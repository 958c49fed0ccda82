/**
 * `mode: verify` for files as the runner runs the action: files signed by the action (a first
 * step), then checked by it against the signing results, Signer's jobs and the signed objects in
 * S3 (a second step); a modified file, an unrecorded one, a revoked job and a replaced signed
 * object each fail with the check that caught them.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { RevokeSignatureCommand, SignerClient } from '@aws-sdk/client-signer'
import { MOTO_ACCOUNT } from '../rig/moto.js'
import { DESTINATION_BUCKET, PROFILE, runSigning, startRig, type Rig } from '../rig/rig.js'
import { runAction } from '../rig/run-action.js'
import type { FileVerification } from '../../src/pipeline/verify-one-file.js'
import { workspaceWith, zipBytes } from './workspace.js'

let rig: Rig
let workspace: string
/** The signing step's results, as a later job would have them (its results-file). */
let signingResults: Array<{
  path: string
  signedPath: string
  jobId: string
  signedObject: string
  jobArn: string
}>

beforeAll(async () => {
  rig = await startRig({ jobDurationMs: 200 })
  workspace = workspaceWith({
    'build/function.zip': zipBytes(1),
    'build/layer.zip': zipBytes(2),
    'build/revoked.zip': zipBytes(3)
  })
  const signing = await runSigning(rig, workspace, { path: 'build/*.zip' })
  if (signing.exitCode !== 0) throw new Error(`signing failed: ${signing.errors.join(' ')}`)
  const resultsFile = signing.outputs['results-file']!
  writeFileSync(path.join(workspace, 'results.json'), signing.runnerTemp[resultsFile]!)
  signingResults = JSON.parse(readFileSync(path.join(workspace, 'results.json'), 'utf8'))
}, 120_000)
afterAll(async () => {
  await rig?.stop()
})

function runVerify(inputs: Record<string, string>, at = workspace) {
  return runAction({
    workspace: at,
    inputs: {
      mode: 'verify',
      'profile-name': PROFILE,
      'signing-results': 'results.json',
      ...inputs
    },
    env: rig.env
  })
}

const resultsOf = (run: { outputs: Record<string, string> }) =>
  JSON.parse(run.outputs.results ?? '[]') as FileVerification[]
const resultOf = (name: string) => signingResults.find(result => result.signedPath === name)!

describe('verifying files the action signed', () => {
  it('passes each signed file: its record, its job and its signed object agree', async () => {
    const run = await runVerify({ path: 'signed/function.zip\nsigned/layer.zip' })
    expect(run.errors).toEqual([])
    expect(run.warnings).toEqual([])
    expect(run.exitCode).toBe(0)
    const profileArn = `arn:aws:signer:us-east-1:${MOTO_ACCOUNT}:/signing-profiles/${PROFILE}`
    expect(resultsOf(run)).toEqual([
      expect.objectContaining({
        path: 'signed/function.zip',
        status: 'verified',
        recordedAs: 'signed/function.zip',
        jobId: resultOf('signed/function.zip').jobId,
        jobArn: resultOf('signed/function.zip').jobArn,
        trustedBy: profileArn,
        signedObject: resultOf('signed/function.zip').signedObject,
        signedObjectHashedFrom: 'content'
      }),
      expect.objectContaining({ path: 'signed/layer.zip', status: 'verified' })
    ])
    expect(run.summary).toContain('2 of 2 files verified.')
  })

  it("fails a file changed after signing, naming 'sha256'", async () => {
    const changed = workspaceWithCopies()
    writeFileSync(path.join(changed, 'signed/function.zip'), zipBytes(9))
    const run = await runVerify({ path: 'signed/function.zip' }, changed)
    expect(run.exitCode).toBe(1)
    expect(run.errors).toEqual([
      expect.stringMatching(
        /^signed\/function\.zip: failed 'sha256': it is not the file that was signed as 'signed\/function\.zip'/
      )
    ])
  })

  it("fails a file that no record names, naming 'record'", async () => {
    const extra = workspaceWithCopies({ 'build/unsigned.zip': zipBytes(7) })
    const run = await runVerify({ path: 'build/unsigned.zip' }, extra)
    expect(run.exitCode).toBe(1)
    expect(resultsOf(run)[0]).toMatchObject({ status: 'failed', check: 'record' })
  })

  it("fails a file whose signed object was replaced in S3, naming 'signedObject'", async () => {
    const replaced = workspaceWithCopies()
    const { signedObject } = resultOf('signed/layer.zip')
    const key = signedObject.slice(`s3://${DESTINATION_BUCKET}/`.length)
    // Someone with write access to the bucket replaces the signed object with bytes of the same
    // size: the file the record names is no longer what S3 holds for the job.
    const forged = Buffer.from(readFileSync(path.join(workspace, 'signed/layer.zip')))
    forged.writeUInt8(forged.readUInt8(forged.length - 1) ^ 1, forged.length - 1)
    await rig.s3.send(new PutObjectCommand({ Bucket: DESTINATION_BUCKET, Key: key, Body: forged }))
    const run = await runVerify({ path: 'signed/layer.zip' }, replaced)
    expect(run.exitCode).toBe(1)
    expect(resultsOf(run)[0]).toMatchObject({
      check: 'signedObject',
      reason: expect.stringContaining(`the signed object ${signedObject} has the SHA-256`)
    })
  })

  it("refuses a file whose job was revoked since: valid before, 'revoked' after", async () => {
    expect((await runVerify({ path: 'signed/revoked.zip' })).exitCode).toBe(0)
    const signer = new SignerClient({
      endpoint: rig.signer.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' }
    })
    await signer.send(
      new RevokeSignatureCommand({
        jobId: resultOf('signed/revoked.zip').jobId,
        reason: 'bad build'
      })
    )
    signer.destroy()
    const run = await runVerify({ path: 'signed/revoked.zip' })
    expect(run.exitCode).toBe(1)
    expect(resultsOf(run)[0]).toMatchObject({
      check: 'revoked',
      reason: expect.stringMatching(/was revoked at .* by 'arn:aws:iam::\d{12}:root': 'bad build'$/)
    })
  })

  it('refuses signing-results that is not a record, naming the input', async () => {
    writeFileSync(path.join(workspace, 'not-a-record.json'), '{"results": []}')
    const run = await runVerify({
      path: 'signed/layer.zip',
      'signing-results': 'not-a-record.json'
    })
    expect(run.exitCode).toBe(1)
    expect(run.errors).toEqual([
      `Input 'signing-results': ${path.join(workspace, 'not-a-record.json')} is neither a signing record (an object with 'schemaVersion') nor a signing step's results (an array).`
    ])
  })
})

/** Another workspace with the signed files and the results, to change without touching the first. */
function workspaceWithCopies(extra: Record<string, Buffer> = {}): string {
  const files: Record<string, Buffer> = {
    'results.json': readFileSync(path.join(workspace, 'results.json'))
  }
  for (const name of ['function.zip', 'layer.zip', 'revoked.zip']) {
    files[`signed/${name}`] = readFileSync(path.join(workspace, 'signed', name))
  }
  return workspaceWith({ ...files, ...extra })
}
