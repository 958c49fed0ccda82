/**
 * Transfers that go wrong after S3 answered: connections that stall, reset or trickle mid-body, a
 * signed object larger than any signature makes, a file that changes while it is uploaded, and a
 * multipart upload that lib-storage aborts itself. The action retries what a retry can mend,
 * stops what would never end, and reports only the bytes Signer signed.
 */
import { createHash } from 'node:crypto'
import { appendFileSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { ListMultipartUploadsCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3'
import { MOTO_ACCOUNT } from '../rig/moto.js'
import { SOURCE_BUCKET, runSigning, startRig, type Rig } from '../rig/rig.js'
import type { ActionRun } from '../rig/run-action.js'
import type { ProxiedRequest, S3FaultProxy } from '../rig/s3-fault-proxy.js'
import { signedBytesOf } from '../rig/signer-service.js'
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

const SIGNED_GET = { method: 'GET', path: /^\/release-signed\/signed\// }
const FILE = zipBytes(5)
/** What the action allows a signed object: the upload plus 1 MiB (SIGNATURE_ALLOWANCE_BYTES). */
const MAX_SIGNED = FILE.length + 1024 * 1024

type Result = { path: string; status: string; unsignedSha256: string; sha256: string }
const resultsOf = (run: ActionRun) => JSON.parse(run.outputs.results ?? '[]') as Result[]

function s3Requests(): ProxiedRequest[] {
  return proxy.requests.slice(firstRequest)
}

function signedGets(): ProxiedRequest[] {
  return s3Requests().filter(
    request => request.method === 'GET' && SIGNED_GET.path.test(request.path)
  )
}

async function signOne(
  inputs: Record<string, string> = {},
  files: Record<string, Buffer> = { 'dist/app.zip': FILE }
): Promise<ActionRun & { workspace: string }> {
  const workspace = workspaceWith(files)
  const run = await runSigning(
    rig,
    workspace,
    { path: 'dist/*.zip', ...inputs },
    { timeoutMs: 60_000 }
  )
  return { ...run, workspace }
}

function outputFiles(run: { workspace: string }): string[] {
  return filesUnder(path.join(run.workspace, 'signed'))
}

/** From the first request that matched to the end of the run. */
function msAfterFirst(run: ActionRun, requests: ProxiedRequest[]): number {
  return run.spawnedAtMs + run.durationMs - requests[0]!.atMs
}

describe('a download that breaks off after the headers', () => {
  it.each(['stall', 'reset-mid-body', 'shorten'] as const)(
    'is retried from the start after one %s, and the file is signed',
    async fault => {
      proxy.failNext(1, fault, SIGNED_GET)

      const run = await signOne({ 'timeout-seconds': '6' })

      expect(run.errors).toEqual([])
      expect(run.exitCode).toBe(0)
      const job = rig.signer.jobs[0]!
      expect(readFileSync(path.join(run.workspace, 'signed/app.zip'))).toEqual(
        signedBytesOf(FILE, job.jobId)
      )
      expect(outputFiles(run)).toEqual(['app.zip'])
      expect(signedGets().map(request => request.fault)).toEqual([fault, undefined])
      expect(rig.signer.jobs).toHaveLength(1)
    }
  )

  it.each(['stall', 'reset-mid-body'] as const)(
    'fails naming the download when every attempt gets %s, in bounded time and with nothing left',
    async fault => {
      proxy.failNext(100, fault, SIGNED_GET)

      const run = await signOne({ 'timeout-seconds': '6' })

      expect(run.exitCode).toBe(1)
      expect(run.errors).toEqual([
        expect.stringMatching(
          /^dist\/app\.zip \(job .+\): Downloading the signed object s3:\/\/release-signed\/signed\/\S+ (failed: the transfer broke off after .+ \(\d attempts\)|did not finish within 7\.1 s)/
        )
      ])
      const gets = signedGets()
      expect(gets.length).toBeGreaterThanOrEqual(2)
      expect(gets.length).toBeLessThanOrEqual(5)
      // No retry starts after timeout-seconds (6 s); the transfer deadline is 7.1 s.
      const elapsed = msAfterFirst(run, gets)
      console.log(
        `${fault} on every attempt: ${gets.length} GETs, failed ${elapsed} ms after the first`
      )
      expect(elapsed).toBeLessThan(7053 + 2000)
      expect(outputFiles(run)).toEqual([])
    }
  )

  it('stops a trickle at the transfer deadline, naming it', async () => {
    proxy.failNext(1, 'trickle', SIGNED_GET, { intervalMs: 1500 })

    const run = await signOne({ 'timeout-seconds': '5' })

    expect(run.exitCode).toBe(1)
    // timeout-seconds plus the time the most the signed object may hold takes at 1 MB/s.
    const deadlineMs = 5000 + Math.ceil(MAX_SIGNED / 1000)
    expect(run.errors).toEqual([
      expect.stringMatching(
        new RegExp(
          `^dist/app\\.zip \\(job .+\\): Downloading the signed object s3://release-signed/signed/\\S+ did not finish within ${Math.round(deadlineMs / 100) / 10} s \\(timeout-seconds plus the time its size takes at 1 MB/s`
        )
      )
    ])
    const elapsed = msAfterFirst(run, signedGets())
    console.log(`a trickle of 1 byte per 1.5 s, timeout-seconds 5: failed after ${elapsed} ms`)
    expect(elapsed).toBeGreaterThanOrEqual(deadlineMs - 100)
    expect(elapsed).toBeLessThan(deadlineMs + 2000)
    expect(signedGets()).toHaveLength(1)
    expect(outputFiles(run)).toEqual([])
  })
})

describe('a signed object larger than a signature can make', () => {
  it('is refused from its Content-Length, before a byte is written', async () => {
    proxy.failNext(1, 'inflate', SIGNED_GET, { extraBytes: 1024 ** 3 })

    const run = await signOne()

    expect(run.exitCode).toBe(1)
    const job = rig.signer.jobs[0]!
    const size = signedBytesOf(FILE, job.jobId).length + 1024 ** 3
    expect(run.errors).toEqual([
      `dist/app.zip (job ${job.jobId}): Downloading the signed object s3://release-signed/${job.signedObject!.key} failed: it is ${size} bytes, more than ${MAX_SIGNED} bytes, the most a signature can make of the upload (its size plus 1 MiB); nothing was written`
    ])
    expect(signedGets()).toHaveLength(1)
    expect(outputFiles(run)).toEqual([])
  })

  it('is stopped while it arrives when it declares no length', async () => {
    proxy.failNext(1, 'inflate', SIGNED_GET, { extraBytes: 64 * 1024 * 1024, declareLength: false })

    const run = await signOne()

    expect(run.exitCode).toBe(1)
    expect(run.errors).toEqual([
      expect.stringMatching(
        new RegExp(
          `^dist/app\\.zip \\(job .+\\): Downloading the signed object s3://release-signed/\\S+ failed: it sent more than ${MAX_SIGNED} bytes, the most a signature can make of the upload \\(its size plus 1 MiB\\); nothing was kept$`
        )
      )
    ])
    expect(signedGets()).toHaveLength(1)
    expect(outputFiles(run)).toEqual([])
  })
})

describe('what is reported as signed is what was signed', () => {
  it('fails a file that grows while it is uploaded, starts no job, and deletes the upload', async () => {
    // Five parts: lib-storage reads four, then waits for CreateMultipartUpload, held here until
    // the file has grown (its silence limit: 5 s); the fifth part is read after that.
    const original = zipBytes(9, 40 * 1024 * 1024)
    const workspace = workspaceWith({ 'dist/big.zip': original })
    proxy.failNext(1, 'hang', { method: 'POST', path: /\?uploads/ })
    const running = runSigning(
      rig,
      workspace,
      { path: 'dist/big.zip', 'timeout-seconds': '15' },
      { timeoutMs: 60_000 }
    )
    await until(() => s3Requests().some(request => request.status === 'hung'))
    const appended = Buffer.alloc(1024 * 1024, 0x41)
    appendFileSync(path.join(workspace, 'dist/big.zip'), appended)

    const run = await running

    expect(run.exitCode).toBe(1)
    const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')
    const grown = Buffer.concat([original, appended])
    expect(run.errors).toEqual([
      expect.stringMatching(
        new RegExp(
          `^dist/big\\.zip: The file changed while it was being uploaded: it held ${original.length} bytes with sha256 ${sha(original)} when it was hashed, but ${grown.length} bytes with sha256 ${sha(grown)} were uploaded\\. No signing job was started, and the upload s3://release-unsigned/\\S+ \\(version \\S+\\) was deleted\\.`
        )
      )
    ])
    expect(rig.signer.requests.filter(r => r.operation === 'StartSigningJob')).toHaveLength(0)
    const key = run.errors[0]!.match(/s3:\/\/release-unsigned\/(\S+) \(version/)![1]!
    const versions = await rig.s3.send(
      new ListObjectVersionsCommand({ Bucket: SOURCE_BUCKET, Prefix: key })
    )
    expect(versions.Versions ?? []).toEqual([])
    expect(versions.DeleteMarkers ?? []).toEqual([])
    expect(resultsOf(run)).toMatchObject([
      { path: 'dist/big.zip', status: 'failed', unsignedSha256: '', sha256: '' }
    ])
    const checksums = Object.entries(run.runnerTemp).find(([file]) => file.endsWith('.sha256'))
    expect(checksums?.[1].toString() ?? '').toBe('')
    expect(filesUnder(path.join(workspace, 'signed'))).toEqual([])
  })
})

describe('transfers that would take too long', () => {
  it('stops an upload at its deadline, naming it, though each attempt is still within its silence limit', async () => {
    proxy.failNext(100, 'hang', { method: 'PUT' })

    const run = await signOne({ 'timeout-seconds': '4' })

    expect(run.exitCode).toBe(1)
    const deadlineMs = 4000 + Math.ceil(FILE.length / 1000)
    expect(run.errors).toEqual([
      expect.stringMatching(
        new RegExp(
          `^dist/app\\.zip: Uploading to s3://release-unsigned/\\S+ did not finish within ${Math.round(deadlineMs / 100) / 10} s`
        )
      )
    ])
    const puts = s3Requests().filter(request => request.method === 'PUT')
    const elapsed = msAfterFirst(run, puts)
    expect(elapsed).toBeGreaterThanOrEqual(deadlineMs - 100)
    expect(elapsed).toBeLessThan(deadlineMs + 2000)
    expect(rig.signer.jobs).toHaveLength(0)
  })
})

describe('expected-bucket-owner on requests the action does not build itself', () => {
  it("is carried by lib-storage's AbortMultipartUpload after a part fails", async () => {
    // Three parts; the second is answered 500 until timeout-seconds of retries are spent.
    const workspace = workspaceWith({ 'dist/big.zip': zipBytes(3, 20 * 1024 * 1024) })
    proxy.failNext(100, 'internal-error', { method: 'PUT', path: /[?&]partNumber=2(&|$)/ })

    const run = await runSigning(
      rig,
      workspace,
      { path: 'dist/big.zip', 'timeout-seconds': '3', 'expected-bucket-owner': MOTO_ACCOUNT },
      { timeoutMs: 60_000 }
    )

    expect(run.exitCode).toBe(1)
    expect(run.errors[0]).toMatch(/Uploading to s3:\/\/release-unsigned\/.+ failed: InternalError/)
    const aborts = s3Requests().filter(
      request => request.method === 'DELETE' && /[?&]uploadId=/.test(request.path)
    )
    expect(aborts.length).toBeGreaterThanOrEqual(1)
    for (const abort of aborts) {
      expect(abort.headers['x-amz-expected-bucket-owner']).toBe(MOTO_ACCOUNT)
      expect(abort.status).toBe(204)
    }
    for (const request of s3Requests()) {
      expect(request.headers['x-amz-expected-bucket-owner']).toBe(MOTO_ACCOUNT)
    }
    const left = await rig.s3.send(new ListMultipartUploadsCommand({ Bucket: SOURCE_BUCKET }))
    expect(left.Uploads ?? []).toEqual([])
    expect(rig.signer.jobs).toHaveLength(0)
  })
})

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}
