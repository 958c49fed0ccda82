import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'
import { closeServer, listenOnLoopback, readBody } from './net.js'

/**
 * An OCI registry in TypeScript, in memory, for what CNCF Distribution 2.8 (docker-registry.ts)
 * lacks: the referrers API with OCI-Subject, Bearer token auth with its own token service,
 * ECR-style Basic auth with the password moto's GetAuthorizationToken hands out, and faults.
 * It checks what distribution checks (digests, blobs and manifests a manifest names) and deletes
 * a manifest's tags with it, as distribution does.
 */

/** 'hang' reads the request and never answers; 'throttle' is 429 TOOMANYREQUESTS. */
export type RegistryFault = 'hang' | 'reset' | 'internal-error' | 'throttle'

/**
 * 'basic': the `user` with Basic. 'bearer': a token from `/token`, which takes the `user` with
 * Basic (pull and push) or no one (pull only). 'ecr': Basic `AWS:<password>`, the password that
 * moto's ecr:GetAuthorizationToken hands out.
 */
export type StandInAuth = 'none' | 'basic' | 'bearer' | 'ecr'

/** 'api': the referrers API and OCI-Subject. 'none': neither (the tag schema, as 2.8). 'header-only': OCI-Subject without the API (ECR once, per sigstore-js). */
export type ReferrersMode = 'api' | 'none' | 'header-only'

export interface RegistryRequest {
  method: string
  /** Path and query as sent. */
  path: string
  status: number | 'reset' | 'hung'
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
  ignoreIfMatch?: boolean
}

export interface RegistryStandIn {
  /** http://127.0.0.1:PORT */
  readonly endpoint: string
  /** 127.0.0.1:PORT, as an image reference names the registry. */
  readonly host: string
  readonly requests: RegistryRequest[]
  /** Knobs, set at any time. */
  auth: StandInAuth
  referrers: ReferrersMode
  ignoreIfMatch: boolean
  /** Leave Docker-Content-Digest out of manifest HEAD answers, as ECR sometimes does. */
  omitDigestOnHead: boolean
  /** Which fields carry the token in the token service's answer. */
  tokenField: 'token' | 'access_token' | 'both'
  /** Bearer challenges name this realm instead of the stand-in's own token service. */
  realm: string | undefined
  /** Manifest answers name a digest not theirs ('digest-header'), or carry other bytes ('manifest-bytes'). */
  tamper: 'none' | 'digest-header' | 'manifest-bytes'
  /** How long (ms) a request waits before it is handled; a function, so a test can stage races. */
  delayMs: (method: string, path: string) => number
  /** The next `count` requests that match get `fault` instead of an answer. */
  failNext(count: number, fault: RegistryFault, match?: RequestMatch): void
  /** The next request that matches waits until released. */
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

interface Grant {
  /** repository → allowed actions */
  access: Map<string, Set<string>>
  expiresAt: number
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
const SERVICE = 'registry-stand-in'

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}

/** The password moto's ecr:GetAuthorizationToken hands out, asked of moto itself. */
export async function motoEcrPassword(motoEndpoint: string, region = 'us-east-1'): Promise<string> {
  const client = new ECRClient({
    endpoint: motoEndpoint,
    region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' }
  })
  try {
    const answer = await client.send(new GetAuthorizationTokenCommand({}))
    const token = answer.authorizationData?.[0]?.authorizationToken ?? ''
    const [user, password] = Buffer.from(token, 'base64').toString('utf8').split(/:(.*)/s)
    if (user !== 'AWS' || !password) throw new Error(`moto handed out an unexpected token`)
    return password
  } finally {
    client.destroy()
  }
}

export async function startRegistryStandIn(options: StandInOptions = {}): Promise<RegistryStandIn> {
  const repositories = new Map<string, Repository>()
  const grants = new Map<string, Grant>()
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

  const server = createServer((req, res) => {
    req.on('error', () => {})
    res.on('error', () => {})
    void handle(req, res)
  })
  const endpoint = await listenOnLoopback(server)
  const host = new URL(endpoint).host

  const standIn: RegistryStandIn = {
    endpoint,
    host,
    requests,
    auth: options.auth ?? 'none',
    referrers: options.referrers ?? 'api',
    ignoreIfMatch: options.ignoreIfMatch ?? false,
    omitDigestOnHead: false,
    tokenField: 'both',
    realm: undefined,
    tamper: 'none',
    delayMs: () => 0,
    failNext(count, fault, match = {}) {
      rules.push({ remaining: count, fault, match })
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
      await closeServer(server)
    }
  }
  return standIn

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
    const answer = route(req, body)
    log(answer.status)
    res.writeHead(answer.status, answer.headers)
    res.end(req.method === 'HEAD' ? undefined : answer.body)
  }

