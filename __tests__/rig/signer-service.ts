import { createHash, randomInt, randomUUID } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { posix } from 'node:path'
import { Readable, Transform, addAbortSignal, pipeline } from 'node:stream'
import {
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  S3Client,
  S3ServiceException
} from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { MOTO_ACCOUNT, motoClient } from './moto.js'
import { closeServer, listenOnLoopback, readBody } from './net.js'

/**
 * A local stand-in for AWS Signer that speaks its REST-JSON wire protocol (botocore model
 * signer/2017-08-25), so the real @aws-sdk/client-signer can be pointed at it. Signed objects
 * are written to a real S3 (moto).
 */

export interface SignerServiceOptions {
  /** moto endpoint; source objects are read and signed objects written there. */
  s3Endpoint: string
  region?: string
  /** How long a job stays InProgress; changeable at run time through the service. */
  jobDurationMs?: number
}

/** Seed of the PRNG behind `describeThrottleRate`, so throttling is repeatable. */
const THROTTLE_SEED = 0x5eed

export type ValidityType = 'DAYS' | 'MONTHS' | 'YEARS'
export interface SignatureValidity {
  value: number
  type: ValidityType
}
export type ProfileStatus = 'Active' | 'Canceled' | 'Revoked'

export interface LocalProfile {
  name: string
  owner?: string
  platformId?: string
  validity?: SignatureValidity
  status?: ProfileStatus
}

export interface LocalSigningJob {
  jobId: string
  clientRequestToken: string
  profileName: string
  profileOwner: string
  profileVersion: string
  platformId: string
  validity: SignatureValidity
  source: { bucketName: string; key: string; version: string }
  destination: { bucketName: string; prefix: string }
  status: 'InProgress' | 'Succeeded' | 'Failed'
  statusReason?: string
  createdAtMs: number
  completedAtMs?: number
  signedObject?: { bucketName: string; key: string }
  /** DescribeSigningJob calls answered for this job (throttled ones are not counted). */
  describeCount: number
  signatureExpiresAt?: Date
}

export interface SignerFaults {
  /** Share (0..1) of DescribeSigningJob calls answered 429 TooManyRequestsException. */
  describeThrottleRate: number
  /** Each StartSigningJob consumes one: a 500 before creating the job, or after creating it. */
  startErrors: Array<'before' | 'after'>
  /** Jobs started while true stay InProgress forever. */
  neverComplete: boolean
  /** The next job created fails with this statusReason (then this goes back to null). */
  failNextJob: string | null
  /** Operation names answered 403 AccessDeniedException. */
  deny: Set<string>
}

export interface SignerRequest {
  operation: string
  /** When the request arrived. */
  atMs: number
  status: number
  jobId?: string
}

export interface SignerService {
  /** http://127.0.0.1:PORT */
  readonly endpoint: string
  jobDurationMs: number
  readonly faults: SignerFaults
  /** Every job created, in order. */
  readonly jobs: ReadonlyArray<LocalSigningJob>
  /** Every request answered, in the order the answers went out. */
  readonly requests: ReadonlyArray<SignerRequest>
  addProfile(profile: LocalProfile): void
  /** Clears jobs (cancelling their completion), requests and faults; keeps profiles. */
  reset(): void
  stop(): Promise<void>
}

/** Starts the service on a free loopback port. */
export async function startSignerService(options: SignerServiceOptions): Promise<SignerService> {
  const service = new LocalSignerService(options)
  await service.listen()
  return service
}

// ---- Signed bytes -------------------------------------------------------------------------------

/** Opens the signature block appended to every signed object. */
export const SIGNATURE_MARKER = 'LOCAL-AWS-SIGNER-SIGNATURE/1'

export interface SignatureStamp {
  jobId: string
  profileVersion: string
  /** sha256 (hex) of the unsigned bytes. */
  sha256: string
}

export interface FoundSignature extends SignatureStamp {
  /** Bytes before the signature block: the unsigned payload when given the whole object. */
  payloadLength: number
}

