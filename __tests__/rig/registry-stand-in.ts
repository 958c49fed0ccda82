import { createHash, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createTlsServer } from 'node:https'
import { error, json, type Answer } from './registry-answers.js'
import {
  motoEcrPassword,
  StandInAuthority,
  type AuthSettings,
  type StandInAuth
} from './registry-stand-in-auth.js'
import { closeServer, listenOnLoopback, readBody } from './net.js'

export type { StandInAuth } from './registry-stand-in-auth.js'

/**
 * An OCI registry in TypeScript, in memory, for what CNCF Distribution 2.8 (docker-registry.ts)
 * lacks: the referrers API with OCI-Subject, Bearer token auth with its own token service,
 * ECR-style Basic auth with the password moto's GetAuthorizationToken hands out, and faults.
 * It checks what distribution checks (digests, blobs and manifests a manifest names) and deletes
 * a manifest's tags with it, as distribution does.
 */

/** 'hang' reads the request and never answers; 'throttle' is 429 TOOMANYREQUESTS. */
export type RegistryFault = 'hang' | 'reset' | 'internal-error' | 'throttle'

/** 'api': the referrers API and OCI-Subject. 'none': neither (the tag schema, as 2.8). 'header-only': OCI-Subject without the API (ECR once, per sigstore-js). */
export type ReferrersMode = 'api' | 'none' | 'header-only'

export interface RegistryRequest {
  method: string
  /** Path and query as sent. */
  path: string
  /**
   * 'abandoned': delayed or held until its client had given up, and then dropped, as a request
   * still in the network is when its connection is torn down.
   */
  status: number | 'reset' | 'hung' | 'abandoned'
  /** The Authorization header's scheme; never its value. */
  auth: string | undefined
  atMs: number
  /** sha256 of a PUT's body, so a test can tell whose write it was. */
  bodyDigest: string | undefined
  /** The If-Match header it carried. */
  ifMatch: string | undefined
}

export interface RequestMatch {
  method?: string
  /** Tested against path and query. */
  path?: RegExp
}

export interface Hold {
  /** Resolves when a matching request has arrived and is being held. */
  arrived: Promise<void>
  /** Lets it go on. */
  release(): void
}

export interface StandInOptions {
  auth?: StandInAuth
  user?: { username: string; password: string }
  /** For 'ecr': moto's endpoint, asked once for the password it hands out. */
  motoEndpoint?: string
  referrers?: ReferrersMode
  /** Pages of referrers of this many entries; default: every entry on one page. */
  referrersPageSize?: number
  /** Whether the referrers API applies `?artifactType=`; default true. */
  filtersArtifactType?: boolean
  ignoreIfMatch?: boolean
  /**
   * Also serve the same registry over HTTPS with this certificate (PEM), on a port of its own:
   * the step reaches it as a registry elsewhere is reached, while the test sets it up and reads
   * it back over plain HTTP at `endpoint`.
   */
  tls?: { certPem: string; keyPem: string }
}

