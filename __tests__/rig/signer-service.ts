import { randomUUID } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { S3Client } from '@aws-sdk/client-s3'
import { MOTO_ACCOUNT, motoClient } from './moto.js'
import { closeServer, listenOnLoopback, readBody } from './net.js'
import { rememberProfileVersion } from './signed-bytes.js'
import { noFaults, throttleRandom, TokenBucket, type SignerFaults } from './signer-faults.js'
import {
  LocalNotary,
  NOTATION_PLATFORM,
  parseSignPayloadInput,
  signPayloadAnswer
} from './signer-payload.js'
import {
  LocalRevocations,
  profileRecord,
  type JobRevocationRecord,
  type ProfileRevocation,
  type RevocableJob
} from './signer-revocation.js'
import {
  ACCOUNT_ID,
  DEFAULT_PLATFORM,
  DEFAULT_VALIDITY,
  ERROR_STATUS,
  PROFILE_NAME,
  ROUTES,
  ServiceError,
  Violations,
  decodeLabel,
  describeError,
  findPlatform,
  member,
  newProfileVersion,
  parseStartInput,
  parseValidity,
  signatureExpiry,
  startInputDifferences,
  type Destination,
  type Operation,
  type Platform,
  type ProfileStatus,
  type Route,
  type SignatureValidity,
  type SourceObject,
  type StartInput
} from './signer-model.js'
import {
  checkDestination,
  checkSource,
  signedKey,
  signingObstacle,
  writeSigned
} from './signer-s3.js'

// What tests and scripts import with the service: the bytes it writes and the types it takes.
export { SIGNATURE_MARKER, readSignature, signedBytesOf } from './signed-bytes.js'
export type { FoundSignature, SignatureStamp } from './signed-bytes.js'
export type { DescribeRewrite, Quota, SignerFaults, TokenReuse } from './signer-faults.js'
export type { Operation, ProfileStatus, SignatureValidity } from './signer-model.js'
export type { JobRevocation, ProfileRevocation, RevocationQuery } from './signer-revocation.js'

/**
 * A local stand-in for AWS Signer that speaks its REST-JSON wire protocol (botocore model
 * signer/2017-08-25), so the real @aws-sdk/client-signer can be pointed at it. Signed objects
 * are written to a real S3 (moto). This file holds the service: dispatch, fault knobs, profiles
 * and jobs; signer-model.ts the model's facts, signer-s3.ts the S3 work, signed-bytes.ts the
 * signature block, signer-payload.ts SignPayload, signer-revocation.ts revocation.
 */

export interface SignerServiceOptions {
  /** moto endpoint; source objects are read and signed objects written there. */
  s3Endpoint: string
  region?: string
  /** How long a job stays InProgress; changeable at run time through the service. */
  jobDurationMs?: number
}

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
  source: SourceObject
  destination: Destination
  status: 'InProgress' | 'Succeeded' | 'Failed'
  statusReason?: string
  createdAtMs: number
  completedAtMs?: number
  signedObject?: { bucketName: string; key: string }
  /** DescribeSigningJob calls answered for this job (throttled ones are not counted). */
  describeCount: number
  signatureExpiresAt?: Date
}

/** A DescribeSigningJob answer as it goes out (times in epoch seconds). */
export interface JobDescription {
  jobId: string
  source: { s3: SourceObject }
  platformId: string
  platformDisplayName: string
  profileName: string
  profileVersion: string
  createdAt: number
  completedAt?: number
  signatureExpiresAt?: number
  status: LocalSigningJob['status']
  statusReason?: string
  signedObject?: { s3: { bucketName: string; key: string } }
  jobOwner: string
  jobInvoker: string
  requestedBy: string
  /** Once RevokeSignature revoked the job; its status stays as it was. */
  revocationRecord?: JobRevocationRecord
}

export interface SignerRequest {
  operation: string
  /** When the request arrived. */
  atMs: number
  /** The status answered; 0 for a request the `hang` knob holds, which gets none. */
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
  /**
   * Every request in the order the answers went out; a hung request is logged when it has been
   * read, since it is never answered.
   */
  readonly requests: ReadonlyArray<SignerRequest>
  addProfile(profile: LocalProfile): void
  /** SignPayload's side (signer-payload.ts): its jobs and certificate chain, made at start. */
  readonly notary: LocalNotary
  /**
   * The revocation side (signer-revocation.ts): revoked jobs, the certificates a test revokes,
   * and every GetRevocationStatus query answered with its Host header.
   */
  readonly revocations: LocalRevocations
  /**
   * Clears jobs (cancelling their completion), their revocations, revoked certificates,
   * requests and faults, drops hung requests (their clients see the connection close); keeps
   * profiles, revoked ones too.
   */
  reset(): void
  stop(): Promise<void>
}

/** Starts the service on a free loopback port. */
export async function startSignerService(options: SignerServiceOptions): Promise<SignerService> {
  const service = new LocalSignerService(options)
  await service.listen()
  return service
}

