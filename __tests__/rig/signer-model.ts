import { randomInt } from 'node:crypto'

/**
 * What the local Signer takes from the service model (botocore signer/2017-08-25): operations and
 * their routes, error types and statuses, platforms, name patterns, and the checks a request
 * must pass, reported the way AWS reports them.
 */

export type Operation =
  | 'StartSigningJob'
  | 'DescribeSigningJob'
  | 'GetSigningProfile'
  | 'PutSigningProfile'
  | 'CancelSigningProfile'
  | 'GetSigningPlatform'
  | 'SignPayload'
  | 'RevokeSignature'
  | 'RevokeSigningProfile'
  | 'GetRevocationStatus'

export interface Route {
  operation: Operation
  method: string
  path: RegExp
  /** The model's URI label the path captures, if any. */
  label?: 'jobId' | 'profileName' | 'platformId'
}

export const ROUTES: ReadonlyArray<Route> = [
  { operation: 'StartSigningJob', method: 'POST', path: /^\/signing-jobs$/ },
  { operation: 'SignPayload', method: 'POST', path: /^\/signing-jobs\/with-payload$/ },
  {
    operation: 'DescribeSigningJob',
    method: 'GET',
    path: /^\/signing-jobs\/([^/]+)$/,
    label: 'jobId'
  },
  {
    operation: 'GetSigningProfile',
    method: 'GET',
    path: /^\/signing-profiles\/([^/]+)$/,
    label: 'profileName'
  },
  {
    operation: 'PutSigningProfile',
    method: 'PUT',
    path: /^\/signing-profiles\/([^/]+)$/,
    label: 'profileName'
  },
  {
    operation: 'CancelSigningProfile',
    method: 'DELETE',
    path: /^\/signing-profiles\/([^/]+)$/,
    label: 'profileName'
  },
  {
    operation: 'GetSigningPlatform',
    method: 'GET',
    path: /^\/signing-platforms\/([^/]+)$/,
    label: 'platformId'
  },
  {
    operation: 'RevokeSignature',
    method: 'PUT',
    path: /^\/signing-jobs\/([^/]+)\/revoke$/,
    label: 'jobId'
  },
  {
    operation: 'RevokeSigningProfile',
    method: 'PUT',
    path: /^\/signing-profiles\/([^/]+)\/revoke$/,
    label: 'profileName'
  },
  // The model gives it the host prefix `data-`: the SDK sends it to data-signer.<region>.
  { operation: 'GetRevocationStatus', method: 'GET', path: /^\/revocations$/ }
]

// ---- Errors -------------------------------------------------------------------------------------

export const ERROR_STATUS = {
  ValidationException: 400,
  AccessDeniedException: 403,
  // Not in the Signer model: what the AWS front door answers for a signature it cannot verify
  // (wrong secret key, or a request signed for another Region).
  InvalidSignatureException: 403,
  ResourceNotFoundException: 404,
  TooManyRequestsException: 429,
  // Deprecated in the model ("use TooManyRequestsException"); listed by StartSigningJob only.
  ThrottlingException: 429,
  InternalServiceErrorException: 500,
  // Not a Signer error: what the AWS front door answers for a path no operation owns.
  UnknownOperationException: 404
} as const
export type ErrorType = keyof typeof ERROR_STATUS
export type ThrottleError = 'TooManyRequestsException' | 'ThrottlingException'

/** An error answered to the caller with its model type, status and message. */
export class ServiceError extends Error {
  constructor(
    readonly type: ErrorType,
    message: string
  ) {
    super(message)
  }
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error)
}

// ---- Platforms and profiles ---------------------------------------------------------------------

export type ValidityType = 'DAYS' | 'MONTHS' | 'YEARS'
export interface SignatureValidity {
  value: number
  type: ValidityType
}
export type ProfileStatus = 'Active' | 'Canceled' | 'Revoked'

export interface Platform {
  platformId: string
  displayName: string
  partner: string
  target: string
  category: 'AWSIoT'
  signingConfiguration: {
    encryptionAlgorithmOptions: { allowedValues: string[]; defaultValue: string }
    hashAlgorithmOptions: { allowedValues: string[]; defaultValue: string }
  }
  signingImageFormat: { supportedFormats: string[]; defaultFormat: string }
  maxSizeInMB: number
  revocationSupported: boolean
}

