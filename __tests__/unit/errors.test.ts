import { describe, expect, it } from '@jest/globals'
import {
  ActionError,
  InputError,
  errorMessage,
  httpStatus,
  explainForeignAnswer,
  explainNoAnswer,
  isAccessDenied,
  isCredentialsError,
  isNotFound,
  isThrottling,
  isTransient
} from '../../src/errors.js'
import { sdkError } from './helpers.js'

function systemError(code: string, message = `connect ${code}`): Error {
  return Object.assign(new Error(message), { code })
}

describe('ActionError and InputError', () => {
  it('InputError names the input first and keeps it', () => {
    const error = new InputError('max-concurrency', 'must be a number.')
    expect(error.message).toBe("Input 'max-concurrency': must be a number.")
    expect(error.input).toBe('max-concurrency')
    expect(error).toBeInstanceOf(ActionError)
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('ActionError')
  })
})

describe('errorMessage', () => {
  it('gives an ActionError message as written', () => {
    expect(errorMessage(new ActionError('Do this.'))).toBe('Do this.')
  })

  it('keeps the code of an AWS error', () => {
    expect(errorMessage(sdkError('AccessDeniedException', 403, 'not allowed'))).toBe(
      'AccessDeniedException: not allowed'
    )
  })

  it('leaves out the generic Error name', () => {
    expect(errorMessage(new Error('plain'))).toBe('plain')
  })

  it('stringifies anything else', () => {
    expect(errorMessage('text')).toBe('text')
    expect(errorMessage(42)).toBe('42')
    expect(errorMessage(undefined)).toBe('undefined')
  })
})

describe('classification', () => {
  it('reads the HTTP status', () => {
    expect(httpStatus(sdkError('X', 503))).toBe(503)
    expect(httpStatus(sdkError('X'))).toBeUndefined()
    expect(httpStatus(null)).toBeUndefined()
    expect(httpStatus('string')).toBeUndefined()
  })

  it.each([
    ['TooManyRequestsException', 400],
    ['ThrottlingException', 400],
    ['Throttling', 400],
    ['ThrottledException', 400],
    ['RequestLimitExceeded', 400],
    ['SlowDown', 503],
    ['Anything', 429]
  ])('%s (%i) is throttling', (name, status) => {
    expect(isThrottling(sdkError(name, status))).toBe(true)
  })

  it('does not call other errors throttling', () => {
    expect(isThrottling(sdkError('ValidationException', 400))).toBe(false)
    expect(isThrottling(new Error('x'))).toBe(false)
    expect(isThrottling(undefined)).toBe(false)
  })

  it('tells access denied by name or 403', () => {
    expect(isAccessDenied(sdkError('AccessDeniedException', 400))).toBe(true)
    expect(isAccessDenied(sdkError('AccessDenied'))).toBe(true)
    expect(isAccessDenied(sdkError('Forbidden', 403))).toBe(true)
    expect(isAccessDenied(sdkError('NoSuchBucket', 404))).toBe(false)
    expect(isAccessDenied(null)).toBe(false)
  })

  it.each([
    'InvalidSignatureException',
    'SignatureDoesNotMatch',
    'InvalidClientTokenId',
    'ExpiredToken',
    'ExpiredTokenException',
    'UnrecognizedClientException',
    'InvalidAccessKeyId'
  ])('does not read a 403 %s as a missing permission, and hints at credentials or Region', name => {
    const error = sdkError(name, 403)
    expect(isAccessDenied(error)).toBe(false)
    expect(isCredentialsError(error)).toBe(true)
    expect(errorMessage(error)).toMatch(
      new RegExp(`^${name}: ${name} message — AWS refused the request's credentials .*'region'`)
    )
  })

  it('tells not found by name', () => {
    expect(isNotFound(sdkError('ResourceNotFoundException', 404))).toBe(true)
    expect(isNotFound(sdkError('NoSuchBucket', 404))).toBe(true)
    expect(isNotFound(sdkError('NotFound', 404))).toBe(true)
    expect(isNotFound(sdkError('AccessDenied', 403))).toBe(false)
  })

  it('calls server errors and network trouble transient', () => {
    expect(isTransient(sdkError('InternalServiceErrorException', 500))).toBe(true)
    expect(isTransient(sdkError('ServiceUnavailable', 503))).toBe(true)
    expect(isTransient(sdkError('TimeoutError'))).toBe(true)
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']) {
      expect(isTransient(systemError(code))).toBe(true)
    }
    expect(isTransient(new Error('socket hang up'))).toBe(true)
  })

  it('does not call client errors transient', () => {
    expect(isTransient(sdkError('ValidationException', 400))).toBe(false)
    expect(isTransient(sdkError('ResourceNotFoundException', 404))).toBe(false)
    expect(isTransient(sdkError('AccessDeniedException', 403))).toBe(false)
    expect(isTransient(systemError('ENOENT'))).toBe(false)
    expect(isTransient(new Error('plain'))).toBe(false)
  })
})

