import { createHash, type KeyObject, type X509Certificate } from 'node:crypto'
import { elsewhereThan, partitionOf } from '../aws/signer-arns.js'
import { isRealDateTime } from '../calendar-date.js'
import { ActionError } from '../errors.js'
import {
  describeKey,
  isJwsAlgorithm,
  jwsSignatureVerifies,
  jwsSignatureVerifiesConcurrently,
  keyFits,
  requiredKey,
  type JwsAlgorithm
} from './jws-algorithm.js'
import { parsedCertificate } from './parsed-certificates.js'
import { PAYLOAD_FORMAT, readPayload, targetDifferences, type TargetArtifact } from './payload.js'
import { quoted, quotedName } from './untrusted.js'

/**
 * The signature envelope SignPayload returns: a flattened JWS (Notary Project
 * signature-envelope-jws.md) that AWS signs with ES384 under the signing-authority scheme. Every
 * part of it is checked before anything is pushed. The steps are separate functions so that the
 * verify mode reuses them: `parseEnvelope` takes it apart, `verifyEnvelopeSignature` checks the
 * signature against the first certificate, `readNotaryAttributes` checks the protected headers the
 * Notary Project defines (either signing scheme) and `readAwsSignerAttributes` AWS's;
 * `checkUnderstood` and `checkVerificationPlugin` refuse what this action cannot verify;
 * `checkEnvelope` runs them as signing needs them, against what was sent. Chain trust (pinned
 * root, issuers, revocation) is verify-signature.ts's.
 */

/** Protected header names: the JWS registered ones, the Notary Project's and AWS Signer's. */
export const Header = {
  alg: 'alg',
  cty: 'cty',
  crit: 'crit',
  signingScheme: 'io.cncf.notary.signingScheme',
  signingTime: 'io.cncf.notary.signingTime',
  authenticSigningTime: 'io.cncf.notary.authenticSigningTime',
  expiry: 'io.cncf.notary.expiry',
  verificationPlugin: 'io.cncf.notary.verificationPlugin',
  signingProfileVersion: 'com.amazonaws.signer.signingProfileVersion',
  signingJob: 'com.amazonaws.signer.signingJob'
} as const

/** The algorithm of AWS Signer's Notation platform (Notation-OCI-SHA384-ECDSA). */
export const SIGNATURE_ALGORITHM = 'ES384'
/** The scheme under which AWS vouches for the signing time (`authenticSigningTime`). */
export const SIGNING_AUTHORITY = 'notary.x509.signingAuthority'
/** The scheme under which the signer states the time itself (`signingTime`), which is not trusted. */
export const NOTARY_X509 = 'notary.x509'
export type SigningScheme = typeof SIGNING_AUTHORITY | typeof NOTARY_X509

/** AWS's envelope is a few kilobytes (four certificates); anything near this is not one. */
export const MAX_ENVELOPE_BYTES = 64 * 1024
const MAX_CERTIFICATES = 10
// JWS registered headers, which `crit` must not name (RFC 7515 4.1.11).
const REGISTERED = new Set<string>([
  Header.alg,
  Header.cty,
  Header.crit,
  'typ',
  'x5c',
  'kid',
  'jku',
  'jwk',
  'x5u',
  'x5t',
  'x5t#S256'
])

/**
 * Which check refused the envelope: stable names for callers and tests. The last group only
 * verification makes (verify-signature.ts).
 */
export type EnvelopeCheck =
  | 'size'
  | 'json'
  | 'base64url'
  | 'x5c'
  | 'alg'
  | 'signature'
  | 'cty'
  | 'signingScheme'
  | 'authenticSigningTime'
  | 'signingTime'
  | 'expiry'
  | 'crit'
  | 'signingProfileVersion'
  | 'signingJob'
  | 'verificationPlugin'
  | 'payload'
  | 'certificate'
  | 'chain'
  | 'trustedRoot'
  | 'validity'
  | 'expired'
  | 'trustedProfile'

/** An envelope that failed a check; the message names the check and what differed. */
export class EnvelopeError extends ActionError {
  constructor(
    readonly check: EnvelopeCheck,
    /** What differed, every untrusted value in it escaped. */
    readonly detail: string
  ) {
    super(`The signature envelope failed its '${check}' check: ${detail}`)
  }
}

