import type { SignerClient } from '@aws-sdk/client-signer'
import { signPayload } from '../aws/sign-payload.js'
import { throwIfCancelled } from '../cancellation.js'
import { ActionError, errorMessage } from '../errors.js'
import type { ImageInputs } from '../github/inputs.js'
import { warning } from '../github/log.js'
import { checkEnvelope } from '../notary/envelope.js'
import { notaryPayload, targetProblem } from '../notary/payload.js'
import { EMPTY_BLOB, signatureManifest } from '../notary/signature-manifest.js'
import { MediaType, type Descriptor } from '../registry/descriptor.js'
import {
  displayReference,
  shownReference,
  type ImageReference
} from '../registry/image-reference.js'
import { addReferrer } from '../registry/referrers.js'
import { referrersTag } from '../registry/referrers-index.js'
import { resolveImage } from '../registry/resolve-image.js'
import type { RegistryClient } from '../registry/registry-client.js'
import type { RegistryClients } from '../registry/registry-clients.js'

/** What the run reports about one signed manifest; `results` holds one per manifest. */
export interface ImageResult {
  /** The reference as the `image` input gave it. */
  image: string
  /** The platform (`linux/arm64`) of a manifest that an index lists (sign-platform-manifests). */
  platform: string
  /** `registry/repository@sha256:…`: exactly what was signed. */
  signedImage: string
  digest: string
  mediaType: string
  status: 'signed' | 'failed'
  /** The signature manifest's digest, once it is pushed. */
  signatureDigest: string
  /** SignPayload's job. */
  jobId: string
  /** The envelope's `io.cncf.notary.expiry`, ISO-8601 UTC. */
  signatureExpiresAt: string
  /** From the envelope: the profile version that signed, and the job. */
  profileVersionArn: string
  jobArn: string
  /** How the signature is found from the image: the registry's referrers API, or the tag schema. */
  referrers: 'api' | 'tag' | ''
  seconds: number
  /** Why it failed, for the user. */
  error?: string
}

export interface ImageSigningSetup {
  inputs: Pick<
    ImageInputs,
    'profileName' | 'profileOwner' | 'region' | 'timeoutSeconds' | 'signPlatformManifests'
  >
  /** The step's Signer client: its retries paced by the rate every Signer request shares. */
  signer: SignerClient
  registries: RegistryClients
}

/** A manifest to sign and where it came from. */
interface Target {
  descriptor: Descriptor
  platform: string
}

const PLATFORM_PART = /^[A-Za-z0-9._-]{1,64}$/

/**
 * Signs one image: resolve → SignPayload → check the envelope → push the signature → list it
 * as a referrer. With sign-platform-manifests, an index's platform manifests follow, each
 * signed the same way. Never throws: one result per manifest, a failed one saying why.
 */
export async function signImage(
  reference: ImageReference,
  setup: ImageSigningSetup,
  log: (line: string) => void
): Promise<ImageResult[]> {
  const started = Date.now()
  // The referrers tag is kept until then at most, as a job is waited for at most as long.
  const deadline = started + setup.inputs.timeoutSeconds * 1000
  let client: RegistryClient
  let targets: Target[]
  try {
    client = await setup.registries.forImage(reference)
    const image = await resolveImage(client, reference, {
      log,
      tagged: (digest, byDigest) =>
        warning(
          `'${shownReference(reference.text)}' is a tag: signed the manifest it names now, ${digest}. Sign by digest (${byDigest}), as the build step outputs it, so that what is signed is exactly what was built even if the tag moves.`
        )
    })
    targets = [{ descriptor: image, platform: '' }]
    if (setup.inputs.signPlatformManifests) {
      targets.push(...(await platformManifests(client, reference, image, log)))
    }
  } catch (error) {
    return [
      { ...emptyResult(reference, undefined, ''), error: errorMessage(error), ...since(started) }
    ]
  }
  // An index's platform manifests are signed side by side: each keeps its own referrers tag.
  return Promise.all(
    targets.map(target => signManifest(client, reference, target, setup, { log, deadline }))
  )
}

/**
 * The image manifests an index lists, each with its platform; attestation manifests (platform
 * unknown/unknown, as buildx writes them) and nested indexes are left out, and said so.
 */
async function platformManifests(
  client: RegistryClient,
  reference: ImageReference,
  image: Descriptor,
  log: (line: string) => void
): Promise<Target[]> {
  if (image.mediaType !== MediaType.ociIndex && image.mediaType !== MediaType.dockerManifestList) {
    log('not an image index: no platform manifests to sign')
    return []
  }
  const index = await client.getManifest(reference.repository, image.digest)
  const where = `The index ${displayReference(reference, image.digest)}`
  let manifests: unknown
  try {
    manifests = (JSON.parse(index.bytes.toString('utf8')) as { manifests?: unknown }).manifests
  } catch {
    throw new ActionError(`${where} is not JSON.`)
  }
  if (!Array.isArray(manifests)) throw new ActionError(`${where} has no manifests list.`)
  const targets: Target[] = []
  for (const entry of manifests as Array<Record<string, unknown>>) {
    const { mediaType, digest, size } = (entry ?? {}) as Partial<Descriptor>
    const descriptor = { mediaType, digest, size } as Descriptor
    const problem = targetProblem(descriptor)
    if (problem) throw new ActionError(`${where} lists an entry whose ${problem}.`)
    const platform = platformOf(entry.platform)
    const leftOut = notAPlatformManifest(entry, platform)
    if (leftOut || targets.some(target => target.descriptor.digest === digest)) {
      log(`left out ${digest} (${leftOut ?? 'listed before'})`)
      continue
    }
    targets.push({ descriptor, platform })
  }
  log(
    `the index lists ${targets.length} platform manifest${targets.length === 1 ? '' : 's'} to sign`
  )
  return targets
}