export interface RegistryStandIn {
  /** http://127.0.0.1:PORT */
  readonly endpoint: string
  /** 127.0.0.1:PORT, as an image reference names the registry. */
  readonly host: string
  /** The HTTPS port, with the `tls` option; its requests are logged in `requests` too. */
  readonly tlsPort: number | undefined
  readonly requests: RegistryRequest[]
  /** Knobs, set at any time. */
  auth: StandInAuth
  referrers: ReferrersMode
  /**
   * Referrers answered this many a page, each but the last with a relative
   * `Link: </v2/<name>/referrers/<digest>?n=…&last=…>; rel="next"`; undefined: one page.
   */
  referrersPageSize: number | undefined
  /** Applies `?artifactType=` and says so (`OCI-Filters-Applied`); false: ignores it. */
  filtersArtifactType: boolean
  /** A fault: the next page's link names this origin (`http://host:port`) instead of its own. */
  referrersNextOrigin: string | undefined
  ignoreIfMatch: boolean
  /** Leave Docker-Content-Digest out of manifest HEAD answers, as ECR sometimes does. */
  omitDigestOnHead: boolean
  /** Which fields carry the token in the token service's answer. */
  tokenField: 'token' | 'access_token' | 'both'
  /** The token the token service hands out; undefined: a random one each time. */
  tokenValue: string | undefined
  /** Bearer challenges name this realm instead of the stand-in's own token service. */
  realm: string | undefined
  /**
   * Requests that match are answered, once authorized, with a 307 to the same path and query on
   * `origin` (`http://host:port`), as registries send blob reads to storage elsewhere.
   */
  redirect: { match: RequestMatch; origin: string } | undefined
  /** Successful PUT, POST and DELETE answers carry this body, as Quay answers a manifest PUT `201 OK`. */
  writeAnswerBody: string | undefined
  /** Manifest answers name a digest not theirs ('digest-header'), or carry other bytes ('manifest-bytes'). */
  tamper: 'none' | 'digest-header' | 'manifest-bytes'
  /**
   * How long (ms) a request travels before it is handled (dropped if its client gives up
   * meanwhile); a function, so a test can stage races.
   */
  delayMs: (method: string, path: string) => number
  /** The next `count` requests that match get `fault` instead of an answer. */
  failNext(count: number, fault: RegistryFault, match?: RequestMatch): void
  /** Every token the token service handed out so far expires now, as GHCR's do after 60 s. */
  expireTokens(): void
  /** The next request that matches waits until released (dropped if its client gave up meanwhile). */
  holdNext(match: RequestMatch): Hold
  clearFaults(): void
  tagged(repository: string, tag: string): string | undefined
  manifestDigests(repository: string): string[]
  manifest(repository: string, digest: string): Buffer | undefined
  stop(): Promise<void>
}

interface Manifest {
  mediaType: string
  bytes: Buffer
}

interface Repository {
  blobs: Map<string, Buffer>
  manifests: Map<string, Manifest>
  tags: Map<string, string>
  uploads: Set<string>
}

const MANIFEST_TYPES = new Set([
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json'
])
const INDEX_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json'
])

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}

