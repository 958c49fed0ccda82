/**
 * The action in hostile and unlucky conditions: files a pull request controls, a service that
 * reuses tokens either way AWS services do. Endpoints that stop answering are in
 * trust-hangs.test.ts; matrix legs that share one account's quota in trust-quota.test.ts.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3'
import {
  DESTINATION_BUCKET,
  SOURCE_BUCKET,
  readObject,
  runSigning,
  startRig,
  type Rig
} from '../rig/rig.js'
import { sameRunAttempt, type ActionRun } from '../rig/run-action.js'
import type { TokenReuse } from '../rig/signer-faults.js'
import { signedBytesOf } from '../rig/signer-service.js'
import { filesUnder, workspaceWith, zipBytes } from './workspace.js'

let rig: Rig

beforeAll(async () => {
  rig = await startRig({ s3Proxy: true })
})
afterAll(async () => {
  await rig?.stop()
})
beforeEach(() => {
  rig.signer.reset()
  rig.signer.jobDurationMs = 0
  rig.proxy!.clearFaults()
})

type Result = { path: string; signedPath: string; jobId: string; status: string; error?: string }
const resultsOf = (run: ActionRun) => JSON.parse(run.outputs.results ?? '[]') as Result[]
const startRequests = () =>
  rig.signer.requests.filter(request => request.operation === 'StartSigningJob')

/** Workflow commands the runner would act on: every line it sees that starts with '::'. */
function commandsIn(stdout: string): string[] {
  return stdout
    .split(/\r\n|\r|\n/)
    .map(line => line.trimStart())
    .filter(line => line.startsWith('::'))
    .map(line => line.slice(2).split(/[ :]/, 1)[0] ?? '')
}

describe.each<TokenReuse>(['first-response', 'reject-different'])(
  'one signing job per distinct request when a reused token gets %s',
  tokenReuse => {
    beforeEach(() => {
      rig.signer.faults.tokenReuse = tokenReuse
    })

    it('signs identical bytes at two paths as two jobs, each file from its own', async () => {
      const bytes = zipBytes(7)
      const workspace = workspaceWith({
        'build/linux/app.zip': bytes,
        'build/darwin/app.zip': bytes
      })

      const run = await runSigning(rig, workspace, {
        path: 'build/**/*.zip',
        'max-concurrency': '1'
      })

      expect(run.errors).toEqual([])
      expect(run.exitCode).toBe(0)
      expect(rig.signer.jobs).toHaveLength(2)
      const keys = rig.signer.jobs.map(job => job.source.key)
      expect(keys.some(key => key.endsWith('/linux/app.zip'))).toBe(true)
      expect(keys.some(key => key.endsWith('/darwin/app.zip'))).toBe(true)
      for (const result of resultsOf(run)) {
        expect(result.status).toBe('signed')
        expect(readFileSync(path.join(workspace, result.signedPath))).toEqual(
          signedBytesOf(bytes, result.jobId)
        )
      }
    })

    it('signs the same file again for a second step of the same run attempt, into its own destination', async () => {
      const workspace = workspaceWith({ 'build/app.zip': zipBytes(8) })
      const env = sameRunAttempt()

      const first = await runSigning(
        rig,
        workspace,
        { path: 'build/app.zip', 'destination-prefix': 'first/', 'output-dir': 'signed-a' },
        { env }
      )
      const second = await runSigning(
        rig,
        workspace,
        { path: 'build/app.zip', 'destination-prefix': 'second/', 'output-dir': 'signed-b' },
        { env }
      )

      expect([first.exitCode, second.exitCode]).toEqual([0, 0])
      expect(rig.signer.jobs.map(job => job.destination.prefix)).toEqual(['first/', 'second/'])
      const [, again] = rig.signer.jobs
      expect(second.outputs['job-id']).toBe(again?.jobId)
      expect(second.outputs['signed-object']).toBe(
        `s3://${DESTINATION_BUCKET}/second/${again?.jobId}.zip`
      )
      const signed = signedBytesOf(zipBytes(8), again!.jobId)
      expect(await readObject(rig.s3, DESTINATION_BUCKET, `second/${again?.jobId}.zip`)).toEqual(
        signed
      )
      expect(readFileSync(path.join(workspace, 'signed-b', 'app.zip'))).toEqual(signed)
    })

    it('keeps one job when StartSigningJob is retried after a 500 that came after the job was made', async () => {
      rig.signer.faults.startErrors.push('after')
      const workspace = workspaceWith({ 'build/app.zip': zipBytes(9) })

      const run = await runSigning(rig, workspace, { path: 'build/app.zip' })

      expect(run.exitCode).toBe(0)
      expect(startRequests()).toHaveLength(2)
      expect(rig.signer.jobs).toHaveLength(1)
      expect(run.outputs['job-id']).toBe(rig.signer.jobs[0]?.jobId)
    })
  }
)

