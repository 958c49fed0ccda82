import { randomUUID, sign, type KeyObject } from 'node:crypto'
import { createCertificateChain, type CertificateChain } from './certificate-chain.js'
import {
  ACCOUNT_ID,
  member,
  PROFILE_NAME,
  ServiceError,
  signatureExpiry,
  Violations,
  type ProfileStatus,
  type SignatureValidity
} from './signer-model.js'

/**
 * The local Signer's SignPayload (`POST /signing-jobs/with-payload`): it signs a Notary payload
 * as AWS does for the Notation-OCI-SHA384-ECDSA platform and answers with a flattened JWS, ES384
 * over the payload bytes as they were sent, with the protected headers AWS sets and the rig's
 * four-certificate chain in x5c. Whatever AWS does not document is marked as the rig's choice.
 */

export const NOTATION_PLATFORM = 'Notation-OCI-SHA384-ECDSA'
export const NOTARY_PAYLOAD_FORMAT = 'application/vnd.cncf.notary.payload.v1+json'
/** The API reference: payload length 1 to 4096. */
export const MAX_PAYLOAD_BYTES = 4096
export const VERIFICATION_PLUGIN = 'com.amazonaws.signer.notation.plugin'

export interface SignPayloadInput {
  profileName: string
  profileOwner?: string
  payload: Buffer
  payloadFormat: string
}

/** The profile SignPayload signs with, as the service keeps it. */
export interface PayloadProfile {
  name: string
  owner: string
  platformId: string
  validity: SignatureValidity
  status: ProfileStatus
  profileVersion: string
  profileVersionArn: string
}

export interface LocalPayloadJob {
  jobId: string
  jobArn: string
  profileName: string
  profileOwner: string
  profileVersion: string
  profileVersionArn: string
  /** The payload as it was sent. */
  payload: Buffer
  signedAtMs: number
  /** `io.cncf.notary.expiry`: the signing time plus the profile's signature validity. */
  expiresAt: Date
  metadata: Record<string, string>
  /** The envelope as it was answered (after any `faults.envelope`). */
  envelope: Buffer
}

/**
 * A JWS before it is signed and written: what `faults.envelope` may change. A changed header or
 * payload is signed as changed, so a test reaches the check it means; another `signingKey` makes
 * a signature that the first certificate's key does not verify.
 */
export interface EnvelopeDraft {
  protectedHeader: Record<string, unknown>
  payload: Buffer
  /** x5c as DER, leaf first. */
  certificates: Buffer[]
  signingKey: KeyObject
}

/** Returns the draft to sign (changed or not), or the bytes to answer as they are. */
export type EnvelopeTamper = (draft: EnvelopeDraft) => EnvelopeDraft | Buffer

/** The knobs SignPayload reads from the service's faults. */
export interface PayloadFaults {
  envelope: EnvelopeTamper | null
  payloadMetadata: Record<string, string> | null
}

/** The flattened JWS JSON of a draft: `protected`, `payload`, `signature` base64url; x5c base64. */
export function writeEnvelope(draft: EnvelopeDraft): Buffer {
  const jws = encodeDraft(draft)
  return jwsJson(jws, sign('sha384', jws.signingInput, signingKey(draft)))
}

/**
 * writeEnvelope, signing on libuv's thread pool: the service signs calls that come together side
 * by side, as AWS's does, instead of one after another on its event loop.
 */
export async function writeEnvelopeConcurrently(draft: EnvelopeDraft): Promise<Buffer> {
  const jws = encodeDraft(draft)
  const signature = await new Promise<Buffer>((resolve, reject) =>
    sign('sha384', jws.signingInput, signingKey(draft), (error, signed) =>
      error ? reject(error) : resolve(signed)
    )
  )
  return jwsJson(jws, signature)
}

interface EncodedDraft {
  encodedProtected: string
  encodedPayload: string
  x5c: string[]
  signingInput: Buffer
}

function encodeDraft(draft: EnvelopeDraft): EncodedDraft {
  const encodedProtected = Buffer.from(JSON.stringify(draft.protectedHeader)).toString('base64url')
  const encodedPayload = draft.payload.toString('base64url')
  return {
    encodedProtected,
    encodedPayload,
    x5c: draft.certificates.map(der => der.toString('base64')),
    signingInput: Buffer.from(`${encodedProtected}.${encodedPayload}`, 'ascii')
  }
}

function signingKey(draft: EnvelopeDraft) {
  return { key: draft.signingKey, dsaEncoding: 'ieee-p1363' as const }
}

function jwsJson(jws: EncodedDraft, signature: Buffer): Buffer {
  return Buffer.from(
    JSON.stringify({
      payload: jws.encodedPayload,
      protected: jws.encodedProtected,
      header: { x5c: jws.x5c },
      signature: signature.toString('base64url')
    })
  )
}

