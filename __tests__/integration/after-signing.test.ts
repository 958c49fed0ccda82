/**
 * What a release needs after the signature itself: who signed, in the form Lambda pins; the
 * signed files' checksums for provenance; and a bucket that does not keep every upload.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { ListObjectVersionsCommand } from '@aws-sdk/client-s3'
import { GetSigningProfileCommand, SignerClient } from '@aws-sdk/client-signer'
import { PROFILE, SOURCE_BUCKET, runSigning, startRig, type Rig } from '../rig/rig.js'
import type { ActionRun } from '../rig/run-action.js'
import { workspaceWith, zipBytes } from './workspace.js'

let rig: Rig
let signer: SignerClient

beforeAll(async () => {
  rig = await startRig({ s3Proxy: true })
  signer = new SignerClient({
    endpoint: rig.signer.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' }
  })
})
afterAll(async () => {
  signer?.destroy()
  await rig?.stop()
})
beforeEach(() => {
  rig.signer.reset()
  rig.signer.jobDurationMs = 0
  rig.proxy!.clearFaults()
})

type Result = Record<string, string | undefined>
const resultsOf = (run: ActionRun) => JSON.parse(run.outputs.results ?? '[]') as Result[]
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

/** The profile version ARN as the service holds it. */
async function servicesProfileVersionArn(): Promise<string> {
  const profile = await signer.send(new GetSigningProfileCommand({ profileName: PROFILE }))
  return profile.profileVersionArn ?? ''
}

describe('who signed, as Lambda code signing names it', () => {
  it.each([
    ['read by preflight', [] as string[]],
    ['built from the job when preflight may not read the profile', ['GetSigningProfile']]
  ])('gives the profile version ARN (%s) and the job ARN', async (_, denied) => {
    for (const operation of denied) rig.signer.faults.deny.add(operation)
    const files = { 'build/a.zip': zipBytes(1), 'build/b.zip': zipBytes(2) }
    const workspace = workspaceWith(files)

    const run = await runSigning(rig, workspace, { path: 'build/*.zip' })
    rig.signer.faults.deny.clear()

    expect(run.exitCode).toBe(0)
    const versionArn = await servicesProfileVersionArn()
    expect(versionArn).toMatch(
      /^arn:aws:signer:us-east-1:\d{12}:\/signing-profiles\/release_profile\/\w+$/
    )
    expect(run.outputs['profile-version-arn']).toBe(versionArn)
    const results = resultsOf(run)
    for (const result of results) {
      const job = rig.signer.jobs.find(candidate => candidate.jobId === result.jobId)!
      expect(result.jobArn).toBe(
        `arn:aws:signer:us-east-1:${job.profileOwner}:/signing-jobs/${job.jobId}`
      )
      expect(result.profileVersionArn).toBe(versionArn)
      expect(result.platformId).toBe(job.platformId)
      const original = files[result.path as keyof typeof files]!
      expect(result.unsignedSha256).toBe(sha256(original))
      expect(result.sha256).toBe(sha256(readFileSync(path.join(workspace, result.signedPath!))))
    }
    expect(run.outputs['signing-job-arn']).toBe(results[0]?.jobArn)
    // One code signing config in the summary, listing the version once.
    expect(run.summary).toContain('Lambda code signing')
    expect(run.summary.split(versionArn)).toHaveLength(3) // once in YAML, once in the CLI
  })
})

describe('checksums of the signed files', () => {
  it('writes them in sha256sum format, which sha256sum -c accepts in output-dir', async () => {
    const workspace = workspaceWith({
      'dist/linux/app.zip': zipBytes(3),
      'dist/mac/app.zip': zipBytes(4)
    })

    const run = await runSigning(rig, workspace, { path: 'dist/**/*.zip' })

    expect(run.exitCode).toBe(0)
    const checksumsFile = path.join(workspace, 'SHA256SUMS')
    const checksums = run.runnerTemp[run.outputs.checksums!]!.toString()
    writeFileSync(checksumsFile, checksums)
    const names = checksums
      .trim()
      .split('\n')
      .map(line => line.split('  ')[1])
    expect(names.sort()).toEqual(['linux/app.zip', 'mac/app.zip'])
    const verified = execFileSync('sha256sum', ['-c', checksumsFile], {
      cwd: path.join(workspace, 'signed'),
      encoding: 'utf8'
    })
    expect(verified).toBe('linux/app.zip: OK\nmac/app.zip: OK\n')
  })
})