const PLATFORMS: ReadonlyArray<Platform> = [
  {
    platformId: 'AWSLambda-SHA384-ECDSA',
    displayName: 'AWS Lambda',
    partner: 'AWSLambda',
    target: 'AWSLambdaDeploymentPackage',
    category: 'AWSIoT',
    // SHA384 is what the live service reports, although the model's HashAlgorithm enum predates it.
    signingConfiguration: {
      encryptionAlgorithmOptions: { allowedValues: ['ECDSA'], defaultValue: 'ECDSA' },
      hashAlgorithmOptions: { allowedValues: ['SHA384'], defaultValue: 'SHA384' }
    },
    signingImageFormat: { supportedFormats: ['JSONDetached'], defaultFormat: 'JSONDetached' },
    maxSizeInMB: 250,
    revocationSupported: true
  },
  {
    platformId: 'AmazonFreeRTOS-TI-CC3220SF',
    displayName: 'Amazon FreeRTOS SHA1-RSA CC3220SF-Format',
    partner: 'AmazonFreeRTOS',
    target: 'SHA1-RSA-TISHA1',
    category: 'AWSIoT',
    signingConfiguration: {
      encryptionAlgorithmOptions: { allowedValues: ['RSA'], defaultValue: 'RSA' },
      hashAlgorithmOptions: { allowedValues: ['SHA1'], defaultValue: 'SHA1' }
    },
    signingImageFormat: { supportedFormats: ['JSONEmbedded'], defaultFormat: 'JSONEmbedded' },
    maxSizeInMB: 16,
    revocationSupported: false
  },
  {
    // The id and display name are AWS's; the rest is not published and is the rig's guess.
    platformId: 'Notation-OCI-SHA384-ECDSA',
    displayName: 'Notation for container registries',
    partner: 'AWSSigner',
    target: 'Notation-OCI',
    category: 'AWSIoT',
    signingConfiguration: {
      encryptionAlgorithmOptions: { allowedValues: ['ECDSA'], defaultValue: 'ECDSA' },
      hashAlgorithmOptions: { allowedValues: ['SHA384'], defaultValue: 'SHA384' }
    },
    signingImageFormat: { supportedFormats: ['JSONDetached'], defaultFormat: 'JSONDetached' },
    maxSizeInMB: 4,
    revocationSupported: true
  }
]

export const PROFILE_NAME = { pattern: /^[a-zA-Z0-9_]{2,}$/, min: 2, max: 64 }
export const ACCOUNT_ID = { pattern: /^[0-9]{12}$/, min: 12, max: 12 }
const VALIDITY_TYPES: ReadonlyArray<string> = ['DAYS', 'MONTHS', 'YEARS']
export const DEFAULT_VALIDITY: SignatureValidity = { value: 135, type: 'MONTHS' }
export const DEFAULT_PLATFORM = 'AWSLambda-SHA384-ECDSA'

