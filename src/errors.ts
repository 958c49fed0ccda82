/** An error whose message is written for the user: it says what is wrong and what to do. */
export class ActionError extends Error {
  override readonly name = 'ActionError'
}

/** A bad input value; the message names the input and the accepted form. */
export class InputError extends ActionError {
  constructor(
    readonly input: string,
    detail: string
  ) {
    super(`Input '${input}': ${detail}`)
  }
}

interface ServiceErrorShape {
  name?: string
  message?: string
  code?: string
  $metadata?: { httpStatusCode?: number; attempts?: number; requestId?: string }
}

function shape(error: unknown): ServiceErrorShape {
  return typeof error === 'object' && error !== null ? (error as ServiceErrorShape) : {}
}

/** The message a user reads; AWS errors keep their code so they can be looked up. */
export function errorMessage(error: unknown): string {
  if (error instanceof ActionError) return error.message
  if (error instanceof Error) {
    const code = error.name && error.name !== 'Error' ? `${error.name}: ` : ''
    const hint = isCredentialsError(error)
      ? " — AWS refused the request's credentials or signature: check that the job's credentials are current (aws-actions/configure-aws-credentials) and that 'region' is the Region of the profile and buckets."
      : ''
    return `${code}${error.message}${hint}`
  }
  return String(error)
}

export function httpStatus(error: unknown): number | undefined {
  return shape(error).$metadata?.httpStatusCode
}

const THROTTLING_NAMES = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'SlowDown'
])

export function isThrottling(error: unknown): boolean {
  return THROTTLING_NAMES.has(shape(error).name ?? '') || httpStatus(error) === 429
}

// 403s that are not about permissions: the signature, the key or the token was refused.
const CREDENTIALS_NAMES = new Set([
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidToken',
  'AuthorizationHeaderMalformed'
])

export function isCredentialsError(error: unknown): boolean {
  return CREDENTIALS_NAMES.has(shape(error).name ?? '')
}

/** The role may not make this call (not: its credentials were refused). */
export function isAccessDenied(error: unknown): boolean {
  const { name } = shape(error)
  if (name === 'AccessDeniedException' || name === 'AccessDenied') return true
  return httpStatus(error) === 403 && !isCredentialsError(error)
}

export function isNotFound(error: unknown): boolean {
  const { name } = shape(error)
  return name === 'ResourceNotFoundException' || name === 'NoSuchBucket' || name === 'NotFound'
}

/** Server-side or network trouble that a later attempt may not meet. */
export function isTransient(error: unknown): boolean {
  const status = httpStatus(error)
  if (status !== undefined) return status >= 500
  const { name, code } = shape(error)
  return (
    // AbortError: the poller's per-request timeout cut a request that hung.
    name === 'TimeoutError' ||
    name === 'AbortError' ||
    ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'].includes(code ?? '') ||
    isProxyTunnelInPassing(error) ||
    /socket hang up|ECONNRESET/.test(shape(error).message ?? '')
  )
}

/**
 * A request whose connection never opened, or went silent, fails with smithy's TimeoutError
 * after the client's timeouts, or with an AbortError when the caller's own time bound (the
 * poller's AbortSignal.timeout) cut it; the final one names the operation and the endpoint
 * instead.
 */
export function explainNoAnswer(
  error: unknown,
  request: {
    operation: string
    endpoint: string | undefined
    silenceMs: number
    connectMs: number
    /** How long the request ran when the caller's time bound cut it; undefined if it did not. */
    cutAfterMs: number | undefined
  }
): unknown {
  const { name, message, $metadata } = shape(error)
  const cut = name === 'AbortError' && request.cutAfterMs !== undefined
  if (name !== 'TimeoutError' && !cut) return error
  const endpoint = request.endpoint ?? 'its endpoint'
  const attempts = ($metadata?.attempts ?? 1) > 1 ? ` (${$metadata?.attempts} attempts)` : ''
  const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`
  const text = cut
    ? `${request.operation} got no answer from ${endpoint} in ${seconds(request.cutAfterMs ?? 0)}${attempts}`
    : /establish a connection/.test(message ?? '')
      ? `${request.operation} could not connect to ${endpoint} within ${seconds(request.connectMs)}${attempts}`
      : `${request.operation} got no answer from ${endpoint} in ${seconds(request.silenceMs)}${attempts}`
  return Object.assign(new Error(text, { cause: error }), { name: 'TimeoutError', $metadata })
}

/** Node's code for a target its proxy did not reach (an answer other than 200 to CONNECT, or none). */
const PROXY_TUNNEL = 'ERR_PROXY_TUNNEL'

/**
 * The runner's proxy did not reach the target in passing (a 5xx to CONNECT, or no answer in time),
 * as the same status or silence from the endpoint itself would be; not a 4xx (407: the proxy
 * wants credentials), which a later attempt would meet again.
 */
export function isProxyTunnelInPassing(error: unknown): boolean {
  const { code, message } = shape(error)
  return code === PROXY_TUNNEL && !/HTTP\/\d(?:\.\d)? 4\d\d/.test(message ?? '')
}

/**
 * A request that the runner's proxy did not carry, or an answer that is not the service's (a 502
 * page, a login form, an error without AWS's request ID): something between the runner and AWS
 * answered in its place, most often a proxy that cannot reach the endpoint. The final error says
 * so, with the operation, the endpoint and what came back, instead of a parser's complaint.
 */
export function explainForeignAnswer(
  error: unknown,
  request: { operation: string; endpoint: string | undefined }
): unknown {
  const { name, message, code, $metadata } = shape(error)
  const endpoint = request.endpoint ?? 'its endpoint'
  const attempts = ($metadata?.attempts ?? 1) > 1 ? ` (${$metadata?.attempts} attempts)` : ''
  const check = `If the runner uses a proxy (HTTPS_PROXY, HTTP_PROXY), check that it reaches ${endpoint}, or list the endpoint in NO_PROXY`
  if (code === PROXY_TUNNEL) {
    return Object.assign(
      new Error(
        `${request.operation} could not reach ${endpoint} through the runner's proxy${attempts}: ${message ?? ''}. ${check}`,
        { cause: error }
      ),
      { code, $metadata }
    )
  }
  const status = $metadata?.httpStatusCode
  const unreadable = name === 'SyntaxError' || /Deserialization error/.test(message ?? '')
  // AWS names every answer of its own with a request ID; an error that has none and no name of
  // the service's came from something else.
  const nameless = (name === 'Unknown' || name === 'UnknownError') && !$metadata?.requestId
  if (status === undefined || !(unreadable || nameless)) return error
  return Object.assign(
    new Error(
      `${request.operation} got HTTP ${status} from ${endpoint} with a body that is not the service's${attempts}: something between the runner and AWS answered in its place. ${check}`,
      { cause: error }
    ),
    { $metadata }
  )
}