// The block is far smaller than this, so the end of an object is enough to find it.
const SIGNATURE_TAIL_BYTES = 1024

// Lets a test rebuild the expected bytes from a job ID alone; entries are tiny, so none are evicted.
const profileVersionByJob = new Map<string, string>()

/**
 * What a signer service writes for `source` signed by job `jobId`. The profile version is looked
 * up among jobs created in this process unless given.
 */
export function signedBytesOf(
  source: Buffer,
  jobId: string,
  profileVersion = profileVersionOfJob(jobId)
): Buffer {
  const sha256 = createHash('sha256').update(source).digest('hex')
  return Buffer.concat([source, signatureBlock({ jobId, profileVersion, sha256 })])
}

function profileVersionOfJob(jobId: string): string {
  const profileVersion = profileVersionByJob.get(jobId)
  if (profileVersion === undefined) {
    throw new Error(`job ${jobId} was not created by a signer service in this process`)
  }
  return profileVersion
}

/** The signature block at the end of `bytes` (a whole object or just its tail), or null. */
export function readSignature(bytes: Uint8Array): FoundSignature | null {
  const tail = Buffer.from(bytes).subarray(-SIGNATURE_TAIL_BYTES)
  // latin1 maps each byte to one character, so string offsets are byte offsets.
  const text = tail.toString('latin1')
  const opening = `\n${SIGNATURE_MARKER} `
  const start = text.lastIndexOf(opening)
  if (start < 0 || !text.endsWith('\n')) return null
  const stamp = parseStamp(text.slice(start + opening.length, -1))
  return stamp && { ...stamp, payloadLength: bytes.length - tail.length + start }
}

function signatureBlock(stamp: SignatureStamp): Buffer {
  const { jobId, profileVersion, sha256 } = stamp
  return Buffer.from(`\n${SIGNATURE_MARKER} ${JSON.stringify({ jobId, profileVersion, sha256 })}\n`)
}

function parseStamp(json: string): SignatureStamp | null {
  try {
    const { jobId, profileVersion, sha256 } = JSON.parse(json) as Record<string, unknown>
    if (typeof jobId !== 'string' || typeof profileVersion !== 'string') return null
    if (typeof sha256 !== 'string') return null
    return { jobId, profileVersion, sha256 }
  } catch {
    return null
  }
}

/** Passes bytes through, then appends the signature block over everything that went through. */
function appendSignature(signer: { jobId: string; profileVersion: string }): Transform {
  const hash = createHash('sha256')
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk)
      done(null, chunk)
    },
    flush(done) {
      done(null, signatureBlock({ ...signer, sha256: hash.digest('hex') }))
    }
  })
}

// ---- Model facts --------------------------------------------------------------------------------

interface Platform {
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
  }
]

const PROFILE_NAME = { pattern: /^[a-zA-Z0-9_]{2,}$/, min: 2, max: 64 }
const ACCOUNT_ID = { pattern: /^[0-9]{12}$/, min: 12, max: 12 }
const VALIDITY_TYPES: ReadonlyArray<string> = ['DAYS', 'MONTHS', 'YEARS']
const DEFAULT_VALIDITY: SignatureValidity = { value: 135, type: 'MONTHS' }
const DEFAULT_PLATFORM = 'AWSLambda-SHA384-ECDSA'

const ERROR_STATUS = {
  ValidationException: 400,
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  TooManyRequestsException: 429,
  InternalServiceErrorException: 500,
  // Not a Signer error: what the AWS front door answers for a path no operation owns.
  UnknownOperationException: 404
} as const
type ErrorType = keyof typeof ERROR_STATUS

class ServiceError extends Error {
  constructor(
    readonly type: ErrorType,
    message: string
  ) {
    super(message)
  }
}

type Operation =
  | 'StartSigningJob'
  | 'DescribeSigningJob'
  | 'GetSigningProfile'
  | 'PutSigningProfile'
  | 'CancelSigningProfile'
  | 'GetSigningPlatform'

