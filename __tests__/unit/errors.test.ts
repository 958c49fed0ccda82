import { describe, expect, it } from '@jest/globals'
import {
  ActionError,
  InputError,
  errorMessage,
  httpStatus,
  isAccessDenied,
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
