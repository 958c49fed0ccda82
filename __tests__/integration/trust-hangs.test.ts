/**
 * Endpoints that stop answering, through dist/index.js: a request that gets no answer fails its
 * attempt after the silence limit and is retried while timeout-seconds allows; the step then fails
 * in bounded time naming the call and the endpoint, or signs when a retry is answered.
 */
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { runSigning, startRig, type Rig } from '../rig/rig.js'
import type { ActionRun } from '../rig/run-action.js'
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

describe('an endpoint that stops answering fails the step in bounded time, naming the call', () => {
  const fiveSeconds = { 'timeout-seconds': '5' }

  async function signOne(
    inputs: Record<string, string> = fiveSeconds,
    bytes = 4096
  ): Promise<ActionRun & { workspace: string }> {
    const workspace = workspaceWith({ 'dist/app.zip': zipBytes(6, bytes) })
    const run = await runSigning(rig, workspace, { path: 'dist/app.zip', ...inputs })
    return { ...run, workspace }
  }

  function expectFailedWithin(run: ActionRun & { workspace: string }, message: RegExp): void {
    expect(run.exitCode).toBe(1)
    expect(run.durationMs).toBeLessThan(120_000)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(message)
    expect(filesUnder(path.join(run.workspace, 'signed'))).toEqual([])
  }

  it('StartSigningJob', async () => {
    rig.signer.faults.hang.add('StartSigningJob')
    const run = await signOne()
    expectFailedWithin(
      run,
      /^dist\/app\.zip: StartSigningJob for s3:\/\/.+ failed: TimeoutError: StartSigningJob got no answer from 127\.0\.0\.1:\d+ in 2 s \(\d attempts\)$/
    )
    console.log(`StartSigningJob hung: the step failed after ${run.durationMs} ms`)
  })

  it('GetSigningProfile', async () => {
    rig.signer.faults.hang.add('GetSigningProfile')
    const s3Before = rig.proxy!.requests.length
    const run = await signOne()
    expectFailedWithin(
      run,
      /^Preflight signer:GetSigningProfile failed: TimeoutError: GetSigningProfile got no answer from 127\.0\.0\.1:\d+ in 2 s/
    )
    expect(
      rig.proxy!.requests.slice(s3Before).filter(request => request.method === 'PUT')
    ).toHaveLength(0)
  })

  it('PutObject', async () => {
    rig.proxy!.failNext(100, 'hang', { method: 'PUT' })
    // 2 MB: the upload's deadline (timeout-seconds plus 2 s at 1 MB/s) then comes well after the
    // retries have given up (about 4.5 s), even on a busy machine; with a small file only half a
    // second separated them, and a slow runner met the deadline first.
    const run = await signOne(fiveSeconds, 2_000_000)
    expectFailedWithin(
      run,
      /^dist\/app\.zip: Uploading to s3:\/\/release-unsigned\/.+ failed: TimeoutError: PutObject got no answer from 127\.0\.0\.1:\d+ in 2 s/
    )
    expect(rig.signer.jobs).toHaveLength(0)
  })

  it('GetObject of the signed object', async () => {
    rig.proxy!.failNext(100, 'hang', { method: 'GET', path: /\/signed\// })
    const run = await signOne()
    expectFailedWithin(
      run,
      /^dist\/app\.zip \(job .+\): Downloading the signed object s3:\/\/release-signed\/signed\/.+ failed: TimeoutError: GetObject got no answer from 127\.0\.0\.1:\d+ in 2 s/
    )
  })

  it.each([
    ['PutObject', { method: 'PUT' }],
    ['GetObject', { method: 'GET', path: /\/signed\// }]
  ])('retries a %s that got no answer once, and signs', async (_, match) => {
    const before = rig.proxy!.requests.length
    rig.proxy!.failNext(1, 'hang', match)
    const run = await signOne({ 'timeout-seconds': '6' })
    expect(run.errors).toEqual([])
    expect(filesUnder(path.join(run.workspace, 'signed'))).toEqual(['app.zip'])
    const hung = rig.proxy!.requests.slice(before).filter(request => request.status === 'hung')
    expect(hung).toHaveLength(1)
  })
})
