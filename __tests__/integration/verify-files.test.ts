/**
 * `mode: verify` for files as the runner runs the action: files signed by the action and uploaded
 * as an artifact with their signing record (a build job), then downloaded and checked by it
 * against the record, Signer's jobs and the signed objects in S3 (a deploy job); a modified file,
 * an unrecorded one, a revoked job or profile version and a replaced signed object each fail with
 * the check that caught them.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import {
  GetSigningProfileCommand,
  RevokeSignatureCommand,
  RevokeSigningProfileCommand,
  SignerClient
} from '@aws-sdk/client-signer'
import { MOTO_ACCOUNT } from '../rig/moto.js'
import {
  DESTINATION_BUCKET,
  PROFILE,
  SOURCE_BUCKET,
  runSigning,
  startRig,
  type Rig
} from '../rig/rig.js'
import { startResultsService, type ResultsService } from '../rig/results-service.js'
import type { JobDescription } from '../rig/signer-service.js'
import { runAction } from '../rig/run-action.js'
import type { FileVerification } from '../../src/pipeline/verify-one-file.js'
import { workspaceWith, zipBytes } from './workspace.js'

const ARTIFACT = 'release-files'
const RECORD = `signed/${ARTIFACT}.signing.json`

let rig: Rig
let results: ResultsService
/** The deploy job's workspace: the artifact downloaded into signed/. */
let workspace: string
/** The signing step's results, as a step of the build job would read them (its results-file). */
let signingResults: Array<{
  path: string
  signedPath: string
  jobId: string
  signedObject: string
  jobArn: string
}>

beforeAll(async () => {
  rig = await startRig({ jobDurationMs: 200 })
  results = await startResultsService()
  const build = workspaceWith({
    'build/function.zip': zipBytes(1),
    'build/layer.zip': zipBytes(2),
    'build/revoked.zip': zipBytes(3),
    'build/replaced.zip': zipBytes(4)
  })
  const signing = await runSigning(
    rig,
    build,
    { path: 'build/*.zip', 'upload-artifact': 'true', 'artifact-name': ARTIFACT },
    { env: results.env() }
  )
  if (signing.exitCode !== 0) throw new Error(`signing failed: ${signing.errors.join(' ')}`)
  signingResults = JSON.parse(signing.runnerTemp[signing.outputs['results-file']!]!.toString())
  // actions/download-artifact with path: signed.
  workspace = workspaceWith({ 'results.json': JSON.stringify(signingResults) })
  unzipInto(results.artifacts[0]!.bytes, path.join(workspace, 'signed'))
}, 120_000)
afterAll(async () => {
  await results?.stop()
  await rig?.stop()
})

function runVerify(inputs: Record<string, string>, at = workspace) {
  return runAction({
    workspace: at,
    inputs: {
      mode: 'verify',
      'profile-name': PROFILE,
      'signing-results': RECORD,
      ...inputs
    },
    env: rig.env
  })
}

const resultsOf = (run: { outputs: Record<string, string> }) =>
  JSON.parse(run.outputs.results ?? '[]') as FileVerification[]
const resultOf = (name: string) => signingResults.find(result => result.signedPath === name)!