export async function startRegistryStandIn(options: StandInOptions = {}): Promise<RegistryStandIn> {
  const repositories = new Map<string, Repository>()
  const authority = new StandInAuthority()
  const requests: RegistryRequest[] = []
  let rules: { remaining: number; fault: RegistryFault; match: RequestMatch }[] = []
  let holds: { match: RequestMatch; arrived: () => void; released: Promise<void> }[] = []
  const hung = new Set<ServerResponse>()
  if (options.auth === 'ecr' && !options.motoEndpoint) {
    throw new Error(
      "the stand-in's 'ecr' auth needs motoEndpoint, to learn the password moto hands out"
    )
  }
  const ecrPassword = options.motoEndpoint ? await motoEcrPassword(options.motoEndpoint) : undefined

  const repo = (name: string): Repository => {
    let found = repositories.get(name)
    if (!found) {
      found = { blobs: new Map(), manifests: new Map(), tags: new Map(), uploads: new Set() }
      repositories.set(name, found)
    }
    return found
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    req.on('error', () => {})
    res.on('error', () => {})
    void handle(req, res)
  }
  const server = createServer(onRequest)
  const endpoint = await listenOnLoopback(server)
  const host = new URL(endpoint).host
  const tlsServer = options.tls
    ? createTlsServer({ cert: options.tls.certPem, key: options.tls.keyPem }, onRequest)
    : undefined
  const tlsPort = tlsServer ? Number(new URL(await listenOnLoopback(tlsServer)).port) : undefined

  const standIn: RegistryStandIn = {
    endpoint,
    host,
    tlsPort,
    requests,
    auth: options.auth ?? 'none',
    referrers: options.referrers ?? 'api',
    referrersPageSize: options.referrersPageSize,
    filtersArtifactType: options.filtersArtifactType ?? true,
    referrersNextOrigin: undefined,
    ignoreIfMatch: options.ignoreIfMatch ?? false,
    omitDigestOnHead: false,
    tokenField: 'both',
    tokenValue: undefined,
    realm: undefined,
    tamper: 'none',
    writeAnswerBody: undefined,
    redirect: undefined,
    delayMs: () => 0,
    failNext(count, fault, match = {}) {
      rules.push({ remaining: count, fault, match })
    },
    expireTokens() {
      authority.expireAll()
    },
    holdNext(match) {
      let arrived!: () => void
      let release!: () => void
      const arrivedPromise = new Promise<void>(resolve => (arrived = resolve))
      const released = new Promise<void>(resolve => (release = resolve))
      holds.push({ match, arrived, released })
      return { arrived: arrivedPromise, release }
    },
    clearFaults() {
      rules = []
      holds = []
    },
    tagged: (repository, tag) => repositories.get(repository)?.tags.get(tag),
    manifestDigests: repository => [...(repositories.get(repository)?.manifests.keys() ?? [])],
    manifest: (repository, digest) => repositories.get(repository)?.manifests.get(digest)?.bytes,
    async stop() {
      for (const res of hung) res.destroy()
      await Promise.all([closeServer(server), tlsServer && closeServer(tlsServer)])
    }
  }
  return standIn

  function settings(): AuthSettings {
    return {
      mode: standIn.auth,
      user: options.user,
      ecrPassword,
      host,
      realm: standIn.realm ?? `${endpoint}/token`,
      tokenField: standIn.tokenField,
      tokenValue: standIn.tokenValue
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const atMs = Date.now()
    const body = await readBody(req)
    const scheme = req.headers.authorization?.split(' ')[0]
    const log = (status: RegistryRequest['status']) =>
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        status,
        auth: scheme,
        atMs,
        bodyDigest: req.method === 'PUT' ? sha256(body) : undefined,
        ifMatch: req.headers['if-match']
      })
    const delay = standIn.delayMs(req.method ?? '', req.url ?? '')
    if (delay > 0) await new Promise(resolve => setTimeout(resolve, delay))
    const hold = holds.find(candidate => matches(candidate.match, req))
    if (hold) {
      holds = holds.filter(candidate => candidate !== hold)
      hold.arrived()
      await hold.released
    }
    if (req.socket.destroyed) {
      log('abandoned')
      return
    }
    const rule = rules.find(candidate => candidate.remaining > 0 && matches(candidate.match, req))
    if (rule) {
      rule.remaining--
      if (rule.fault === 'reset') {
        log('reset')
        req.socket.resetAndDestroy()
        return
      }
      if (rule.fault === 'hang') {
        log('hung')
        hung.add(res)
        return
      }
      const status = rule.fault === 'throttle' ? 429 : 500
      log(status)
      sendError(res, status, rule.fault === 'throttle' ? 'TOOMANYREQUESTS' : 'UNKNOWN', 'fault')
      return
    }
    const answer = withWriteBody(req, route(req, body))
    log(answer.status)
    res.writeHead(answer.status, answer.headers)
    res.end(req.method === 'HEAD' ? undefined : answer.body)
  }

  function route(req: IncomingMessage, body: Buffer): Answer {
    const url = new URL(req.url ?? '/', endpoint)
    const method = req.method ?? 'GET'
    if (url.pathname === '/token') return authority.token(settings(), req, url)
    if (url.pathname === '/v2/' || url.pathname === '/v2') {
      return authority.check(settings(), req, undefined, 'pull') ?? json(200, {})
    }
    const match =
      /^\/v2\/(.+)\/(blobs\/uploads)\/([^/]*)$/.exec(url.pathname) ??
      /^\/v2\/(.+)\/(manifests|blobs|referrers)\/([^/]+)$/.exec(url.pathname)
    if (!match) return error(404, 'NOT_FOUND', 'no such route')
    const [, name, kind, reference] = match as unknown as [string, string, string, string]
    const action = method === 'GET' || method === 'HEAD' ? 'pull' : 'push'
    const refused = authority.check(settings(), req, name, action)
    if (refused) return refused
    if (standIn.redirect && matches(standIn.redirect.match, req)) {
      return {
        status: 307,
        headers: { location: `${standIn.redirect.origin}${req.url ?? '/'}`, 'content-length': 0 }
      }
    }
    const repository = repo(name)
    switch (`${method} ${kind}`) {
      case 'GET manifests':
      case 'HEAD manifests':
        return getManifest(repository, reference, method === 'HEAD')
      case 'PUT manifests':
        return putManifest(repository, name, reference, req, body)
      case 'DELETE manifests':
        return deleteManifest(repository, reference)
      case 'GET blobs':
      case 'HEAD blobs': {
        const blob = repository.blobs.get(reference)
        if (!blob) return error(404, 'BLOB_UNKNOWN', 'blob unknown to registry')
        return {
          status: 200,
          headers: {
            'content-type': 'application/octet-stream',
            'content-length': blob.length,
            'docker-content-digest': reference
          },
          body: blob
        }
      }
      case 'POST blobs/uploads': {
        const id = randomUUID()
        repository.uploads.add(id)
        return {
          status: 202,
          headers: {
            location: `/v2/${name}/blobs/uploads/${id}`,
            'docker-upload-uuid': id,
            'content-length': 0
          }
        }
      }
      case 'PUT blobs/uploads': {
        if (!repository.uploads.delete(reference)) {
          return error(404, 'BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry')
        }
        const digest = url.searchParams.get('digest')
        if (digest !== sha256(body))
          return error(400, 'DIGEST_INVALID', 'provided digest did not match uploaded content')
        repository.blobs.set(digest, body)
        return {
          status: 201,
          headers: {
            location: `/v2/${name}/blobs/${digest}`,
            'docker-content-digest': digest,
            'content-length': 0
          }
        }
      }
      case 'GET referrers':
        return referrersOf(repository, name, reference, url.searchParams)
      default:
        return error(405, 'UNSUPPORTED', 'The operation is unsupported.')
    }
  }

  function withWriteBody(req: IncomingMessage, answer: Answer): Answer {
    const write = ['PUT', 'POST', 'DELETE'].includes(req.method ?? '')
    if (!write || standIn.writeAnswerBody === undefined || answer.status >= 300) return answer
    const body = Buffer.from(standIn.writeAnswerBody)
    return {
      ...answer,
      headers: {
        ...answer.headers,
        'content-type': 'text/html; charset=utf-8',
        'content-length': body.length
      },
      body
    }
  }

  function getManifest(repository: Repository, reference: string, head: boolean): Answer {
    const digest = reference.startsWith('sha256:') ? reference : repository.tags.get(reference)
    const manifest = digest === undefined ? undefined : repository.manifests.get(digest)
    if (!digest || !manifest) return error(404, 'MANIFEST_UNKNOWN', 'manifest unknown')
    const headers: Record<string, string | number> = {
      'content-type': manifest.mediaType,
      'content-length': manifest.bytes.length,
      etag: `"${digest}"`
    }
    if (!(head && standIn.omitDigestOnHead)) headers['docker-content-digest'] = digest
    if (standIn.tamper === 'digest-header')
      headers['docker-content-digest'] = sha256(Buffer.from(digest))
    const body =
      standIn.tamper === 'manifest-bytes'
        ? Buffer.from(manifest.bytes.toString('utf8').replace('{', '{ '))
        : manifest.bytes
    headers['content-length'] = body.length
    return { status: 200, headers, body }
  }

  function putManifest(
    repository: Repository,
    name: string,
    reference: string,
    req: IncomingMessage,
    body: Buffer
  ): Answer {
    const mediaType = req.headers['content-type']?.split(';')[0]?.trim() ?? ''
    if (!MANIFEST_TYPES.has(mediaType))
      return error(400, 'MANIFEST_INVALID', `unsupported type ${mediaType}`)
    let parsed: {
      mediaType?: string
      config?: { digest?: string }
      layers?: { digest?: string }[]
      manifests?: { digest?: string }[]
      subject?: { digest?: string }
    }
    try {
      parsed = JSON.parse(body.toString('utf8'))
    } catch {
      return error(400, 'MANIFEST_INVALID', 'manifest invalid')
    }
    if (parsed.mediaType !== undefined && parsed.mediaType !== mediaType) {
      return error(400, 'MANIFEST_INVALID', 'mediaType does not match Content-Type')
    }
    const digest = sha256(body)
    if (reference.startsWith('sha256:') && reference !== digest) {
      return error(400, 'DIGEST_INVALID', 'provided digest did not match uploaded content')
    }
    const missing = INDEX_TYPES.has(mediaType)
      ? (parsed.manifests ?? []).find(child => !repository.manifests.has(child.digest ?? ''))
      : [parsed.config, ...(parsed.layers ?? [])].find(
          blob => !repository.blobs.has(blob?.digest ?? '')
        )
    if (missing)
      return error(400, 'MANIFEST_BLOB_UNKNOWN', 'blob unknown to registry', missing.digest)
    const ifMatch = req.headers['if-match']
    if (ifMatch !== undefined && !standIn.ignoreIfMatch && !reference.startsWith('sha256:')) {
      const current = repository.tags.get(reference)
      if (current === undefined || ifMatch !== `"${current}"`) {
        return error(412, 'PRECONDITION_FAILED', 'the tag has changed')
      }
    }
    repository.manifests.set(digest, { mediaType, bytes: body })
    if (!reference.startsWith('sha256:')) repository.tags.set(reference, digest)
    const headers: Record<string, string | number> = {
      location: `/v2/${name}/manifests/${digest}`,
      'docker-content-digest': digest,
      'content-length': 0
    }
    if (standIn.referrers !== 'none' && parsed.subject?.digest) {
      headers['oci-subject'] = parsed.subject.digest
    }
    return { status: 201, headers }
  }

  function deleteManifest(repository: Repository, reference: string): Answer {
    if (!reference.startsWith('sha256:')) return error(400, 'UNSUPPORTED', 'delete by digest only')
    if (!repository.manifests.delete(reference))
      return error(404, 'MANIFEST_UNKNOWN', 'manifest unknown')
    for (const [tag, digest] of repository.tags) {
      if (digest === reference) repository.tags.delete(tag)
    }
    return { status: 202, headers: { 'content-length': 0 } }
  }

  function referrersOf(
    repository: Repository,
    name: string,
    digest: string,
    query: URLSearchParams
  ): Answer {
    if (standIn.referrers !== 'api') {
      return {
        status: 404,
        headers: { 'content-type': 'text/plain' },
        body: Buffer.from('404 page not found\n')
      }
    }
    const artifactType = standIn.filtersArtifactType ? query.get('artifactType') : null
    const manifests = [...repository.manifests].flatMap(([manifestDigest, manifest]) => {
      const parsed = JSON.parse(manifest.bytes.toString('utf8')) as {
        subject?: { digest?: string }
        artifactType?: string
        config?: { mediaType?: string }
        annotations?: Record<string, string>
      }
      if (parsed.subject?.digest !== digest) return []
      const type = parsed.artifactType ?? parsed.config?.mediaType
      if (artifactType && type !== artifactType) return []
      return [
        {
          mediaType: manifest.mediaType,
          digest: manifestDigest,
          size: manifest.bytes.length,
          ...(type ? { artifactType: type } : {}),
          ...(parsed.annotations ? { annotations: parsed.annotations } : {})
        }
      ]
    })
    const pageSize = standIn.referrersPageSize ?? manifests.length
    const last = query.get('last')
    const start = last === null ? 0 : manifests.findIndex(entry => entry.digest === last) + 1
    const page = manifests.slice(start, start + pageSize)
    const answer = json(200, {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: page
    })
    answer.headers['content-type'] = 'application/vnd.oci.image.index.v1+json'
    if (artifactType) answer.headers['oci-filters-applied'] = 'artifactType'
    const lastOnPage = page.at(-1)
    if (start + pageSize < manifests.length && lastOnPage) {
      const next = new URLSearchParams(artifactType ? { artifactType } : {})
      next.set('n', String(pageSize))
      next.set('last', lastOnPage.digest)
      const origin = standIn.referrersNextOrigin ?? ''
      answer.headers.link = `<${origin}/v2/${name}/referrers/${digest}?${next}>; rel="next"`
    }
    return answer
  }
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  const answer = error(status, code, message)
  res.writeHead(answer.status, answer.headers)
  res.end(answer.body)
}

function matches(match: RequestMatch, req: IncomingMessage): boolean {
  if (match.method && match.method.toUpperCase() !== req.method) return false
  return !match.path || (req.url ?? '').search(match.path) >= 0
}
