import { mkdirSync, mkdtempSync, truncateSync, writeFileSync } from 'node:fs'
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
import { ActionError, InputError } from '../../../src/errors.js'
import type { ArtifactFile } from '../../../src/pipeline/find-files.js'
import type { FileResult } from '../../../src/pipeline/sign-one-file.js'
import type { RunContext } from '../../../src/github/run-context.js'
import {
  attachToRelease,
  githubAssetName,
  refuseAssetNameClashes,
  releaseAssetName
} from '../../../src/github/release-assets.js'
import { startGithubApi, type GithubApi } from '../../rig/github-api.js'
import { SIGNED } from './fixtures.js'
import { rejectionOf, thrownBy } from '../helpers.js'

const WORKSPACE = path.resolve('/work/space')
const OUTPUT_DIR = path.join(WORKSPACE, 'signed')

function artifactFile(relativePath: string): ArtifactFile {
  return {
    absolutePath: path.join(WORKSPACE, 'build', relativePath),
    path: `build/${relativePath}`,
    relativePath,
    outputPath: path.join(OUTPUT_DIR, relativePath),
    signedPath: `signed/${relativePath}`,
    size: 1
  }
}

describe('releaseAssetName', () => {
  it("is the path under output-dir with '/' turned into '-'", () => {
    expect(releaseAssetName(path.join(OUTPUT_DIR, 'app.zip'), OUTPUT_DIR)).toBe('app.zip')
    expect(releaseAssetName(path.join(OUTPUT_DIR, 'linux', 'x64', 'app.zip'), OUTPUT_DIR)).toBe(
      'linux-x64-app.zip'
    )
  })
})

describe('refuseAssetNameClashes', () => {
  it('lets files with distinct asset names through', () => {
    expect(() =>
      refuseAssetNameClashes(
        ['linux/app.zip', 'darwin/app.zip', 'app.zip'].map(artifactFile),
        OUTPUT_DIR
      )
    ).not.toThrow()
  })

  it("refuses two files that would get one asset name, as an error of 'release-tag'", () => {
    const files = ['linux-x64/app.zip', 'other.zip', 'linux/x64-app.zip'].map(artifactFile)

    const error = thrownBy(() => refuseAssetNameClashes(files, OUTPUT_DIR), InputError)

    expect(error.input).toBe('release-tag')
    expect(error.message).toBe(
      "Input 'release-tag': 'signed/linux-x64/app.zip' and 'signed/linux/x64-app.zip' would both become the release asset 'linux-x64-app.zip'; rename one, or attach them in separate steps."
    )
  })
})

describe('githubAssetName', () => {
  it('turns each run of other characters into one dot, as GitHub renamed them in travis-ci/dpl#821', () => {
    expect(githubAssetName("a5_ !#$%&'()+,-.0123456789;=@ABC[]^_`abc{}~.txt")).toBe(
      'a5_.-.0123456789.ABC._.abc.txt'
    )
    expect(githubAssetName('tobwen-1.1.0-1~buster_amd64.deb')).toBe(
      'tobwen-1.1.0-1.buster_amd64.deb'
    )
    expect(githubAssetName('.hidden.zip.')).toBe('hidden.zip')
    expect(githubAssetName('linux-x64_app.zip')).toBe('linux-x64_app.zip')
  })
})

describe('refuseAssetNameClashes as GitHub names assets', () => {
  it('refuses two files whose names GitHub would turn into one', () => {
    const files = ['app 1.zip', 'app~1.zip'].map(artifactFile)

    const error = thrownBy(() => refuseAssetNameClashes(files, OUTPUT_DIR), InputError)

    expect(error.message).toBe(
      "Input 'release-tag': 'signed/app 1.zip' and 'signed/app~1.zip' would both become the release asset 'app.1.zip' ('app 1.zip' and 'app~1.zip', as GitHub renames them); rename one, or attach them in separate steps."
    )
  })
})

describe('refuseAssetNameClashes with the signing record', () => {
  it("refuses a file that would get the signing record's asset name, as an error of 'artifact-name'", () => {
    const files = ['app.zip', 'release/files.signing.json'].map(artifactFile)

    const error = thrownBy(
      () => refuseAssetNameClashes(files, OUTPUT_DIR, 'release-files.signing.json'),
      InputError
    )

    expect(error.input).toBe('artifact-name')
    expect(error.message).toBe(
      "Input 'artifact-name': 'signed/release/files.signing.json' would become the release asset 'release-files.signing.json', which is the name of the signing record attached beside the files; choose another name."
    )
  })

  it('lets a file through whose asset name only resembles the record', () => {
    const files = ['release/files.signing.json'].map(artifactFile)
    expect(() => refuseAssetNameClashes(files, OUTPUT_DIR, 'files.signing.json')).not.toThrow()
  })
})