describe('verifying files the action signed', () => {
  it('passes each signed file of the downloaded artifact against its signing record', async () => {
    const run = await runVerify({ path: 'signed/*.zip' })
    expect(run.errors).toEqual([])
    expect(run.warnings).toEqual([])
    expect(run.exitCode).toBe(0)
    const profileArn = `arn:aws:signer:us-east-1:${MOTO_ACCOUNT}:/signing-profiles/${PROFILE}`
    expect(resultsOf(run)).toEqual([
      expect.objectContaining({
        path: 'signed/function.zip',
        status: 'verified',
        recordedAs: 'function.zip',
        jobId: resultOf('signed/function.zip').jobId,
        jobArn: resultOf('signed/function.zip').jobArn,
        trustedBy: profileArn,
        signedObject: resultOf('signed/function.zip').signedObject,
        signedObjectHashedFrom: 'content'
      }),
      expect.objectContaining({ path: 'signed/layer.zip', status: 'verified' }),
      expect.objectContaining({ path: 'signed/replaced.zip', status: 'verified' }),
      expect.objectContaining({ path: 'signed/revoked.zip', status: 'verified' })
    ])
    expect(run.summary).toContain('4 of 4 files verified.')
  })

  it("passes against a signing step's results-file as well", async () => {
    const run = await runVerify({ path: 'signed/layer.zip', 'signing-results': 'results.json' })
    expect(run.exitCode).toBe(0)
    expect(resultsOf(run)[0]).toMatchObject({ recordedAs: 'signed/layer.zip' })
  })

  it("reads the signed object at a results-file's signedObjectVersionId, not a version put there since", async () => {
    const own = workspaceWith({ 'build/versioned.zip': zipBytes(12) })
    // The rig's versioned bucket: a results-file names a version only where S3 keeps versions.
    const signing = await runSigning(rig, own, {
      path: 'build/versioned.zip',
      'destination-bucket': SOURCE_BUCKET
    })
    expect(signing.errors).toEqual([])
    const [signed] = JSON.parse(
      signing.runnerTemp[signing.outputs['results-file']!]!.toString()
    ) as Array<(typeof signingResults)[number] & { signedObjectVersionId: string }>
    expect(signed!.signedObjectVersionId).not.toBe('')
    writeFileSync(path.join(own, 'results.json'), JSON.stringify([signed]))
    // A later write at the key: a version the job never wrote, now the current one.
    const key = signed!.signedObject.slice(`s3://${SOURCE_BUCKET}/`.length)
    await rig.s3.send(new PutObjectCommand({ Bucket: SOURCE_BUCKET, Key: key, Body: zipBytes(13) }))

    const run = await runVerify(
      { path: 'signed/versioned.zip', 'signing-results': 'results.json' },
      own
    )

    expect(run.errors).toEqual([])
    expect(resultsOf(run)[0]).toMatchObject({ status: 'verified' })
  })

  it("says how to leave out the record and checksums that 'signed/*' matches too, and passes without them", async () => {
    const all = await runVerify({ path: 'signed/*' })
    expect(all.exitCode).toBe(1)
    expect(resultsOf(all).filter(result => result.status === 'failed')).toEqual([
      expect.objectContaining({
        path: `signed/${ARTIFACT}.sha256`,
        check: 'record',
        reason: expect.stringContaining(
          "If it is the checksums file a signing step wrote beside its record, which is not signed itself, leave it out of 'path' with a line such as '!**/*.sha256'"
        )
      }),
      expect.objectContaining({
        path: RECORD,
        check: 'record',
        reason: expect.stringContaining(
          "It looks like a signing record, which is not signed itself: leave it out of 'path' with a line such as '!**/*.signing.json'"
        )
      })
    ])

    const signedOnly = await runVerify({ path: 'signed/*\n!**/*.signing.json\n!**/*.sha256' })
    expect(signedOnly.errors).toEqual([])
    expect(resultsOf(signedOnly)).toHaveLength(4)
  })

  it("fails a file changed after signing, naming 'sha256'", async () => {
    const changed = workspaceWithCopies()
    writeFileSync(path.join(changed, 'signed/function.zip'), zipBytes(9))
    const run = await runVerify({ path: 'signed/function.zip' }, changed)
    expect(run.exitCode).toBe(1)
    expect(run.errors).toEqual([
      expect.stringMatching(
        /^signed\/function\.zip: failed 'sha256': it is not the file that was signed as 'function\.zip'/
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
    // As if the job had completed just now: its time passes the object, so its hash is what fails.
    const run = await withJobTimes(
      resultOf('signed/layer.zip').jobId,
      job => ({ createdAt: job.createdAt, completedAt: Date.now() / 1000 }),
      () => runVerify({ path: 'signed/layer.zip' }, replaced)
    )
    expect(run.exitCode).toBe(1)
    expect(resultsOf(run)[0]).toMatchObject({
      check: 'signedObject',
      reason: expect.stringContaining(`the signed object ${signedObject} has the SHA-256`)
    })
  })

  it("fails a file whose signed object was replaced with it after the job, naming 'signedObject'", async () => {
    // An hour after signing, someone who may write the bucket puts their own file at the signed
    // object's key, and hands it out with a record that names its SHA-256: the file, the record
    // and S3 agree, but S3 says the object was written after the job completed.
    const forged = zipBytes(8)
    const { signedObject, jobId } = resultOf('signed/replaced.zip')
    const key = signedObject.slice(`s3://${DESTINATION_BUCKET}/`.length)
    const recordPath = `signed/${ARTIFACT}.signing.json`
    const record = JSON.parse(readFileSync(path.join(workspace, recordPath), 'utf8')) as {
      results: Array<{ name: string; sha256: string }>
    }
    const entry = record.results.find(result => result.name === 'replaced.zip')!
    entry.sha256 = createHash('sha256').update(forged).digest('hex')
    const handedOut = workspaceWithCopies({
      'signed/replaced.zip': forged,
      [recordPath]: Buffer.from(JSON.stringify(record))
    })
    await rig.s3.send(new PutObjectCommand({ Bucket: DESTINATION_BUCKET, Key: key, Body: forged }))
    const hour = 3600
    const run = await withJobTimes(
      jobId,
      job => ({ createdAt: job.createdAt - hour, completedAt: (job.completedAt ?? 0) - hour }),
      () => runVerify({ path: 'signed/replaced.zip' }, handedOut)
    )
    expect(run.exitCode).toBe(1)
    expect(resultsOf(run)[0]).toMatchObject({
      status: 'failed',
      check: 'signedObject',
      reason: expect.stringMatching(
        new RegExp(
          `^the signed object ${escapeRegExp(signedObject)} was written at \\S+, not while job ${jobId} ran \\(\\S+ to \\S+\\): it was put there before the job or replaced since`
        )
      )
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

  it("fails a file signed by a profile that trusted-profiles does not name, naming 'trustedProfile'", async () => {
    const other = `arn:aws:signer:us-east-1:${MOTO_ACCOUNT}:/signing-profiles/someone_elses_profile`
    const run = await runVerify({ path: 'signed/function.zip', 'trusted-profiles': other })
    expect(run.exitCode).toBe(1)
    expect(resultsOf(run)[0]).toMatchObject({ check: 'trustedProfile' })
    // The profile that did sign, named by its ARN, is trusted: every version of it.
    const signer = `arn:aws:signer:us-east-1:${MOTO_ACCOUNT}:/signing-profiles/${PROFILE}`
    const trusted = await runVerify({ path: 'signed/function.zip', 'trusted-profiles': signer })
    expect(trusted.errors).toEqual([])
    expect(trusted.exitCode).toBe(0)
  })

  it('refuses signing-results that is not a record, naming the input', async () => {
    writeFileSync(path.join(workspace, 'not-a-record.json'), '{"results": []}')
    const run = await runVerify({
      path: 'signed/layer.zip',
      'signing-results': 'not-a-record.json'
    })
    expect(run.exitCode).toBe(1)
    expect(run.errors).toEqual([
      "Input 'signing-results': 'not-a-record.json' is neither a signing record (an object with 'schemaVersion') nor a signing step's results (an array): give the <artifact-name>.signing.json that a signing step wrote, or its results-file."
    ])
  })

  it("refuses a file whose signature has expired since: valid before, 'expired' after", async () => {
    const own = workspaceWith({ 'build/lapsing.zip': zipBytes(11) })
    const signing = await runSigning(rig, own, { path: 'build/lapsing.zip' })
    expect(signing.errors).toEqual([])
    writeFileSync(
      path.join(own, 'results.json'),
      signing.runnerTemp[signing.outputs['results-file']!]!.toString()
    )
    const verify = () =>
      runVerify({ path: 'signed/lapsing.zip', 'signing-results': 'results.json' }, own)
    expect((await verify()).exitCode).toBe(0)

    // Time passes past the signature's validity: the service now reports an expiry gone by.
    const job = rig.signer.jobs.find(candidate => candidate.jobId === signing.outputs['job-id'])!
    const lapsed = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000)
    ;(job as { signatureExpiresAt?: Date }).signatureExpiresAt = lapsed
    const run = await verify()
    expect(run.exitCode).toBe(1)
    expect(resultsOf(run)[0]).toMatchObject({
      check: 'expired',
      reason: expect.stringContaining(`expired at ${lapsed.toISOString()}`)
    })
  })

  it("refuses a file whose profile version was revoked from before its job: 'revoked'", async () => {
    // A profile of its own: a revoked profile stays revoked for every later test.
    const profile = 'verify_profile_revoked'
    rig.signer.addProfile({ name: profile, platformId: 'AWSLambda-SHA384-ECDSA' })
    const own = workspaceWith({ 'build/own.zip': zipBytes(9) })
    const signing = await runSigning(rig, own, { path: 'build/own.zip', 'profile-name': profile })
    expect(signing.errors).toEqual([])
    const signed = JSON.parse(
      signing.runnerTemp[signing.outputs['results-file']!]!.toString()
    ) as typeof signingResults
    writeFileSync(path.join(own, 'results.json'), JSON.stringify(signed))
    const verify = () =>
      runVerify(
        { path: 'signed/own.zip', 'profile-name': profile, 'signing-results': 'results.json' },
        own
      )
    expect((await verify()).exitCode).toBe(0)

    const signer = new SignerClient({
      endpoint: rig.signer.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' }
    })
    const current = await signer.send(new GetSigningProfileCommand({ profileName: profile }))
    await signer.send(
      new RevokeSigningProfileCommand({
        profileName: profile,
        profileVersion: current.profileVersion!,
        reason: 'key compromised',
        effectiveTime: new Date(Date.now() - 60 * 60 * 1000)
      })
    )
    signer.destroy()
    const run = await verify()
    expect(run.exitCode).toBe(1)
    expect(resultsOf(run)[0]).toMatchObject({
      check: 'revoked',
      reason: expect.stringContaining(
        `signing profile version ${current.profileVersion} of '${profile}' is revoked for signatures from`
      )
    })
  })

  // Last: it revokes every job of the record.
  it('refuses every file after mode revoke revoked the jobs of the same signing record', async () => {
    const revoking = await runAction({
      workspace,
      inputs: { mode: 'revoke', 'signing-results': RECORD, reason: 'release withdrawn' },
      env: rig.env
    })
    expect(revoking.errors).toEqual([])
    expect(revoking.exitCode).toBe(0)
    const run = await runVerify({ path: 'signed/function.zip' })
    expect(run.exitCode).toBe(1)
    expect(resultsOf(run)[0]).toMatchObject({
      check: 'revoked',
      reason: expect.stringContaining("'release withdrawn'")
    })
  })
})

/** Another workspace with the signed files and the record, to change without touching the first. */
/** Runs `body` while DescribeSigningJob tells other times for job `jobId` (epoch seconds). */
async function withJobTimes<T>(
  jobId: string,
  times: (job: JobDescription) => Pick<JobDescription, 'createdAt' | 'completedAt'>,
  body: () => Promise<T>
): Promise<T> {
  rig.signer.faults.describeAnswer = answer =>
    answer.jobId === jobId ? { ...answer, ...times(answer) } : answer
  try {
    return await body()
  } finally {
    rig.signer.faults.describeAnswer = null
  }
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

function workspaceWithCopies(extra: Record<string, Buffer> = {}): string {
  const files: Record<string, Buffer> = {}
  const names = ['function.zip', 'layer.zip', 'replaced.zip', 'revoked.zip']
  for (const name of [...names, `${ARTIFACT}.signing.json`]) {
    files[`signed/${name}`] = readFileSync(path.join(workspace, 'signed', name))
  }
  return workspaceWith({ ...files, ...extra })
}

/** The artifact's entries written under `directory`, as actions/download-artifact does. */
function unzipInto(bytes: Buffer, directory: string): void {
  const zip = path.join(mkdtempSync(path.join(tmpdir(), 'artifact-')), 'artifact.zip')
  writeFileSync(zip, bytes)
  mkdirSync(directory, { recursive: true })
  execFileSync('unzip', ['-q', zip, '-d', directory])
}