interface Route {
  operation: Operation
  method: string
  path: RegExp
  /** The model's URI label the path captures, if any. */
  label?: 'jobId' | 'profileName' | 'platformId'
}

const ROUTES: ReadonlyArray<Route> = [
  { operation: 'StartSigningJob', method: 'POST', path: /^\/signing-jobs$/ },
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
  }
]

/** One request on its way through: what the handler needs and what the log records. */
interface Call {
  label: string
  query: URLSearchParams
  body: unknown
  jobId?: string
}

type Handler = (call: Call) => Promise<object>

// ---- Input validation ---------------------------------------------------------------------------

/** Collects constraint violations and reports them the way AWS does, all at once. */
class Violations {
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

function member(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[name]
    : undefined
}

interface StartInput {
  source: LocalSigningJob['source']
  destination: LocalSigningJob['destination']
  profileName: string
  profileOwner?: string
  clientRequestToken: string
}

function parseStartInput(body: unknown): StartInput {
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

/** The requested signatureValidityPeriod, if any; trust it only once `check` has passed. */
function parseValidity(period: unknown, check: Violations): SignatureValidity | undefined {
  if (period === undefined || period === null) return undefined
  const value = member(period, 'value')
  const type = member(period, 'type')
  check.positiveInteger(value, 'signatureValidityPeriod.value')
  check.oneOf(type, 'signatureValidityPeriod.type', VALIDITY_TYPES)
  return { value, type } as SignatureValidity
}

// ---- Profiles -----------------------------------------------------------------------------------

interface StoredProfile {
  name: string
  owner: string
  platform: Platform
  validity: SignatureValidity
  status: ProfileStatus
  profileVersion: string
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

function newProfileVersion(): string {
  return Array.from({ length: 10 }, () => ALPHANUMERIC.charAt(randomInt(ALPHANUMERIC.length))).join(
    ''
  )
}

function findPlatform(platformId: string): Platform {
  const platform = PLATFORMS.find(candidate => candidate.platformId === platformId)
  if (!platform) {
    throw new ServiceError('ResourceNotFoundException', `Signing platform ${platformId} not found`)
  }
  return platform
}

/** The signature's expiry: completion (whole seconds) plus the validity in UTC calendar units. */
function signatureExpiry(completedAtMs: number, validity: SignatureValidity): Date {
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

// ---- S3 -----------------------------------------------------------------------------------------

function isMissing(error: unknown): boolean {
  const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined
  return status === 404 || status === 400
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error)
}

/** Signed objects are uploaded in parts this big; moto handles a large single PUT poorly. */
const PART_SIZE = 8 * 1024 * 1024

// ---- HTTP ---------------------------------------------------------------------------------------

async function readJson(request: IncomingMessage): Promise<unknown> {
  const text = (await readBody(request)).toString('utf8')
  if (text.trim() === '') return {}
  try {
    return JSON.parse(text)
  } catch {
    throw new ServiceError('ValidationException', 'The request body is not valid JSON')
  }
}

function send(response: ServerResponse, status: number, body: object, errorType?: string): void {
  response.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-requestid': randomUUID(),
    ...(errorType ? { 'x-amzn-errortype': errorType } : {})
  })
  response.end(JSON.stringify(body))
}

function epochSeconds(ms: number): number {
  return ms / 1000
}

/** mulberry32: tiny, seedable, good enough to spread throttles. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Every object being signed listens on it: many at once are normal, not a leak. */
function newLifetime(): AbortController {
  const controller = new AbortController()
  setMaxListeners(64, controller.signal)
  return controller
}

function noFaults(): SignerFaults {
  return {
    describeThrottleRate: 0,
    startErrors: [],
    neverComplete: false,
    failNextJob: null,
    deny: new Set()
  }
}

// ---- The service --------------------------------------------------------------------------------

class LocalSignerService implements SignerService {
  jobDurationMs: number
  readonly faults = noFaults()
  readonly jobs: LocalSigningJob[] = []
  readonly requests: SignerRequest[] = []

