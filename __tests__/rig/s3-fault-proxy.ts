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
import { closeServer, listenOnLoopback, readBody } from './net.js'

/**
 * 'hang' reads the request and never answers, until the client gives up or the proxy stops.
 * 'delay' passes the request on after `delayMs`: a slow answer that does come.
 */
export type RequestFault = 'reset' | 'internal-error' | 'slow-down' | 'hang' | 'delay'

/**
 * Faults that strike after moto answered and its headers went out, as a network or a server
 * failing mid-transfer would: the client has already seen a 200.
 * - 'stall': the headers and the first half of the body, then silence.
 * - 'reset-mid-body': the headers and the first half of the body, then the connection torn down.
 * - 'trickle': the headers, then the body one byte every `intervalMs`.
 * - 'shorten': the headers with the full content-length, half the body, then the connection closed.
 * - 'inflate': the body followed by `extraBytes` more, with a content-length that counts them
 *   (or, with `declareLength: false`, none: chunked).
 */
export type ResponseFault = 'stall' | 'reset-mid-body' | 'trickle' | 'shorten' | 'inflate'

export type S3Fault = RequestFault | ResponseFault

export interface FaultOptions {
  /** 'trickle': the pause between bytes; default 1000. */
  intervalMs?: number
  /** 'inflate': bytes sent after the real body; default 1 GiB. */
  extraBytes?: number
  /** 'inflate': whether the content-length counts the extra bytes; default true. */
  declareLength?: boolean
  /** 'delay': how long the request waits before it is passed on; default 1000. */
  delayMs?: number
}

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
  /** The fault this request got, if any. */
  fault?: S3Fault
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
  /**
   * The next `count` requests that match (all, if no `match`) get `fault` instead of the target's
   * answer (a request fault), or the target's answer spoiled on its way back (a response fault).
   */
  failNext(count: number, fault: S3Fault, match?: FaultMatch, options?: FaultOptions): void
  clearFaults(): void
  stop(): Promise<void>
}

interface FaultRule {
  remaining: number
  fault: S3Fault
  match: FaultMatch
  options: FaultOptions
}

const RESPONSE_FAULTS = new Set<S3Fault>([
  'stall',
  'reset-mid-body',
  'trickle',
  'shorten',
  'inflate'
])

function isResponseFault(fault: string | undefined): fault is ResponseFault {
  return RESPONSE_FAULTS.has(fault as S3Fault)
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

type S3ErrorAnswer = Exclude<RequestFault, 'reset' | 'hang' | 'delay'> | 'access-denied'

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

  const takeFault = (req: IncomingMessage): FaultRule | undefined => {
    const rule = rules.find(r => r.remaining > 0 && matches(r.match, req))
    if (!rule) return undefined
    rule.remaining--
    return rule
  }

  const server = createServer((req, res) => {
    const atMs = Date.now()
    const expectedOwner = req.headers['x-amz-expected-bucket-owner']
    const rule =
      expectedOwner !== undefined && expectedOwner !== MOTO_ACCOUNT ? undefined : takeFault(req)
    const log = (status: ProxiedRequest['status']): void => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        status,
        atMs,
        headers: req.headers,
        ...(rule ? { fault: rule.fault } : {})
      })
    }
    // A client that goes away mid-request must not crash the proxy.
    req.on('error', () => {})
    res.on('error', () => {})
    const fault: S3ErrorAnswer | RequestFault | ResponseFault | undefined =
      expectedOwner !== undefined && expectedOwner !== MOTO_ACCOUNT ? 'access-denied' : rule?.fault
    if (isResponseFault(fault)) {
      forward(req, res, targetUrl, agent, log, answer =>
        spoil(answer, res, fault, rule?.options ?? {})
      )
    } else if (fault === 'reset') {
      log('reset')
      req.socket.resetAndDestroy()
    } else if (fault === 'hang') {
      // Read it all, so the client is left waiting for the answer; stop() closes the connection.
      req.resume()
      req.once('end', () => log('hung'))
    } else if (fault === 'delay') {
      const timer = setTimeout(
        () => forward(req, res, targetUrl, agent, log),
        rule?.options.delayMs ?? 1000
      )
      res.once('close', () => clearTimeout(timer))
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
    failNext(count, fault, match = {}, options = {}) {
      rules.push({ remaining: count, fault, match, options })
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
  log: (status: number) => void,
  respond: (answer: IncomingMessage) => void = answer => {
    res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEnd(answer.headers))
    answer.pipe(res)
    answer.on('error', () => res.destroy())
  }
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
    log(answer.statusCode ?? 502)
    respond(answer)
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

/**
 * Sends moto's answer with `fault`. The body is read whole first, so its halves are known: meant
 * for the small objects of tests. Whatever the fault, nothing more is sent once the client is gone.
 */
function spoil(
  answer: IncomingMessage,
  res: ServerResponse,
  fault: ResponseFault,
  options: FaultOptions
): void {
  void readBody(answer).then(
    body => {
      const headers = endToEnd(answer.headers)
      const half = body.subarray(0, Math.floor(body.length / 2))
      const status = answer.statusCode ?? 502
      if (fault === 'inflate') {
        const extra = options.extraBytes ?? 1024 ** 3
        if (options.declareLength === false) delete headers['content-length']
        else headers['content-length'] = String(body.length + extra)
        res.writeHead(status, answer.statusMessage, headers)
        res.write(body)
        void sendFiller(res, extra)
        return
      }
      res.writeHead(status, answer.statusMessage, headers)
      if (fault === 'trickle') {
        trickle(res, body, options.intervalMs ?? 1000)
        return
      }
      res.write(half, () => {
        if (fault === 'reset-mid-body') res.socket?.resetAndDestroy()
        else if (fault === 'shorten') res.socket?.end()
        // 'stall': the connection stays open and silent until the client or stop() closes it.
      })
    },
    () => res.destroy()
  )
}

function trickle(res: ServerResponse, body: Buffer, intervalMs: number): void {
  let sent = 0
  const timer = setInterval(() => {
    if (sent < body.length) res.write(body.subarray(sent, ++sent))
    if (sent >= body.length) {
      clearInterval(timer)
      res.end()
    }
  }, intervalMs)
  res.once('close', () => clearInterval(timer))
}

/** Zeros, 64 KiB at a time and only as fast as the client reads, until `bytes` or it leaves. */
async function sendFiller(res: ServerResponse, bytes: number): Promise<void> {
  const chunk = Buffer.alloc(64 * 1024)
  let left = bytes
  while (left > 0 && !res.destroyed) {
    const piece = left >= chunk.length ? chunk : chunk.subarray(0, left)
    left -= piece.length
    if (!res.write(piece)) {
      await new Promise<void>(resolve => {
        const go = () => {
          res.off('drain', go).off('close', go)
          resolve()
        }
        res.on('drain', go).on('close', go)
      })
    }
  }
  if (!res.destroyed) res.end()
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
