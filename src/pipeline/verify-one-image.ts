import type { SignerClient } from '@aws-sdk/client-signer'
import { revokedEntities } from '../aws/revocation-status.js'
import { elsewhereThan, partitionOf, signerArnPlace } from '../aws/signer-arns.js'
import { errorMessage } from '../errors.js'
import type { EnvelopeCheck } from '../notary/envelope.js'
import { MAX_ENVELOPE_BYTES } from '../notary/envelope.js'
import { NOTATION_PLATFORM } from '../notary/payload.js'
import {
  MAX_SIGNATURE_MANIFEST_BYTES,
  readSignatureManifest
} from '../notary/signature-manifest.js'
import { quoted } from '../notary/untrusted.js'
import { verifySignature, type SignatureReading } from '../notary/verify-signature.js'
import type { Descriptor } from '../registry/descriptor.js'
import {
  findSignatures,
  type FoundSignatures,
  type ListedSignature
} from '../registry/find-signatures.js'
import {
  displayReference,
  shownReference,
  type ImageReference
} from '../registry/image-reference.js'
import type { RegistryClient } from '../registry/registry-client.js'
import type { RegistryClients } from '../registry/registry-clients.js'
import { resolveImage } from '../registry/resolve-image.js'
import { mapBounded } from './map-bounded.js'

/**
 * Which check a signature failed: the envelope's own (verifySignature), or one around it:
 * 'read' (the signature manifest or its envelope could not be read from the registry),
 * 'signatureManifest' (it is not a Notary signature of this image), 'revoked' (GetRevocationStatus
 * reports its profile version, job or a certificate revoked), 'revocationStatus' (that could not
 * be asked, or not in the Region that signed, so the signature is not taken as valid).
 */
export type SignatureCheck =
  EnvelopeCheck | 'read' | 'signatureManifest' | 'revoked' | 'revocationStatus'

/** One signature found for an image, and its verdict. */
export interface SignatureVerification {
  /** The signature manifest's digest. */
  signatureDigest: string
  /** Where it was listed: the registry's referrers API, or the referrers tag. */
  listedBy: 'api' | 'tag'
  verdict: 'valid' | 'invalid'
  /** The check that failed, for an invalid signature. */
  check?: SignatureCheck
  /** What failed, every value from outside escaped. */
  reason?: string
  /** From the envelope once its signature verified to a pinned root (empty otherwise). */
  jobArn: string
  profileVersionArn: string
  /** `io.cncf.notary.authenticSigningTime` (or `signingTime`), ISO-8601 UTC. */
  signedAt: string
  /** `io.cncf.notary.expiry`, ISO-8601 UTC. */
  expiresAt: string
  /** The trusted-profiles entry that trusted the profile. */
  trustedBy: string
}

/** What the run reports about one image; `results` holds one per image. */
export interface ImageVerification {
  /** The reference as the `image` input gave it. */
  image: string
  /** `registry/repository@sha256:…`: exactly what was verified. */
  verifiedImage: string
  digest: string
  mediaType: string
  /** Verified: at least one signature passed every check. */
  status: 'verified' | 'failed'
  /** Every signature checked, newest first. */
  signatures: SignatureVerification[]
  /** Signatures listed beyond the ones checked (find-signatures.ts MAX_SIGNATURES). */
  leftOut: number
  /**
   * Why the referrers API's listing was not read to its end (a next page on another origin, more
   * than MAX_REFERRERS_PAGES pages), when it was not: a signature may be on a page left unread.
   */
  listingCut?: string
  seconds: number
  /** Why it failed, for the user. */
  error?: string
}

/** What a valid signature is held to. */
export interface ImageTrust {
  /** Lowercase hex SHA-256 of each pinned root certificate's DER. */
  trustedRootSha256: readonly string[]
  /** Profile ARNs (every version) and profile-version ARNs. */
  trustedProfiles: readonly string[]
}

export interface ImageVerifySetup {
  trust: ImageTrust
  /** The step's Signer client, for GetRevocationStatus: paced like every Signer request. */
  signer: SignerClient
  /** The step's Region, where `signer` asks. */
  region: string
  /** Clients that only pull. */
  registries: RegistryClients
  /** For a tag: the advice to deploy by digest. */
  warn: (text: string) => void
  /** The time of verification (expiry); default: the clock's, at each signature. */
  now?: () => Date
}