  private readonly region: string
  /** The caller's account: moto's, which owns the buckets. */
  private readonly accountId = MOTO_ACCOUNT
  private random: () => number
  private readonly s3: S3Client
  private readonly server: Server
  private readonly profiles = new Map<string, StoredProfile>()
  private readonly jobsByToken = new Map<string, LocalSigningJob>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly completions = new Set<Promise<void>>()
  // Replaced on reset, so completions of cleared jobs stop and leave no trace.
  private lifetime = newLifetime()
  private readonly handlers: Record<Operation, Handler> = {
    StartSigningJob: call => this.startSigningJob(call),
    DescribeSigningJob: call => this.describeSigningJob(call),
    GetSigningProfile: call => this.getSigningProfile(call),
    PutSigningProfile: call => this.putSigningProfile(call),
    CancelSigningProfile: call => this.cancelSigningProfile(call),
    GetSigningPlatform: call => this.getSigningPlatform(call)
  }

  constructor(options: SignerServiceOptions) {
    this.region = options.region ?? 'us-east-1'
    this.jobDurationMs = options.jobDurationMs ?? 0
    this.random = seededRandom(THROTTLE_SEED)
    this.s3 = motoClient(options.s3Endpoint, { region: this.region })
    this.server = createServer((request, response) => void this.serve(request, response))
  }

  /** Set once listening. */
  endpoint = ''

  async listen(): Promise<void> {
    this.endpoint = await listenOnLoopback(this.server)
  }

  addProfile(profile: LocalProfile): void {
    const check = new Violations()
    check.matches(profile.name, 'name', PROFILE_NAME)
    check.matches(profile.owner, 'owner', ACCOUNT_ID)
    check.throwIfAny()
    this.storeProfile({
      name: profile.name,
      owner: profile.owner ?? this.accountId,
      platform: findPlatform(profile.platformId ?? DEFAULT_PLATFORM),
      validity: profile.validity ?? DEFAULT_VALIDITY,
      status: profile.status ?? 'Active',
      profileVersion: newProfileVersion()
    })
  }

  reset(): void {
    this.cancelCompletions()
    this.jobs.length = 0
    this.requests.length = 0
    this.jobsByToken.clear()
    Object.assign(this.faults, noFaults())
    this.random = seededRandom(THROTTLE_SEED)
  }

  async stop(): Promise<void> {
    this.cancelCompletions()
    await Promise.allSettled(this.completions)
    await closeServer(this.server)
    this.s3.destroy()
  }

  private cancelCompletions(): void {
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    this.lifetime.abort()
    this.lifetime = newLifetime()
  }

  // ---- Dispatch

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const atMs = Date.now()
    const url = new URL(request.url ?? '/', 'http://localhost')
    const match = this.route(request.method ?? 'GET', url.pathname)
    const call: Call = { label: '', query: url.searchParams, body: {} }
    const operation = match?.route.operation ?? 'UnknownOperation'
    let status: number
    try {
      if (!match) throw new ServiceError('UnknownOperationException', 'Unknown operation')
      call.label = decodeLabel(match.raw)
      if (match.route.label === 'jobId') call.jobId = call.label
      call.body = await readJson(request)
      this.checkAccess(operation)
      const body = await this.handlers[match.route.operation](call)
      status = 200
      send(response, status, body)
    } catch (error) {
      const failure =
        error instanceof ServiceError
          ? error
          : new ServiceError('InternalServiceErrorException', describeError(error))
      status = ERROR_STATUS[failure.type]
      send(response, status, { message: failure.message, code: failure.type }, failure.type)
    }
    this.requests.push({ operation, atMs, status, ...(call.jobId ? { jobId: call.jobId } : {}) })
  }