describe('explainNoAnswer', () => {
  const request = {
    operation: 'StartSigningJob',
    endpoint: '127.0.0.1:9',
    silenceMs: 30_000,
    connectMs: 10_000,
    cutAfterMs: undefined
  }
  const timeout = (message: string, attempts?: number) =>
    Object.assign(new Error(message), { name: 'TimeoutError', $metadata: { attempts } })

  it('names the operation, the endpoint and the silence for an endpoint that stopped answering', () => {
    const error = explainNoAnswer(
      timeout(
        '@smithy/node-http-handler - the request socket timed out after 30000 ms of inactivity',
        3
      ),
      request
    ) as Error
    expect(error.message).toBe(
      'StartSigningJob got no answer from 127.0.0.1:9 in 30 s (3 attempts)'
    )
    expect(error.name).toBe('TimeoutError')
    expect(isTransient(error)).toBe(true)
  })

  it('says the connection never opened when that is what happened', () => {
    const error = explainNoAnswer(
      timeout(
        'the request socket did not establish a connection with the server within the configured timeout of 10000 ms.'
      ),
      request
    ) as Error
    expect(error.message).toBe('StartSigningJob could not connect to 127.0.0.1:9 within 10 s')
  })

  it("names the operation, the endpoint and the time it ran for a request the caller's time bound cut", () => {
    // What the SDK throws when the AbortSignal.timeout given to send() fires: no cause.
    const cut = Object.assign(new Error('Request aborted'), { name: 'AbortError' })
    const error = explainNoAnswer(cut, {
      ...request,
      operation: 'DescribeSigningJob',
      cutAfterMs: 1234
    }) as Error
    expect(error.message).toBe('DescribeSigningJob got no answer from 127.0.0.1:9 in 1.2 s')
    expect(error.name).toBe('TimeoutError')
    expect(error.cause).toBe(cut)
    expect(isTransient(error)).toBe(true)
  })

  it('leaves every other error as it is, an abort that no time bound made too', () => {
    const other = sdkError('AccessDeniedException', 403)
    expect(explainNoAnswer(other, request)).toBe(other)
    expect(explainNoAnswer(other, { ...request, cutAfterMs: 1000 })).toBe(other)
    const aborted = Object.assign(new Error('Request aborted'), { name: 'AbortError' })
    expect(explainNoAnswer(aborted, request)).toBe(aborted)
  })
})

describe('explainForeignAnswer', () => {
  const request = { operation: 'GetSigningProfile', endpoint: 'signer.us-east-1.amazonaws.com' }
  // What the SDK throws for a body it cannot parse: the parser's error, with the answer's status.
  const unreadable = (status: number, attempts = 1) =>
    Object.assign(
      new SyntaxError(
        `Unexpected token '<', "<html>" is not valid JSON\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.`
      ),
      { $metadata: { httpStatusCode: status, attempts } }
    )

  it('names the operation, the endpoint, the status and the proxy instead of the parser', () => {
    const cause = unreadable(502, 5)
    const error = explainForeignAnswer(cause, request) as Error
    expect(errorMessage(error)).toBe(
      "GetSigningProfile got HTTP 502 from signer.us-east-1.amazonaws.com with a body that is not the service's (5 attempts): something between the runner and AWS answered in its place. If the runner uses a proxy (HTTPS_PROXY, HTTP_PROXY), check that it reaches signer.us-east-1.amazonaws.com, or list the endpoint in NO_PROXY"
    )
    expect(error.cause).toBe(cause)
    expect(isTransient(error)).toBe(true)
  })

  it('keeps a 4xx that is not the service’s from counting as transient (the poller’s retries)', () => {
    expect(isTransient(explainForeignAnswer(unreadable(407), request))).toBe(false)
  })

  it("names the operation, the endpoint and the proxy's answer when the proxy did not reach it", () => {
    const cause = Object.assign(
      new Error(
        'Failed to establish tunnel to signer.us-east-1.amazonaws.com:443 via http://proxy.corp:3128: HTTP/1.1 502 Bad Gateway'
      ),
      { code: 'ERR_PROXY_TUNNEL', $metadata: { attempts: 5 } }
    )
    const error = explainForeignAnswer(cause, request) as Error
    expect(errorMessage(error)).toBe(
      "GetSigningProfile could not reach signer.us-east-1.amazonaws.com through the runner's proxy (5 attempts): Failed to establish tunnel to signer.us-east-1.amazonaws.com:443 via http://proxy.corp:3128: HTTP/1.1 502 Bad Gateway. If the runner uses a proxy (HTTPS_PROXY, HTTP_PROXY), check that it reaches signer.us-east-1.amazonaws.com, or list the endpoint in NO_PROXY"
    )
    expect(isTransient(error)).toBe(true)
    const wantsCredentials = Object.assign(
      new Error(
        'Failed to establish tunnel to x:443 via http://proxy.corp:3128: HTTP/1.1 407 Proxy Authentication Required'
      ),
      { code: 'ERR_PROXY_TUNNEL' }
    )
    expect(isTransient(explainForeignAnswer(wantsCredentials, request))).toBe(false)
  })

  it('takes an error the SDK could not name, without AWS’s request ID, as not the service’s', () => {
    // S3's answer to an HTML 502 page: no code it knows, and no x-amz-request-id.
    const unnamed = Object.assign(new Error('UnknownError'), {
      name: 'Unknown',
      $metadata: { httpStatusCode: 502, attempts: 1 }
    })
    expect(errorMessage(explainForeignAnswer(unnamed, request))).toMatch(
      /^GetSigningProfile got HTTP 502 from signer\.us-east-1\.amazonaws\.com with a body that is not the service's: /
    )
    // With AWS's request ID it is AWS's own error, whatever its name.
    const fromAws = Object.assign(new Error('UnknownError'), {
      name: 'Unknown',
      $metadata: { httpStatusCode: 500, requestId: 'R1D', attempts: 1 }
    })
    expect(explainForeignAnswer(fromAws, request)).toBe(fromAws)
  })

  it('leaves the service’s own errors and errors without an answer as they are', () => {
    const denied = sdkError('AccessDeniedException', 403)
    expect(explainForeignAnswer(denied, request)).toBe(denied)
    const parseOnly = new SyntaxError('Unexpected end of JSON input')
    expect(explainForeignAnswer(parseOnly, request)).toBe(parseOnly)
  })
})