describe('attachToRelease against the GitHub API stand-in', () => {
  const REPOSITORY = 'octo-org/octo-repo'
  const CONTEXT: RunContext = {
    repository: REPOSITORY,
    runId: '1',
    runAttempt: '1',
    job: 'sign',
    sha: 'abc',
    serverUrl: 'https://github.com'
  }
  let api: GithubApi
  let writer: string
  let reader: string
  let workspace: string
  let stdout = ''
  const savedApiUrl = process.env.GITHUB_API_URL

  /** Signed files in a fresh workspace, and their results as signFile reports them. */
  function signedFiles(files: Record<string, string>): FileResult[] {
    workspace = mkdtempSync(path.join(tmpdir(), 'release-assets-'))
    return Object.entries(files).map(([signedPath, content]) => {
      mkdirSync(path.dirname(path.join(workspace, signedPath)), { recursive: true })
      writeFileSync(path.join(workspace, signedPath), content)
      return { ...SIGNED, path: signedPath.replace(/^signed/, 'build'), signedPath }
    })
  }
  const attach = (results: FileResult[], tag: string, token = writer, budgetMs = 60_000) =>
    attachToRelease(results, {
      tag,
      token,
      outputDir: path.join(workspace, 'signed'),
      workspace,
      context: CONTEXT,
      budgetMs
    })
  const assetsOf = (tag: string) =>
    Object.fromEntries(
      (api.releases.find(release => release.tag === tag)?.assets ?? []).map(asset => [
        asset.name,
        asset.bytes.toString()
      ])
    )

  beforeAll(async () => {
    api = await startGithubApi()
    writer = api.addToken('write')
    reader = api.addToken('read')
    // @actions/github reads it once, when attachToRelease first loads it.
    process.env.GITHUB_API_URL = api.url
  })
  afterAll(async () => {
    if (savedApiUrl === undefined) delete process.env.GITHUB_API_URL
    else process.env.GITHUB_API_URL = savedApiUrl
    await api?.stop()
  })
  beforeEach(() => {
    api.reset()
    stdout = ''
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout += String(chunk)
      return true
    })
  })
  afterEach(() => {
    jest.restoreAllMocks()
  })

  it('uploads each file as an asset with its length and type, and sets releaseAssetUrl', async () => {
    const release = api.addRelease(REPOSITORY, 'v1.2.3')
    const results = signedFiles({ 'signed/app.zip': 'app', 'signed/linux/x64/tool.zip': 'tool' })

    await attach(results, 'v1.2.3')

    expect(assetsOf('v1.2.3')).toEqual({ 'app.zip': 'app', 'linux-x64-tool.zip': 'tool' })
    expect(release.assets.map(asset => [asset.contentType, asset.state])).toEqual([
      ['application/octet-stream', 'uploaded'],
      ['application/octet-stream', 'uploaded']
    ])
    expect(results.map(result => result.releaseAssetUrl)).toEqual([
      `${api.url}/${REPOSITORY}/releases/download/v1.2.3/app.zip`,
      `${api.url}/${REPOSITORY}/releases/download/v1.2.3/linux-x64-tool.zip`
    ])
    expect(await (await fetch(results[1]!.releaseAssetUrl)).text()).toBe('tool')
    expect(stdout).toContain(`Found release 'v1.2.3' of ${REPOSITORY} with 0 asset(s)`)
    expect(stdout).not.toContain(writer)
  })

  it('streams a large file from disk instead of holding it in memory', async () => {
    const release = api.addRelease(REPOSITORY, 'v1')
    api.discardUploadBytes = true
    const results = signedFiles({ 'signed/big.zip': '' })
    // Large enough that holding it could never pass for garbage not yet collected.
    const size = 384 * 1024 * 1024
    truncateSync(path.join(workspace, 'signed/big.zip'), size)
    const before = process.memoryUsage().arrayBuffers
    let peak = before
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers)
    }, 5)

    try {
      await attach(results, 'v1')
    } finally {
      clearInterval(sampler)
    }

    expect(release.assets).toMatchObject([{ name: 'big.zip', size, state: 'uploaded' }])
    // Measured with 128 MiB: holding the file takes all of it (143 MB); streaming leaves 33-70 MB
    // of chunks that the garbage collector has not reclaimed yet, whatever the file's size.
    expect(peak - before).toBeLessThan(size / 2)
  })

  it('replaces an asset of the same name, a broken upload of it too, and leaves others', async () => {
    const release = api.addRelease(REPOSITORY, 'v1')
    api.addAsset(release, 'app.zip', 'old app')
    api.addAsset(release, 'tool.zip', 'half a tool').state = 'starter'
    api.addAsset(release, 'README.txt', 'keep me')
    const results = signedFiles({ 'signed/app.zip': 'new app', 'signed/tool.zip': 'new tool' })

    await attach(results, 'v1')

    expect(assetsOf('v1')).toEqual({
      'README.txt': 'keep me',
      'app.zip': 'new app',
      'tool.zip': 'new tool'
    })
    expect(stdout).toContain('signed/app.zip -> ')
    expect(stdout).toContain('(replaced the earlier asset)')
  })

  it('carries on when the asset to replace is already gone', async () => {
    const release = api.addRelease(REPOSITORY, 'v1')
    api.addAsset(release, 'app.zip', 'old')
    // Another job deletes it between this step's listing and its delete.
    api.beforeNext({ method: 'DELETE' }, () => api.removeAsset(release, 'app.zip'))

    await attach(signedFiles({ 'signed/app.zip': 'new' }), 'v1')

    expect(api.requests.filter(r => r.method === 'DELETE').map(r => r.status)).toEqual([404])
    expect(assetsOf('v1')).toEqual({ 'app.zip': 'new' })
  })

  it('finds a draft release by listing the releases, page after page', async () => {
    const draft = api.addRelease(REPOSITORY, 'v2.0.0', { draft: true })
    for (let index = 0; index < 120; index++) api.addRelease(REPOSITORY, `v0.${index}`)
    const results = signedFiles({ 'signed/app.zip': 'draft app' })

    await attach(results, 'v2.0.0')

    expect(draft.assets.map(asset => asset.name)).toEqual(['app.zip'])
    expect(results[0]?.releaseAssetUrl).toBe(
      `${api.url}/${REPOSITORY}/releases/download/untagged-${draft.id}/app.zip`
    )
    expect(stdout).toContain(`Found release 'v2.0.0' of ${REPOSITORY} (a draft)`)
    expect(api.requests.map(r => `${r.method} ${r.status}`).slice(0, 3)).toEqual([
      'GET 404',
      'GET 200',
      'GET 200'
    ])
  })

  it('prefers the published release when a draft has the same tag', async () => {
    api.addRelease(REPOSITORY, 'v1', { draft: true })
    const published = api.addRelease(REPOSITORY, 'v1')

    await attach(signedFiles({ 'signed/app.zip': 'app' }), 'v1')

    expect(published.assets.map(asset => asset.name)).toEqual(['app.zip'])
    expect(api.requests.some(r => r.path.endsWith('/releases?per_page=100'))).toBe(false)
  })

  it('refuses to choose between two drafts with the tag', async () => {
    api.addRelease(REPOSITORY, 'v3', { draft: true })
    api.addRelease(REPOSITORY, 'v3', { draft: true })

    const error = await rejectionOf(attach(signedFiles({ 'signed/a.zip': 'a' }), 'v3'), ActionError)

    expect(error.message).toContain(`2 draft releases of ${REPOSITORY} have the tag 'v3'`)
    expect(api.requests.filter(r => r.method !== 'GET')).toEqual([])
  })

  it('names the tag and says to create the release when none has it', async () => {
    api.addRelease(REPOSITORY, 'v1')
    const results = signedFiles({ 'signed/app.zip': 'app' })

    const error = await rejectionOf(attach(results, 'v9.9.9'), ActionError)

    expect(error.message).toBe(
      `No release of ${REPOSITORY} has the tag 'v9.9.9' (release-tag): create the release first, for example with 'gh release create v9.9.9' (or '--draft' for a draft), then attach to it. A draft release is only seen by a token that may write contents ('permissions: contents: write').`
    )
    expect(results[0]?.releaseAssetUrl).toBe('')
  })

  it('does not see a draft with a read-only token, and says why it may not be found', async () => {
    api.addRelease(REPOSITORY, 'v2', { draft: true })

    const error = await rejectionOf(
      attach(signedFiles({ 'signed/app.zip': 'app' }), 'v2', reader),
      ActionError
    )

    expect(error.message).toContain("No release of octo-org/octo-repo has the tag 'v2'")
    expect(error.message).toContain("'permissions: contents: write'")
  })

  it('says which permission a read-only token lacks, and changes nothing', async () => {
    const release = api.addRelease(REPOSITORY, 'v1')
    api.addAsset(release, 'app.zip', 'old')

    const error = await rejectionOf(
      attach(signedFiles({ 'signed/app.zip': 'new' }), 'v1', reader),
      ActionError
    )

    expect(error.message).toMatch(
      /^Deleting the earlier asset 'app.zip' of release 'v1' of octo-org\/octo-repo was refused \(HTTP 403: Resource not accessible by integration - https:\/\/docs.github.com\/rest\/releases\): the token in 'github-token' may not write this repository's releases\. Grant the job 'permissions: contents: write' \(for a fine-grained personal access token: Contents, read and write\)\.$/
    )
    expect(assetsOf('v1')).toEqual({ 'app.zip': 'old' })
  })

  it('says the same when the upload is the first write refused', async () => {
    api.addRelease(REPOSITORY, 'v1')

    const error = await rejectionOf(
      attach(signedFiles({ 'signed/app.zip': 'new' }), 'v1', reader),
      ActionError
    )

    expect(error.message).toContain(
      "Uploading 'app.zip' to release 'v1' of octo-org/octo-repo was refused (HTTP 403"
    )
    expect(error.message).toContain("Grant the job 'permissions: contents: write'")
  })

  it('says the token was not accepted for a 401, never showing it', async () => {
    api.addRelease(REPOSITORY, 'v1')

    const error = await rejectionOf(
      attach(signedFiles({ 'signed/app.zip': 'new' }), 'v1', 'ghs_not_a_token'),
      ActionError
    )

    expect(error.message).toContain('was refused (HTTP 401: Bad credentials')
    expect(error.message).toContain("GitHub did not accept the token in 'github-token'")
    expect(error.message).not.toContain('ghs_not_a_token')
  })

  it('keeps the status and message of other errors, naming the tag and the asset', async () => {
    api.addRelease(REPOSITORY, 'v1')
    api.failNext(1, { method: 'POST' }, { status: 502, message: 'Server Error' })

    const error = await rejectionOf(
      attach(signedFiles({ 'signed/app.zip': 'a' }), 'v1'),
      ActionError
    )

    expect(error.message).toBe(
      `Uploading 'app.zip' to release 'v1' of ${REPOSITORY} failed (HTTP 502: Server Error - https://docs.github.com/rest/releases)`
    )
  })

  it('says when GitHub gave no answer', async () => {
    api.addRelease(REPOSITORY, 'v1')
    api.failNext(1, { method: 'POST' }, 'reset')

    const error = await rejectionOf(
      attach(signedFiles({ 'signed/app.zip': 'a' }), 'v1'),
      ActionError
    )

    expect(error.message).toMatch(
      /^Uploading 'app\.zip' to release 'v1' of octo-org\/octo-repo failed: no answer from GitHub \(.+\)\.$/
    )
  })

  it('stops an upload at its transfer deadline, timeout-seconds plus the time its size takes at 1 MB/s, naming it', async () => {
    api.addRelease(REPOSITORY, 'v1')
    // The stand-in holds the upload's answer until a second upload comes, or for 10 s.
    api.holdUploadsUntil(2)
    const started = Date.now()

    const error = await rejectionOf(
      attach(signedFiles({ 'signed/app.zip': 'a' }), 'v1', writer, 400),
      ActionError
    )

    expect(error.message).toBe(
      "Uploading 'app.zip' to release 'v1' of octo-org/octo-repo did not finish within 0.4 s (timeout-seconds plus the time its size takes at 1 MB/s)."
    )
    expect(Date.now() - started).toBeGreaterThanOrEqual(390)
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('does not read a rate limit as a missing permission', async () => {
    api.addRelease(REPOSITORY, 'v1')
    api.failNext(
      1,
      { method: 'GET' },
      {
        status: 403,
        message: 'API rate limit exceeded for installation ID 1.',
        headers: { 'x-ratelimit-remaining': '0' }
      }
    )

    const error = await rejectionOf(
      attach(signedFiles({ 'signed/app.zip': 'a' }), 'v1'),
      ActionError
    )

    expect(error.message).toContain(
      `Reading release 'v1' of ${REPOSITORY} failed (HTTP 403: API rate limit exceeded`
    )
    expect(error.message).not.toContain('permissions')
  })

  it('explains an asset name that appeared after the listing', async () => {
    const release = api.addRelease(REPOSITORY, 'v1')
    api.beforeNext({ method: 'POST' }, () => api.addAsset(release, 'app.zip', 'theirs'))

    const error = await rejectionOf(
      attach(signedFiles({ 'signed/app.zip': 'a' }), 'v1'),
      ActionError
    )

    expect(error.message).toContain(
      `Uploading 'app.zip' to release 'v1' of ${REPOSITORY} failed (HTTP 422`
    )
    expect(error.message).toContain('already_exists')
    expect(error.message).toContain('another job attaching a file of the same name?')
  })

  it('stops at the first failed file, keeping the URLs of those attached', async () => {
    api.addRelease(REPOSITORY, 'v1')
    api.failNext(1, { method: 'POST', path: /name=b\.zip/ }, { status: 500, message: 'boom' })
    const results = signedFiles({ 'signed/a.zip': 'a', 'signed/b.zip': 'b', 'signed/c.zip': 'c' })

    await rejectionOf(attach(results, 'v1'), ActionError)

    expect(results.map(result => result.releaseAssetUrl !== '')).toEqual([true, false, false])
    expect(assetsOf('v1')).toEqual({ 'a.zip': 'a' })
  })
})