  private route(method: string, pathname: string): { route: Route; raw: string } | undefined {
    for (const route of ROUTES) {
      const found = route.method === method ? route.path.exec(pathname) : null
      if (found) return { route, raw: found[1] ?? '' }
    }
    return undefined
  }

  private checkAccess(operation: string): void {
    if (!this.faults.deny.has(operation)) return
    throw new ServiceError(
      'AccessDeniedException',
      `User: ${this.callerArn()} is not authorized to perform: signer:${operation}`
    )
  }

  private callerArn(): string {
    return `arn:aws:iam::${this.accountId}:root`
  }

  // ---- Platforms and profiles

  private async getSigningPlatform(call: Call): Promise<object> {
    return findPlatform(call.label)
  }

  private async putSigningProfile(call: Call): Promise<object> {
    const check = new Violations()
    check.matches(call.label, 'profileName', PROFILE_NAME)
    const platformId = check.required(member(call.body, 'platformId'), 'platformId')
    const validity = parseValidity(member(call.body, 'signatureValidityPeriod'), check)
    check.throwIfAny()
    const existing = this.profiles.get(profileKey(this.accountId, call.label))
    if (existing && existing.status !== 'Active') {
      throw new ServiceError(
        'ValidationException',
        `Signing profile ${call.label} is ${existing.status}; its name cannot be reused`
      )
    }
    const profile = this.storeProfile({
      name: call.label,
      owner: this.accountId,
      platform: findPlatform(platformId),
      validity: validity ?? DEFAULT_VALIDITY,
      status: 'Active',
      profileVersion: newProfileVersion()
    })
    return {
      arn: this.profileArn(profile),
      profileVersion: profile.profileVersion,
      profileVersionArn: this.profileVersionArn(profile)
    }
  }

  private async getSigningProfile(call: Call): Promise<object> {
    const check = new Violations()
    const owner = check.optional(call.query.get('profileOwner'), 'profileOwner')
    check.matches(call.label, 'profileName', PROFILE_NAME)
    check.matches(owner, 'profileOwner', ACCOUNT_ID)
    check.throwIfAny()
    const profile = this.findProfile(owner ?? this.accountId, call.label)
    return {
      profileName: profile.name,
      profileVersion: profile.profileVersion,
      profileVersionArn: this.profileVersionArn(profile),
      arn: this.profileArn(profile),
      platformId: profile.platform.platformId,
      platformDisplayName: profile.platform.displayName,
      signatureValidityPeriod: profile.validity,
      status: profile.status
    }
  }

  private async cancelSigningProfile(call: Call): Promise<object> {
    const check = new Violations()
    check.matches(call.label, 'profileName', PROFILE_NAME)
    check.throwIfAny()
    this.findProfile(this.accountId, call.label).status = 'Canceled'
    return {}
  }

  private storeProfile(profile: StoredProfile): StoredProfile {
    this.profiles.set(profileKey(profile.owner, profile.name), profile)
    return profile
  }

  private findProfile(owner: string, name: string): StoredProfile {
    const profile = this.profiles.get(profileKey(owner, name))
    if (!profile) {
      throw new ServiceError(
        'ResourceNotFoundException',
        `Signing profile ${name} owned by ${owner} does not exist`
      )
    }
    return profile
  }

  private profileArn(profile: StoredProfile): string {
    return `arn:aws:signer:${this.region}:${profile.owner}:/signing-profiles/${profile.name}`
  }

  private profileVersionArn(profile: StoredProfile): string {
    return `${this.profileArn(profile)}/${profile.profileVersion}`
  }

  // ---- Jobs

  private async startSigningJob(call: Call): Promise<object> {
    const fault = this.faults.startErrors.shift()
    if (fault === 'before') throw injectedInternalError()
    const job = await this.findOrCreateJob(parseStartInput(call.body))
    call.jobId = job.jobId
    if (fault === 'after') throw injectedInternalError()
    return { jobId: job.jobId, jobOwner: job.profileOwner }
  }