describe('delete-unsigned', () => {
  async function versionsOf(key: string): Promise<string[]> {
    const listed = await rig.s3.send(
      new ListObjectVersionsCommand({ Bucket: SOURCE_BUCKET, Prefix: key })
    )
    return [
      ...(listed.Versions ?? []).filter(version => version.Key === key).map(v => v.VersionId!),
      ...(listed.DeleteMarkers ?? []).filter(marker => marker.Key === key).map(() => 'marker')
    ].sort()
  }

  const sameAttempt = () => ({
    GITHUB_RUN_ID: String(3_000_000_000 + Math.floor(Math.random() * 1_000_000)),
    GITHUB_RUN_ATTEMPT: '1'
  })

  it('deletes exactly the version it uploaded, leaving other versions of the key', async () => {
    const workspace = workspaceWith({ 'dist/app.zip': zipBytes(5) })
    const env = sameAttempt()
    // A first step keeps its upload; a second step of the same attempt uploads to the same key.
    const kept = await runSigning(
      rig,
      workspace,
      { path: 'dist/app.zip', 'output-dir': 'one' },
      { env }
    )
    const deleted = await runSigning(
      rig,
      workspace,
      { path: 'dist/app.zip', 'output-dir': 'two', 'delete-unsigned': 'true' },
      { env }
    )

    expect([kept.exitCode, deleted.exitCode]).toEqual([0, 0])
    const [first, second] = resultsOf(kept).concat(resultsOf(deleted))
    const key = rig.signer.jobs[0]!.source.key
    expect(rig.signer.jobs[1]!.source.key).toBe(key)
    expect(await versionsOf(key)).toEqual([first!.sourceVersionId])
    expect(second!.sourceVersionId).not.toBe(first!.sourceVersionId)
    expect(deleted.stdout).toContain(`deleted the unsigned upload s3://${SOURCE_BUCKET}/${key}`)
  })

  it('deletes the upload of a job that failed, but not of one still running at the timeout', async () => {
    rig.signer.faults.failNextJob = 'Signing failed: not a zip'
    const failed = await runSigning(rig, workspaceWith({ 'a.zip': zipBytes(6) }), {
      path: 'a.zip',
      'delete-unsigned': 'true'
    })
    rig.signer.faults.neverComplete = true
    const running = await runSigning(rig, workspaceWith({ 'b.zip': zipBytes(7) }), {
      path: 'b.zip',
      'delete-unsigned': 'true',
      'timeout-seconds': '2'
    })

    expect([failed.exitCode, running.exitCode]).toEqual([1, 1])
    const [failedJob, runningJob] = rig.signer.jobs
    expect(await versionsOf(failedJob!.source.key)).toEqual([])
    expect(await versionsOf(runningJob!.source.key)).toEqual([runningJob!.source.version])
  })

  it('warns, naming the object, when the delete fails, and still succeeds', async () => {
    rig.proxy!.failNext(100, 'internal-error', { method: 'DELETE' })

    // A budget of 6 s ends the retries after 3 or 4 attempts instead of 5 (about 11 s of back-off).
    const run = await runSigning(rig, workspaceWith({ 'c.zip': zipBytes(8) }), {
      path: 'c.zip',
      'delete-unsigned': 'true',
      'timeout-seconds': '6'
    })

    expect(run.exitCode).toBe(0)
    const job = rig.signer.jobs[0]!
    expect(run.warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Could not delete the unsigned upload s3://${SOURCE_BUCKET}/${job.source.key.replace(/[.*()]/g, '\\$&')} \\(version ${job.source.version}\\): InternalError`
        )
      )
    ])
    expect(await versionsOf(job.source.key)).toEqual([job.source.version])
  })
})