/** A line of the failure message names at most this many signatures. */
const NAMED_FAILURES = 3

/**
 * An image's signatures checked at once. Each costs two registry reads and a GetRevocationStatus,
 * round trips that need not wait for one another's; a few at a time spare an image with many
 * signatures a round trip each without a burst at the registry or Signer, where the step's images
 * already go max-concurrency at once.
 */
const SIGNATURES_AT_ONCE = 4

/**
 * Verifies one image: resolve → find its Notary signatures → for each, read the manifest and the
 * envelope, verifySignature, then GetRevocationStatus. Verified when at least one signature passes
 * every check. Never throws: the result says why it failed.
 */
export async function verifyImage(
  reference: ImageReference,
  setup: ImageVerifySetup,
  log: (line: string) => void
): Promise<ImageVerification> {
  const started = Date.now()
  const result: ImageVerification = {
    image: reference.text,
    verifiedImage: '',
    digest: '',
    mediaType: '',
    status: 'failed',
    signatures: [],
    leftOut: 0,
    seconds: 0
  }
  try {
    const client = await setup.registries.forImage(reference)
    const image = await resolveImage(client, reference, {
      log,
      tagged: (digest, byDigest) =>
        setup.warn(
          `'${shownReference(reference.text)}' is a tag: verified the manifest it names now, ${digest}. Deploy that digest (${byDigest}), so that what runs is what was verified even if the tag moves.`
        )
    })
    result.verifiedImage = displayReference({ ...reference, tag: undefined }, image.digest)
    result.digest = image.digest
    result.mediaType = image.mediaType
    const found = await findSignatures(client, reference.repository, image)
    result.leftOut = found.leftOut
    result.listingCut = found.listingCut
    log(
      `found ${found.signatures.length} signature${found.signatures.length === 1 ? '' : 's'} in ${found.searched}${found.leftOut ? ` (${found.leftOut} more left unchecked)` : ''}`
    )
    if (found.listingCut) log(`the referrers API's listing was cut: ${found.listingCut}`)
    const verdicts = await mapBounded(found.signatures, SIGNATURES_AT_ONCE, listed =>
      verifyListedSignature(client, reference, image, listed, setup)
    )
    for (const verdict of verdicts) {
      result.signatures.push(verdict)
      log(
        verdict.verdict === 'valid'
          ? `${verdict.signatureDigest}: valid (job ${verdict.jobArn}, trusted by ${verdict.trustedBy})`
          : `${verdict.signatureDigest}: failed '${verdict.check}': ${verdict.reason}`
      )
    }
    if (result.signatures.some(signature => signature.verdict === 'valid')) {
      result.status = 'verified'
    } else {
      result.error = failureMessage(result.signatures, found)
    }
  } catch (error) {
    result.error = errorMessage(error)
  }
  result.seconds = Math.round((Date.now() - started) / 100) / 10
  return result
}

/** One listed signature through read → verifySignature → GetRevocationStatus; never throws. */
async function verifyListedSignature(
  client: RegistryClient,
  reference: ImageReference,
  image: Descriptor,
  { descriptor, listedBy }: ListedSignature,
  setup: ImageVerifySetup
): Promise<SignatureVerification> {
  const verification: SignatureVerification = {
    signatureDigest: descriptor.digest,
    listedBy,
    verdict: 'invalid',
    jobArn: '',
    profileVersionArn: '',
    signedAt: '',
    expiresAt: '',
    trustedBy: ''
  }
  const fail = (check: SignatureCheck, reason: string): SignatureVerification => ({
    ...verification,
    check,
    reason
  })

  let envelope: Buffer
  try {
    // No more than the listing said, nor than a signature manifest may be.
    const manifest = await client.getManifest(reference.repository, descriptor.digest, {
      maxBytes: Math.min(descriptor.size, MAX_SIGNATURE_MANIFEST_BYTES)
    })
    const stored = readSignatureManifest(manifest.bytes, image)
    if ('problem' in stored) {
      return fail('signatureManifest', `the signature manifest: ${stored.problem}`)
    }
    envelope = await client.getBlob(reference.repository, stored.envelope, MAX_ENVELOPE_BYTES)
  } catch (error) {
    return fail('read', errorMessage(error))
  }

  const verdict = verifySignature(envelope, {
    subject: image,
    trustedRootSha256: setup.trust.trustedRootSha256,
    trustedProfiles: setup.trust.trustedProfiles,
    now: setup.now?.() ?? new Date()
  })
  Object.assign(verification, readingFields(verdict.read))
  if (verdict.verdict === 'invalid') return fail(verdict.check, verdict.reason)

  const { read } = verdict
  if (read.jobArn === undefined || read.profileVersionArn === undefined) {
    return fail(
      'revocationStatus',
      'the envelope names no AWS Signer job and profile version, so its revocation cannot be asked'
    )
  }
  const elsewhere = askedElsewhere([read.jobArn, read.profileVersionArn], setup.region)
  if (elsewhere) return fail('revocationStatus', elsewhere)
  let revoked: string[]
  try {
    revoked = await revokedEntities(setup.signer, {
      signatureTimestamp: read.signingTime,
      platformId: NOTATION_PLATFORM,
      profileVersionArn: read.profileVersionArn,
      jobArn: read.jobArn,
      certificateHashes: read.certificateHashes
    })
  } catch (error) {
    return fail('revocationStatus', errorMessage(error))
  }
  if (revoked.length > 0) {
    return fail('revoked', `GetRevocationStatus reports revoked: ${revokedNames(revoked, read)}`)
  }
  return { ...verification, verdict: 'valid' }
}

