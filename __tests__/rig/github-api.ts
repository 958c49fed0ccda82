import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { closeServer, listenOnLoopback, readBody } from './net.js'

/** What a token may do: 'write' is a job with `contents: write`, 'read' one with `contents: read`. */
export type TokenPermission = 'write' | 'read'

export interface StoredAsset {
  id: number
  name: string
  contentType: string
  /** Empty when the API discards upload bytes (`discardUploadBytes`). */
  bytes: Buffer
  size: number
  /** 'starter' from the start of its upload until the body has arrived, and after a broken one. */
  state: 'starter' | 'uploaded'
}

export interface StoredRelease {
  id: number
  /** owner/name */
  repository: string
  tag: string
  draft: boolean
  assets: StoredAsset[]
}

export interface GithubApiRequest {
  method: string
  /** Path and query, as sent. */
  path: string
  status: number
  /** Of the token the request carried: 'none' without one or with one the API does not know. */
  permission: TokenPermission | 'none'
  atMs: number
}

export interface RequestMatch {
  method?: string
  /** Matched against the path and query. */
  path?: RegExp
}

export interface ErrorAnswer {
  status: number
  message: string
  headers?: Record<string, string>
}

export interface GithubApi {
  /** Origin, for GITHUB_API_URL. */
  readonly url: string
  /** GITHUB_API_URL: Octokit's base URL. */
  env(): Record<string, string>
  /** A new token with that permission, e.g. for the github-token input. */
  addToken(permission: TokenPermission): string
  addRelease(repository: string, tag: string, options?: { draft?: boolean }): StoredRelease
  /** An asset already attached, as an earlier run would have left it. */
  addAsset(release: StoredRelease, name: string, bytes: Buffer | string): StoredAsset
  /** Deletes an asset behind the action's back, as another job would. */
  removeAsset(release: StoredRelease, name: string): void
  readonly releases: ReadonlyArray<StoredRelease>
  readonly requests: ReadonlyArray<GithubApiRequest>
  /**
   * Answers the next `count` requests that match with this error instead, or with 'reset' tears
   * their connection down without an answer.
   */
  failNext(count: number, match: RequestMatch, answer: ErrorAnswer | 'reset'): void
  /** Runs `action` just before the next matching request is handled, e.g. to stage a race. */
  beforeNext(match: RequestMatch, action: () => void): void
  /**
   * Holds the answer to each upload until `count` uploads have arrived (counting from now) or
   * `timeoutMs` has passed: uploads that are meant to run at once then do overlap.
   */
  holdUploadsUntil(count: number, timeoutMs?: number): void
  /**
   * Counts the bytes of uploads instead of keeping them, for tests of large files that measure
   * the memory of their own process.
   */
  discardUploadBytes: boolean
  /** The most uploads that were in progress at one moment since the last reset. */
  mostUploadsAtOnce(): number
  /** Forgets releases, requests, faults and holds; tokens stay valid. */
  reset(): void
  stop(): Promise<void>
}

const DOCS = 'https://docs.github.com/rest/releases'
const ROUTES = {
  releaseByTag: /^\/repos\/([^/]+)\/([^/]+)\/releases\/tags\/(.+)$/,
  releases: /^\/repos\/([^/]+)\/([^/]+)\/releases$/,
  assets: /^\/repos\/([^/]+)\/([^/]+)\/releases\/(\d+)\/assets$/,
  asset: /^\/repos\/([^/]+)\/([^/]+)\/releases\/assets\/(\d+)$/,
  // Where upload_url points: GitHub Enterprise Server's layout, on this same server.
  upload: /^\/uploads\/repos\/([^/]+)\/([^/]+)\/releases\/(\d+)\/assets$/,
  download: /^\/([^/]+)\/([^/]+)\/releases\/download\/([^/]+)\/([^/]+)$/
}
const NOT_ACCESSIBLE = 'Resource not accessible by integration'

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {}
  ) {
    super(message)
  }
}

interface Hold {
  count: number
  arrived: number
  release: () => void
  released: Promise<void>
}

