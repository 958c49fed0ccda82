import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { startResultsService, type ResultsService } from '../rig/results-service.js'
import { DESTINATION_BUCKET, PROFILE, runSigning, startRig, type Rig } from '../rig/rig.js'
import { signedBytesOf, type LocalSigningJob } from '../rig/signer-service.js'
import { filesUnder, workspaceWith, zipBytes } from './workspace.js'

let rig: Rig
let results: ResultsService

beforeAll(async () => {
  rig = await startRig()
  results = await startResultsService()
})
afterAll(async () => {
  await results?.stop()
  await rig?.stop()
})
beforeEach(() => {
  rig.signer.reset()
  rig.signer.jobDurationMs = 0
  results.reset()
})

const sign = (
  workspace: string,
  inputs: Record<string, string>,
  env: Record<string, string> = {}
) => runSigning(rig, workspace, inputs, { env: { ...results.env(), ...env } })

type Result = Record<string, string | number>

/** The most jobs that were InProgress at one moment, from the service's own records. */
function mostJobsAtOnce(jobs: ReadonlyArray<LocalSigningJob>): number {
  return Math.max(
    ...jobs.map(
      job =>
        jobs.filter(
          other =>
            other.createdAtMs <= job.createdAtMs &&
            job.createdAtMs < (other.completedAtMs ?? Infinity)
        ).length
    )
  )
}

const PLATFORMS = [
  'linux-x64',
  'linux-arm64',
  'darwin-x64',
  'darwin-arm64',
  'windows-x64',
  'windows-arm64',
  'freebsd-x64',
  'android-arm64'
]

