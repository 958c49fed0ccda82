import { ActionError } from '../errors.js'
import {
  checkCertificateRequirements,
  checkIssuance,
  checkPinnedRoot,
  checkValidity,
  readChain,
  revocationCertificateHashes
} from './check-certificate-chain.js'
import {
  checkUnderstood,
  checkVerificationPlugin,
  EnvelopeError,
  Header,
  parseEnvelope,
  readAwsSignerAttributes,
  readNotaryAttributes,
  sha256Hex,
  SIGNING_AUTHORITY,
  verifyEnvelopeSignature,
  type EnvelopeCheck,
  type SigningScheme
} from './envelope.js'
import { JWS_ALGORITHMS, type JwsAlgorithm } from './jws-algorithm.js'
import {
  readSignedPayload,
  targetDifferences,
  targetProblem,
  type TargetArtifact
} from './payload.js'
import { trustedProfileProblem, trustingEntry } from './trusted-profiles.js'
import { quoted } from './untrusted.js'

/**
 * Verifies one Notary Project signature envelope (flattened JWS) as the Notary Project's trust
 * policy and AWS's Notation plugin would, without notation: a pure function of the envelope, the
 * image it should sign, the pinned roots, the trusted profiles and the time. Revocation
 * (GetRevocationStatus) is the caller's; the verdict carries what that call needs.
 */

/**
 * AWS Signer Code Signing Root CA G1, the root of every chain Signer's Notation platform signs
 * with: the SHA-256 of its DER (shared/NOTES.md; notation prints it for AWS's signatures).
 */
export const AWS_SIGNER_ROOT_SHA256 =
  '90a87d0543c3f094dbff9589b6649affe2f3d6e0f308799be2258461c686473f'

export interface VerifyOptions {
  /** The descriptor of the image manifest the signature should sign. */
  subject: TargetArtifact
  /** Pinned roots: lowercase hex SHA-256 of each root certificate's DER. */
  trustedRootSha256: readonly string[]
  /**
   * Signing-profile ARNs (every version) and profile-version ARNs (that version). 'skip' leaves
   * the profile unchecked, for envelopes no AWS profile signed (the Notary Project's test vectors).
   */
  trustedProfiles: readonly string[] | 'skip'
  /** The time of verification: expiry, and certificate validity under `notary.x509`. */
  now: Date
  /**
   * The signing schemes accepted; default the signing authority's only, the one AWS's plugin
   * accepts: under `notary.x509` the signing time is the signer's own claim, so a backdated
   * signature would escape a profile version's revocation. The Notary Project's test vectors
   * also take `notary.x509`.
   */
  signingSchemes?: readonly SigningScheme[]
}

/** What a signature says, read as verification went. */
export interface SignatureReading {
  /** Lowercase hex SHA-256 of each certificate's DER, signing certificate first. */
  thumbprints: string[]
  /** GetRevocationStatus's `certificateHashes` (revocationCertificateHashes). */
  certificateHashes: string[]
  signingScheme: SigningScheme
  /**
   * GetRevocationStatus's `signatureTimestamp` under the signing-authority scheme
   * (`authenticSigningTime`); under `notary.x509` the signer's own claim (`signingTime`).
   */
  signingTime: Date
  expiry: Date | undefined
  algorithm: JwsAlgorithm
  /** `com.amazonaws.signer.signingProfileVersion`; absent from envelopes AWS did not sign. */
  profileVersionArn: string | undefined
  /** `com.amazonaws.signer.signingJob`; absent from envelopes AWS did not sign. */
  jobArn: string | undefined
  /** The trusted-profiles entry that trusted the profile, unless the check was skipped. */
  trustedBy: string | undefined
  /** The descriptor the payload signs. */
  target: TargetArtifact
  /**
   * The signature verified with a valid chain to a pinned root: what the envelope says is the
   * signer's word. Until then its ARNs and times are only claims, for messages.
   */
  authentic: boolean
}

export type SignatureVerdict =
  | { verdict: 'valid'; read: SignatureReading }
  | {
      verdict: 'invalid'
      /** The check that failed. */
      check: EnvelopeCheck
      /** What failed, every value from the envelope escaped (safe to log and to show). */
      reason: string
      /** What was read before the check failed. */
      read: Partial<SignatureReading>
    }

/**
 * Every check, in order, each with its own name: the envelope's form ('size', 'json', 'base64url',
 * 'x5c'); the protected header's ('cty', 'signingScheme', 'authenticSigningTime' or
 * 'signingTime', 'expiry', 'crit' — only understood critical headers, checked before the
 * signature as RFC 7515 section 5.2 orders it), 'verificationPlugin' (none, or AWS's), AWS's ARNs
 * when present ('signingProfileVersion', 'signingJob'); 'alg' and 'signature' with the first
 * certificate; the chain: 'chain' (each issued and signed by the next, ending at a self-signed
 * root), 'certificate' (the Notary Project's requirements), 'trustedRoot' (pinned), 'validity'
 * (every certificate valid at the authentic signing time, or now under `notary.x509`, whose
 * signing time is only the signer's claim); 'payload' (it signs the subject); 'expired' (the
 * expiry has passed); 'trustedProfile'.
 *
 * Never throws for what the envelope holds; throws an ActionError when the options are not usable.
 */