/** A flattened JWS taken apart. Nothing in it is verified yet. */
export interface JwsEnvelope {
  /** `protected` and `payload` as sent: the signature covers `protected + '.' + payload`. */
  readonly encodedProtected: string
  readonly encodedPayload: string
  readonly protectedHeader: Readonly<Record<string, unknown>>
  readonly payload: Buffer
  readonly signature: Buffer
  /** `header.x5c` as DER, the signing certificate first. */
  readonly certificates: readonly Buffer[]
}

/**
 * Takes an envelope apart: UTF-8 JSON with exactly `payload`, `protected`, `header` and
 * `signature`; base64url without padding (canonical); `header.x5c` a list of base64 DER
 * certificates that parse; a protected header that is a JSON object.
 */
export function parseEnvelope(bytes: Uint8Array): JwsEnvelope {
  if (bytes.length > MAX_ENVELOPE_BYTES) {
    throw new EnvelopeError('size', `${bytes.length} bytes, more than ${MAX_ENVELOPE_BYTES}`)
  }
  const jws = parseJsonObject(bytes, 'the envelope')
  const members = Object.keys(jws)
  const unexpected = members.filter(
    name => !['payload', 'protected', 'header', 'signature'].includes(name)
  )
  if (unexpected.length > 0) {
    throw new EnvelopeError(
      'json',
      `members a flattened JWS does not have: ${unexpected.map(quoted).join(', ')}`
    )
  }
  const encodedProtected = base64UrlText(jws.protected, 'protected')
  const encodedPayload = base64UrlText(jws.payload, 'payload')
  const signature = Buffer.from(base64UrlText(jws.signature, 'signature'), 'base64url')
  return {
    encodedProtected,
    encodedPayload,
    protectedHeader: parseJsonObject(
      Buffer.from(encodedProtected, 'base64url'),
      'the protected header'
    ),
    payload: Buffer.from(encodedPayload, 'base64url'),
    signature,
    certificates: readCertificates(jws.header)
  }
}

/**
 * Checks that `alg` is one of `allowed` (AWS's ES384 unless told otherwise), that the first
 * certificate's key is the one that selects it (the spec ties `alg` to the signing key), and that
 * the signature verifies over `protected.payload` with that key. Returns the algorithm.
 */
export function verifyEnvelopeSignature(
  envelope: JwsEnvelope,
  allowed: readonly JwsAlgorithm[] = [SIGNATURE_ALGORITHM]
): JwsAlgorithm {
  const signed = signingKeyOf(envelope, allowed)
  const { alg, key, signingInput } = signed
  if (!jwsSignatureVerifies(alg, key, signingInput, envelope.signature)) throw badSignature(signed)
  return alg
}

/**
 * verifyEnvelopeSignature with the signature verified on libuv's thread pool: the event loop
 * goes on with the other images of the step meanwhile (an ES384 verify is about a millisecond).
 */
export async function verifyEnvelopeSignatureConcurrently(
  envelope: JwsEnvelope,
  allowed: readonly JwsAlgorithm[] = [SIGNATURE_ALGORITHM]
): Promise<JwsAlgorithm> {
  const signed = signingKeyOf(envelope, allowed)
  const { alg, key, signingInput } = signed
  if (!(await jwsSignatureVerifiesConcurrently(alg, key, signingInput, envelope.signature))) {
    throw badSignature(signed)
  }
  return alg
}

interface SigningKey {
  alg: JwsAlgorithm
  key: KeyObject
  certificate: X509Certificate
  /** `protected.payload`, which the signature covers. */
  signingInput: Buffer
}

/** The algorithm and the first certificate's key, once they are checked to belong together. */
function signingKeyOf(envelope: JwsEnvelope, allowed: readonly JwsAlgorithm[]): SigningKey {
  const alg = envelope.protectedHeader[Header.alg]
  if (!isJwsAlgorithm(alg) || !allowed.includes(alg)) {
    const expected = allowed.map(name => `'${name}'`).join(', ')
    throw new EnvelopeError(
      'alg',
      `alg is ${quoted(alg)}, expected ${allowed.length === 1 ? expected : `one of ${expected}`}`
    )
  }
  const [first] = envelope.certificates
  if (!first) throw new EnvelopeError('x5c', 'header.x5c holds no certificate')
  const { x509: certificate, publicKey: key } = parsedCertificate(first)
  if (!keyFits(alg, key)) {
    throw new EnvelopeError(
      'alg',
      `${alg} needs ${requiredKey(alg)}, but the first certificate (${quotedName(certificate.subject)}) has ${describeKey(key)}`
    )
  }
  const signingInput = Buffer.from(
    `${envelope.encodedProtected}.${envelope.encodedPayload}`,
    'ascii'
  )
  return { alg, key, certificate, signingInput }
}

