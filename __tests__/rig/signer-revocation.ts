import { createHash } from 'node:crypto'
import { Agent } from 'node:http'
import { lookup } from 'node:dns'
import type { LookupFunction } from 'node:net'
import {
  ACCOUNT_ID,
  PROFILE_NAME,
  ServiceError,
  Violations,
  findPlatform,
  member,
  type ProfileStatus
} from './signer-model.js'

/**
 * The local Signer's revocation side: RevokeSignature (`PUT /signing-jobs/{jobId}/revoke`),
 * RevokeSigningProfile (`PUT /signing-profiles/{profileName}/revoke`) and GetRevocationStatus
 * (`GET /revocations`, which the SDK sends to the `data-` host), with the records
 * DescribeSigningJob and GetSigningProfile carry. The rules come from the API reference and the
 * Developer Guide's "Revoke signatures"; where they are silent the choice is marked as the rig's.
 */

/** The model's RevocationReasonString. */
export const REASON_LENGTH = { min: 1, max: 500 }
/** The model's ProfileVersion. */
const PROFILE_VERSION = { pattern: /^[a-zA-Z0-9]{10}$/, min: 10, max: 10 }
/** The model's Arn: a length, no pattern. */
const ARN_LENGTH = { min: 20, max: 2048 }
/** The partition of every ARN the local Signer makes. */
const PARTITION = 'aws'

export interface JobRevocation {
  reason: string
  revokedAtMs: number
  /** The caller's ARN. */
  revokedBy: string
}

export interface ProfileRevocation {
  /** Kept, though SigningProfileRevocationRecord does not carry it. */
  reason: string
  /** Signatures made at or after this time are revoked. */
  effectiveFromMs: number
  revokedAtMs: number
  revokedBy: string
}

/** DescribeSigningJob's `revocationRecord` (times in epoch seconds). */
export interface JobRevocationRecord {
  reason: string
  revokedAt: number
  revokedBy: string
}

/** A profile as the revocation side reads and changes it. */
export interface RevocableProfile {
  name: string
  status: ProfileStatus
  profileVersion: string
  revocation?: ProfileRevocation
}

/** A job of either kind (StartSigningJob or SignPayload) as the revocation side sees it. */
export interface RevocableJob {
  jobArn: string
  platformId: string
}

/** What the revocation side asks of the service. */
export interface RevocationDirectory {
  /** The caller's account and ARN (the rig has one caller). */
  caller(): { account: string; arn: string }
  /** The job with this ID owned by this account, if any. */
  job(owner: string, jobId: string): RevocableJob | undefined
  /** The profile of this name owned by this account; throws ResourceNotFoundException. */
  profile(owner: string, name: string): RevocableProfile
  /** The profile whose current version has this ARN, if any. */
  profileByVersionArn(arn: string): RevocableProfile | undefined
}

/** What a signing job that is revoked again gets: the API reference does not say. */
export type RevokeAgain = 'reject' | 'accept'

/** One GetRevocationStatus query that was answered, as parsed, and its answer. */
export interface RevocationQuery {
  /** The Host header: `data-127.0.0.1:PORT` when the SDK kept the model's host prefix. */
  host: string
  signatureTimestamp: Date
  platformId: string
  profileVersionArn: string
  jobArn: string
  certificateHashes: string[]
  revokedEntities: string[]
}

/** Revoked jobs, revoked certificates and the queries answered; profiles keep their own. */
export class LocalRevocations {
  /** RevokeSignature's records, by job ARN. */
  readonly jobs = new Map<string, JobRevocation>()
  /**
   * Composite certificate hashes (`certificateHashes` gives a chain's) that GetRevocationStatus
   * reports revoked when asked about them: AWS revoking a certificate has no API, so a test sets
   * these.
   */
  readonly certificates = new Set<string>()
  readonly queries: RevocationQuery[] = []

  constructor(private readonly directory: RevocationDirectory) {}

  /** Clears job and certificate revocations and the queries; profiles stay revoked. */
  reset(): void {
    this.jobs.clear()
    this.certificates.clear()
    this.queries.length = 0
  }

  /** DescribeSigningJob's `revocationRecord` for a job, if it was revoked. */
  jobRecord(jobArn: string): JobRevocationRecord | undefined {
    const revocation = this.jobs.get(jobArn)
    return (
      revocation && {
        reason: revocation.reason,
        revokedAt: epochSeconds(revocation.revokedAtMs),
        revokedBy: revocation.revokedBy
      }
    )
  }

