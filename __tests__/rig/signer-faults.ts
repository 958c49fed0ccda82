import type { Operation, ThrottleError } from './signer-model.js'
import type { EnvelopeTamper } from './signer-payload.js'
import type { RevokeAgain } from './signer-revocation.js'
import type { JobDescription, LocalSigningJob } from './signer-service.js'

/** The misbehaviour a test can switch on in the local Signer, at any time between requests. */
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
  /** Operation names answered 403 InvalidSignatureException, as for the wrong key or Region. */
  refuseSignature: Set<string>
  /** Jobs succeed without a signatureExpiresAt. */
  omitSignatureExpiry: boolean
  /**
   * What a StartSigningJob whose clientRequestToken was already used gets. 'first-response'
   * (default): the first call's job, whatever was asked, as the Signer API reference says.
   * 'reject-different': 400 ValidationException when any request member differs, as other AWS
   * services do; the same request still gets the first job.
   */
  tokenReuse: TokenReuse
  /**
   * A token bucket per operation, shared by every caller; an empty bucket answers 429. Replacing
   * an operation's Quota object starts a full bucket; deleting it lifts the limit.
   */
  quotas: Partial<Record<Operation, Quota>>
  /**
   * Requests to these operations are read and never answered, until the client gives up, the
   * service stops, or reset() drops them. They are logged with status 0 once read.
   */
  hang: Set<Operation>
  /**
   * How many of an operation's next requests are answered 500 InternalServiceErrorException,
   * each taking one, after the quota and access checks and before anything changes.
   */
  internalErrors: Partial<Record<Operation, number>>
  /**
   * What RevokeSignature of a job already revoked gets; the API reference does not say.
   * 'reject' (default): 400 ValidationException, the record unchanged. 'accept': 200, the
   * record unchanged.
   */
  revokeAgain: RevokeAgain
  /**
   * Changes every SignPayload envelope: gets the draft (protected header, payload, x5c, signing
   * key) and returns it changed, to be signed as changed, or returns the bytes to answer.
   */
  envelope: EnvelopeTamper | null
  /** SignPayload answers this metadata instead of the profile version and job ARNs. */
  payloadMetadata: Record<string, string> | null
  /**
   * Rewrites every DescribeSigningJob answer before it goes out, as a misbehaving or compromised
   * path to Signer could; null sends them as they are.
   */
  describeAnswer: DescribeRewrite | null
  /**
   * Rewrites every StartSigningJob answer (`{jobId, jobOwner}`) before it goes out, after the job
   * was created; null sends them as they are.
   */
  startAnswer: ((answer: { jobId: string; jobOwner: string }) => object) | null
}

/**
 * Gets the answer the service would send, the job it describes, and `describe` for any other
 * job (to swap in another job's answer); returns what to send instead.
 */
export type DescribeRewrite = (
  answer: JobDescription,
  job: LocalSigningJob,
  describe: (job: LocalSigningJob) => JobDescription
) => object

export type TokenReuse = 'first-response' | 'reject-different'

export interface Quota {
  /** Tokens added per second; 0 never refills, which makes a test's limit exact. */
  perSecond: number
  /** Bucket size, and its content at the start; defaults to perSecond, at least 1. */
  burst?: number
  /**
   * The error an empty bucket answers (default TooManyRequestsException, which the model lists
   * for every operation). ThrottlingException is the deprecated name StartSigningJob also lists.
   */
  error?: ThrottleError
}

export function noFaults(): SignerFaults {
  return {
    describeThrottleRate: 0,
    startErrors: [],
    neverComplete: false,
    failNextJob: null,
    deny: new Set(),
    refuseSignature: new Set(),
    omitSignatureExpiry: false,
    tokenReuse: 'first-response',
    quotas: {},
    hang: new Set(),
    internalErrors: {},
    revokeAgain: 'reject',
    envelope: null,
    payloadMetadata: null,
    describeAnswer: null,
    startAnswer: null
  }
}

/** A token bucket on the caller's clock, so its arithmetic is testable without waiting. */
export class TokenBucket {
  private tokens: number
  private lastMs: number

  constructor(
    readonly quota: Quota,
    nowMs: number
  ) {
    this.tokens = capacity(quota)
    this.lastMs = nowMs
  }

  /** Takes one token if there is one; false means the request is throttled. */
  take(nowMs: number): boolean {
    const elapsedMs = Math.max(0, nowMs - this.lastMs)
    this.tokens = Math.min(
      capacity(this.quota),
      this.tokens + (elapsedMs * this.quota.perSecond) / 1000
    )
    this.lastMs = nowMs
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}

function capacity(quota: Quota): number {
  return quota.burst ?? Math.max(1, quota.perSecond)
}

/** Seed of the PRNG behind `describeThrottleRate`, so throttling is repeatable. */
const THROTTLE_SEED = 0x5eed

/** mulberry32: tiny, seedable, good enough to spread throttles. */
export function throttleRandom(seed = THROTTLE_SEED): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
