import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { existsSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { closeServer, listenOnLoopback } from './net.js'
import {
  REPO_ROOT,
  WINDOWS_ESSENTIALS,
  parseOutputFile,
  runAction,
  workflowCommandMessages
} from './run-action.js'

/** The runner starts a node24 action on Node 24, and so does the rig. */
const NODE_MAJOR = readFileSync(join(REPO_ROOT, '.node-version'), 'utf8').trim()

const CORE_URL = pathToFileURL(
  fileURLToPath(new URL('../../node_modules/@actions/core/lib/core.js', import.meta.url))
).href

/** A stand-in action: reports what it sees, then uses @actions/core like the real one will. */
const FIXTURE = `
import * as core from ${JSON.stringify(CORE_URL)}
import { appendFileSync } from 'node:fs'
const mode = core.getInput('mode')
if (mode === 'hang') setInterval(() => {}, 1000)
else {
  core.setOutput('env', JSON.stringify(process.env))
  core.setOutput('cwd', process.cwd())
  core.setOutput('node', process.version)
  core.setOutput('multi', 'line one\\nline two')
  appendFileSync(process.env.GITHUB_OUTPUT, 'plain=a=b<<c\\n')
  await core.summary.addHeading('Signed').write()
  core.warning('careful: 100%')
  core.error('first line\\nsecond line', { file: 'a.zip', startLine: 3 })
  core.setFailed('it went wrong')
}
`

describe('runAction', () => {
  let dir: string
  let entry: string
  let workspace: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'run-action-test-'))
    entry = join(dir, 'fixture.mjs')
    workspace = join(dir, 'workspace')
    await writeFile(entry, FIXTURE)
    await mkdir(workspace)
  })

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('runs the entry as the runner does and collects what it reports', async () => {
    process.env.RIG_MUST_NOT_LEAK = 'secret'
    try {
      const run = await runAction({
        entry,
        workspace,
        inputs: { 'profile-name': 'p', 'Some Input': 'x' },
        env: { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1', GITHUB_JOB: 'other', RUNNER_OS: '' }
      })

      expect(run.exitCode).toBe(1)
      expect(run.timedOut).toBe(false)
      const env = JSON.parse(run.outputs.env ?? '{}') as Record<string, string>
      expect(env).toMatchObject({
        'INPUT_PROFILE-NAME': 'p',
        INPUT_SOME_INPUT: 'x',
        AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1',
        GITHUB_JOB: 'other',
        GITHUB_ACTIONS: 'true',
        GITHUB_WORKSPACE: workspace,
        GITHUB_REPOSITORY: 'octo-org/octo-repo'
      })
      expect(env.GITHUB_SHA).toMatch(/^[0-9a-f]{40}$/)
      expect(env).not.toHaveProperty('RUNNER_OS')
      expect(env).not.toHaveProperty('RIG_MUST_NOT_LEAK')
      expect(
        Object.keys(env).filter(
          k =>
            !/^(PATH|HOME|CI|(GITHUB|RUNNER|INPUT|AWS)_.*)$/.test(k) &&
            !(process.platform === 'win32' && WINDOWS_ESSENTIALS.includes(k))
        )
      ).toEqual([])
      expect(run.outputs.cwd).toBe(workspace)
      expect(run.outputs.node).toMatch(new RegExp(`^v${NODE_MAJOR}\\.`))
      expect(run.outputs.multi).toBe('line one\nline two')
      expect(run.outputs.plain).toBe('a=b<<c')
      expect(run.summary).toBe('<h1>Signed</h1>\n')
      expect(run.warnings).toEqual(['careful: 100%'])
      expect(run.errors).toEqual(['first line\nsecond line', 'it went wrong'])
      expect(run.peakRssKb).toBeGreaterThan(10_000)
      expect(existsSync(env.GITHUB_OUTPUT ?? '')).toBe(false)
    } finally {
      delete process.env.RIG_MUST_NOT_LEAK
    }
  })

  it('applies the defaults declared in action.yml to inputs not given', async () => {
    const actionYml = join(dir, 'action.yml')
    await writeFile(
      actionYml,
      [
        'name: fixture',
        'inputs:',
        '  profile-name: { required: true }',
        '  wait: { default: true }',
        '  timeout: { default: 1.50 }',
        '  mode: { default: from-yml }',
        'runs: { using: node24, main: dist/index.js }'
      ].join('\n')
    )
    const run = await runAction({ entry, workspace, actionYml, inputs: { mode: '' } })

    const env = JSON.parse(run.outputs.env ?? '{}') as Record<string, string>
    expect(env).toMatchObject({ INPUT_WAIT: 'true', INPUT_TIMEOUT: '1.50', INPUT_MODE: '' })
    expect(env).not.toHaveProperty('INPUT_PROFILE-NAME')
  })

  it('sends connections to a name in `hosts` to its loopback port, the name kept in the request', async () => {
    const server = createServer((req, res) => res.end(`${req.method} ${req.headers.host}`))
    const endpoint = await listenOnLoopback(server)
    const fetcher = join(dir, 'fetch.mjs')
    await writeFile(
      fetcher,
      `const answer = await fetch('http://registry.example.test:8080/v2/')\n` +
        `process.stdout.write(await answer.text())\n`
    )
    try {
      const run = await runAction({
        entry: fetcher,
        workspace,
        inputs: {},
        hosts: { 'Registry.Example.Test': new URL(endpoint).host }
      })

      expect(run.stderr).toBe('')
      expect(run.stdout).toBe('GET registry.example.test:8080')
    } finally {
      await closeServer(server)
    }
  })

  it('kills a child that outlives its timeout', async () => {
    const run = await runAction({ entry, workspace, inputs: { mode: 'hang' }, timeoutMs: 500 })

    expect(run).toMatchObject({ exitCode: null, timedOut: true })
    expect(run.durationMs).toBeLessThan(5000)
    expect(run.peakRssKb).toBeUndefined()
  })
})

describe('parseOutputFile', () => {
  it('reads plain lines and heredocs, the later value winning', () => {
    const text = 'a=1\nb<<EOF\nx\n\ny\nEOF\n\na=2\nempty<<E\nE\n'
    expect(parseOutputFile(text)).toEqual({ a: '2', b: 'x\n\ny', empty: '' })
  })

  it('rejects what the runner rejects', () => {
    expect(() => parseOutputFile('b<<EOF\nx\n')).toThrow("no closing delimiter 'EOF'")
    expect(() => parseOutputFile('no separator\n')).toThrow('invalid line')
  })
})

describe('workflowCommandMessages', () => {
  it('decodes %0D %0A before %25 and ignores other commands', () => {
    const stdout = '::error file=a,line=1::50%25 %250A%0D%0A\n::warning::w\nplain ::error::no\n'
    expect(workflowCommandMessages(stdout, 'error')).toEqual(['50% %0A\r\n'])
  })
})