export function findPlatform(platformId: string): Platform {
  const platform = PLATFORMS.find(candidate => candidate.platformId === platformId)
  if (!platform) {
    throw new ServiceError('ResourceNotFoundException', `Signing platform ${platformId} not found`)
  }
  return platform
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** Ten alphanumerics, the form the live service gives profile versions. */
export function newProfileVersion(): string {
  return Array.from({ length: 10 }, () => ALPHANUMERIC.charAt(randomInt(ALPHANUMERIC.length))).join(
    ''
  )
}

/** The signature's expiry: completion (whole seconds) plus the validity in UTC calendar units. */
export function signatureExpiry(completedAtMs: number, validity: SignatureValidity): Date {
  const start = new Date(Math.floor(completedAtMs / 1000) * 1000)
  if (validity.type === 'DAYS') return new Date(start.getTime() + validity.value * 86_400_000)
  return addMonths(start, validity.type === 'YEARS' ? validity.value * 12 : validity.value)
}

/** Calendar months; a day the target month lacks clamps to its last day (Jan 31 + 1 → Feb 28). */
function addMonths(start: Date, months: number): Date {
  const target = new Date(start)
  target.setUTCDate(1)
  target.setUTCMonth(target.getUTCMonth() + months)
  const year = target.getUTCFullYear()
  const lastDay = new Date(Date.UTC(year, target.getUTCMonth() + 1, 0)).getUTCDate()
  target.setUTCDate(Math.min(start.getUTCDate(), lastDay))
  return target
}

// ---- Request validation -------------------------------------------------------------------------

/** Collects constraint violations and reports them the way AWS does, all at once. */
export class Violations {
  private readonly found: string[] = []

  required(value: unknown, path: string): string {
    if (typeof value === 'string' && value !== '') return value
    this.found.push(`Value null at '${path}' failed to satisfy constraint: Member must not be null`)
    return ''
  }

  optional(value: unknown, path: string): string | undefined {
    if (value === undefined || value === null) return undefined
    if (typeof value === 'string') return value
    this.found.push(`Value at '${path}' failed to satisfy constraint: Member must be a string`)
    return undefined
  }

  matches(
    value: string | undefined,
    path: string,
    rule: { pattern: RegExp; min: number; max: number }
  ): void {
    if (value === undefined || value === '') return
    const at = `Value '${value}' at '${path}' failed to satisfy constraint: Member must`
    if (value.length < rule.min || value.length > rule.max) {
      this.found.push(`${at} have length between ${rule.min} and ${rule.max}`)
    } else if (!rule.pattern.test(value)) {
      this.found.push(`${at} satisfy regular expression pattern: ${rule.pattern.source}`)
    }
  }

  /** A length rule without a pattern; unlike `matches`, an empty string breaks a minimum. */
  lengthBetween(value: string | undefined, path: string, rule: { min: number; max: number }): void {
    if (value === undefined) return
    if (value.length >= rule.min && value.length <= rule.max) return
    this.found.push(
      `Value '${value}' at '${path}' failed to satisfy constraint: ` +
        `Member must have length between ${rule.min} and ${rule.max}`
    )
  }

  /** A violation worded by the caller. */
  fail(message: string): void {
    this.found.push(message)
  }

  oneOf(value: unknown, path: string, allowed: ReadonlyArray<string>): void {
    if (typeof value === 'string' && allowed.includes(value)) return
    this.found.push(
      `Value '${String(value)}' at '${path}' failed to satisfy constraint: ` +
        `Member must satisfy enum value set: [${allowed.join(', ')}]`
    )
  }

  positiveInteger(value: unknown, path: string): void {
    if (Number.isInteger(value) && (value as number) > 0) return
    this.found.push(
      `Value '${String(value)}' at '${path}' failed to satisfy constraint: ` +
        'Member must be a positive integer'
    )
  }

  throwIfAny(): void {
    const count = this.found.length
    if (count === 0) return
    const detected = `${count} validation error${count === 1 ? '' : 's'} detected`
    throw new ServiceError('ValidationException', `${detected}: ${this.found.join('; ')}`)
  }
}

export function member(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[name]
    : undefined
}

export function decodeLabel(raw: string): string {
  try {
    return decodeURIComponent(raw)
  } catch {
    throw new ServiceError('ValidationException', `The path segment ${raw} is not valid`)
  }
}

export interface SourceObject {
  bucketName: string
  key: string
  version: string
}

export interface Destination {
  bucketName: string
  /** '' when the request gave none. */
  prefix: string
}

export interface StartInput {
  source: SourceObject
  destination: Destination
  profileName: string
  profileOwner?: string
  clientRequestToken: string
}

export function parseStartInput(body: unknown): StartInput {
  const check = new Violations()
  const s3Source = member(member(body, 'source'), 's3')
  const s3Destination = member(member(body, 'destination'), 's3')
  const input: StartInput = {
    source: {
      bucketName: check.required(member(s3Source, 'bucketName'), 'source.s3.bucketName'),
      key: check.required(member(s3Source, 'key'), 'source.s3.key'),
      version: check.required(member(s3Source, 'version'), 'source.s3.version')
    },
    destination: {
      bucketName: check.required(member(s3Destination, 'bucketName'), 'destination.s3.bucketName'),
      prefix: check.optional(member(s3Destination, 'prefix'), 'destination.s3.prefix') ?? ''
    },
    profileName: check.required(member(body, 'profileName'), 'profileName'),
    profileOwner: check.optional(member(body, 'profileOwner'), 'profileOwner'),
    clientRequestToken: check.required(member(body, 'clientRequestToken'), 'clientRequestToken')
  }
  check.matches(input.profileName, 'profileName', PROFILE_NAME)
  check.matches(input.profileOwner, 'profileOwner', ACCOUNT_ID)
  check.throwIfAny()
  return input
}

// What makes two StartSigningJob calls the same request; the token itself is left out.
const START_MEMBERS: ReadonlyArray<
  [path: string, read: (input: StartInput) => string | undefined]
> = [
  ['source.s3.bucketName', input => input.source.bucketName],
  ['source.s3.key', input => input.source.key],
  ['source.s3.version', input => input.source.version],
  ['destination.s3.bucketName', input => input.destination.bucketName],
  ['destination.s3.prefix', input => input.destination.prefix],
  ['profileName', input => input.profileName],
  ['profileOwner', input => input.profileOwner]
]

/** The request members, as sent, in which two StartSigningJob calls differ. */
export function startInputDifferences(first: StartInput, again: StartInput): string[] {
  return START_MEMBERS.filter(([, read]) => read(first) !== read(again)).map(([path]) => path)
}

/** The requested signatureValidityPeriod, if any; trust it only once `check` has passed. */
export function parseValidity(period: unknown, check: Violations): SignatureValidity | undefined {
  if (period === undefined || period === null) return undefined
  const value = member(period, 'value')
  const type = member(period, 'type')
  check.positiveInteger(value, 'signatureValidityPeriod.value')
  check.oneOf(type, 'signatureValidityPeriod.type', VALIDITY_TYPES)
  return { value, type } as SignatureValidity
}
