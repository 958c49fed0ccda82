import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { closeServer, listenOnLoopback, readBody } from './net.js'

export interface StoredArtifact {
  id: string
  name: string
  /** As FinalizeArtifact reported it. */
  size?: number
  /** As FinalizeArtifact reported it: 'sha256:<hex>'. */
  hash?: string
  /** The committed blob: for a normal upload, the zip @actions/artifact made. */
  bytes: Buffer
  finalized: boolean
  workflowRunBackendId: string
  workflowJobRunBackendId: string
}

export interface ResultsService {
  /** Origin, for ACTIONS_RESULTS_URL. */
  readonly url: string
  /**
   * ACTIONS_RUNTIME_TOKEN (an unsigned JWT scoped to `Actions.Results:<runId>:<jobId>`),
   * ACTIONS_RESULTS_URL and GITHUB_SERVER_URL. Without arguments, the same run and job every time.
   */
  env(runId?: string, jobId?: string): Record<string, string>
  readonly artifacts: ReadonlyArray<StoredArtifact>
  reset(): void
  stop(): Promise<void>
}

const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.ArtifactService/'
const UPLOAD_PREFIX = '/upload/'
/** What the real service answers when a run already has an artifact of that name. */
export const NAME_CLASH_MESSAGE = 'an artifact with this name already exists on the workflow run'

const TWIRP_STATUS = {
  already_exists: 409,
  bad_route: 404,
  invalid_argument: 400,
  malformed: 400,
  not_found: 404,
  permission_denied: 403,
  unauthenticated: 401
} as const
type TwirpCode = keyof typeof TWIRP_STATUS

class TwirpError extends Error {
  constructor(
    readonly code: TwirpCode,
    message: string
  ) {
    super(message)
  }
}

class BlobError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message)
  }
}

interface Upload {
  artifact: StoredArtifact
  sig: string
  /** Staged, not yet committed blocks by block id. */
  blocks: Map<string, Buffer>
}

/**
 * A local stand-in for the GitHub Actions results service as @actions/artifact 6 uses it:
 * Twirp JSON CreateArtifact / FinalizeArtifact, and an Azure block-blob endpoint for the
 * signed upload URL. Everything is kept in memory.
 */
export async function startResultsService(): Promise<ResultsService> {
  const uploads = new Map<string, Upload>()
  let nextId = 1000
  const defaultRun = randomUUID()
  const defaultJob = randomUUID()

  const server = createServer()
  const url = await listenOnLoopback(server)
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
      res.end(String(error))
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = new URL(req.url ?? '/', url)
    const body = await readBody(req)
    if (req.method === 'POST' && target.pathname.startsWith(TWIRP_PREFIX)) {
      answerTwirp(res, () => callTwirp(target.pathname.slice(TWIRP_PREFIX.length), req, body))
    } else if (req.method === 'PUT' && target.pathname.startsWith(UPLOAD_PREFIX)) {
      answerBlob(res, () => putBlob(target, req, body))
    } else {
      res.writeHead(404).end()
    }
  }

  function callTwirp(method: string, req: IncomingMessage, body: Buffer): unknown {
    const request = parseTwirpRequest(body)
    authorize(req, request)
    if (method === 'CreateArtifact') return createArtifact(request)
    if (method === 'FinalizeArtifact') return finalizeArtifact(request)
    throw new TwirpError('bad_route', `no handler for path "${TWIRP_PREFIX}${method}"`)
  }

  function createArtifact(request: TwirpRequest): unknown {
    // Creating reserves the name: an unfinished upload clashes too, so a blind retry fails.
    const clash = [...uploads.values()].some(
      u =>
        u.artifact.workflowRunBackendId === request.workflow_run_backend_id &&
        u.artifact.name === request.name
    )
    if (clash) throw new TwirpError('already_exists', NAME_CLASH_MESSAGE)
    const id = String(nextId++)
    const upload: Upload = {
      artifact: {
        id,
        name: request.name,
        bytes: Buffer.alloc(0),
        finalized: false,
        workflowRunBackendId: request.workflow_run_backend_id,
        workflowJobRunBackendId: request.workflow_job_run_backend_id
      },
      sig: randomBytes(16).toString('base64url'),
      blocks: new Map()
    }
    uploads.set(id, upload)
    // The blob client reads /<account>/<container>/<blob> from an IP host's path.
    const signedUploadUrl = `${url}${UPLOAD_PREFIX}${id}/artifact?sig=${upload.sig}`
    return { ok: true, signed_upload_url: signedUploadUrl }
  }

  function finalizeArtifact(request: TwirpRequest): unknown {
    const upload = [...uploads.values()].find(
      u =>
        u.artifact.workflowRunBackendId === request.workflow_run_backend_id &&
        u.artifact.name === request.name &&
        !u.artifact.finalized
    )
    if (!upload) throw new TwirpError('not_found', `no artifact named ${request.name} to finalize`)
    const { artifact } = upload
    const size = Number(request.size)
    if (size !== artifact.bytes.length) {
      throw new TwirpError(
        'invalid_argument',
        `size ${request.size} does not match the ${artifact.bytes.length} bytes uploaded`
      )
    }
    const hash = request.hash
    const actual = `sha256:${createHash('sha256').update(artifact.bytes).digest('hex')}`
    if (hash !== undefined && hash !== actual) {
      throw new TwirpError('invalid_argument', `hash ${hash} does not match the upload (${actual})`)
    }
    Object.assign(artifact, { size, hash, finalized: true })
    return { ok: true, artifact_id: artifact.id }
  }

  function putBlob(target: URL, req: IncomingMessage, body: Buffer): void {
    const id = target.pathname.slice(UPLOAD_PREFIX.length).split('/')[0] ?? ''
    const upload = uploads.get(id)
    if (!upload || target.searchParams.get('sig') !== upload.sig) {
      throw new BlobError(403, 'AuthenticationFailed', 'Signature did not match.')
    }
    const comp = target.searchParams.get('comp')
    if (comp === 'block') {
      const blockId = target.searchParams.get('blockid')
      if (!blockId) throw new BlobError(400, 'InvalidQueryParameterValue', 'blockid is missing')
      upload.blocks.set(blockId, body)
    } else if (comp === 'blocklist') {
      upload.artifact.bytes = commitBlocks(upload.blocks, body.toString('utf8'))
      upload.blocks.clear()
    } else if (!comp && req.headers['x-ms-blob-type'] === 'BlockBlob') {
      upload.artifact.bytes = body
    } else {
      throw new BlobError(400, 'UnsupportedQueryParameter', `unsupported upload: comp=${comp}`)
    }
  }

  return {
    url,
    env(runId = defaultRun, jobId = defaultJob) {
      return {
        ACTIONS_RUNTIME_TOKEN: runtimeToken(runId, jobId),
        ACTIONS_RESULTS_URL: url,
        GITHUB_SERVER_URL: 'https://github.com'
      }
    },
    get artifacts() {
      return [...uploads.values()].map(u => u.artifact)
    },
    reset() {
      uploads.clear()
    },
    stop: () => closeServer(server)
  }
}

