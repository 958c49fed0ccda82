/**
 * One HTTP exchange with a registry, bounded like the AWS calls: a connection that does not open
 * in CONNECT_TIMEOUT_MS (as the SDK's), an answer that goes silent, or a deadline passed ends it;
 * an answer's body is read only up to a limit. `retrying` repeats what failed in passing.
 *
 * node:http, not fetch: fetch cost about three times the CPU a request (its WHATWG streams and
 * Headers), about 7 ms more for each image of a step, and its first call loads undici. Connections
 * are kept alive, through the runner's proxy if it has one (registryAgent).
 */
import http, { type IncomingMessage } from 'node:http'
import https from 'node:https'
import { finished } from 'node:stream/promises'
import { systemClock, type Clock } from '../clock.js'
import { ActionError, isProxyTunnelInPassing } from '../errors.js'
import { retryDelayMs, throttledDelayMs } from '../aws/backoff.js'
import { CONNECT_TIMEOUT_MS, USER_AGENT } from '../aws/clients.js'
import type { RequestRate } from '../aws/request-rate.js'
import { registryAgent } from '../network-proxy.js'
import { checkedUrl } from './registry-url.js'

export type Method = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE'

export interface Exchange {
  method: Method
  url: URL
  headers: Record<string, string>
  body?: Uint8Array
  /** The most a successful answer's body may hold; more fails the exchange. */
  bodyLimit: number
}

/** An answer's headers, read as fetch's Headers reads them: any case, repeats joined by ', '. */
export interface AnswerHeaders {
  get(name: string): string | null
}

export interface Answer {
  status: number
  headers: AnswerHeaders
  /** Empty for HEAD; an error answer's body is cut at ERROR_BODY_LIMIT. */
  body: Buffer
  /** Where the answer came from, after redirects. */
  url: URL
  /** The Authorization header the answered request carried: none after a hop to another origin. */
  sentAuthorization: string | undefined
}

export interface ExchangeBounds {
  /** The answer (its headers, then each part of its body) must come within this. */
  silenceMs: number
  /** Absolute time (Date.now()) at which the exchange is abandoned. */
  deadline: number
  signal?: AbortSignal
}

/** How a failure is met: throttled and transient ones are tried again, final ones are not. */
export type FailureKind = 'throttled' | 'transient' | 'final'

/** A failure of the exchange itself (no answer, connection lost, answer too large). */
export class ExchangeError extends ActionError {
  constructor(
    message: string,
    readonly kind: FailureKind,
    options?: ErrorOptions
  ) {
    super(message, options)
  }
}

/** The step was cancelled (or its caller gave up) while the exchange was under way. */
export class ExchangeCancelled extends ExchangeError {
  constructor(host: string) {
    super(`The request to ${host} was cancelled.`, 'final')
  }
}