describe('file names and service messages never become workflow commands or markup', () => {
  it.each([
    ['a warning', 'dist/a\n::warning::forged.zip', 'dist/a\\n::warning::forged.zip'],
    ['a notice after CR', 'dist/a\r::notice::forged.zip', 'dist/a\\r::notice::forged.zip'],
    [
      'an output',
      'dist/a\n::set-output name=artifact-url::https:__evil.zip',
      'dist/a\\n::set-output name=artifact-url::https:__evil.zip'
    ],
    ['a mask', 'dist/a\n::add-mask::release.zip', 'dist/a\\n::add-mask::release.zip'],
    ['a stop', 'dist/a\n::stop-commands::TOKEN.zip', 'dist/a\\n::stop-commands::TOKEN.zip']
  ])('refuses a name that would inject %s, before any request', async (_, name, shown) => {
    const workspace = workspaceWith({ [name]: zipBytes(1), 'dist/fine.zip': zipBytes(2) })
    const s3Before = rig.proxy!.requests.length

    const run = await runSigning(rig, workspace, { path: 'dist/*.zip' })

    expect(run.exitCode).toBe(1)
    expect(run.errors).toEqual([
      `Input 'path': '${shown}' has a control character (a line break, tab or other) in the path, which could forge workflow commands in the log. Rename it, or leave it out with a '!' pattern.`
    ])
    expect(commandsIn(run.stdout).filter(command => command !== 'debug')).toEqual(['error'])
    expect(run.outputs['artifact-url']).toBeUndefined()
    expect(rig.signer.requests).toHaveLength(0)
    expect(rig.proxy!.requests.length).toBe(s3Before)
  })

  it("prints a service's reason on one line, its control characters escaped", async () => {
    rig.signer.faults.failNextJob = 'bad zip\n::warning::forged\r::set-output name=artifact-url::x'
    const workspace = workspaceWith({ 'dist/app.zip': zipBytes(3) })

    const run = await runSigning(rig, workspace, { path: 'dist/app.zip' })

    expect(run.exitCode).toBe(1)
    const jobId = rig.signer.jobs[0]?.jobId
    expect(run.errors).toEqual([
      `dist/app.zip (job ${jobId}): Signing job ${jobId} for dist/app.zip failed: bad zip\\n::warning::forged\\r::set-output name=artifact-url::x`
    ])
    expect(new Set(commandsIn(run.stdout))).toEqual(
      new Set(['debug', 'group', 'endgroup', 'error'])
    )
    expect(run.outputs['artifact-url']).toBeUndefined()
  })

  it('signs a file named like markup and shows its name as text in the step summary', async () => {
    const name = 'dist/<img src=x onerror=alert(1)>.zip'
    const workspace = workspaceWith({ [name]: zipBytes(4) })

    const run = await runSigning(rig, workspace, { path: 'dist/*.zip' })

    expect(run.exitCode).toBe(0)
    expect(filesUnder(path.join(workspace, 'signed'))).toEqual(['<img src=x onerror=alert(1)>.zip'])
    expect(run.summary).toContain('signed/&lt;img src=x onerror=alert(1)&gt;.zip')
    expect(run.summary).not.toContain('<img')
  })

  it('signs a file whose name takes all 255 bytes a name may have', async () => {
    const name = `${'n'.repeat(251)}.zip`
    const workspace = workspaceWith({ [`dist/${name}`]: zipBytes(5) })

    const run = await runSigning(rig, workspace, { path: 'dist/*.zip' })

    expect(run.errors).toEqual([])
    expect(filesUnder(path.join(workspace, 'signed'))).toEqual([name])
  })
})

