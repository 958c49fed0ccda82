import { createHash } from 'node:crypto'
import { ActionError } from '../errors.js'
import { MediaType, type Descriptor } from '../registry/descriptor.js'
import { hasControlCharacter, hasInvisibleCharacter } from '../safe-text.js'
import { MAX_ENVELOPE_BYTES } from './envelope.js'
import { goJson } from './go-json.js'
import { targetDifferences, targetProblem, type TargetArtifact } from './payload.js'
import { quoted } from './untrusted.js'

/**
 * The signature manifest that stores a Notary signature in a registry (Notary Project
 * signature-specification.md, "OCI Signatures"), as notation writes it through oras-go: an OCI
 * image manifest with `artifactType` application/vnd.cncf.notary.signature, the empty config, the
 * envelope as its one layer, the image as `subject`, and annotations. Same input, same bytes.
 * `readSignatureManifest` reads one back, whoever wrote it, to find the envelope it stores.
 */

/** The empty JSON blob `{}` (OCI image-spec, "Guidance for an empty descriptor"). */
export const EMPTY_BLOB: Buffer = Buffer.from('{}')
export const EMPTY_DESCRIPTOR: Descriptor = {
  mediaType: MediaType.ociEmpty,
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2
}

export const Annotation = {
  /** JSON array (as a string) of the chain's SHA-256 thumbprints, lowercase hex, leaf first. */
  thumbprints: 'io.cncf.notary.x509chain.thumbprint#S256',
  /** The signing time, RFC 3339 in UTC, whole seconds. */
  created: 'org.opencontainers.image.created'
} as const

// Annotations from SignPayload's metadata: bounded, printable, and never one the manifest sets.
const MAX_METADATA_ENTRIES = 32
const MAX_KEY_CHARACTERS = 256
const MAX_VALUE_CHARACTERS = 4096
const ANNOTATION_KEY = /^[\x21-\x7e]+$/
const RESERVED_PREFIX = 'io.cncf.notary'

export interface SignatureManifestInput {
  /** The image manifest (or index) that was signed: its mediaType, digest and size are used. */
  subject: Descriptor
  /** The envelope bytes, as checked and as they will be pushed. */
  envelope: Uint8Array
  /** The envelope's certificate thumbprints (see checkEnvelope). */
  thumbprints: readonly string[]
  /** The envelope's authentic signing time. */
  signingTime: Date
  /** SignPayload's `metadata`, which AWS's plugin hands to notation as manifest annotations. */
  metadata?: Readonly<Record<string, string>>
}

export interface SignatureManifest {
  /** The manifest as it is pushed. */
  bytes: Buffer
  /**
   * The manifest's descriptor: mediaType, digest, size, and the artifactType and annotations
   * that a referrers index entry repeats.
   */
  descriptor: Descriptor
  /** The envelope blob's descriptor, the manifest's one layer. */
  envelope: Descriptor
}

const THUMBPRINT = /^[0-9a-f]{64}$/

export function signatureManifest(input: SignatureManifestInput): SignatureManifest {
  const problem = targetProblem(input.subject)
  if (problem) throw new ActionError(`Cannot build the signature manifest: the image's ${problem}`)
  if (input.thumbprints.length === 0 || !input.thumbprints.every(t => THUMBPRINT.test(t))) {
    throw new ActionError(
      'Cannot build the signature manifest: the thumbprints must be lowercase hex SHA-256, at least one'
    )
  }
  const annotations = sortedAnnotations({
    ...checkedMetadata(input.metadata ?? {}),
    [Annotation.thumbprints]: goJson(input.thumbprints),
    [Annotation.created]: rfc3339Seconds(input.signingTime)
  })
  const envelope = describe(MediaType.joseJson, input.envelope)
  const { mediaType, digest, size } = input.subject
  // Field order of the OCI image-spec's Go Manifest type, which oras-go marshals.
  const bytes = Buffer.from(
    goJson({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType: MediaType.notarySignature,
      config: EMPTY_DESCRIPTOR,
      layers: [envelope],
      subject: { mediaType, digest, size },
      annotations
    }),
    'utf8'
  )
  // Readers pass over a larger one (MAX_SIGNATURE_MANIFEST_BYTES): it would be a signature that
  // verification never finds.
  if (bytes.length > MAX_SIGNATURE_MANIFEST_BYTES) {
    throw new ActionError(
      `Cannot push the signature manifest: it is ${bytes.length} bytes, more than the ${MAX_SIGNATURE_MANIFEST_BYTES} that verification reads (SignPayload's metadata makes most of it)`
    )
  }
  return {
    bytes,
    descriptor: {
      ...describe(MediaType.ociManifest, bytes),
      artifactType: MediaType.notarySignature,
      annotations
    },
    envelope
  }
}

/**
 * A signature manifest is under a kilobyte (a subject, one layer, a few annotations): a listed
 * one larger than this is passed over, and no more is read of one.
 */