  private async findOrCreateJob(input: StartInput): Promise<LocalSigningJob> {
    const known = this.jobsByToken.get(input.clientRequestToken)
    if (known) return known
    const profile = this.findProfile(input.profileOwner ?? this.accountId, input.profileName)
    if (profile.status !== 'Active') {
      throw new ServiceError(
        'ValidationException',
        `Signing profile ${profile.name} is not active (status ${profile.status})`
      )
    }
    await this.checkSource(input.source)
    await this.checkDestination(input.destination.bucketName)
    // A retry with the same token may have created the job while this one awaited S3.
    return this.jobsByToken.get(input.clientRequestToken) ?? this.createJob(input, profile)
  }

  private async checkSource(source: StartInput['source']): Promise<void> {
    const location = `s3://${source.bucketName}/${source.key}`
    const versioning = await this.s3
      .send(new GetBucketVersioningCommand({ Bucket: source.bucketName }))
      .catch(error => {
        if (!isMissing(error)) throw error
        throw new ServiceError(
          'ValidationException',
          `Source bucket ${source.bucketName} does not exist`
        )
      })
    if (versioning.Status !== 'Enabled') {
      throw new ServiceError(
        'ValidationException',
        `Source bucket ${source.bucketName} must have versioning enabled`
      )
    }
    await this.s3
      .send(
        new HeadObjectCommand({
          Bucket: source.bucketName,
          Key: source.key,
          VersionId: source.version
        })
      )
      .catch(error => {
        if (!isMissing(error)) throw error
        throw new ServiceError(
          'ValidationException',
          `Version ${source.version} of ${location} does not exist`
        )
      })
  }

  private async checkDestination(bucketName: string): Promise<void> {
    await this.s3.send(new HeadBucketCommand({ Bucket: bucketName })).catch(error => {
      if (!isMissing(error)) throw error
      throw new ServiceError(
        'ValidationException',
        `Destination bucket ${bucketName} does not exist`
      )
    })
  }

  private createJob(input: StartInput, profile: StoredProfile): LocalSigningJob {
    const job: LocalSigningJob = {
      jobId: randomUUID(),
      clientRequestToken: input.clientRequestToken,
      profileName: profile.name,
      profileOwner: profile.owner,
      profileVersion: profile.profileVersion,
      platformId: profile.platform.platformId,
      validity: profile.validity,
      source: { ...input.source },
      destination: { ...input.destination },
      status: 'InProgress',
      createdAtMs: Date.now(),
      describeCount: 0
    }
    this.jobs.push(job)
    this.jobsByToken.set(job.clientRequestToken, job)
    profileVersionByJob.set(job.jobId, job.profileVersion)
    const injectedFailure = this.faults.failNextJob
    this.faults.failNextJob = null
    if (!this.faults.neverComplete) this.scheduleCompletion(job, injectedFailure)
    return job
  }