describe('cancellation and foreign buckets', () => {
  it('aborts the multipart upload under way when the runner cancels the step', async () => {
    rig.proxy!.failNext(100, 'hang', { method: 'PUT', path: /partNumber=/ })
    const workspace = workspaceWith({ 'dist/big.zip': zipBytes(1, 20 * 1024 * 1024) })
    const before = rig.proxy!.requests.length
    const partHung = () =>
      rig.proxy!.requests.slice(before).some(request => request.status === 'hung')

    const run = await runSigning(
      rig,
      workspace,
      { path: 'dist/big.zip' },
      {
        onSpawn: child => {
          const poll = setInterval(() => {
            if (!partHung()) return
            clearInterval(poll)
            child.kill('SIGINT')
          }, 50)
          child.once('exit', () => clearInterval(poll))
        }
      }
    )

    expect(run.exitCode).toBe(1)
    const aborts = rig
      .proxy!.requests.slice(before)
      .filter(request => request.method === 'DELETE' && /uploadId=/.test(request.path))
    expect(aborts.map(request => request.status)).toEqual([204])
    const uploads = await rig.s3.send(new ListMultipartUploadsCommand({ Bucket: SOURCE_BUCKET }))
    expect(uploads.Uploads ?? []).toEqual([])
    expect(rig.signer.jobs).toHaveLength(0)
    expect(filesUnder(path.join(workspace, 'signed'))).toEqual([])
  })

  it('starts no upload, job or download after the runner cancels, while a slow abort is under way', async () => {
    rig.proxy!.failNext(100, 'hang', { method: 'PUT', path: /partNumber=/ })
    rig.proxy!.failNext(1, 'delay', { method: 'DELETE', path: /uploadId=/ }, { delayMs: 1500 })
    const workspace = workspaceWith({
      'dist/a.zip': zipBytes(1, 20 * 1024 * 1024),
      'dist/b.zip': zipBytes(2),
      'dist/c.zip': zipBytes(3, 12 * 1024 * 1024)
    })
    const before = rig.proxy!.requests.length
    let signalledAt = Infinity
    const partHung = () =>
      rig.proxy!.requests.slice(before).some(request => request.status === 'hung')

    const run = await runSigning(
      rig,
      workspace,
      { path: 'dist/*.zip', 'max-concurrency': '1' },
      {
        onSpawn: child => {
          const poll = setInterval(() => {
            if (!partHung()) return
            clearInterval(poll)
            signalledAt = Date.now()
            child.kill('SIGINT')
          }, 50)
          child.once('exit', () => clearInterval(poll))
        }
      }
    )

    expect(run.exitCode).toBe(1)
    // Only a.zip's abort, slow as it was, went out after the signal: b.zip and c.zip never started.
    const afterSignal = rig
      .proxy!.requests.slice(before)
      .filter(request => request.atMs >= signalledAt && request.status !== 'hung')
    expect(afterSignal.map(request => `${request.method} ${request.status}`)).toEqual([
      'DELETE 204'
    ])
    expect(startRequests()).toHaveLength(0)
    const uploads = await rig.s3.send(new ListMultipartUploadsCommand({ Bucket: SOURCE_BUCKET }))
    expect(uploads.Uploads ?? []).toEqual([])
    expect(filesUnder(path.join(workspace, 'signed'))).toEqual([])
  })

  it('says the owner check failed, and uploads nothing, when the bucket belongs to another account', async () => {
    const workspace = workspaceWith({ 'dist/app.zip': zipBytes(2) })
    const before = rig.proxy!.requests.length

    const run = await runSigning(rig, workspace, {
      path: 'dist/app.zip',
      'expected-bucket-owner': '111122223333'
    })

    expect(run.exitCode).toBe(1)
    expect(run.errors).toEqual([
      "The owner check of source bucket 'release-unsigned' failed: S3 answered GetBucketVersioning with ExpectedBucketOwner 111122223333 by AccessDenied: Access Denied. Either the bucket is not owned by account 111122223333 (check 'expected-bucket-owner' and 'source-bucket'), or the role lacks s3:GetBucketVersioning, which the owner check needs."
    ])
    expect(rig.proxy!.requests.slice(before).filter(request => request.method === 'PUT')).toEqual(
      []
    )
    expect(startRequests()).toHaveLength(0)
  })
})

describe('credentials refused, and an answer without an expiry', () => {
  it('fails at once when AWS refuses the signature, saying to check credentials and Region', async () => {
    rig.signer.faults.refuseSignature.add('GetSigningProfile')
    const before = rig.proxy!.requests.length

    const run = await runSigning(rig, workspaceWith({ 'dist/app.zip': zipBytes(9) }), {
      path: 'dist/app.zip'
    })

    expect(run.exitCode).toBe(1)
    expect(run.errors).toEqual([
      expect.stringMatching(
        /^Preflight signer:GetSigningProfile failed: InvalidSignatureException: The request signature we calculated does not match .* — AWS refused the request's credentials or signature: check that the job's credentials are current .* and that 'region' is the Region of the profile and buckets\.$/
      )
    ])
    // Not read as a missing permission: no "skipped" warning, nothing uploaded.
    expect(run.warnings).toEqual([])
    expect(rig.proxy!.requests.slice(before).filter(request => request.method === 'PUT')).toEqual(
      []
    )
  })

  it('does not retry a StartSigningJob whose signature is refused', async () => {
    rig.signer.faults.refuseSignature.add('StartSigningJob')

    const run = await runSigning(rig, workspaceWith({ 'dist/app.zip': zipBytes(10) }), {
      path: 'dist/app.zip'
    })

    expect(run.exitCode).toBe(1)
    expect(run.errors[0]).toContain('InvalidSignatureException: The request signature')
    expect(run.errors[0]).toContain("check that the job's credentials are current")
    expect(startRequests()).toHaveLength(1)
  })

  it('warns, naming the job, when a signed job has no signatureExpiresAt', async () => {
    rig.signer.faults.omitSignatureExpiry = true

    const run = await runSigning(rig, workspaceWith({ 'dist/app.zip': zipBytes(11) }), {
      path: 'dist/app.zip'
    })

    expect(run.exitCode).toBe(0)
    const jobId = rig.signer.jobs[0]!.jobId
    expect(run.warnings).toEqual([
      `Signing job ${jobId} for dist/app.zip succeeded without a signatureExpiresAt: its signature expiry is unknown and left empty in the outputs. See aws signer describe-signing-job --job-id ${jobId}`
    ])
    expect(run.outputs['signature-expires-at']).toBe('')
  })
})
