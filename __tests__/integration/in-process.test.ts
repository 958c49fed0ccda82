import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { run } from '../../src/main.js'
import { DESTINATION_BUCKET, startRig, type Rig } from '../rig/rig.js'
import { inProcessSteps } from './in-process-step.js'
import { filesUnder, workspaceWith, zipBytes } from './workspace.js'

// The action's entry, run() from src/main.ts, in this process: the other integration tests run
// the bundle, so without this test the sources' top level (inputs read from INPUT_*, one catch
// that turns any error into the step's failure) is tested only as bundled.

let rig: Rig

beforeAll(async () => {
  rig = await startRig()
})
afterAll(async () => {
  await rig?.stop()
})

const steps = inProcessSteps()
const prepareStep = (workspace: string, inputs: Record<string, string>) =>
  steps.prepare(workspace, inputs, rig.env)

beforeEach(() => {
  rig.signer.reset()
  rig.signer.jobDurationMs = 0
})

describe('run() from the sources', () => {
  it('signs the file and sets the outputs, leaving the exit code alone', async () => {
    const workspace = workspaceWith({ 'build/function.zip': zipBytes(11) })
    const step = prepareStep(workspace, { path: 'build/function.zip' })

    await run()

    expect(step.errors()).toEqual([])
    expect(process.exitCode).toBeUndefined()
    const [job] = rig.signer.jobs
    expect(step.outputs()).toMatchObject({
      'job-id': job!.jobId,
      'signed-path': 'signed/function.zip',
      'signed-object': `s3://${DESTINATION_BUCKET}/signed/${job!.jobId}.zip`
    })
    expect(filesUnder(path.join(workspace, 'signed'))).toEqual(['function.zip'])
  })

  it("makes a lone job failure the step's one error and fails the step", async () => {
    const workspace = workspaceWith({ 'build/function.zip': zipBytes(12) })
    const step = prepareStep(workspace, { path: 'build/function.zip' })
    rig.signer.faults.failNextJob = 'Signing failed: the zip file is malformed'

    await run()

    const [job] = rig.signer.jobs
    expect(step.errors()).toEqual([
      expect.stringContaining(
        `Signing job ${job!.jobId} for build/function.zip failed: Signing failed: the zip file is malformed`
      )
    ])
    expect(process.exitCode).toBe(1)
    expect(JSON.parse(step.outputs().results!)).toMatchObject([
      { status: 'failed', jobId: job!.jobId }
    ])
  })

  it('fails the step with the input error, before any request', async () => {
    const workspace = workspaceWith({ 'build/function.zip': zipBytes(13) })
    const step = prepareStep(workspace, { path: 'build/function.zip', 'max-concurrency': '0' })

    await run()

    expect(step.errors()).toEqual([
      "Input 'max-concurrency': must be a whole number of files at once from 1 to 32; got '0'."
    ])
    expect(process.exitCode).toBe(1)
    expect(rig.signer.requests).toEqual([])
  })
})
