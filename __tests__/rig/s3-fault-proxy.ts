import { randomBytes } from 'node:crypto'
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse
} from 'node:http'
import { MOTO_ACCOUNT } from './moto.js'
import { closeServer, listenOnLoopback } from './net.js'

/** 'hang' reads the request and never answers, until the client gives up or the proxy stops. */
export type S3Fault = 'reset' | 'internal-error' | 'slow-down' | 'hang'

export interface ProxiedRequest {
  method: string
  /** Path and query as the client sent them. */
  path: string
  /**
   * The status the client got; 'reset' when its connection was torn down instead, 'hung' when
   * the request was read and left unanswered.
   */
  status: number | 'reset' | 'hung'
  /**
   * When the request arrived (`Date.now()`, as the Signer service logs). Entries are in the order
   * answered; a hung request's once it has been read.
   */
  atMs: number
  headers: IncomingHttpHeaders
}

export interface FaultMatch {
  method?: string
  /** Tested against path and query. */
  path?: RegExp
}

export interface S3FaultProxy {
  /** http://127.0.0.1:PORT — an IP, so the SDK uses path-style addressing by itself. */
  readonly endpoint: string
  readonly requests: ReadonlyArray<ProxiedRequest>
  /** The next `count` requests that match (all, if no `match`) get `fault` instead of the target. */
  failNext(count: number, fault: S3Fault, match?: FaultMatch): void
  clearFaults(): void
  stop(): Promise<void>
}

interface FaultRule {
  remaining: number
  fault: S3Fault
  match: FaultMatch
}

// Per connection, not end to end: these must not be forwarded. `expect` is answered here already.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'upgrade',
  'expect'
])

type S3ErrorAnswer = Exclude<S3Fault, 'reset' | 'hang'> | 'access-denied'

const S3_ERRORS: Record<S3ErrorAnswer, { status: number; code: string; message: string }> = {
  'access-denied': { status: 403, code: 'AccessDenied', message: 'Access Denied' },
  'internal-error': {
    status: 500,
    code: 'InternalError',
    message: 'We encountered an internal error. Please try again.'
  },
  'slow-down': { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' }
}

/**
 * A loopback HTTP proxy in front of an S3 endpoint (moto) that streams traffic both ways and
 * injects faults on demand. The Host header is passed through unchanged, so SigV4 signatures
 * made for the proxy's address stay valid. Like S3 (and unlike moto) it refuses a request whose
 * ExpectedBucketOwner is not the bucket's owner, with 403 AccessDenied.
 */
export async function startS3FaultProxy(target: string): Promise<S3FaultProxy> {
  const targetUrl = new URL(target)
  const agent = new Agent({ keepAlive: true })
  const requests: ProxiedRequest[] = []
  let rules: FaultRule[] = []

  const takeFault = (req: IncomingMessage): S3Fault | undefined => {
    const rule = rules.find(r => r.remaining > 0 && matches(r.match, req))
    if (!rule) return undefined
    rule.remaining--
    return rule.fault
  }

  const server = createServer((req, res) => {
    const atMs = Date.now()
    const log = (status: ProxiedRequest['status']): void => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        status,
        atMs,
        headers: req.headers
      })
    }
    // A client that goes away mid-request must not crash the proxy.
    req.on('error', () => {})
    res.on('error', () => {})
    const expectedOwner = req.headers['x-amz-expected-bucket-owner']
    const fault: S3ErrorAnswer | 'reset' | 'hang' | undefined =
      expectedOwner !== undefined && expectedOwner !== MOTO_ACCOUNT
        ? 'access-denied'
        : takeFault(req)
    if (fault === 'reset') {
      log('reset')
      req.socket.resetAndDestroy()
    } else if (fault === 'hang') {
      // Read it all, so the client is left waiting for the answer; stop() closes the connection.
      req.resume()
      req.once('end', () => log('hung'))
    } else if (fault) {
      // Drain the body first so the connection stays usable for the SDK's retry.
      req.resume()
      req.once('end', () => {
        log(S3_ERRORS[fault].status)
        sendS3Error(res, fault)
      })
    } else {
      forward(req, res, targetUrl, agent, log)
    }
  })
  server.keepAliveTimeout = 60_000
  const endpoint = await listenOnLoopback(server)

  return {
    endpoint,
    requests,
    failNext(count, fault, match = {}) {
      rules.push({ remaining: count, fault, match })
    },
    clearFaults() {
      rules = []
    },
    async stop() {
      agent.destroy()
      await closeServer(server)
    }
  }
}

function matches(match: FaultMatch, req: IncomingMessage): boolean {
  if (match.method && match.method.toUpperCase() !== req.method) return false
  // search() ignores the g/y flags' lastIndex, so a shared RegExp matches every time.
  return !match.path || (req.url ?? '').search(match.path) >= 0
}

function forward(
  req: IncomingMessage,
  res: ServerResponse,
  target: URL,
  agent: Agent,
  log: (status: number) => void
): void {
  const upstream = httpRequest({
    protocol: target.protocol,
    hostname: target.hostname,
    port: target.port,
    method: req.method,
    path: req.url,
    headers: endToEnd(req.headers),
    agent
  })
  upstream.on('response', answer => {
    const status = answer.statusCode ?? 502
    log(status)
    res.writeHead(status, answer.statusMessage, endToEnd(answer.headers))
    answer.pipe(res)
    answer.on('error', () => res.destroy())
  })
  upstream.on('error', error => {
    if (res.headersSent) {
      res.destroy()
      return
    }
    log(502)
    res.writeHead(502, { 'content-type': 'text/plain' }).end(`proxy: ${error.message}`)
  })
  // The client gave up: stop the upstream request too.
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy()
  })
  req.pipe(upstream)
}

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)))
}

function sendS3Error(res: ServerResponse, fault: S3ErrorAnswer): void {
  const { status, code, message } = S3_ERRORS[fault]
  const requestId = randomBytes(8).toString('hex').toUpperCase()
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${message}</Message>` +
    `<RequestId>${requestId}</RequestId><HostId>${randomBytes(24).toString('base64')}</HostId></Error>`
  res.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    'x-amz-request-id': requestId
  })
  res.end(body)
}