/**
 * A local stand-in for the part of GitHub's REST API that attaches files to a release: a release
 * by tag, the list of releases (where drafts are), the list of a release's assets, deleting an
 * asset, and the upload endpoint behind a release's `upload_url` (on this server under
 * /uploads/, as GitHub Enterprise Server has it). Tokens carry a permission; drafts are visible
 * to 'write' tokens only, as to users with push access on GitHub. Assets can be downloaded from
 * their `browser_download_url`, which points here. Everything is kept in memory.
 */
export async function startGithubApi(): Promise<GithubApi> {
  const tokens = new Map<string, TokenPermission>()
  let releases: StoredRelease[] = []
  let requests: GithubApiRequest[] = []
  let faults: { count: number; match: RequestMatch; answer: ErrorAnswer | 'reset' }[] = []
  let hooks: { match: RequestMatch; action: () => void }[] = []
  let hold: Hold | undefined
  let uploadsInFlight = 0
  let mostUploadsAtOnce = 0
  let nextId = 1

  const server = createServer()
  const url = await listenOnLoopback(server)
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/'
    const permission = tokens.get(tokenOf(req)) ?? 'none'
    const record = (status: number) =>
      requests.push({ method: req.method ?? '', path, status, permission, atMs: Date.now() })
    handle(req, res, permission)
      .catch(async (error: unknown) => {
        const answer =
          error instanceof ApiError ? error : new ApiError(500, `stand-in failure: ${error}`)
        // Read what the client is still sending, so that it reads the answer, not a reset.
        if (!req.readableEnded) await readBody(req)
        return sendError(res, answer)
      })
      .then(record, () => record(0))
  })

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    permission: TokenPermission | 'none'
  ): Promise<number> {
    const method = req.method ?? 'GET'
    const target = new URL(req.url ?? '/', url)
    const matches = (match: RequestMatch) =>
      (!match.method || match.method === method) &&
      (!match.path || match.path.test(`${target.pathname}${target.search}`))

    const hook = hooks.find(candidate => matches(candidate.match))
    if (hook) {
      hooks = hooks.filter(other => other !== hook)
      hook.action()
    }
    const fault = faults.find(candidate => candidate.count > 0 && matches(candidate.match))
    if (fault) {
      fault.count -= 1
      const { answer } = fault
      if (answer === 'reset') {
        req.socket.destroy()
        return 0
      }
      throw new ApiError(answer.status, answer.message, {}, answer.headers)
    }

    const route = (pattern: RegExp, verb: string) => {
      const found = method === verb ? pattern.exec(target.pathname) : null
      return found?.slice(1).map(decodeURIComponent)
    }
    let params: string[] | undefined

    // Downloads of published releases' assets need no token, as on github.com.
    if ((params = route(ROUTES.download, 'GET'))) {
      const [owner, repo, ref, name] = params
      const release = findRelease(`${owner}/${repo}`, permission, r => releaseRef(r) === ref)
      const asset = release?.assets.find(a => a.name === name && a.state === 'uploaded')
      if (!asset) throw notFound()
      res.writeHead(200, {
        'content-type': asset.contentType,
        'content-length': asset.bytes.length
      })
      res.end(asset.bytes)
      return 200
    }
    if (permission === 'none') throw new ApiError(401, 'Bad credentials')

    if ((params = route(ROUTES.releaseByTag, 'GET'))) {
      const [owner, repo, tag] = params
      // This endpoint serves published releases only: a draft is not found by its tag.
      const release = findRelease(`${owner}/${repo}`, permission, r => !r.draft && r.tag === tag)
      if (!release) throw notFound()
      return sendJson(res, 200, releaseJson(release))
    }
    if ((params = route(ROUTES.releases, 'GET'))) {
      const [owner, repo] = params
      // Newest first, drafts only for tokens that may push.
      const visible = releases.filter(r => visibleIn(r, `${owner}/${repo}`, permission)).reverse()
      return sendPage(res, target, visible.map(releaseJson))
    }
    if ((params = route(ROUTES.assets, 'GET'))) {
      const [owner, repo, id] = params
      const release = findRelease(`${owner}/${repo}`, permission, r => r.id === Number(id))
      if (!release) throw notFound()
      return sendPage(
        res,
        target,
        release.assets.map(asset => assetJson(release, asset))
      )
    }
    if ((params = route(ROUTES.asset, 'DELETE'))) {
      const [owner, repo, id] = params
      requireWrite(permission)
      const release = findRelease(`${owner}/${repo}`, permission, r =>
        r.assets.some(asset => asset.id === Number(id))
      )
      if (!release) throw notFound()
      release.assets = release.assets.filter(asset => asset.id !== Number(id))
      res.writeHead(204).end()
      return 204
    }
    if ((params = route(ROUTES.upload, 'POST'))) {
      const [owner, repo, id] = params
      requireWrite(permission)
      const release = findRelease(`${owner}/${repo}`, permission, r => r.id === Number(id))
      if (!release) throw notFound()
      return upload(req, res, release, target.searchParams.get('name'))
    }
    throw notFound()
  }

  async function upload(
    req: IncomingMessage,
    res: ServerResponse,
    release: StoredRelease,
    name: string | null
  ): Promise<number> {
    if (!name) throw validationFailed('missing_field', 'name')
    // The uploads endpoint needs the length up front: a chunked body is refused.
    if (req.headers['content-length'] === undefined) throw new ApiError(411, 'Length Required')
    if (release.assets.some(asset => asset.name === name)) {
      throw validationFailed('already_exists', 'name')
    }
    // The name is taken from the start of the upload: other uploads see a 'starter' asset.
    const asset: StoredAsset = {
      id: nextId++,
      name,
      contentType: req.headers['content-type'] ?? '',
      bytes: Buffer.alloc(0),
      size: 0,
      state: 'starter'
    }
    release.assets.push(asset)
    uploadsInFlight += 1
    mostUploadsAtOnce = Math.max(mostUploadsAtOnce, uploadsInFlight)
    try {
      if (api.discardUploadBytes) {
        for await (const chunk of req) asset.size += (chunk as Buffer).length
      } else {
        asset.bytes = await readBody(req)
        asset.size = asset.bytes.length
      }
      if (hold) {
        hold.arrived += 1
        if (hold.arrived >= hold.count) hold.release()
        await hold.released
      }
    } finally {
      uploadsInFlight -= 1
    }
    asset.state = 'uploaded'
    return sendJson(res, 201, assetJson(release, asset))
  }

  function visibleIn(
    release: StoredRelease,
    repository: string,
    permission: TokenPermission | 'none'
  ): boolean {
    // Only users with push access see drafts.
    return (
      release.repository === repository.toLowerCase() && (!release.draft || permission === 'write')
    )
  }

  function findRelease(
    repository: string,
    permission: TokenPermission | 'none',
    test: (release: StoredRelease) => boolean
  ): StoredRelease | undefined {
    return releases.find(release => visibleIn(release, repository, permission) && test(release))
  }

  /** What a release is called in its URLs: its tag, or for a draft 'untagged-<id>'. */
  function releaseRef(release: StoredRelease): string {
    return release.draft ? `untagged-${release.id}` : release.tag
  }

  function releaseJson(release: StoredRelease): Record<string, unknown> {
    const api = `${url}/repos/${release.repository}/releases/${release.id}`
    return {
      url: api,
      html_url: `${url}/${release.repository}/releases/tag/${encodeURIComponent(releaseRef(release))}`,
      assets_url: `${api}/assets`,
      upload_url: `${url}/uploads/repos/${release.repository}/releases/${release.id}/assets{?name,label}`,
      id: release.id,
      tag_name: release.tag,
      name: release.tag,
      draft: release.draft,
      prerelease: false,
      published_at: release.draft ? null : new Date(0).toISOString(),
      assets: release.assets.map(asset => assetJson(release, asset))
    }
  }

  function assetJson(release: StoredRelease, asset: StoredAsset): Record<string, unknown> {
    return {
      url: `${url}/repos/${release.repository}/releases/assets/${asset.id}`,
      browser_download_url: `${url}/${release.repository}/releases/download/${encodeURIComponent(releaseRef(release))}/${encodeURIComponent(asset.name)}`,
      id: asset.id,
      name: asset.name,
      label: '',
      state: asset.state,
      content_type: asset.contentType,
      size: asset.size,
      download_count: 0
    }
  }

  const api: GithubApi = {
    url,
    env: () => ({ GITHUB_API_URL: url }),
    discardUploadBytes: false,
    addToken(permission) {
      const token = `ghs_${randomBytes(18).toString('base64url')}`
      tokens.set(token, permission)
      return token
    },
    addRelease(repository, tag, options = {}) {
      const release: StoredRelease = {
        id: nextId++,
        repository: repository.toLowerCase(),
        tag,
        draft: options.draft ?? false,
        assets: []
      }
      releases.push(release)
      return release
    },
    addAsset(release, name, bytes) {
      const asset: StoredAsset = {
        id: nextId++,
        name,
        contentType: 'application/octet-stream',
        bytes: Buffer.from(bytes),
        size: Buffer.byteLength(bytes),
        state: 'uploaded'
      }
      release.assets.push(asset)
      return asset
    },
    removeAsset(release, name) {
      release.assets = release.assets.filter(asset => asset.name !== name)
    },
    get releases() {
      return releases
    },
    get requests() {
      return requests
    },
    failNext(count, match, answer) {
      faults.push({ count, match, answer })
    },
    beforeNext(match, action) {
      hooks.push({ match, action })
    },
    holdUploadsUntil(count, timeoutMs = 10_000) {
      let release = () => {}
      const released = new Promise<void>(resolve => {
        release = resolve
      })
      setTimeout(release, timeoutMs).unref()
      hold = { count, arrived: 0, release, released }
    },
    mostUploadsAtOnce: () => mostUploadsAtOnce,
    reset() {
      releases = []
      requests = []
      faults = []
      hooks = []
      api.discardUploadBytes = false
      mostUploadsAtOnce = 0
      hold?.release()
      hold = undefined
    },
    stop: async () => {
      hold?.release()
      await closeServer(server)
    }
  }
  return api
}