interface StoredProfile {
  name: string
  owner: string
  platform: Platform
  validity: SignatureValidity
  status: ProfileStatus
  profileVersion: string
  revocation?: ProfileRevocation
}

/** One request on its way through: what the handler needs and what the log records. */
interface Call {
  label: string
  query: URLSearchParams
  body: unknown
  /** The Host header, which says whether the SDK kept a host prefix. */
  host: string
  jobId?: string
}

type Handler = (call: Call) => Promise<object>

class LocalSignerService implements SignerService {
  jobDurationMs: number
  readonly faults = noFaults()
  readonly jobs: LocalSigningJob[] = []
  readonly requests: SignerRequest[] = []
  readonly notary = new LocalNotary()
  readonly revocations = new LocalRevocations({
    caller: () => ({ account: this.accountId, arn: this.callerArn() }),
    job: (owner, jobId) => this.findAnyJob(owner, jobId),
    profile: (owner, name) => this.findProfile(owner, name),
    profileByVersionArn: arn =>
      [...this.profiles.values()].find(profile => this.profileVersionArn(profile) === arn)
  })

  private readonly region: string
  /** The caller's account: moto's, which owns the buckets. */
  private readonly accountId = MOTO_ACCOUNT
  private random = throttleRandom()
  private readonly s3: S3Client
  private readonly server: Server
  private readonly profiles = new Map<string, StoredProfile>()
  /** Each token's job and the request that created it, which a reuse is compared with. */
  private readonly startsByToken = new Map<string, { job: LocalSigningJob; input: StartInput }>()
  private readonly buckets = new Map<Operation, TokenBucket>()
  /** Requests the `hang` knob holds open. */
  private readonly held = new Set<ServerResponse>()
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
    GetSigningPlatform: call => this.getSigningPlatform(call),
    SignPayload: call => this.signPayload(call),
    RevokeSignature: async call =>
      this.revocations.revokeSignature(call.label, call.body, this.faults.revokeAgain),
    RevokeSigningProfile: async call =>
      this.revocations.revokeSigningProfile(call.label, call.body),
    GetRevocationStatus: async call => this.revocations.getRevocationStatus(call.query, call.host)
  }

  constructor(options: SignerServiceOptions) {
    this.region = options.region ?? 'us-east-1'
    this.jobDurationMs = options.jobDurationMs ?? 0
    this.s3 = motoClient(options.s3Endpoint, { region: this.region })
    this.server = createServer((request, response) => void this.serve(request, response))
  }

  /** Set once listening. */
  endpoint = ''

  async listen(): Promise<void> {
    await this.notary.start(this.region)
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
    for (const response of this.held) response.destroy()
    this.held.clear()
    this.jobs.length = 0
    this.requests.length = 0
    this.startsByToken.clear()
    this.notary.reset()
    this.revocations.reset()
    this.buckets.clear()
    Object.assign(this.faults, noFaults())
    this.random = throttleRandom()
  }

  async stop(): Promise<void> {
    this.cancelCompletions()
    await Promise.allSettled(this.completions)
    // Closes hung requests' connections too.
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
    const call: Call = {
      label: '',
      query: url.searchParams,
      body: {},
      host: request.headers.host ?? ''
    }
    const log = (status: number): void => {
      const operation = match?.route.operation ?? 'UnknownOperation'
      this.requests.push({ operation, atMs, status, ...(call.jobId ? { jobId: call.jobId } : {}) })
    }
    let status: number
    try {
      if (!match) throw new ServiceError('UnknownOperationException', 'Unknown operation')
      const { operation } = match.route
      call.label = decodeLabel(match.raw)
      if (match.route.label === 'jobId') call.jobId = call.label
      call.body = await readJson(request)
      if (this.faults.hang.has(operation)) {
        this.hold(response)
        log(0)
        return
      }
      this.takeQuota(operation)
      this.checkAccess(operation)
      this.takeInternalError(operation)
      const body = await this.handlers[operation](call)
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
    log(status)
  }

  private route(method: string, pathname: string): { route: Route; raw: string } | undefined {
    for (const route of ROUTES) {
      const found = route.method === method ? route.path.exec(pathname) : null
      if (found) return { route, raw: found[1] ?? '' }
    }
    return undefined
  }

  /** Leaves the request unanswered; stop() and reset() drop its connection. */
  private hold(response: ServerResponse): void {
    this.held.add(response)
    response.once('close', () => this.held.delete(response))
  }

  /** Spends a token from the operation's quota, if it has one; an empty bucket throttles. */
  private takeQuota(operation: Operation): void {
    const quota = this.faults.quotas[operation]
    if (!quota) return
    let bucket = this.buckets.get(operation)
    if (bucket?.quota !== quota) {
      bucket = new TokenBucket(quota, Date.now())
      this.buckets.set(operation, bucket)
    }
    if (!bucket.take(Date.now())) {
      throw new ServiceError(quota.error ?? 'TooManyRequestsException', 'Rate exceeded')
    }
  }

  /** Answers 500 while `faults.internalErrors` holds some for the operation. */
  private takeInternalError(operation: Operation): void {
    const left = this.faults.internalErrors[operation] ?? 0
    if (left <= 0) return
    this.faults.internalErrors[operation] = left - 1
    throw injectedInternalError()
  }

  private checkAccess(operation: string): void {
    if (this.faults.refuseSignature.has(operation)) {
      throw new ServiceError(
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.'
      )
    }
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
      status: profile.status,
      ...(profile.revocation ? { revocationRecord: profileRecord(profile.revocation) } : {})
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

  /** As Lambda reports SigningJobArn; SignPayload's envelopes name the same form. */
  private jobArn(job: LocalSigningJob): string {
    return `arn:aws:signer:${this.region}:${job.profileOwner}:/signing-jobs/${job.jobId}`
  }

  /** A job of either kind owned by `owner`: StartSigningJob's or SignPayload's. */
  private findAnyJob(owner: string, jobId: string): RevocableJob | undefined {
    const s3Job = this.jobs.find(job => job.jobId === jobId && job.profileOwner === owner)
    if (s3Job) return { jobArn: this.jobArn(s3Job), platformId: s3Job.platformId }
    const payloadJob = this.notary.jobs.find(
      job => job.jobId === jobId && job.profileOwner === owner
    )
    return payloadJob && { jobArn: payloadJob.jobArn, platformId: NOTATION_PLATFORM }
  }

  // ---- Jobs

  private async signPayload(call: Call): Promise<object> {
    const input = parseSignPayloadInput(call.body)
    const profile = this.findProfile(input.profileOwner ?? this.accountId, input.profileName)
    const job = await this.notary.sign(
      input,
      {
        ...profile,
        platformId: profile.platform.platformId,
        profileVersionArn: this.profileVersionArn(profile)
      },
      this.region,
      this.faults
    )
    call.jobId = job.jobId
    return signPayloadAnswer(job)
  }

  private async startSigningJob(call: Call): Promise<object> {
    const fault = this.faults.startErrors.shift()
    if (fault === 'before') throw injectedInternalError()
    const job = await this.findOrCreateJob(parseStartInput(call.body))
    call.jobId = job.jobId
    if (fault === 'after') throw injectedInternalError()
    const answer = { jobId: job.jobId, jobOwner: job.profileOwner }
    return this.faults.startAnswer?.(answer) ?? answer
  }

  private async findOrCreateJob(input: StartInput): Promise<LocalSigningJob> {
    const known = this.jobForToken(input)
    if (known) return known
    const profile = this.findProfile(input.profileOwner ?? this.accountId, input.profileName)
    if (profile.status !== 'Active') {
      throw new ServiceError(
        'ValidationException',
        `Signing profile ${profile.name} is not active (status ${profile.status})`
      )
    }
    await checkSource(this.s3, input.source)
    await checkDestination(this.s3, input.destination.bucketName)
    // A retry with the same token may have created the job while this one awaited S3.
    return this.jobForToken(input) ?? this.createJob(input, profile)
  }

  /** The job an earlier call with this token created, if any, as `faults.tokenReuse` says. */
  private jobForToken(input: StartInput): LocalSigningJob | undefined {
    const earlier = this.startsByToken.get(input.clientRequestToken)
    if (!earlier || this.faults.tokenReuse === 'first-response') return earlier?.job
    const differences = startInputDifferences(earlier.input, input)
    if (differences.length > 0) {
      throw new ServiceError(
        'ValidationException',
        `clientRequestToken ${input.clientRequestToken} was already used with different ` +
          `parameters (${differences.join(', ')} differ)`
      )
    }
    return earlier.job
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
    this.startsByToken.set(job.clientRequestToken, { job, input })
    rememberProfileVersion(job.jobId, job.profileVersion)
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
      failure = (await signingObstacle(this.s3, job, signal)) ?? injectedFailure
      if (!failure) await writeSigned(this.s3, job, signal)
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
    if (!this.faults.omitSignatureExpiry) {
      job.signatureExpiresAt = signatureExpiry(completedAtMs, job.validity)
    }
    job.status = 'Succeeded'
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
    const answer = this.describe(job)
    return this.faults.describeAnswer?.(answer, job, other => this.describe(other)) ?? answer
  }

  private describe(job: LocalSigningJob): JobDescription {
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
      requestedBy: this.callerArn(),
      revocationRecord: this.revocations.jobRecord(this.jobArn(job))
    }
  }
}

function profileKey(owner: string, name: string): string {
  return `${owner}/${name}`
}

function injectedInternalError(): ServiceError {
  return new ServiceError('InternalServiceErrorException', 'Injected internal error')
}

/** Every object being signed listens on it: many at once are normal, not a leak. */
function newLifetime(): AbortController {
  const controller = new AbortController()
  setMaxListeners(64, controller.signal)
  return controller
}

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
