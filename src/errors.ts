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
  $metadata?: { httpStatusCode?: number }
}

function shape(error: unknown): ServiceErrorShape {
  return typeof error === 'object' && error !== null ? (error as ServiceErrorShape) : {}
}

/** The message a user reads; AWS errors keep their code so they can be looked up. */
export function errorMessage(error: unknown): string {
  if (error instanceof ActionError) return error.message
  if (error instanceof Error) {
    const code = error.name && error.name !== 'Error' ? `${error.name}: ` : ''
    return `${code}${error.message}`
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

export function isAccessDenied(error: unknown): boolean {
  const { name } = shape(error)
  return name === 'AccessDeniedException' || name === 'AccessDenied' || httpStatus(error) === 403
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
    /socket hang up|ECONNRESET/.test(shape(error).message ?? '')
  )
}