  revokeSignature(label: string, body: unknown, again: RevokeAgain): object {
    const check = new Violations()
    const jobOwner = check.optional(member(body, 'jobOwner'), 'jobOwner')
    const reason = requiredReason(member(body, 'reason'), check)
    check.matches(jobOwner, 'jobOwner', ACCOUNT_ID)
    check.throwIfAny()
    const caller = this.directory.caller()
    // Jobs are looked up in jobOwner's account, the caller's by default: a job signed with
    // another account's profile belongs to that account, so revoking it takes jobOwner. The
    // rig's reading of the model; the API reference only says "AWS account ID of the job owner".
    const owner = jobOwner ?? caller.account
    const job = this.directory.job(owner, label)
    if (!job) {
      throw new ServiceError(
        'ResourceNotFoundException',
        `Signing job ${label} owned by ${owner} does not exist`
      )
    }
    // GetSigningPlatform's revocationSupported says whether a platform's signatures can be
    // revoked; the error for one that cannot is the rig's.
    if (!findPlatform(job.platformId).revocationSupported) {
      throw new ServiceError(
        'ValidationException',
        `Signatures of platform ${job.platformId} cannot be revoked`
      )
    }
    if (this.jobs.has(job.jobArn)) {
      if (again === 'accept') return {}
      throw new ServiceError('ValidationException', `Signing job ${label} is already revoked`)
    }
    this.jobs.set(job.jobArn, { reason, revokedAtMs: Date.now(), revokedBy: caller.arn })
    return {}
  }

  revokeSigningProfile(label: string, body: unknown): object {
    const check = new Violations()
    check.matches(label, 'profileName', PROFILE_NAME)
    const profileVersion = check.required(member(body, 'profileVersion'), 'profileVersion')
    const reason = requiredReason(member(body, 'reason'), check)
    const effectiveTime = timestampMember(member(body, 'effectiveTime'), 'effectiveTime', check)
    check.matches(profileVersion, 'profileVersion', PROFILE_VERSION)
    check.throwIfAny()
    const caller = this.directory.caller()
    // The request has no profileOwner: only the caller's own profiles can be revoked.
    const profile = this.directory.profile(caller.account, label)
    profile.revocation = reviseProfileRevocation(
      profile,
      { profileVersion, reason, effectiveFromMs: effectiveTime },
      { nowMs: Date.now(), revokedBy: caller.arn }
    )
    profile.status = 'Revoked'
    return {}
  }

  getRevocationStatus(query: URLSearchParams, host: string): object {
    const parsed = parseRevocationQuery(query)
    const revokedEntities: string[] = []
    const profile = this.directory.profileByVersionArn(parsed.profileVersionArn)
    const effectiveFromMs = profile?.revocation?.effectiveFromMs
    if (effectiveFromMs !== undefined && parsed.signatureTimestamp.getTime() >= effectiveFromMs) {
      revokedEntities.push(parsed.profileVersionArn)
    }
    if (this.jobs.has(parsed.jobArn)) revokedEntities.push(parsed.jobArn)
    const revokedHashes = new Set([...this.certificates].map(hash => hash.toLowerCase()))
    for (const hash of parsed.certificateHashes) {
      if (revokedHashes.has(hash.toLowerCase())) revokedEntities.push(hash)
    }
    this.queries.push({ host, ...parsed, revokedEntities })
    return { revokedEntities }
  }
}

/** GetSigningProfile's `revocationRecord` for a revoked profile. */
export function profileRecord(revocation: ProfileRevocation): object {
  return {
    revocationEffectiveFrom: epochSeconds(revocation.effectiveFromMs),
    revokedAt: epochSeconds(revocation.revokedAtMs),
    revokedBy: revocation.revokedBy
  }
}

/**
 * The record after a RevokeSigningProfile, as the Developer Guide has it: the effective time
 * must not be in the future, and repeating the revocation may move it earlier, never later.
 * The error types and wording are the rig's.
 */
export function reviseProfileRevocation(
  profile: RevocableProfile,
  request: { profileVersion: string; reason: string; effectiveFromMs: number },
  at: { nowMs: number; revokedBy: string }
): ProfileRevocation {
  if (request.profileVersion !== profile.profileVersion) {
    throw new ServiceError(
      'ResourceNotFoundException',
      `Signing profile ${profile.name} has no version ${request.profileVersion}`
    )
  }
  if (request.effectiveFromMs > at.nowMs) {
    throw new ServiceError(
      'ValidationException',
      `effectiveTime ${new Date(request.effectiveFromMs).toISOString()} is in the future; ` +
        'a revocation takes effect from a time in the past'
    )
  }
  const earlier = profile.revocation
  if (!earlier) {
    return {
      reason: request.reason,
      effectiveFromMs: request.effectiveFromMs,
      revokedAtMs: at.nowMs,
      revokedBy: at.revokedBy
    }
  }
  if (request.effectiveFromMs > earlier.effectiveFromMs) {
    throw new ServiceError(
      'ValidationException',
      `Signing profile ${profile.name} is revoked from ` +
        `${new Date(earlier.effectiveFromMs).toISOString()}; a revocation can be moved earlier, not later`
    )
  }
  // The first revocation's time and revoker stay (the rig's choice; the guide does not say).
  return { ...earlier, effectiveFromMs: request.effectiveFromMs }
}