function badSignature({ alg, certificate }: SigningKey): EnvelopeError {
  return new EnvelopeError(
    'signature',
    `the ${alg} signature does not verify with the key of the first certificate (${quotedName(certificate.subject)})`
  )
}

/** What the Notary Project's protected headers say, once their form has been checked. */
export interface NotaryAttributes {
  signingScheme: SigningScheme
  /**
   * `io.cncf.notary.authenticSigningTime` under the signing-authority scheme, which the signing
   * authority vouches for; under `notary.x509`, `io.cncf.notary.signingTime`, which the signer
   * states itself and the spec does not use in trust decisions.
   */
  signingTime: Date
  /** `io.cncf.notary.expiry`, when there is one (AWS always sends it; the profile sets it). */
  expiry: Date | undefined
  /** `crit`, as listed. */
  critical: readonly string[]
}

/**
 * Checks the protected header as the Notary Project requires it (signature-envelope-jws.md):
 * `cty` the payload type; a known signing scheme with its own time header (`authenticSigningTime`
 * for the signing authority, `signingTime` for `notary.x509`) and not the other's; an RFC 3339
 * `expiry` if any; `crit` naming only headers present (never the registered ones), among them the
 * scheme, the authentic signing time and the expiry. Which other critical headers are understood
 * is the caller's to decide.
 */
export function readNotaryAttributes(
  envelope: JwsEnvelope,
  schemes: readonly SigningScheme[] = [SIGNING_AUTHORITY, NOTARY_X509]
): NotaryAttributes {
  const header = envelope.protectedHeader
  if (header[Header.cty] !== PAYLOAD_FORMAT) {
    throw new EnvelopeError(
      'cty',
      `cty is ${quoted(header[Header.cty])}, expected '${PAYLOAD_FORMAT}'`
    )
  }
  const signingScheme = header[Header.signingScheme]
  if (!schemes.some(scheme => scheme === signingScheme)) {
    throw new EnvelopeError(
      'signingScheme',
      `${Header.signingScheme} is ${quoted(signingScheme)}, expected ${schemes.map(scheme => `'${scheme}'`).join(' or ')}`
    )
  }
  const authentic = signingScheme === SIGNING_AUTHORITY
  const [timeHeader, otherHeader, check] = authentic
    ? ([Header.authenticSigningTime, Header.signingTime, 'authenticSigningTime'] as const)
    : ([Header.signingTime, Header.authenticSigningTime, 'signingTime'] as const)
  if (Object.hasOwn(header, otherHeader)) {
    throw new EnvelopeError(
      'signingScheme',
      `${otherHeader} is present, which the ${signingScheme} scheme does not allow`
    )
  }
  const signingTime = rfc3339Header(header, timeHeader, check)
  if (!signingTime) throw new EnvelopeError(check, `${timeHeader} is missing`)
  const expiry = rfc3339Header(header, Header.expiry, 'expiry')
  const critical = readCritical(header, [
    Header.signingScheme,
    ...(authentic ? [Header.authenticSigningTime] : []),
    ...(expiry ? [Header.expiry] : [])
  ])
  return { signingScheme: signingScheme as SigningScheme, signingTime, expiry, critical }
}

/** AWS Signer's extended attributes, each in AWS's ARN form when present. */
export interface AwsSignerAttributes {
  /** `com.amazonaws.signer.signingProfileVersion` */
  profileVersionArn: string | undefined
  /** `com.amazonaws.signer.signingJob` */
  jobArn: string | undefined
}

export function readAwsSignerAttributes(envelope: JwsEnvelope): AwsSignerAttributes {
  const header = envelope.protectedHeader
  return {
    profileVersionArn: arnHeader(
      header,
      Header.signingProfileVersion,
      PROFILE_VERSION_ARN,
      'signingProfileVersion'
    ),
    jobArn: arnHeader(header, Header.signingJob, JOB_ARN, 'signingJob')
  }
}

/** What the protected header of AWS's envelope says. */
export interface SignedAttributes {
  /** `io.cncf.notary.authenticSigningTime`: when AWS signed. */
  signingTime: Date
  /** `io.cncf.notary.expiry`, which the profile's signature validity sets; AWS always sends it. */
  expiry: Date | undefined
  /** `com.amazonaws.signer.signingProfileVersion` */
  profileVersionArn: string
  /** `com.amazonaws.signer.signingJob` */
  jobArn: string
  /** `crit`, as listed. */
  critical: readonly string[]
}