  function route(req: IncomingMessage, body: Buffer): Answer {
    const url = new URL(req.url ?? '/', endpoint)
    const method = req.method ?? 'GET'
    if (url.pathname === '/token') return token(req, url)
    if (url.pathname === '/v2/' || url.pathname === '/v2') {
      return authorize(req, undefined, 'pull') ?? json(200, {})
    }
    const match =
      /^\/v2\/(.+)\/(blobs\/uploads)\/([^/]*)$/.exec(url.pathname) ??
      /^\/v2\/(.+)\/(manifests|blobs|referrers)\/([^/]+)$/.exec(url.pathname)
    if (!match) return error(404, 'NOT_FOUND', 'no such route')
    const [, name, kind, reference] = match as unknown as [string, string, string, string]
    const refused = authorize(req, name, method === 'GET' || method === 'HEAD' ? 'pull' : 'push')
    if (refused) return refused
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
        return referrersOf(repository, reference, url.searchParams.get('artifactType'))
      default:
        return error(405, 'UNSUPPORTED', 'The operation is unsupported.')
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
    digest: string,
    artifactType: string | null
  ): Answer {
    if (standIn.referrers !== 'api') {
      return {
        status: 404,
        headers: { 'content-type': 'text/plain' },
        body: Buffer.from('404 page not found\n')
      }
    }
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
    const answer = json(200, {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests
    })
    answer.headers['content-type'] = 'application/vnd.oci.image.index.v1+json'
    if (artifactType) answer.headers['oci-filters-applied'] = 'artifactType'
    return answer
  }

  /** undefined when the request may go on; else the 401 with the challenge for this mode. */
  function authorize(
    req: IncomingMessage,
    name: string | undefined,
    action: 'pull' | 'push'
  ): Answer | undefined {
    const mode = standIn.auth
    if (mode === 'none') return undefined
    const header = req.headers.authorization ?? ''
    if (mode === 'basic' || mode === 'ecr') {
      const [user, password] = Buffer.from(header.replace(/^Basic /, ''), 'base64')
        .toString('utf8')
        .split(/:(.*)/s)
      const valid =
        header.startsWith('Basic ') &&
        (mode === 'ecr'
          ? user === 'AWS' && password === ecrPassword
          : user === options.user?.username && password === options.user?.password)
      if (valid) return undefined
      const challenge =
        mode === 'ecr'
          ? `Basic realm="https://${host}/",service="ecr.amazonaws.com"`
          : `Basic realm="${SERVICE}"`
      return error(401, 'UNAUTHORIZED', 'authentication required', undefined, {
        'www-authenticate': challenge
      })
    }
    const grant = grants.get(header.replace(/^Bearer /, ''))
    const allowed =
      grant && grant.expiresAt > Date.now() && header.startsWith('Bearer ')
        ? name === undefined || grant.access.get(name)?.has(action)
        : false
    if (allowed) return undefined
    const scope =
      name === undefined
        ? ''
        : `,scope="repository:${name}:${action === 'push' ? 'pull,push' : 'pull'}"`
    const insufficient = grant ? ',error="insufficient_scope"' : ''
    return error(401, 'UNAUTHORIZED', 'authentication required', undefined, {
      'www-authenticate': `Bearer realm="${standIn.realm ?? `${endpoint}/token`}",service="${SERVICE}"${scope}${insufficient}`
    })
  }

  /** The token service: the user gets pull and push, anyone else pull. */
  function token(req: IncomingMessage, url: URL): Answer {
    const header = req.headers.authorization
    let granted = ['pull']
    if (header) {
      const [user, password] = Buffer.from(header.replace(/^Basic /, ''), 'base64')
        .toString('utf8')
        .split(/:(.*)/s)
      if (
        !header.startsWith('Basic ') ||
        user !== options.user?.username ||
        password !== options.user?.password
      ) {
        return error(401, 'UNAUTHORIZED', 'invalid username or password')
      }
      granted = ['pull', 'push']
    }
    if (url.searchParams.get('service') !== SERVICE) return error(400, 'DENIED', 'unknown service')
    const access = new Map<string, Set<string>>()
    for (const scope of url.searchParams.getAll('scope')) {
      const [type, name, actions] = scope.split(':')
      if (type !== 'repository' || !name) continue
      // Several scopes for one repository add up.
      const allowed = access.get(name) ?? new Set<string>()
      for (const action of (actions ?? '').split(',')) {
        if (granted.includes(action)) allowed.add(action)
      }
      access.set(name, allowed)
    }
    const value = randomBytes(24).toString('base64url')
    grants.set(value, { access, expiresAt: Date.now() + 300_000 })
    const fields = standIn.tokenField
    return json(200, {
      ...(fields !== 'access_token' ? { token: value } : {}),
      ...(fields !== 'token' ? { access_token: value } : {}),
      expires_in: 300
    })
  }
}

interface Answer {
  status: number
  headers: Record<string, string | number>
  body?: Buffer
}

function json(status: number, value: unknown): Answer {
  const body = Buffer.from(JSON.stringify(value))
  return {
    status,
    headers: { 'content-type': 'application/json', 'content-length': body.length },
    body
  }
}

function error(
  status: number,
  code: string,
  message: string,
  detail?: unknown,
  headers: Record<string, string> = {}
): Answer {
  const answer = json(status, {
    errors: [{ code, message, ...(detail === undefined ? {} : { detail }) }]
  })
  Object.assign(answer.headers, headers)
  return answer
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