describe('signing many files in one step', () => {
  it('signs 8 files concurrently, keeping their paths under output-dir', async () => {
    const files = Object.fromEntries(
      PLATFORMS.map((platform, index) => [`dist/${platform}/app.zip`, zipBytes(index)])
    )
    const workspace = workspaceWith({ ...files, 'dist/README.txt': 'not signed' })
    rig.signer.jobDurationMs = 3000

    const one = await sign(workspaceWith({ 'dist/linux-x64/app.zip': zipBytes(0) }), {
      path: 'dist/linux-x64/app.zip'
    })
    rig.signer.reset()
    const run = await sign(workspace, { path: 'dist/**/*.zip', 'max-concurrency': '8' })

    expect(one.exitCode).toBe(0)
    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    // Concurrency shows in the service's records: all eight jobs were in progress together.
    expect(rig.signer.jobs).toHaveLength(8)
    expect(mostJobsAtOnce(rig.signer.jobs)).toBe(8)
    console.log(
      `one file: ${one.durationMs} ms; 8 files with max-concurrency 8: ${run.durationMs} ms (${(run.durationMs / one.durationMs).toFixed(2)}x)`
    )

    // The common ancestor is dist/: each file keeps its platform directory.
    expect(filesUnder(path.join(workspace, 'signed'))).toEqual(
      PLATFORMS.map(platform => `${platform}/app.zip`).sort()
    )
    const parsed = JSON.parse(run.outputs.results!) as Result[]
    expect(parsed.map(result => result.path)).toEqual(Object.keys(files).sort())
    for (const result of parsed) {
      const job = rig.signer.jobs.find(candidate => candidate.jobId === result.jobId)!
      const signed = readFileSync(path.join(workspace, String(result.signedPath)))
      expect(signed.equals(signedBytesOf(files[String(result.path)]!, job.jobId))).toBe(true)
      expect(result.status).toBe('signed')
    }
    expect(run.outputs['job-id']).toBe(parsed[0]!.jobId)
    expect(run.outputs['signed-path']).toBe('signed/android-arm64/app.zip')

    // One group per file, a running count, and a summary row per file.
    for (const file of Object.keys(files))
      expect(run.stdout).toMatch(new RegExp(`::group::Signed ${file} \\(`))
    expect(run.stdout).toContain('8/8 signed')
    expect(run.summary.match(/<tr>/g)).toHaveLength(9)
  })

  it('reports every failure, keeps the files that were signed, and fails the step', async () => {
    const workspace = workspaceWith({
      'out/a.zip': zipBytes(1),
      'out/empty.zip': '',
      'out/c.zip': zipBytes(3),
      'out/twice.zip': signedBytesOf(zipBytes(4), 'an-earlier-job', 'AbCdEf1234')
    })

    const run = await sign(workspace, { path: 'out/*.zip', 'max-concurrency': '2' })

    expect(run.exitCode).toBe(1)
    const parsed = JSON.parse(run.outputs.results!) as Result[]
    const byPath = Object.fromEntries(parsed.map(result => [result.path, result]))
    expect(byPath['out/a.zip']).toMatchObject({ status: 'signed', signedPath: 'signed/a.zip' })
    expect(byPath['out/c.zip']).toMatchObject({ status: 'signed', signedPath: 'signed/c.zip' })
    for (const [file, reason] of [
      ['out/empty.zip', 'empty'],
      ['out/twice.zip', 'already signed']
    ] as const) {
      const result = byPath[file]!
      expect(result).toMatchObject({ status: 'failed', signedPath: '' })
      const expected = `Signing job ${result.jobId} for ${file} failed`
      expect(run.errors.find(error => error.includes(expected))).toContain(reason)
    }
    expect(run.errors.at(-1)).toBe(
      "2 of 4 files failed to sign; the 2 signed file(s) are in place and listed in 'results'."
    )
    expect(filesUnder(path.join(workspace, 'signed'))).toEqual(['a.zip', 'c.zip'])
    expect(run.summary).toContain('❌')
    expect(run.stdout).toContain('2/4 signed, 2 failed')
  })

  it('counts a single failure among several files against the ones signed', async () => {
    const workspace = workspaceWith({ 'a.zip': zipBytes(1), 'b.zip': '', 'c.zip': zipBytes(3) })

    const run = await sign(workspace, { path: '*.zip' })

    expect(run.exitCode).toBe(1)
    expect(run.errors).toHaveLength(2)
    expect(run.errors[0]).toMatch(/^b\.zip \(job .+\): Signing job .+ failed: .*empty/)
    expect(run.errors[1]).toBe(
      "1 of 3 files failed to sign; the 2 signed file(s) are in place and listed in 'results'."
    )
  })

  it('applies exclusions, removes duplicates, and refuses a directory', async () => {
    const workspace = workspaceWith({
      'build/app.zip': zipBytes(1),
      'build/debug/app-debug.zip': zipBytes(2),
      'build/lib/lib.zip': zipBytes(3)
    })

    const run = await sign(workspace, { path: 'build/**/*.zip\nbuild/app.zip\n!build/debug/**' })
    const refused = await sign(workspace, { path: 'build/lib' })

    expect(run.exitCode).toBe(0)
    expect(filesUnder(path.join(workspace, 'signed'))).toEqual(['app.zip', 'lib/lib.zip'])
    expect(rig.signer.jobs).toHaveLength(2)
    expect(refused.errors).toEqual([
      "Input 'path': 'build/lib' is a directory; directories are not signed. Name the files, for example 'build/lib/*.zip'."
    ])
  })

  it('writes no step summary when summary is false', async () => {
    const run = await sign(workspaceWith({ 'a.zip': zipBytes(1) }), {
      path: 'a.zip',
      summary: 'false'
    })

    expect(run.exitCode).toBe(0)
    expect(run.summary).toBe('')
  })
})