/** The members of CreateArtifactRequest / FinalizeArtifactRequest (protobuf field names). */
interface TwirpRequest {
  workflow_run_backend_id: string
  workflow_job_run_backend_id: string
  name: string
  /** int64, so a string in JSON. */
  size?: string
  /** google.protobuf.StringValue, so a bare string in JSON. */
  hash?: string
}

function parseTwirpRequest(body: Buffer): TwirpRequest {
  try {
    const request = JSON.parse(body.toString('utf8')) as TwirpRequest
    if (typeof request.name === 'string' && typeof request.workflow_run_backend_id === 'string') {
      return request
    }
  } catch {
    // reported below
  }
  throw new TwirpError('malformed', 'the request is not a JSON artifact request')
}

/** The token's Actions.Results scope must name the run and job the request is about. */
function authorize(req: IncomingMessage, request: TwirpRequest): void {
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
  if (!token) throw new TwirpError('unauthenticated', 'no bearer token')
  const scope = `Actions.Results:${request.workflow_run_backend_id}:${request.workflow_job_run_backend_id}`
  if (!tokenScopes(token).includes(scope)) {
    throw new TwirpError('permission_denied', `the token is not scoped to ${scope}`)
  }
}

function tokenScopes(token: string): string[] {
  try {
    const json = Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()
    const payload = JSON.parse(json) as { scp?: unknown }
    return typeof payload.scp === 'string' ? payload.scp.split(' ') : []
  } catch {
    return []
  }
}

function runtimeToken(runId: string, jobId: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const claims = {
    scp: `Actions.GenericRead:00000000-0000-0000-0000-000000000000 Actions.Results:${runId}:${jobId}`,
    iss: 'vstoken.actions.githubusercontent.com',
    exp: Math.floor(Date.now() / 1000) + 6 * 3600
  }
  return `${part({ typ: 'JWT', alg: 'none' })}.${part(claims)}.`
}

/** Builds the blob from a Put Block List body, in the order it lists the blocks. */
function commitBlocks(staged: Map<string, Buffer>, blockListXml: string): Buffer {
  const ids = [...blockListXml.matchAll(/<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g)]
  const blocks = ids.map(([, , id]) => {
    const block = staged.get(id ?? '')
    if (!block) throw new BlobError(400, 'InvalidBlockList', `block ${id} was not staged`)
    return block
  })
  return Buffer.concat(blocks)
}

function answerTwirp(res: ServerResponse, call: () => unknown): void {
  try {
    sendJson(res, 200, call())
  } catch (error) {
    if (!(error instanceof TwirpError)) throw error
    sendJson(res, TWIRP_STATUS[error.code], { code: error.code, msg: error.message })
  }
}

function answerBlob(res: ServerResponse, call: () => void): void {
  const headers = {
    'x-ms-request-id': randomUUID(),
    'x-ms-version': '2025-11-05',
    date: new Date().toUTCString()
  }
  try {
    call()
    res.writeHead(201, {
      ...headers,
      etag: `"0x${randomBytes(8).toString('hex').toUpperCase()}"`,
      'last-modified': headers.date,
      'x-ms-request-server-encrypted': 'true',
      'content-length': 0
    })
    res.end()
  } catch (error) {
    if (!(error instanceof BlobError)) throw error
    const xml =
      '<?xml version="1.0" encoding="utf-8"?>' +
      `<Error><Code>${error.code}</Code><Message>${error.message}</Message></Error>`
    res.writeHead(error.status, {
      ...headers,
      'x-ms-error-code': error.code,
      'content-type': 'application/xml'
    })
    res.end(xml)
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text)
  })
  res.end(text)
}
