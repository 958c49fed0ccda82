import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  jest
} from '@jest/globals'
import { run } from '../../src/main.js'
import { DESTINATION_BUCKET, PROFILE, SOURCE_BUCKET, startRig, type Rig } from '../rig/rig.js'
import { parseOutputFile, workflowCommandMessages } from '../rig/run-action.js'
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

interface Step {
  /** What the step wrote to stdout, where the runner reads workflow commands. */
  stdout: () => string
  outputs: () => Record<string, string>
}

const savedEnv = { ...process.env }
let stdout = ''

beforeEach(() => {
  rig.signer.reset()
  rig.signer.jobDurationMs = 0
  stdout = ''
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk)
    return true
  })
})
afterEach(() => {
  jest.restoreAllMocks()
  process.exitCode = undefined
  for (const name of Object.keys(process.env)) {
    if (!(name in savedEnv)) delete process.env[name]
  }
  Object.assign(process.env, savedEnv)
})

/**
 * Sets this process's environment as the runner sets a step's: the runner's variables, each
 * input as INPUT_<NAME> (which @actions/core's getInput reads), and the rig's AWS endpoints.
 */
function prepareStep(workspace: string, inputs: Record<string, string>): Step {
  const files = mkdtempSync(path.join(tmpdir(), 'step-'))
  const output = path.join(files, 'github_output')
  const summary = path.join(files, 'step_summary')
  writeFileSync(output, '')
  writeFileSync(summary, '')
  Object.assign(process.env, rig.env, {
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_REPOSITORY: 'octo-org/octo-repo',
    GITHUB_RUN_ID: '7',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'sign',
    RUNNER_TEMP: files
  })
  const all = {
    'profile-name': PROFILE,
    'source-bucket': SOURCE_BUCKET,
    'destination-bucket': DESTINATION_BUCKET,
    ...inputs
  }
  for (const [name, value] of Object.entries(all)) {
    process.env[`INPUT_${name.toUpperCase()}`] = value
  }
  return {
    stdout: () => stdout,
    outputs: () => parseOutputFile(readFileSync(output, 'utf8'))
  }
}

describe('run() from the sources', () => {
  it('signs the file and sets the outputs, leaving the exit code alone', async () => {
    const workspace = workspaceWith({ 'build/function.zip': zipBytes(11) })
    const step = prepareStep(workspace, { path: 'build/function.zip' })

    await run()

    expect(workflowCommandMessages(step.stdout(), 'error')).toEqual([])
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
    expect(workflowCommandMessages(step.stdout(), 'error')).toEqual([
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

    expect(workflowCommandMessages(step.stdout(), 'error')).toEqual([
      "Input 'max-concurrency': must be a whole number of files at once from 1 to 32; got '0'."
    ])
    expect(process.exitCode).toBe(1)
    expect(rig.signer.requests).toEqual([])
  })
})