/** GetRevocationStatus's query, checked as the model says (every member required). */
export function parseRevocationQuery(
  query: URLSearchParams
): Omit<RevocationQuery, 'host' | 'revokedEntities'> {
  const check = new Violations()
  const timestamp = check.required(query.get('signatureTimestamp'), 'signatureTimestamp')
  const platformId = check.required(query.get('platformId'), 'platformId')
  const profileVersionArn = check.required(query.get('profileVersionArn'), 'profileVersionArn')
  const jobArn = check.required(query.get('jobArn'), 'jobArn')
  const certificateHashes = query.getAll('certificateHashes')
  // The SDK leaves an empty list out of the query: to the service it is missing.
  if (certificateHashes.length === 0) check.required(undefined, 'certificateHashes')
  check.lengthBetween(profileVersionArn, 'profileVersionArn', ARN_LENGTH)
  check.lengthBetween(jobArn, 'jobArn', ARN_LENGTH)
  const signatureTimestamp = parseDateTime(timestamp, 'signatureTimestamp', check)
  check.throwIfAny()
  for (const arn of [profileVersionArn, jobArn]) checkPartition(arn)
  try {
    findPlatform(platformId)
  } catch {
    // The operation lists no ResourceNotFoundException; the wording is the rig's.
    throw new ServiceError('ValidationException', `Unknown signing platform ${platformId}`)
  }
  return { signatureTimestamp, platformId, profileVersionArn, jobArn, certificateHashes }
}

/**
 * "Signatures are isolated to AWS partitions. Calls to GetRevocationStatus with a
 * cross-partition signature will return a validation exception error" (Developer Guide).
 */
function checkPartition(arn: string): void {
  const partition = /^arn:([^:]+):signer:/.exec(arn)?.[1]
  if (partition === undefined) {
    throw new ServiceError('ValidationException', `${arn} is not an AWS Signer ARN`)
  }
  if (partition !== PARTITION) {
    throw new ServiceError(
      'ValidationException',
      `${arn} is in partition ${partition}; this endpoint answers for ${PARTITION}`
    )
  }
}

function requiredReason(value: unknown, check: Violations): string {
  const reason = check.optional(value, 'reason')
  if (reason === undefined) return check.required(undefined, 'reason')
  check.lengthBetween(reason, 'reason', REASON_LENGTH)
  return reason
}

/** A JSON body timestamp: epoch seconds, as the REST-JSON protocol sends them. */
function timestampMember(value: unknown, path: string, check: Violations): number {
  if (value === undefined || value === null) {
    check.required(undefined, path)
    return 0
  }
  if (typeof value === 'number' && Number.isFinite(value)) return Math.round(value * 1000)
  check.fail(
    `Value '${String(value)}' at '${path}' failed to satisfy constraint: Member must be a timestamp`
  )
  return 0
}

// RFC 3339 date-time, the protocol's form for a timestamp in a query string.
const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i

function parseDateTime(value: string, path: string, check: Violations): Date {
  const parsed = new Date(value)
  if (value === '' || (DATE_TIME.test(value) && !Number.isNaN(parsed.getTime()))) return parsed
  check.fail(
    `Value '${value}' at '${path}' failed to satisfy constraint: Member must be a timestamp`
  )
  return parsed
}

/**
 * GetRevocationStatus's `certificateHashes` for a chain (DER, leaf first), as AWS's Notation
 * plugin computes them: the hex SHA-384 of each certificate's TBS bytes followed by that of the
 * next certificate's, the last one's doubled ("root certificates are defined as their own CA").
 */
export function certificateHashes(chain: ReadonlyArray<Buffer>): string[] {
  const tbsHashes = chain.map(der => createHash('sha384').update(tbsCertificate(der)).digest('hex'))
  return tbsHashes.map((hash, index) => hash + (tbsHashes[index + 1] ?? hash))
}

/** The DER of a certificate's first member, tbsCertificate: what the issuer signed. */
export function tbsCertificate(der: Buffer): Buffer {
  const certificate = derElement(der, 0)
  const tbs = derElement(der, certificate.contentStart)
  return der.subarray(tbs.start, tbs.end)
}

function derElement(
  der: Buffer,
  start: number
): { start: number; contentStart: number; end: number } {
  const SEQUENCE = 0x30
  if (der[start] !== SEQUENCE) throw new Error(`No DER SEQUENCE at byte ${start}`)
  const first = der[start + 1] ?? 0
  const lengthBytes = first < 0x80 ? 0 : first & 0x7f
  const length = lengthBytes === 0 ? first : der.readUIntBE(start + 2, lengthBytes)
  const contentStart = start + 2 + lengthBytes
  if (contentStart + length > der.length) throw new Error('A DER element runs past the end')
  return { start, contentStart, end: contentStart + length }
}

/**
 * An HTTP agent for an SDK client that keeps GetRevocationStatus's `data-` host prefix against
 * the local Signer: it resolves `data-127.0.0.1` as `127.0.0.1`, so the request goes out as it
 * would to AWS, Host header and all. (Without it the SDK fails to resolve the name; with the
 * client option `disableHostPrefix` the prefix is dropped.)
 */
export function dataHostAgent(): Agent {
  const resolve: LookupFunction = (hostname, options, callback) =>
    lookup(hostname.replace(/^data-(?=\d+\.\d+\.\d+\.\d+$)/, ''), options, callback)
  return new Agent({ lookup: resolve })
}

function epochSeconds(ms: number): number {
  return ms / 1000
}