/** Reads SignPayload's body as the model shapes it (the payload blob is base64 in JSON). */
export function parseSignPayloadInput(body: unknown): SignPayloadInput {
  const check = new Violations()
  const profileName = check.required(member(body, 'profileName'), 'profileName')
  const profileOwner = check.optional(member(body, 'profileOwner'), 'profileOwner')
  const payloadFormat = check.required(member(body, 'payloadFormat'), 'payloadFormat')
  const encodedPayload = check.required(member(body, 'payload'), 'payload')
  check.matches(profileName, 'profileName', PROFILE_NAME)
  check.matches(profileOwner, 'profileOwner', ACCOUNT_ID)
  check.throwIfAny()
  const payload = Buffer.from(encodedPayload, 'base64')
  if (payload.toString('base64').replace(/=+$/, '') !== encodedPayload.replace(/=+$/, '')) {
    throw new ServiceError('ValidationException', 'The payload is not valid base64')
  }
  if (payload.length > MAX_PAYLOAD_BYTES) {
    throw new ServiceError(
      'ValidationException',
      "1 validation error detected: Value at 'payload' failed to satisfy constraint: " +
        `Member must have length less than or equal to ${MAX_PAYLOAD_BYTES}`
    )
  }
  // The model has no enum here; the API reference names the one valid type. The wording is ours.
  if (payloadFormat !== NOTARY_PAYLOAD_FORMAT) {
    throw new ServiceError(
      'ValidationException',
      `Payload format ${payloadFormat} is not supported; the single valid type is ${NOTARY_PAYLOAD_FORMAT}`
    )
  }
  return { profileName, ...(profileOwner ? { profileOwner } : {}), payload, payloadFormat }
}

/** SignPayload's state in the service: the certificate chain, made at start, and the jobs. */
export class LocalNotary {
  readonly jobs: LocalPayloadJob[] = []
  private made?: CertificateChain

  /** Makes the chain; the service calls it once, when it starts. */
  async start(region: string): Promise<void> {
    this.made = await createCertificateChain({ region })
  }

  /** The chain every envelope carries; `root` is what a verifier would pin. */
  get chain(): CertificateChain {
    if (!this.made) throw new Error('The local Signer has not started')
    return this.made
  }

  reset(): void {
    this.jobs.length = 0
  }

  /** Signs as AWS does, or answers the ValidationException it would (wording ours). */
  async sign(
    input: SignPayloadInput,
    profile: PayloadProfile,
    region: string,
    faults: PayloadFaults
  ): Promise<LocalPayloadJob> {
    if (profile.status !== 'Active') {
      throw new ServiceError(
        'ValidationException',
        `Signing profile ${profile.name} is not active (status ${profile.status})`
      )
    }
    if (profile.platformId !== NOTATION_PLATFORM) {
      throw new ServiceError(
        'ValidationException',
        `Signing profile ${profile.name} is for platform ${profile.platformId}; SignPayload signs with ${NOTATION_PLATFORM} profiles only`
      )
    }
    const jobId = randomUUID()
    const jobArn = `arn:aws:signer:${region}:${profile.owner}:/signing-jobs/${jobId}`
    const signedAtMs = Math.floor(Date.now() / 1000) * 1000
    const expiresAt = signatureExpiry(signedAtMs, profile.validity)
    const draft = draftEnvelope({
      chain: this.chain,
      payload: input.payload,
      signedAt: new Date(signedAtMs),
      expiresAt,
      profileVersionArn: profile.profileVersionArn,
      jobArn
    })
    const tampered = faults.envelope ? faults.envelope(draft) : draft
    const job: LocalPayloadJob = {
      jobId,
      jobArn,
      profileName: profile.name,
      profileOwner: profile.owner,
      profileVersion: profile.profileVersion,
      profileVersionArn: profile.profileVersionArn,
      payload: input.payload,
      signedAtMs,
      expiresAt,
      // The API reference: "Information including the signing profile ARN and the signing job
      // ID". Its keys are not documented; these are the rig's.
      metadata: faults.payloadMetadata ?? {
        'com.amazonaws.signer.signingProfileVersion': profile.profileVersionArn,
        'com.amazonaws.signer.signingJob': jobArn
      },
      envelope: Buffer.isBuffer(tampered) ? tampered : await writeEnvelopeConcurrently(tampered)
    }
    this.jobs.push(job)
    return job
  }
}

/** SignPayload's answer: the envelope is a blob, so base64 in JSON. */
export function signPayloadAnswer(job: LocalPayloadJob): object {
  return {
    jobId: job.jobId,
    jobOwner: job.profileOwner,
    metadata: job.metadata,
    signature: job.envelope.toString('base64')
  }
}

/** The envelope AWS would sign for these facts, before it is signed. */
export function draftEnvelope(facts: {
  chain: CertificateChain
  payload: Buffer
  signedAt: Date
  expiresAt: Date
  profileVersionArn: string
  jobArn: string
}): EnvelopeDraft {
  return {
    protectedHeader: protectedHeader(facts),
    payload: facts.payload,
    certificates: [...facts.chain.certificates],
    signingKey: facts.chain.signingKey
  }
}

/**
 * The protected header AWS writes (as notation inspect shows AWS's signatures): ES384, the payload
 * type, the signing-authority scheme with its authentic signing time, the expiry the profile
 * sets, the verification plugin, and the profile version and job ARNs, all but alg and cty
 * critical. The order of the members is the rig's.
 */
function protectedHeader(signature: {
  signedAt: Date
  expiresAt: Date
  profileVersionArn: string
  jobArn: string
}): Record<string, unknown> {
  const extended = {
    'io.cncf.notary.signingScheme': 'notary.x509.signingAuthority',
    'io.cncf.notary.authenticSigningTime': rfc3339(signature.signedAt),
    'io.cncf.notary.expiry': rfc3339(signature.expiresAt),
    'io.cncf.notary.verificationPlugin': VERIFICATION_PLUGIN,
    'com.amazonaws.signer.signingProfileVersion': signature.profileVersionArn,
    'com.amazonaws.signer.signingJob': signature.jobArn
  }
  return {
    alg: 'ES384',
    cty: NOTARY_PAYLOAD_FORMAT,
    crit: Object.keys(extended),
    ...extended
  }
}

function rfc3339(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, 'Z')
}