// arn:<partition>:signer:<region>:<account>:/signing-profiles/<name>/<version> and /signing-jobs/<id>
const PROFILE_VERSION_ARN =
  /^arn:aws[a-z-]*:signer:[a-z0-9-]+:(\d{12}):\/signing-profiles\/([A-Za-z0-9_]{2,64})\/([A-Za-z0-9]{1,64})$/
const JOB_ARN = /^arn:aws[a-z-]*:signer:[a-z0-9-]+:(\d{12}):\/signing-jobs\/([A-Za-z0-9-]{1,128})$/

/**
 * Checks the protected header as AWS writes it: the Notary Project's headers under the
 * signing-authority scheme (`readNotaryAttributes`), and the profile version and job ARNs, both
 * required. Other headers are left to the caller (`verificationPlugin`, and what AWS may add, such
 * as `com.amazonaws.signer.signingProfileAlias`).
 */
export function readSignedAttributes(envelope: JwsEnvelope): SignedAttributes {
  const { signingTime, expiry, critical } = readNotaryAttributes(envelope, [SIGNING_AUTHORITY])
  const { profileVersionArn, jobArn } = readAwsSignerAttributes(envelope)
  if (profileVersionArn === undefined) {
    throw new EnvelopeError('signingProfileVersion', `${Header.signingProfileVersion} is missing`)
  }
  if (jobArn === undefined) throw new EnvelopeError('signingJob', `${Header.signingJob} is missing`)
  return { signingTime, expiry, profileVersionArn, jobArn, critical }
}

/** The verification plugin AWS's envelopes name; this action makes that plugin's checks. */
export const AWS_VERIFICATION_PLUGIN = 'com.amazonaws.signer.notation.plugin'

/**
 * Critical headers this action understands and applies (RFC 7515 `crit`): the Notary Project's
 * own, the verification plugin (AWS's only, checkVerificationPlugin) and AWS's profile version
 * (trusted profiles) and job (read for revocation). Anything else marked critical fails the
 * 'crit' check, among them `io.cncf.notary.verificationPluginMinVersion`: no plugin version is
 * involved here.
 */
const UNDERSTOOD_CRITICAL: ReadonlySet<string> = new Set([
  Header.signingScheme,
  Header.signingTime,
  Header.authenticSigningTime,
  Header.expiry,
  Header.verificationPlugin,
  Header.signingProfileVersion,
  Header.signingJob
])

/** Verification refuses a header marked critical that it does not apply; so signing does too. */
export function checkUnderstood(critical: readonly string[]): void {
  const unknown = critical.filter(name => !UNDERSTOOD_CRITICAL.has(name))
  if (unknown.length > 0) {
    throw new EnvelopeError(
      'crit',
      `crit names headers this action does not understand: ${unknown.map(name => quoted(name)).join(', ')}`
    )
  }
}

/** A signer that names another verification plugin asks for checks this action cannot make. */
export function checkVerificationPlugin(plugin: unknown): void {
  if (plugin !== undefined && plugin !== AWS_VERIFICATION_PLUGIN) {
    throw new EnvelopeError(
      'verificationPlugin',
      `${Header.verificationPlugin} is ${quoted(plugin)}; this action verifies as '${AWS_VERIFICATION_PLUGIN}' only`
    )
  }
}

/** What SignPayload was asked and answered, which the envelope must match. */
export interface SentPayload {
  /** The descriptor the payload named. */
  target: TargetArtifact
  profileName: string
  /** The profile's account, when it was named (a profile shared by another account). */
  profileOwner?: string
  /** The step's Region: both ARNs must name it and its partition. */
  region: string
  /** SignPayload's `jobId`. */
  jobId: string
  /** SignPayload's `jobOwner`: the job ARN's account, and the profile's unless profileOwner is named. */
  jobOwner: string
}

/** An envelope that passed every check: what the signature manifest and the outputs need. */
export interface CheckedEnvelope extends SignedAttributes {
  /** `header.x5c` as DER, signing certificate first: for a later chain check. */
  certificates: readonly Buffer[]
  /** Lowercase hex SHA-256 of each certificate's DER, in chain order. */
  thumbprints: readonly string[]
}