/** An error answer's body is cut here; an unused success body (an acknowledgement) may be as long. */
export const ERROR_BODY_LIMIT = 16 * 1024
const MAX_REDIRECTS = 5
const USER_AGENT_HEADER = USER_AGENT.join('/')
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN'])

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`
}

/**
 * Sends one request and reads its answer. GET and HEAD follow redirects (at most 5, each checked
 * by `checkedUrl`; the Authorization header stays with the registry's own origin).
 */
export async function exchange(request: Exchange, bounds: ExchangeBounds): Promise<Answer> {
  const host = request.url.host
  // Sent, a request past its deadline could land after its caller gave up (a referrers write
  // outside its window): refused as the deadline would have cut it off.
  if (Date.now() >= bounds.deadline) throw outOfTime(host)
  const controller = new AbortController()
  let reason: 'silence' | 'deadline' | 'cancelled' | 'connect' | undefined
  const abort = (why: NonNullable<typeof reason>) => {
    reason ??= why
    controller.abort()
  }
  let silence: NodeJS.Timeout | undefined
  const heard = () => {
    clearTimeout(silence)
    silence = setTimeout(() => abort('silence'), bounds.silenceMs)
  }
  const total = setTimeout(() => abort('deadline'), Math.max(0, bounds.deadline - Date.now()))
  const cancel = () => abort('cancelled')
  bounds.signal?.addEventListener('abort', cancel, { once: true })
  if (bounds.signal?.aborted) abort('cancelled')
  heard()
  try {
    let url = request.url
    const headers = { ...request.headers }
    for (let hop = 0; ; hop++) {
      const response = await send(url, request, headers, controller.signal, () => abort('connect'))
      heard()
      const status = response.statusCode ?? 0
      const location = response.headers.location
      const follow = request.method === 'GET' || request.method === 'HEAD'
      if (follow && [301, 302, 303, 307, 308].includes(status) && location) {
        // Read to its end, a short body gives the connection back for the next request (a
        // registry that redirects each blob read would otherwise cost a connection each); a long
        // one is cut, and its connection with it.
        await readBody(response, ERROR_BODY_LIMIT, { truncate: true, heard, host })
        if (hop >= MAX_REDIRECTS) {
          throw new ExchangeError(`${host} redirected more than ${MAX_REDIRECTS} times.`, 'final')
        }
        const next = checkedUrl(location, url, 'a redirect')
        if (next.origin !== request.url.origin) delete headers.authorization
        url = next
        continue
      }
      const ok = status >= 200 && status <= 299
      const body =
        request.method === 'HEAD'
          ? await emptyBody(response)
          : await readBody(response, ok ? request.bodyLimit : ERROR_BODY_LIMIT, {
              truncate: !ok,
              heard,
              host
            })
      return {
        status,
        headers: answerHeaders(response),
        body,
        url,
        sentAuthorization: headers.authorization
      }
    }
  } catch (error) {
    if (error instanceof ExchangeError) throw error
    if (reason === 'cancelled') throw new ExchangeCancelled(host)
    if (reason === 'silence') {
      throw new ExchangeError(
        `got no answer from ${host} in ${seconds(bounds.silenceMs)}`,
        'transient'
      )
    }
    if (reason === 'deadline') throw outOfTime(host)
    if (reason === 'connect') {
      throw new ExchangeError(
        `could not connect to ${host} within ${seconds(CONNECT_TIMEOUT_MS)}`,
        'transient'
      )
    }
    const failure = error as { code?: string; message?: string; cause?: typeof failure }
    const code = failure.cause?.code ?? failure.code ?? ''
    const text = failure.cause?.message ?? failure.message ?? String(error)
    throw new ExchangeError(
      `could not reach ${host}: ${code && !text.includes(code) ? `${code} ` : ''}${text}`,
      NETWORK_CODES.has(code) || isProxyTunnelInPassing({ code, message: text })
        ? 'transient'
        : 'final',
      { cause: error }
    )
  } finally {
    clearTimeout(silence)
    clearTimeout(total)
    bounds.signal?.removeEventListener('abort', cancel)
  }
}

/** What a request cut off by its deadline (or refused for it) ends with. */
export function outOfTime(host: string): ExchangeError {
  return new ExchangeError(`ran out of time waiting for ${host}`, 'final')
}

/**
 * One request, answered with its status and headers (the body still to read). A new connection
 * that is not open (TLS included) within CONNECT_TIMEOUT_MS calls `connectTimedOut`.
 */
function send(
  url: URL,
  request: Exchange,
  headers: Record<string, string>,
  signal: AbortSignal,
  connectTimedOut: () => void
): Promise<IncomingMessage> {
  const tls = url.protocol === 'https:'
  // As fetch does: an empty POST or PUT says it has no body.
  const length =
    request.body !== undefined || request.method === 'POST' || request.method === 'PUT'
      ? { 'content-length': String(request.body?.length ?? 0) }
      : {}
  return new Promise((resolve, reject) => {
    const outgoing = (tls ? https : http).request(url, {
      agent: registryAgent(tls ? 'https:' : 'http:', CONNECT_TIMEOUT_MS),
      method: request.method,
      headers: { 'user-agent': USER_AGENT_HEADER, ...headers, ...length },
      signal
    })
    outgoing.once('response', resolve)
    // Not once: an error after the answer came (the body's, read elsewhere) must not go unheard.
    outgoing.on('error', reject)
    outgoing.once('socket', socket => {
      // A kept-alive connection is open already; a tunnel through the runner's proxy comes open
      // too, bounded by the agent's timeout while it was being made.
      if (!socket.connecting) return
      const timer = setTimeout(connectTimedOut, CONNECT_TIMEOUT_MS)
      socket.once(tls ? 'secureConnect' : 'connect', () => clearTimeout(timer))
      socket.once('close', () => clearTimeout(timer))
    })
    outgoing.end(request.body)
  })
}

/** A HEAD answer has no body; its end gives the connection back for the next request. */
async function emptyBody(response: IncomingMessage): Promise<Buffer> {
  response.resume()
  await finished(response)
  return Buffer.alloc(0)
}

function answerHeaders(response: IncomingMessage): AnswerHeaders {
  const distinct = response.headersDistinct
  return { get: name => distinct[name.toLowerCase()]?.join(', ') ?? null }
}

async function readBody(
  response: IncomingMessage,
  limit: number,
  { truncate, heard, host }: { truncate: boolean; heard: () => void; host: string }
): Promise<Buffer> {
  const declared = Number(response.headers['content-length'] ?? NaN)
  const tooLarge = () =>
    new ExchangeError(`${host} sent an answer larger than ${limit} bytes; refused.`, 'final')
  if (!truncate && declared > limit) {
    response.destroy()
    throw tooLarge()
  }
  const chunks: Buffer[] = []
  let size = 0
  // Leaving the loop early (a limit reached) destroys the response.
  for await (const chunk of response as AsyncIterable<Buffer>) {
    heard()
    size += chunk.length
    if (size > limit) {
      if (!truncate) throw tooLarge()
      chunks.push(chunk.subarray(0, chunk.length - (size - limit)))
      break
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

export interface RetryPolicy {
  /** Attempts for a request that failed in passing (5xx, reset, no answer); 1: no retry. */
  maxAttempts: number
  /** No retry starts later than this (clock time). */
  deadline: number
  /** The pace of the registry's requests, slowed by throttling, shared by the step. */
  rate: RequestRate
  clock?: Clock
}

/** How `retrying` reads an error: ExchangeError and RegistryError carry their kind. */
export function failureKind(error: unknown): FailureKind {
  const kind = (error as { kind?: unknown }).kind
  return kind === 'throttled' || kind === 'transient' ? kind : 'final'
}

/**
 * Runs `attempt` until it succeeds, or fails finally, or `maxAttempts` transient failures are
 * spent, or the next back-off would pass the deadline. Throttling is retried until the deadline
 * and slows the shared rate, as the AWS clients' PacedRetryStrategy does.
 */
export async function retrying<T>(
  policy: RetryPolicy,
  attempt: (attemptNumber: number) => Promise<T>
): Promise<T> {
  const clock = policy.clock ?? systemClock
  for (let failures = 0; ;) {
    await policy.rate.acquire(policy.deadline)
    try {
      const value = await attempt(failures + 1)
      return value
    } catch (error) {
      const kind = failureKind(error)
      failures++
      if (kind === 'throttled') policy.rate.throttled()
      const delay = (kind === 'throttled' ? throttledDelayMs : retryDelayMs)(failures, clock.random)
      const again =
        (kind === 'throttled' || (kind === 'transient' && failures < policy.maxAttempts)) &&
        clock.now() + delay <= policy.deadline
      if (!again) throw withAttempts(error, failures)
      await clock.sleep(delay)
    }
  }
}

/** The final error says how many attempts it took, when more than one. */
function withAttempts(error: unknown, attempts: number): unknown {
  if (attempts > 1 && error instanceof ActionError && !/attempts\)/.test(error.message)) {
    error.message = `${error.message.replace(/\.$/, '')} (${attempts} attempts).`
  }
  return error
}
