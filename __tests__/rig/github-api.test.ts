import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { getOctokit } from '@actions/github'
import { startGithubApi, type GithubApi } from './github-api.js'

const REPOSITORY = 'octo-org/octo-repo'
const OWNER_REPO = { owner: 'octo-org', repo: 'octo-repo' }

describe('GitHub REST API stand-in', () => {
  let api: GithubApi
  let writer: string
  let reader: string
  /** The client the action uses, pointed at the stand-in. */
  const octokit = (token: string) => getOctokit(token, { baseUrl: api.url })
  const upload = (token: string, uploadUrl: string, name: string, body: string | Buffer) =>
    octokit(token).request({
      method: 'POST',
      url: uploadUrl,
      name,
      data: body,
      headers: { 'content-type': 'application/octet-stream', 'content-length': body.length }
    })

  beforeAll(async () => {
    api = await startGithubApi()
    writer = api.addToken('write')
    reader = api.addToken('read')
  })
  beforeEach(() => api.reset())
  afterAll(async () => {
    await api?.stop()
  })

  it('gives GITHUB_API_URL', () => {
    expect(api.env()).toEqual({ GITHUB_API_URL: api.url })
  })

  it('finds a published release by its tag, and takes the upload behind its upload_url', async () => {
    const stored = api.addRelease(REPOSITORY, 'v1.2.3')

    const { data: release } = await octokit(writer).rest.repos.getReleaseByTag({
      ...OWNER_REPO,
      tag: 'v1.2.3'
    })
    expect(release).toMatchObject({ id: stored.id, tag_name: 'v1.2.3', draft: false })
    expect(release.upload_url).toBe(
      `${api.url}/uploads/repos/${REPOSITORY}/releases/${stored.id}/assets{?name,label}`
    )

    const { status, data: asset } = await upload(writer, release.upload_url, 'app.zip', 'signed!')
    expect(status).toBe(201)
    expect(asset).toMatchObject({ name: 'app.zip', state: 'uploaded', size: 7 })
    expect(stored.assets).toMatchObject([
      { name: 'app.zip', contentType: 'application/octet-stream', state: 'uploaded' }
    ])
    // The download URL points here, so that a test can fetch what a user would.
    const download = await fetch(asset.browser_download_url)
    expect(download.status).toBe(200)
    expect(await download.text()).toBe('signed!')
  })

  it('finds a tag with a slash', async () => {
    api.addRelease(REPOSITORY, 'release/v2')
    const { data } = await octokit(reader).rest.repos.getReleaseByTag({
      ...OWNER_REPO,
      tag: 'release/v2'
    })
    expect(data.tag_name).toBe('release/v2')
  })

  it('hides drafts from the tags endpoint, and lists them only to tokens that may write', async () => {
    const draft = api.addRelease(REPOSITORY, 'v2.0.0', { draft: true })
    api.addRelease(REPOSITORY, 'v1.0.0')

    await expect(
      octokit(writer).rest.repos.getReleaseByTag({ ...OWNER_REPO, tag: 'v2.0.0' })
    ).rejects.toMatchObject({ status: 404 })
    const listed = async (token: string) =>
      (await octokit(token).rest.repos.listReleases(OWNER_REPO)).data.map(r => [
        r.tag_name,
        r.draft
      ])
    // Newest first, as GitHub lists them.
    expect(await listed(writer)).toEqual([
      ['v1.0.0', false],
      ['v2.0.0', true]
    ])
    expect(await listed(reader)).toEqual([['v1.0.0', false]])
    // A draft's URLs name it 'untagged-…', as GitHub's do.
    const { data } = await octokit(writer).rest.repos.listReleases(OWNER_REPO)
    expect(data.find(r => r.draft)?.html_url).toContain(`untagged-${draft.id}`)
  })

  it('pages lists with link headers that Octokit follows', async () => {
    const release = api.addRelease(REPOSITORY, 'v1')
    for (let index = 0; index < 7; index++) api.addAsset(release, `file-${index}.zip`, 'x')

    const names = await octokit(reader).paginate(octokit(reader).rest.repos.listReleaseAssets, {
      ...OWNER_REPO,
      release_id: release.id,
      per_page: 3
    })

    expect(names.map(asset => asset.name)).toEqual(release.assets.map(asset => asset.name))
    const pages = api.requests.filter(request => request.path.includes('/assets'))
    expect(pages.map(request => new URL(request.path, api.url).searchParams.get('page'))).toEqual([
      null,
      '2',
      '3'
    ])
  })

  it('deletes an asset, and answers 404 for one that is gone', async () => {
    const release = api.addRelease(REPOSITORY, 'v1')
    const asset = api.addAsset(release, 'old.zip', 'old')

    const first = await octokit(writer).rest.repos.deleteReleaseAsset({
      ...OWNER_REPO,
      asset_id: asset.id
    })
    expect(first.status).toBe(204)
    expect(release.assets).toEqual([])
    await expect(
      octokit(writer).rest.repos.deleteReleaseAsset({ ...OWNER_REPO, asset_id: asset.id })
    ).rejects.toMatchObject({ status: 404 })
  })

  it('refuses writes with a read-only token as GitHub refuses an integration, 403', async () => {
    const release = api.addRelease(REPOSITORY, 'v1')
    const asset = api.addAsset(release, 'old.zip', 'old')
    const { data } = await octokit(reader).rest.repos.getReleaseByTag({ ...OWNER_REPO, tag: 'v1' })

    await expect(upload(reader, data.upload_url, 'new.zip', 'new')).rejects.toMatchObject({
      status: 403,
      message: expect.stringContaining('Resource not accessible by integration')
    })
    await expect(
      octokit(reader).rest.repos.deleteReleaseAsset({ ...OWNER_REPO, asset_id: asset.id })
    ).rejects.toMatchObject({ status: 403 })
    expect(release.assets.map(a => a.name)).toEqual(['old.zip'])
  })

  it('answers 401 Bad credentials to a token it does not know', async () => {
    api.addRelease(REPOSITORY, 'v1')
    await expect(
      octokit('ghs_unknown').rest.repos.getReleaseByTag({ ...OWNER_REPO, tag: 'v1' })
    ).rejects.toMatchObject({ status: 401, message: expect.stringContaining('Bad credentials') })
    expect(api.requests).toMatchObject([{ status: 401, permission: 'none' }])
  })

  it('refuses a second asset of a name, even while the first is uploading', async () => {
    const release = api.addRelease(REPOSITORY, 'v1')
    const { data } = await octokit(writer).rest.repos.getReleaseByTag({ ...OWNER_REPO, tag: 'v1' })
    api.addAsset(release, 'taken.zip', 'x')
    api.holdUploadsUntil(2, 500)

    await expect(upload(writer, data.upload_url, 'taken.zip', 'y')).rejects.toMatchObject({
      status: 422,
      message: expect.stringContaining('already_exists')
    })
    const first = upload(writer, data.upload_url, 'new.zip', 'first')
    while (!release.assets.some(asset => asset.name === 'new.zip')) {
      await new Promise(resolve => setTimeout(resolve, 5))
    }
    expect(release.assets.find(asset => asset.name === 'new.zip')?.state).toBe('starter')
    await expect(upload(writer, data.upload_url, 'new.zip', 'second')).rejects.toMatchObject({
      status: 422
    })
    await expect(first).resolves.toMatchObject({ status: 201, data: { state: 'uploaded' } })
  })

  it('needs the length of an upload up front', async () => {
    const release = api.addRelease(REPOSITORY, 'v1')
    const res = await fetch(
      `${api.url}/uploads/repos/${REPOSITORY}/releases/${release.id}/assets?name=a`,
      {
        method: 'POST',
        headers: { authorization: `token ${writer}`, 'content-type': 'application/octet-stream' },
        body: new Blob(['abc']).stream(),
        duplex: 'half'
      } as RequestInit
    )
    expect(res.status).toBe(411)
    expect(release.assets).toEqual([])
  })

  it('holds uploads until the given number have arrived, so that they overlap', async () => {
    const release = api.addRelease(REPOSITORY, 'v1')
    const { data } = await octokit(writer).rest.repos.getReleaseByTag({ ...OWNER_REPO, tag: 'v1' })
    api.holdUploadsUntil(3)

    await Promise.all(['a', 'b', 'c'].map(name => upload(writer, data.upload_url, name, name)))

    expect(release.assets.map(a => a.state)).toEqual(['uploaded', 'uploaded', 'uploaded'])
    expect(api.mostUploadsAtOnce()).toBe(3)
  })

  it('answers the next matching requests with a fault, and runs an action before one', async () => {
    const release = api.addRelease(REPOSITORY, 'v1')
    const asset = api.addAsset(release, 'old.zip', 'old')
    api.failNext(
      1,
      { method: 'GET', path: /\/releases\/tags\// },
      { status: 502, message: 'Server Error' }
    )
    api.beforeNext({ method: 'DELETE' }, () => api.removeAsset(release, 'old.zip'))

    await expect(
      octokit(writer).rest.repos.getReleaseByTag({ ...OWNER_REPO, tag: 'v1' })
    ).rejects.toMatchObject({ status: 502, message: expect.stringContaining('Server Error') })
    await expect(
      octokit(writer).rest.repos.getReleaseByTag({ ...OWNER_REPO, tag: 'v1' })
    ).resolves.toMatchObject({ status: 200 })
    // As if another job deleted it first.
    await expect(
      octokit(writer).rest.repos.deleteReleaseAsset({ ...OWNER_REPO, asset_id: asset.id })
    ).rejects.toMatchObject({ status: 404 })
  })
})