/**
 * Every check, in order: the envelope's form, its ES384 signature, its protected header (with
 * only critical headers and a verification plugin that verification accepts, and an expiry after
 * the signing time and `now`), that its payload names the descriptor that was sent (field by
 * field: AWS may re-encode the JSON), and that its ARNs name the profile that was asked for and
 * the job SignPayload answered, in the step's partition, Region and accounts.
 */
export async function checkEnvelope(
  bytes: Uint8Array,
  sent: SentPayload,
  now: Date = new Date()
): Promise<CheckedEnvelope> {
  const envelope = parseEnvelope(bytes)
  await verifyEnvelopeSignatureConcurrently(envelope)
  const attributes = readSignedAttributes(envelope)
  checkUnderstood(attributes.critical)
  checkVerificationPlugin(envelope.protectedHeader[Header.verificationPlugin])
  checkExpiry(attributes, now)
  checkPayload(envelope.payload, sent.target)
  checkIdentity(attributes, sent)
  return {
    ...attributes,
    certificates: envelope.certificates,
    thumbprints: envelope.certificates.map(sha256Hex)
  }
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

function checkPayload(payload: Buffer, sent: TargetArtifact): void {
  let signed: TargetArtifact
  try {
    signed = readPayload(payload)
  } catch (error) {
    throw new EnvelopeError('payload', (error as Error).message)
  }
  const differences = targetDifferences(signed, sent)
  if (differences.length > 0) {
    throw new EnvelopeError('payload', `it signs another descriptor: ${differences.join(', ')}`)
  }
}

/** An expiry that verification would refuse as soon as it reads it. */
function checkExpiry({ expiry, signingTime }: SignedAttributes, now: Date): void {
  if (!expiry) return
  if (expiry <= signingTime) {
    throw new EnvelopeError(
      'expiry',
      `${Header.expiry} is ${expiry.toISOString()}, not after the signing time ${signingTime.toISOString()}`
    )
  }
  if (expiry <= now) {
    throw new EnvelopeError(
      'expiry',
      `${Header.expiry} is ${expiry.toISOString()}, already past: it is now ${now.toISOString()}`
    )
  }
}

/**
 * The ARNs are the envelope's claims, and they become the `profile-version-arn` output and the
 * trust policy: the profile asked for, the job answered, the step's partition and Region, and the
 * accounts SignPayload named (a job belongs to its profile's account).
 */
function checkIdentity(attributes: SignedAttributes, sent: SentPayload): void {
  const [, jobAccount, jobId] = JOB_ARN.exec(attributes.jobArn) ?? []
  if (jobId !== sent.jobId) {
    throw new EnvelopeError(
      'signingJob',
      `${Header.signingJob} names job ${quoted(jobId)}, but SignPayload answered job ${quoted(sent.jobId)}`
    )
  }
  checkPlace('signingJob', attributes.jobArn, sent.region)
  if (jobAccount !== sent.jobOwner) {
    throw new EnvelopeError(
      'signingJob',
      `${Header.signingJob} names a job of account ${quoted(jobAccount)}, but SignPayload answered jobOwner ${quoted(sent.jobOwner)}`
    )
  }
  const [, owner, profileName] = PROFILE_VERSION_ARN.exec(attributes.profileVersionArn) ?? []
  if (profileName !== sent.profileName) {
    throw new EnvelopeError(
      'signingProfileVersion',
      `${Header.signingProfileVersion} names profile ${quoted(profileName)}, not ${quoted(sent.profileName)}`
    )
  }
  checkPlace('signingProfileVersion', attributes.profileVersionArn, sent.region)
  const [expectedOwner, whose] =
    sent.profileOwner === undefined
      ? [sent.jobOwner, "SignPayload's jobOwner"]
      : [sent.profileOwner, 'the profile owner']
  if (owner !== expectedOwner) {
    throw new EnvelopeError(
      'signingProfileVersion',
      `${Header.signingProfileVersion} names a profile of account ${quoted(owner)}, not ${quoted(expectedOwner)} (${whose})`
    )
  }
}

function checkPlace(
  check: 'signingProfileVersion' | 'signingJob',
  arn: string,
  stepRegion: string
): void {
  const there = elsewhereThan(arn, stepRegion)
  if (there !== undefined) {
    throw new EnvelopeError(
      check,
      `${Header[check]} names ${there}, but the step signs in ${stepRegion} (partition ${partitionOf(stepRegion)})`
    )
  }
}

function readCritical(header: Readonly<Record<string, unknown>>, required: string[]): string[] {
  const crit = header[Header.crit]
  if (!Array.isArray(crit) || crit.length === 0 || !crit.every(name => typeof name === 'string')) {
    throw new EnvelopeError('crit', `crit is ${quoted(crit)}, expected a list of header names`)
  }
  const names = crit as string[]
  const repeated = names.filter((name, index) => names.indexOf(name) !== index)
  if (repeated.length > 0) {
    throw new EnvelopeError('crit', `crit names ${repeated.map(quoted).join(', ')} more than once`)
  }
  const registered = names.filter(name => REGISTERED.has(name))
  if (registered.length > 0) {
    throw new EnvelopeError(
      'crit',
      `crit names registered headers ${registered.map(quoted).join(', ')}`
    )
  }
  const absent = names.filter(name => !Object.hasOwn(header, name))
  if (absent.length > 0) {
    throw new EnvelopeError(
      'crit',
      `crit names headers that are absent: ${absent.map(quoted).join(', ')}`
    )
  }
  const unmarked = required.filter(name => !names.includes(name))
  if (unmarked.length > 0) {
    throw new EnvelopeError('crit', `crit does not name ${unmarked.map(quoted).join(', ')}`)
  }
  return names
}

// RFC 3339 date-time (section 5.6); the spec advises against fractions but does not forbid them.
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/

function rfc3339Header(
  header: Readonly<Record<string, unknown>>,
  name: string,
  check: EnvelopeCheck
): Date | undefined {
  if (!Object.hasOwn(header, name)) return undefined
  const value = header[name]
  const time =
    typeof value === 'string' && RFC3339.test(value) && isRealDateTime(value)
      ? Date.parse(value)
      : NaN
  if (Number.isNaN(time)) {
    throw new EnvelopeError(check, `${name} is ${quoted(value)}, not an RFC 3339 date-time`)
  }
  return new Date(time)
}

/** The header's value if it is an ARN of that form, undefined if the header is absent. */
function arnHeader(
  header: Readonly<Record<string, unknown>>,
  name: string,
  form: RegExp,
  check: EnvelopeCheck
): string | undefined {
  if (!Object.hasOwn(header, name)) return undefined
  const value = header[name]
  if (typeof value !== 'string' || !form.test(value)) {
    throw new EnvelopeError(
      check,
      `${name} is ${quoted(value)}, not an AWS Signer ARN of that kind`
    )
  }
  return value
}

function parseJsonObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw new EnvelopeError('json', `${what} is not UTF-8 JSON`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new EnvelopeError('json', `${what} is not a JSON object`)
  }
  return parsed as Record<string, unknown>
}