  private scheduleCompletion(job: LocalSigningJob, injectedFailure: string | null): void {
    const signal = this.lifetime.signal
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      const completion = this.complete(job, injectedFailure, signal)
      this.completions.add(completion)
      void completion.finally(() => this.completions.delete(completion))
    }, this.jobDurationMs)
    this.timers.add(timer)
  }

  private async complete(
    job: LocalSigningJob,
    injectedFailure: string | null,
    signal: AbortSignal
  ): Promise<void> {
    let failure: string | null
    try {
      failure = (await this.signingObstacle(job, signal)) ?? injectedFailure
      if (!failure) await this.writeSigned(job, signal)
    } catch (error) {
      failure = `Signing failed: ${describeError(error)}`
    }
    if (signal.aborted) return
    const completedAtMs = Date.now()
    job.completedAtMs = completedAtMs
    if (failure) {
      job.statusReason = failure
      job.status = 'Failed'
      return
    }
    job.signedObject = { bucketName: job.destination.bucketName, key: signedKey(job) }
    job.signatureExpiresAt = signatureExpiry(completedAtMs, job.validity)
    job.status = 'Succeeded'
  }

  /** Why the source version cannot be signed, if it cannot; reads only its tail. */
  private async signingObstacle(job: LocalSigningJob, signal: AbortSignal): Promise<string | null> {
    const object = { Bucket: job.source.bucketName, Key: job.source.key }
    const version = { ...object, VersionId: job.source.version }
    const head = await this.s3.send(new HeadObjectCommand(version), { abortSignal: signal })
    const size = head.ContentLength ?? 0
    if (size === 0) return 'Signing failed: the file is empty'
    const tail = await this.s3.send(
      new GetObjectCommand({ ...version, Range: `bytes=-${Math.min(size, SIGNATURE_TAIL_BYTES)}` }),
      { abortSignal: signal }
    )
    const tailBytes = (await tail.Body?.transformToByteArray()) ?? new Uint8Array()
    return readSignature(tailBytes) ? 'Signing failed: the file is already signed' : null
  }

  /** Streams the source version through the signer into a multipart upload. */
  private async writeSigned(job: LocalSigningJob, signal: AbortSignal): Promise<void> {
    const source = await this.s3.send(
      new GetObjectCommand({
        Bucket: job.source.bucketName,
        Key: job.source.key,
        VersionId: job.source.version
      }),
      { abortSignal: signal }
    )
    if (!(source.Body instanceof Readable)) throw new Error('S3 returned no readable body')
    const signed = appendSignature(job)
    // A failing source destroys `signed`, which makes the upload below fail with the cause.
    pipeline(addAbortSignal(signal, source.Body), signed, () => {})
    const upload = new Upload({
      client: this.s3,
      params: { Bucket: job.destination.bucketName, Key: signedKey(job), Body: signed },
      partSize: PART_SIZE
    })
    const abort = (): void => void upload.abort()
    signal.addEventListener('abort', abort, { once: true })
    try {
      await upload.done()
    } finally {
      signal.removeEventListener('abort', abort)
    }
  }

  private async describeSigningJob(call: Call): Promise<object> {
    if (this.random() < this.faults.describeThrottleRate) {
      throw new ServiceError('TooManyRequestsException', 'Rate exceeded')
    }
    const job = this.jobs.find(candidate => candidate.jobId === call.label)
    if (!job) {
      throw new ServiceError(
        'ResourceNotFoundException',
        `Signing job ${call.label} does not exist`
      )
    }
    job.describeCount += 1
    return this.describe(job)
  }

  private describe(job: LocalSigningJob): object {
    const platform = findPlatform(job.platformId)
    return {
      jobId: job.jobId,
      source: { s3: job.source },
      platformId: platform.platformId,
      platformDisplayName: platform.displayName,
      profileName: job.profileName,
      profileVersion: job.profileVersion,
      createdAt: epochSeconds(job.createdAtMs),
      completedAt: job.completedAtMs === undefined ? undefined : epochSeconds(job.completedAtMs),
      signatureExpiresAt: job.signatureExpiresAt && epochSeconds(job.signatureExpiresAt.getTime()),
      status: job.status,
      statusReason: job.statusReason,
      signedObject: job.signedObject && { s3: job.signedObject },
      jobOwner: job.profileOwner,
      jobInvoker: this.accountId,
      requestedBy: this.callerArn()
    }
  }
}

function profileKey(owner: string, name: string): string {
  return `${owner}/${name}`
}

/** `{prefix}{jobId}{ext}`, keeping the source key's extension as Signer does. */
function signedKey(job: LocalSigningJob): string {
  return `${job.destination.prefix}${job.jobId}${posix.extname(job.source.key)}`
}

function decodeLabel(raw: string): string {
  try {
    return decodeURIComponent(raw)
  } catch {
    throw new ServiceError('ValidationException', `The path segment ${raw} is not valid`)
  }
}

function injectedInternalError(): ServiceError {
  return new ServiceError('InternalServiceErrorException', 'Injected internal error')
}
