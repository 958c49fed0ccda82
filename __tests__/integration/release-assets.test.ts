/**
 * The signed files attached to a GitHub release (release-tag): against the rig and a local
 * stand-in of GitHub's REST API, first through run() from the sources in this process, then
 * through dist/index.js as the runner runs it, three matrix legs at once.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { run } from '../../src/main.js'
import { startForwardProxy } from '../rig/forward-proxy.js'
import { startGithubApi, type GithubApi } from '../rig/github-api.js'
import { runSigning, startRig, type Rig } from '../rig/rig.js'
import { signedBytesOf } from '../rig/signer-service.js'
import { inProcessSteps } from './in-process-step.js'
import { workspaceWith, zipBytes } from './workspace.js'

const REPOSITORY = 'octo-org/octo-repo'

let rig: Rig
let github: GithubApi
let writer: string
let reader: string

beforeAll(async () => {
  rig = await startRig()
  github = await startGithubApi()
  writer = github.addToken('write')
  reader = github.addToken('read')
})
afterAll(async () => {
  await github?.stop()
  await rig?.stop()
})
beforeEach(() => {
  rig.signer.reset()
  rig.signer.jobDurationMs = 0
  github.reset()
})

type Result = Record<string, string>

const RECORD_NAME = /^signed-.+-[0-9a-f]{12}\.signing\.json$/

/** The bytes of the assets of the release with that tag, by asset name; no signing record. */
function assetBytes(tag: string): Record<string, Buffer> {
  const release = github.releases.find(candidate => candidate.tag === tag)
  return Object.fromEntries(
    (release?.assets ?? [])
      .filter(asset => !asset.name.endsWith('.signing.json'))
      .map(asset => [asset.name, asset.bytes])
  )
}

interface RecordAsset {
  schemaVersion: number
  results: { name: string; jobId: string; sha256: string; releaseAssetUrl?: string }[]
}

/** The signing records attached to the release with that tag, parsed, by asset name. */
function recordAssets(tag: string): Record<string, RecordAsset> {
  const release = github.releases.find(candidate => candidate.tag === tag)
  return Object.fromEntries(
    (release?.assets ?? [])
      .filter(asset => asset.name.endsWith('.signing.json'))
      .map(asset => [asset.name, JSON.parse(asset.bytes.toString('utf8')) as RecordAsset])
  )
}