export const MAX_SIGNATURE_MANIFEST_BYTES = 64 * 1024

/** What a signature manifest read back from a registry stores, or why it cannot be a signature. */
export type SignatureManifestReading = { envelope: Descriptor } | { problem: string }

/**
 * Reads a signature manifest another signer may have written, as untrusted: an OCI image manifest
 * of artifactType application/vnd.cncf.notary.signature whose subject is the image, with one
 * layer, a JWS envelope of at most MAX_ENVELOPE_BYTES. The envelope's own checks are
 * verifySignature's; this only finds it. Never throws.
 */
export function readSignatureManifest(
  bytes: Uint8Array,
  image: TargetArtifact
): SignatureManifestReading {
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    return { problem: 'it is not UTF-8 JSON' }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { problem: 'it is not a JSON object' }
  }
  const manifest = parsed as Record<string, unknown>
  if (manifest.schemaVersion !== 2) return { problem: 'its schemaVersion is not 2' }
  if (manifest.mediaType !== undefined && manifest.mediaType !== MediaType.ociManifest) {
    return {
      problem: `its mediaType is ${quoted(manifest.mediaType)}, not ${MediaType.ociManifest}`
    }
  }
  if (manifest.artifactType !== MediaType.notarySignature) {
    return {
      problem: `its artifactType is ${quoted(manifest.artifactType)}, not ${MediaType.notarySignature}`
    }
  }
  const subject = (manifest.subject ?? {}) as TargetArtifact
  const subjectProblem = targetProblem(subject)
  if (subjectProblem) return { problem: `its subject's ${subjectProblem}` }
  const differences = targetDifferences(subject, image, 'the image has')
  if (differences.length > 0) {
    return { problem: `its subject is another manifest: ${differences.join(', ')}` }
  }
  const layers = manifest.layers
  if (!Array.isArray(layers) || layers.length !== 1) {
    return { problem: 'it does not have exactly one layer (the signature envelope)' }
  }
  const layer = (layers[0] ?? {}) as Descriptor
  if (layer.mediaType !== MediaType.joseJson) {
    return {
      problem: `its envelope is of type ${quoted(layer.mediaType)}; this action verifies JWS envelopes (${MediaType.joseJson}) only`
    }
  }
  const layerProblem = targetProblem(layer)
  if (layerProblem) return { problem: `its envelope's ${layerProblem}` }
  if (layer.size === 0 || layer.size > MAX_ENVELOPE_BYTES) {
    return { problem: `its envelope is ${layer.size} bytes, not from 1 to ${MAX_ENVELOPE_BYTES}` }
  }
  return { envelope: { mediaType: layer.mediaType, digest: layer.digest, size: layer.size } }
}

/** RFC 3339 in UTC without fractions, as notation writes `org.opencontainers.image.created`. */
export function rfc3339Seconds(time: Date): string {
  if (Number.isNaN(time.getTime())) throw new ActionError('The signing time is not a valid date')
  return time.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

function describe(mediaType: string, bytes: Uint8Array): Descriptor {
  return {
    mediaType,
    digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
    size: bytes.length
  }
}

/**
 * SignPayload's metadata, checked as text from outside: a string map of bounded size, keys
 * printable ASCII without spaces, values free of control and invisible characters (they end up
 * in logs and registry UIs), and no key in the Notary Project's reserved namespace or one the manifest sets.
 */
function checkedMetadata(metadata: Readonly<Record<string, unknown>>): Record<string, string> {
  const refuse = (detail: string) =>
    new ActionError(`SignPayload's metadata cannot become signature annotations: ${detail}`)
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw refuse('it is not a map of strings')
  }
  const entries = Object.entries(metadata)
  if (entries.length > MAX_METADATA_ENTRIES) {
    throw refuse(`${entries.length} entries, more than ${MAX_METADATA_ENTRIES}`)
  }
  for (const [key, value] of entries) {
    if (key.length > MAX_KEY_CHARACTERS || !ANNOTATION_KEY.test(key)) {
      throw refuse(
        `the key ${quoted(key)} is not printable ASCII of at most ${MAX_KEY_CHARACTERS} characters`
      )
    }
    if (key.startsWith(RESERVED_PREFIX) || key === Annotation.created) {
      throw refuse(`the key ${quoted(key)} is one the signature manifest sets itself`)
    }
    if (
      typeof value !== 'string' ||
      value.length > MAX_VALUE_CHARACTERS ||
      hasControlCharacter(value) ||
      hasInvisibleCharacter(value)
    ) {
      throw refuse(
        `the value of ${quoted(key)} is not text of at most ${MAX_VALUE_CHARACTERS} characters without control or invisible characters`
      )
    }
  }
  return Object.fromEntries(entries) as Record<string, string>
}

/** Go writes a map's keys sorted by bytes; for ASCII keys that is JavaScript's default sort. */
function sortedAnnotations(annotations: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.keys(annotations)
      .sort()
      .map(key => [key, annotations[key] as string])
  )
}