describe('handing the signed files to later jobs as an artifact', () => {
  /** The files inside the artifact zip the results service received. */
  function artifactEntries(bytes: Buffer): Record<string, Buffer> {
    const zip = path.join(mkdtempSync(path.join(tmpdir(), 'artifact-')), 'artifact.zip')
    writeFileSync(zip, bytes)
    const names = execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).trim().split('\n')
    return Object.fromEntries(
      names
        .filter(name => !name.endsWith('/'))
        .map(name => [name, execFileSync('unzip', ['-p', zip, name])])
    )
  }

  it('uploads exactly the signed files, named after the job and the files', async () => {
    const workspace = workspaceWith({
      'dist/x64/tool.zip': zipBytes(1),
      'dist/arm64/tool.zip': zipBytes(2)
    })

    const run = await sign(
      workspace,
      { path: 'dist/**/*.zip', 'upload-artifact': 'true', 'retention-days': '5' },
      { GITHUB_RUN_ID: '4242' }
    )

    expect(run.errors).toEqual([])
    expect(results.artifacts).toHaveLength(1)
    const artifact = results.artifacts[0]!
    expect(artifact.finalized).toBe(true)
    expect(artifact.name).toMatch(/^signed-sign-[0-9a-f]{12}$/)
    expect(run.outputs['artifact-id']).toBe(artifact.id)
    expect(run.outputs['artifact-url']).toBe(
      `https://github.com/octo-org/octo-repo/actions/runs/4242/artifacts/${artifact.id}`
    )
    const {
      [`${artifact.name}.sha256`]: checksums,
      [`${artifact.name}.signing.json`]: record,
      ...entries
    } = artifactEntries(artifact.bytes)
    expect(Object.keys(entries).sort()).toEqual(['arm64/tool.zip', 'x64/tool.zip'])
    for (const [name, bytes] of Object.entries(entries)) {
      expect(bytes.equals(readFileSync(path.join(workspace, 'signed', name)))).toBe(true)
    }
    // At the root, named after the artifact, so merged legs' checksums never collide.
    expect(checksums?.toString()).toBe(run.runnerTemp[run.outputs.checksums!]?.toString())
    expect(checksums?.toString()).toMatch(
      /^[0-9a-f]{64} {2}arm64\/tool\.zip\n[0-9a-f]{64} {2}x64\/tool\.zip\n$/
    )
    // Beside them the signing record: each file by the same name, with its job, and no local path.
    const signed = JSON.parse(run.outputs.results!) as Record<string, string>[]
    const parsed = JSON.parse(record!.toString()) as {
      schemaVersion: number
      region: string
      profileName: string
      run: Record<string, string>
      results: Record<string, unknown>[]
    }
    expect(parsed).toMatchObject({
      schemaVersion: 1,
      region: 'us-east-1',
      profileName: PROFILE,
      run: { repository: 'octo-org/octo-repo', runId: '4242' }
    })
    expect(parsed.results).toEqual(
      signed.map(result =>
        expect.objectContaining({
          name: result.signedPath!.replace(/^signed\//, ''),
          status: 'signed',
          jobId: result.jobId,
          jobOwner: result.jobOwner,
          jobArn: result.jobArn,
          profileVersionArn: result.profileVersionArn,
          sha256: result.sha256,
          signedObject: { bucket: DESTINATION_BUCKET, key: expect.any(String) }
        })
      )
    )
    expect(record!.toString()).not.toContain(workspace)
    expect(record!.toString()).not.toContain('dist/')
  })

  it('gives matrix legs that sign different files different default names', async () => {
    const legA = await sign(workspaceWith({ 'app.zip': zipBytes(1) }), {
      path: 'app.zip',
      'upload-artifact': 'true'
    })
    const legB = await sign(workspaceWith({ 'app.zip': zipBytes(2) }), {
      path: 'app.zip',
      'upload-artifact': 'true'
    })

    expect([legA.exitCode, legB.exitCode]).toEqual([0, 0])
    expect(new Set(results.artifacts.map(artifact => artifact.name)).size).toBe(2)
  })

  it('tells the user to set artifact-name when a name is already taken in the run', async () => {
    const first = await sign(workspaceWith({ 'app.zip': zipBytes(1) }), {
      path: 'app.zip',
      'upload-artifact': 'true',
      'artifact-name': 'signed'
    })
    const second = await sign(workspaceWith({ 'other.zip': zipBytes(2) }), {
      path: 'other.zip',
      'upload-artifact': 'true',
      'artifact-name': 'signed'
    })

    expect(first.exitCode).toBe(0)
    expect(second.exitCode).toBe(1)
    expect(second.errors[0]).toContain(
      "An artifact named 'signed' already exists in this workflow run"
    )
    expect(second.errors[0]).toContain("set the 'artifact-name' input")
    // The signing itself succeeded: the signed file stays.
    expect(JSON.parse(second.outputs.results!)[0].status).toBe('signed')
  })
})
