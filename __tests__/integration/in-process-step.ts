import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, jest } from '@jest/globals'
import { DESTINATION_BUCKET, PROFILE, SOURCE_BUCKET } from '../rig/rig.js'
import { parseOutputFile, workflowCommandMessages } from '../rig/run-action.js'

/** One step of run() from src/main.ts in this process, as the runner would run it. */
export interface InProcessStep {
  /** What the step wrote to stdout, where the runner reads workflow commands. */
  stdout: () => string
  outputs: () => Record<string, string>
  errors: () => string[]
}

/**
 * For a test file that calls run() in this process: captures stdout for each test and restores
 * the environment after it. `prepare` sets the environment as the runner sets a step's: the
 * runner's variables, the command files, each input as INPUT_<NAME> (which @actions/core's
 * getInput reads) with the rig's profile and buckets, and `env` (the rig's endpoints).
 */
export function inProcessSteps(): {
  prepare(
    workspace: string,
    inputs: Record<string, string>,
    env: Record<string, string>
  ): InProcessStep
} {
  const savedEnv = { ...process.env }
  let stdout = ''

  beforeEach(() => {
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

  return {
    prepare(workspace, inputs, env) {
      const files = mkdtempSync(path.join(tmpdir(), 'step-'))
      const output = path.join(files, 'github_output')
      const summary = path.join(files, 'step_summary')
      writeFileSync(output, '')
      writeFileSync(summary, '')
      Object.assign(process.env, env, {
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
        outputs: () => parseOutputFile(readFileSync(output, 'utf8')),
        errors: () => workflowCommandMessages(stdout, 'error')
      }
    }
  }
}