/** What the rig's Signer made of `unsigned` (build/…), as the action saved it under signed/. */
function expectedSignedBytes(workspace: string, unsigned: string): Buffer {
  const source = readFileSync(path.join(workspace, unsigned))
  const job = rig.signer.jobs.find(candidate =>
    signedBytesOf(source, candidate.jobId).equals(
      readFileSync(path.join(workspace, unsigned.replace(/^build\//, 'signed/')))
    )
  )
  if (!job) throw new Error(`no job of the rig signed ${unsigned}`)
  return signedBytesOf(source, job.jobId)
}

describe('attaching to a release: run() from the sources', () => {
  const steps = inProcessSteps()
  /** The stand-in is GITHUB_API_URL, which @actions/github reads when the first step loads it. */
  const prepareStep = (workspace: string, inputs: Record<string, string>) => {
    const step = steps.prepare(workspace, inputs, { ...rig.env, ...github.env() })
    return {
      ...step,
      results: () => JSON.parse(step.outputs().results ?? '[]') as Result[]
    }
  }

  it('attaches both signed files with their signed bytes, and reports their URLs', async () => {
    github.addRelease(REPOSITORY, 'v1.0.0')
    const workspace = workspaceWith({
      'build/linux/app.zip': zipBytes(21),
      'build/darwin/app.zip': zipBytes(22)
    })
    const step = prepareStep(workspace, {
      path: 'build/**/*.zip',
      'release-tag': 'v1.0.0',
      'github-token': writer
    })

    await run()

    expect(step.errors()).toEqual([])
    expect(process.exitCode).toBeUndefined()
    expect(assetBytes('v1.0.0')).toEqual({
      'linux-app.zip': expectedSignedBytes(workspace, 'build/linux/app.zip'),
      'darwin-app.zip': expectedSignedBytes(workspace, 'build/darwin/app.zip')
    })
    const urls = Object.fromEntries(step.results().map(r => [r.signedPath, r.releaseAssetUrl]))
    expect(urls).toEqual({
      'signed/linux/app.zip': `${github.url}/${REPOSITORY}/releases/download/v1.0.0/linux-app.zip`,
      'signed/darwin/app.zip': `${github.url}/${REPOSITORY}/releases/download/v1.0.0/darwin-app.zip`
    })
    const downloaded = await fetch(urls['signed/linux/app.zip']!)
    expect(Buffer.from(await downloaded.arrayBuffer())).toEqual(
      readFileSync(path.join(workspace, 'signed/linux/app.zip'))
    )
    // The signing record comes last, with the files' names under output-dir and their URLs.
    const records = Object.entries(recordAssets('v1.0.0'))
    expect(records.map(([name]) => name)).toEqual([expect.stringMatching(RECORD_NAME)])
    const [, record] = records[0]!
    expect(record.schemaVersion).toBe(1)
    expect(
      record.results.map(({ name, jobId, releaseAssetUrl }) => ({ name, jobId, releaseAssetUrl }))
    ).toEqual(
      step.results().map(result => ({
        name: result.signedPath!.replace(/^signed\//, ''),
        jobId: result.jobId,
        releaseAssetUrl: result.releaseAssetUrl
      }))
    )
    expect(JSON.stringify(record)).not.toContain(workspace)
    expect(JSON.stringify(record)).not.toContain('build/')
    expect(step.stdout()).not.toContain(writer)
  })

  it('replaces an asset of the same name', async () => {
    const release = github.addRelease(REPOSITORY, 'v1.0.1')
    github.addAsset(release, 'app.zip', 'stale, from an earlier run')
    github.addAsset(release, 'notes.txt', 'not ours')
    const workspace = workspaceWith({ 'build/app.zip': zipBytes(23) })
    const step = prepareStep(workspace, {
      path: 'build/app.zip',
      'release-tag': 'v1.0.1',
      'github-token': writer
    })

    await run()

    expect(step.errors()).toEqual([])
    expect(assetBytes('v1.0.1')).toEqual({
      'notes.txt': Buffer.from('not ours'),
      'app.zip': expectedSignedBytes(workspace, 'build/app.zip')
    })
    expect(step.stdout()).toContain('(replaced the earlier asset)')
  })

  it('attaches to a draft release, which the tags endpoint does not serve', async () => {
    const draft = github.addRelease(REPOSITORY, 'v2.0.0-rc.1', { draft: true })
    const workspace = workspaceWith({ 'build/app.zip': zipBytes(24) })
    const step = prepareStep(workspace, {
      path: 'build/app.zip',
      'release-tag': 'v2.0.0-rc.1',
      'github-token': writer
    })

    await run()

    expect(step.errors()).toEqual([])
    expect(draft.assets.map(asset => asset.name)).toEqual([
      'app.zip',
      expect.stringMatching(RECORD_NAME)
    ])
    expect(step.results()[0]?.releaseAssetUrl).toContain(`/download/untagged-${draft.id}/app.zip`)
  })

  it('fails the step naming the tag when no release has it, the file still signed', async () => {
    github.addRelease(REPOSITORY, 'v1.0.0')
    const workspace = workspaceWith({ 'build/app.zip': zipBytes(25) })
    const step = prepareStep(workspace, {
      path: 'build/app.zip',
      'release-tag': 'v9.9.9',
      'github-token': writer
    })

    await run()

    expect(process.exitCode).toBe(1)
    expect(step.errors()).toEqual([
      expect.stringMatching(
        /^No release of octo-org\/octo-repo has the tag 'v9\.9\.9' \(release-tag\): create the release first/
      )
    ])
    expect(step.results()).toMatchObject([{ status: 'signed', releaseAssetUrl: '' }])
  })

  it('fails the step saying which permission a read-only token lacks', async () => {
    github.addRelease(REPOSITORY, 'v1.0.2')
    const workspace = workspaceWith({ 'build/app.zip': zipBytes(26) })
    const step = prepareStep(workspace, {
      path: 'build/app.zip',
      'release-tag': 'v1.0.2',
      'github-token': reader
    })

    await run()

    expect(process.exitCode).toBe(1)
    expect(step.errors()).toEqual([
      expect.stringContaining(
        "Uploading 'app.zip' to release 'v1.0.2' of octo-org/octo-repo was refused (HTTP 403: Resource not accessible by integration"
      )
    ])
    expect(step.errors()[0]).toContain("Grant the job 'permissions: contents: write'")
    expect(assetBytes('v1.0.2')).toEqual({})
    expect(step.stdout()).not.toContain(reader)
  })
})

describe('attaching to a release: dist/index.js as the runner runs it', () => {
  const sign = (workspace: string, inputs: Record<string, string>) =>
    runSigning(rig, workspace, inputs, { env: github.env() })

  it('attaches the signed file and reports its URL', async () => {
    github.addRelease(REPOSITORY, 'v3.0.0')
    const workspace = workspaceWith({ 'build/function.zip': zipBytes(31) })

    const run = await sign(workspace, {
      path: 'build/function.zip',
      'release-tag': 'v3.0.0',
      'github-token': writer
    })

    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(assetBytes('v3.0.0')).toEqual({
      'function.zip': expectedSignedBytes(workspace, 'build/function.zip')
    })
    const results = JSON.parse(run.outputs.results ?? '[]') as Result[]
    expect(results).toMatchObject([
      {
        signedPath: 'signed/function.zip',
        releaseAssetUrl: `${github.url}/${REPOSITORY}/releases/download/v3.0.0/function.zip`
      }
    ])
    expect(Object.values(recordAssets('v3.0.0'))).toMatchObject([
      { results: [{ name: 'function.zip', jobId: results[0]?.jobId, sha256: results[0]?.sha256 }] }
    ])
    expect(run.stdout).not.toContain(writer)
  })

  it("calls the GitHub API and uploads through the runner's proxy, as the toolkit does", async () => {
    github.addRelease(REPOSITORY, 'v3.0.1')
    const workspace = workspaceWith({ 'build/function.zip': zipBytes(34) })
    // GitHub Enterprise Server at an address only the proxy reaches. The toolkit picks the proxy
    // for the API's host and takes it for every call, the upload to upload_url too.
    const api = new URL(github.url)
    const proxy = await startForwardProxy({
      [`192.0.2.13:${api.port}`]: api.host,
      [api.host]: api.host
    })
    try {
      const run = await runSigning(
        rig,
        workspace,
        { path: 'build/function.zip', 'release-tag': 'v3.0.1', 'github-token': writer },
        { env: { GITHUB_API_URL: `http://192.0.2.13:${api.port}`, HTTP_PROXY: proxy.url } }
      )

      expect(run.errors).toEqual([])
      expect(run.exitCode).toBe(0)
      expect(assetBytes('v3.0.1')).toEqual({
        'function.zip': expectedSignedBytes(workspace, 'build/function.zip')
      })
      // The toolkit's proxy client tunnels plain HTTP too.
      expect([...new Set(proxy.asked)].sort()).toEqual(
        [`CONNECT 192.0.2.13:${api.port}`, `CONNECT ${api.host}`].sort()
      )
    } finally {
      await proxy.stop()
    }
  })

  it("refuses, before any request, a file that would get the signing record's asset name", async () => {
    github.addRelease(REPOSITORY, 'v3.1.0')
    const workspace = workspaceWith({
      'build/app.zip': zipBytes(32),
      'build/release/files.signing.json': zipBytes(33)
    })

    const run = await sign(workspace, {
      path: 'build/**',
      'artifact-name': 'release-files',
      'release-tag': 'v3.1.0',
      'github-token': writer
    })

    expect(run.exitCode).toBe(1)
    expect(run.errors).toEqual([
      "Input 'artifact-name': 'signed/release/files.signing.json' would become the release asset 'release-files.signing.json', which is the name of the signing record attached beside the files; choose another name."
    ])
    expect(rig.signer.requests).toEqual([])
    expect(github.requests).toEqual([])
  })

  it('refuses, before any request, two files whose names GitHub would store as one', async () => {
    github.addRelease(REPOSITORY, 'v3.2.0')
    const workspace = workspaceWith({
      'build/app 1.zip': zipBytes(34),
      'build/app~1.zip': zipBytes(35)
    })

    const run = await sign(workspace, {
      path: 'build/*.zip',
      'release-tag': 'v3.2.0',
      'github-token': writer
    })

    expect(run.exitCode).toBe(1)
    expect(run.errors).toEqual([
      "Input 'release-tag': 'signed/app 1.zip' and 'signed/app~1.zip' would both become the release asset 'app.1.zip' ('app 1.zip' and 'app~1.zip', as GitHub renames them); rename one, or attach them in separate steps."
    ])
    expect(rig.signer.requests).toEqual([])
    expect(github.requests).toEqual([])
  })

  it('lets three matrix legs attach their own files to one draft release at once', async () => {
    const draft = github.addRelease(REPOSITORY, 'v4.0.0', { draft: true })
    // A re-run of the linux leg: its earlier upload is replaced, the others' are left alone.
    github.addAsset(draft, 'app-linux.zip', 'from the first attempt')
    const legs = ['linux', 'darwin', 'windows'].map((platform, index) => ({
      file: `build/app-${platform}.zip`,
      workspace: workspaceWith({ [`build/app-${platform}.zip`]: zipBytes(40 + index) })
    }))
    github.holdUploadsUntil(legs.length)

    const runs = await Promise.all(
      legs.map(leg =>
        sign(leg.workspace, { path: leg.file, 'release-tag': 'v4.0.0', 'github-token': writer })
      )
    )

    expect(runs.map(run => run.errors)).toEqual([[], [], []])
    expect(runs.map(run => run.exitCode)).toEqual([0, 0, 0])
    // The uploads overlapped: each leg listed the assets while another was uploading.
    expect(github.mostUploadsAtOnce()).toBe(3)
    expect(assetBytes('v4.0.0')).toEqual(
      Object.fromEntries(
        legs.map(leg => [path.basename(leg.file), expectedSignedBytes(leg.workspace, leg.file)])
      )
    )
    // Each leg's record has a name of its own (the default artifact name differs by its files).
    const records = recordAssets('v4.0.0')
    expect(Object.keys(records)).toHaveLength(3)
    expect(
      Object.values(records)
        .map(record => record.results.map(r => r.name))
        .sort()
    ).toEqual([['app-darwin.zip'], ['app-linux.zip'], ['app-windows.zip']])
    expect(draft.assets.map(asset => asset.state)).toEqual(Array(6).fill('uploaded'))
  })
})