export function verifySignature(bytes: Uint8Array, options: VerifyOptions): SignatureVerdict {
  checkOptions(options)
  const read: Partial<SignatureReading> = {}
  try {
    const envelope = parseEnvelope(bytes)
    const chain = readChain(envelope.certificates)
    read.thumbprints = envelope.certificates.map(sha256Hex)
    read.certificateHashes = revocationCertificateHashes(chain)
    const attributes = readNotaryAttributes(envelope, options.signingSchemes ?? [SIGNING_AUTHORITY])
    read.signingScheme = attributes.signingScheme
    read.signingTime = attributes.signingTime
    read.expiry = attributes.expiry
    checkUnderstood(attributes.critical)
    checkVerificationPlugin(envelope.protectedHeader[Header.verificationPlugin])
    const aws = readAwsSignerAttributes(envelope)
    read.profileVersionArn = aws.profileVersionArn
    read.jobArn = aws.jobArn
    const algorithm = verifyEnvelopeSignature(envelope, JWS_ALGORITHMS)
    read.algorithm = algorithm
    checkIssuance(chain)
    checkCertificateRequirements(chain)
    checkPinnedRoot(chain, options.trustedRootSha256)
    if (attributes.signingScheme === SIGNING_AUTHORITY) {
      checkValidity(chain, attributes.signingTime, 'the authentic signing time')
    } else {
      checkValidity(chain, options.now, 'now: under notary.x509 the signing time is not trusted')
    }
    read.authentic = true
    const target = checkSubject(envelope.payload, options.subject)
    read.target = target
    checkNotExpired(attributes.expiry, options.now)
    const trustedBy = checkProfile(aws.profileVersionArn, options.trustedProfiles)
    read.trustedBy = trustedBy
    return {
      verdict: 'valid',
      read: {
        thumbprints: read.thumbprints,
        certificateHashes: read.certificateHashes,
        signingScheme: attributes.signingScheme,
        signingTime: attributes.signingTime,
        expiry: attributes.expiry,
        algorithm,
        profileVersionArn: aws.profileVersionArn,
        jobArn: aws.jobArn,
        trustedBy,
        target,
        authentic: true
      }
    }
  } catch (error) {
    if (!(error instanceof EnvelopeError)) throw error
    return { verdict: 'invalid', check: error.check, reason: error.detail, read }
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/

/** Options the caller built wrongly are its error, not the signature's verdict. */
function checkOptions(options: VerifyOptions): void {
  const subjectProblem = targetProblem(options.subject)
  if (subjectProblem) throw new ActionError(`Cannot verify against this subject: ${subjectProblem}`)
  if (options.trustedRootSha256.length === 0) {
    throw new ActionError('Cannot verify without a trusted root: trustedRootSha256 is empty.')
  }
  const badRoot = options.trustedRootSha256.find(root => !SHA256_HEX.test(root))
  if (badRoot !== undefined) {
    throw new ActionError(
      `Trusted root ${quoted(badRoot)} is not a SHA-256 fingerprint (64 lowercase hex digits).`
    )
  }
  if (options.trustedProfiles !== 'skip') {
    if (options.trustedProfiles.length === 0) {
      throw new ActionError("No trusted profiles: name at least one, or 'skip' the profile check.")
    }
    for (const entry of options.trustedProfiles) {
      const problem = trustedProfileProblem(entry)
      if (problem) throw new ActionError(`Trusted profile: ${problem}`)
    }
  }
  if (Number.isNaN(options.now.getTime()))
    throw new ActionError('The time of verification is not a date.')
}

function checkSubject(payload: Buffer, subject: TargetArtifact): TargetArtifact {
  let signed: TargetArtifact
  try {
    signed = readSignedPayload(payload)
  } catch (error) {
    throw new EnvelopeError('payload', (error as Error).message)
  }
  const differences = targetDifferences(signed, subject, 'the image has')
  if (differences.length > 0) {
    throw new EnvelopeError('payload', `it signs another descriptor: ${differences.join(', ')}`)
  }
  return signed
}

function checkNotExpired(expiry: Date | undefined, now: Date): void {
  if (expiry && now >= expiry) {
    throw new EnvelopeError(
      'expired',
      `the signature expired at ${expiry.toISOString()} (${Header.expiry}); it is now ${now.toISOString()}`
    )
  }
}

function checkProfile(
  profileVersionArn: string | undefined,
  trustedProfiles: readonly string[] | 'skip'
): string | undefined {
  if (trustedProfiles === 'skip') return undefined
  if (profileVersionArn === undefined) {
    throw new EnvelopeError(
      'trustedProfile',
      `the envelope has no ${Header.signingProfileVersion}, so no trusted profile signed it`
    )
  }
  const entry = trustingEntry(profileVersionArn, trustedProfiles)
  if (entry === undefined) {
    throw new EnvelopeError(
      'trustedProfile',
      `signing profile version ${quoted(profileVersionArn)} is not among the trusted profiles (${trustedProfiles.join(', ')})`
    )
  }
  return entry
}