const BASE64URL = /^[A-Za-z0-9_-]+$/

/** The member's text if it is canonical unpadded base64url (RFC 7515 section 2). */
function base64UrlText(value: unknown, member: string): string {
  const canonical =
    typeof value === 'string' &&
    BASE64URL.test(value) &&
    Buffer.from(value, 'base64url').toString('base64url') === value
  if (!canonical) {
    throw new EnvelopeError('base64url', `${member} is not unpadded base64url: ${quoted(value)}`)
  }
  return value
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** `header.x5c`: base64 (not base64url) DER certificates, each one parsed (RFC 7515 4.1.6). */
function readCertificates(header: unknown): Buffer[] {
  const x5c =
    typeof header === 'object' && header !== null && !Array.isArray(header)
      ? (header as Record<string, unknown>).x5c
      : undefined
  if (!Array.isArray(x5c) || x5c.length === 0) {
    throw new EnvelopeError('x5c', 'header.x5c is not a list of certificates')
  }
  if (x5c.length > MAX_CERTIFICATES) {
    throw new EnvelopeError(
      'x5c',
      `header.x5c holds ${x5c.length} certificates, more than ${MAX_CERTIFICATES}`
    )
  }
  return x5c.map((entry: unknown, index) => {
    const canonical =
      typeof entry === 'string' &&
      entry !== '' &&
      BASE64.test(entry) &&
      Buffer.from(entry, 'base64').toString('base64') === entry
    if (!canonical) throw new EnvelopeError('x5c', `certificate ${index} is not base64`)
    const der = Buffer.from(entry, 'base64')
    try {
      parsedCertificate(der)
    } catch {
      throw new EnvelopeError('x5c', `certificate ${index} is not a DER X.509 certificate`)
    }
    return der
  })
}