/**
 * Why an index entry is not a platform's image to sign, if it is not: an attestation manifest
 * (platform unknown/unknown, as buildx writes them), an artifact (an SBOM, a signature: it names
 * an artifactType), an entry without a readable platform, or not an image manifest at all.
 */
function notAPlatformManifest(
  entry: Record<string, unknown>,
  platform: string
): string | undefined {
  const annotations = entry.annotations as Record<string, unknown> | undefined
  if (
    platform.startsWith('unknown/') ||
    annotations?.['vnd.docker.reference.type'] === 'attestation-manifest'
  ) {
    return 'an attestation manifest'
  }
  if (entry.artifactType !== undefined) return 'an artifact, not an image'
  if (!platform) return 'no readable platform'
  if (entry.mediaType !== MediaType.ociManifest && entry.mediaType !== MediaType.dockerManifest) {
    return `a ${String(entry.mediaType)}`
  }
  return undefined
}

/** `os/architecture[/variant]` of an index entry, or '' when it names none readable. */
function platformOf(value: unknown): string {
  const { os, architecture, variant } = (value ?? {}) as Record<string, unknown>
  const parts = [os, architecture, ...(variant === undefined ? [] : [variant])]
  return parts.every(part => typeof part === 'string' && PLATFORM_PART.test(part))
    ? parts.join('/')
    : ''
}

/** One manifest through SignPayload → envelope check → push → referrers; never throws. */
async function signManifest(
  client: RegistryClient,
  reference: ImageReference,
  { descriptor, platform }: Target,
  { inputs, signer }: ImageSigningSetup,
  { log, deadline }: { log: (line: string) => void; deadline: number }
): Promise<ImageResult> {
  const started = Date.now()
  const result = emptyResult(reference, descriptor, platform)
  const { repository } = reference
  // Platform manifests are signed side by side: their lines say which is which.
  const say = (line: string) => log(platform ? `${platform} ${descriptor.digest}: ${line}` : line)
  try {
    throwIfCancelled('SignPayload')
    const signed = await signPayload(signer, {
      profileName: inputs.profileName,
      profileOwner: inputs.profileOwner,
      image: result.signedImage,
      payload: notaryPayload(descriptor)
    })
    result.jobId = signed.jobId
    // Nothing is pushed unless the envelope signs exactly this descriptor, for this profile and job.
    const envelope = await checkEnvelope(signed.envelope, {
      target: descriptor,
      profileName: inputs.profileName,
      ...(inputs.profileOwner ? { profileOwner: inputs.profileOwner } : {}),
      region: inputs.region,
      jobId: signed.jobId,
      jobOwner: signed.jobOwner
    })
    result.profileVersionArn = envelope.profileVersionArn
    result.jobArn = envelope.jobArn
    result.signatureExpiresAt = envelope.expiry?.toISOString() ?? ''
    if (!envelope.expiry) {
      warning(
        `The signature of ${result.signedImage} (job ${signed.jobId}) names no expiry: it is left empty in the outputs.`
      )
    }
    say(`signed by job ${signed.jobId} (${envelope.profileVersionArn})`)

    const manifest = signatureManifest({
      subject: descriptor,
      envelope: signed.envelope,
      thumbprints: envelope.thumbprints,
      signingTime: envelope.signingTime,
      metadata: signed.metadata
    })
    throwIfCancelled('pushing the signature')
    await Promise.all([
      client.pushBlob(repository, EMPTY_BLOB, MediaType.ociEmpty),
      // Made just now by SignPayload: no registry has it yet.
      client.pushBlob(repository, signed.envelope, MediaType.joseJson, { fresh: true })
    ])
    const pushed = await client.putManifest(
      repository,
      manifest.descriptor.digest,
      MediaType.ociManifest,
      manifest.bytes
    )
    result.signatureDigest = manifest.descriptor.digest
    say(`pushed the signature ${manifest.descriptor.digest}`)

    // Once cancelled, a referrers tag update stops itself as its rules allow (onCancel).
    result.referrers = await addReferrer(client, repository, descriptor, manifest.descriptor, {
      ociSubject: pushed.ociSubject,
      deadline
    })
    say(
      `${result.referrers === 'api' ? "listed by the registry's referrers API" : `listed in the referrers tag ${referrersTag(descriptor.digest)}`}`
    )
    result.status = 'signed'
  } catch (error) {
    result.error = errorMessage(error)
  }
  return { ...result, ...since(started) }
}

function emptyResult(
  reference: ImageReference,
  descriptor: Descriptor | undefined,
  platform: string
): ImageResult {
  return {
    image: reference.text,
    platform,
    signedImage: descriptor
      ? displayReference({ ...reference, tag: undefined }, descriptor.digest)
      : '',
    digest: descriptor?.digest ?? '',
    mediaType: descriptor?.mediaType ?? '',
    status: 'failed',
    signatureDigest: '',
    jobId: '',
    signatureExpiresAt: '',
    profileVersionArn: '',
    jobArn: '',
    referrers: '',
    seconds: 0
  }
}

function since(started: number): { seconds: number } {
  return { seconds: Math.round((Date.now() - started) / 100) / 10 }
}