/**
 * Why the step's Region cannot answer for the signature: an ARN of it names another Region or
 * partition, whose revocations the step's Signer may not know. Undefined when all are the step's.
 */
function askedElsewhere(arns: string[], region: string): string | undefined {
  for (const arn of arns) {
    const there = elsewhereThan(arn, region)
    if (there === undefined) continue
    return `${quoted(arn)} names ${there}, and this step asks GetRevocationStatus in ${region} (partition ${partitionOf(region)}), which may not know of revocations made there: verify this image in a step with 'region: ${signerArnPlace(arn)?.region || '<the signing Region>'}'`
  }
  return undefined
}

function readingFields(
  read: Partial<SignatureReading>
): Pick<
  SignatureVerification,
  'jobArn' | 'profileVersionArn' | 'signedAt' | 'expiresAt' | 'trustedBy'
> {
  // An envelope that did not verify to a pinned root claims its ARNs and times: they are not
  // reported as facts (its check's reason quotes what failed).
  const said = read.authentic ? read : {}
  return {
    jobArn: said.jobArn ?? '',
    profileVersionArn: said.profileVersionArn ?? '',
    signedAt: said.signingTime?.toISOString() ?? '',
    expiresAt: said.expiry?.toISOString() ?? '',
    trustedBy: read.trustedBy ?? ''
  }
}

/** Each revoked entity said as what it is: the job, the profile version, or a certificate. */
function revokedNames(entities: string[], read: SignatureReading): string {
  return entities
    .map(entity => {
      if (entity === read.jobArn) return `the signing job ${entity}`
      if (entity === read.profileVersionArn) return `the signing profile version ${entity}`
      const index = read.certificateHashes.findIndex(
        hash => hash.toLowerCase() === entity.toLowerCase()
      )
      return index >= 0
        ? `certificate ${index + 1} of ${read.certificateHashes.length} of the chain`
        : quoted(entity)
    })
    .join(', ')
}

/**
 * Why an image without a valid signature failed: none found, or each one's failed check; and a
 * listing cut short, since a valid signature may be on a page left unread.
 */
function failureMessage(
  signatures: SignatureVerification[],
  { searched, listingCut }: FoundSignatures
): string {
  const cut = listingCut
    ? ` The referrers API's listing was cut, so a signature may be on a page not read: ${listingCut}.`
    : ''
  if (signatures.length === 0) {
    return `no Notary signature was found in ${searched}. Sign the image first (this action with 'image'), or check that the reference names the image that was signed.${cut}`
  }
  const named = signatures
    .slice(0, NAMED_FAILURES)
    .map(
      signature => `${signature.signatureDigest} failed '${signature.check}': ${signature.reason}`
    )
  const more = signatures.length - named.length
  return `none of its ${signatures.length} signature${signatures.length === 1 ? '' : 's'} passed every check: ${named.join('; ')}${more > 0 ? `; and ${more} more (see 'results')` : ''}.${cut}`
}