/** Octokit sends `token <t>`; GitHub also takes `Bearer <t>`. */
function tokenOf(req: IncomingMessage): string {
  return /^(?:token|bearer) (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? ''
}

function requireWrite(permission: TokenPermission): void {
  if (permission !== 'write') throw new ApiError(403, NOT_ACCESSIBLE)
}

function notFound(): ApiError {
  return new ApiError(404, 'Not Found')
}

function validationFailed(code: string, field: string): ApiError {
  return new ApiError(422, 'Validation Failed', {
    errors: [{ resource: 'ReleaseAsset', code, field }]
  })
}

/** One page of a list (`per_page` at most 100), with GitHub's `link` to the next and last. */
function sendPage(res: ServerResponse, target: URL, items: unknown[]): number {
  const perPage = Math.min(100, Number(target.searchParams.get('per_page')) || 30)
  const page = Math.max(1, Number(target.searchParams.get('page')) || 1)
  const last = Math.max(1, Math.ceil(items.length / perPage))
  const link = (n: number) => {
    const other = new URL(target)
    other.searchParams.set('per_page', String(perPage))
    other.searchParams.set('page', String(n))
    return `<${other.href}>`
  }
  const headers: Record<string, string> =
    page < last ? { link: `${link(page + 1)}; rel="next", ${link(last)}; rel="last"` } : {}
  return sendJson(res, 200, items.slice((page - 1) * perPage, page * perPage), headers)
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {}
): number {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text)
  })
  res.end(text)
  return status
}

function sendError(res: ServerResponse, error: ApiError): number {
  if (res.headersSent) {
    res.destroy()
    return error.status
  }
  return sendJson(
    res,
    error.status,
    {
      message: error.message,
      ...error.extra,
      documentation_url: DOCS,
      status: String(error.status)
    },
    error.headers
  )
}
