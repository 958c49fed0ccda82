/**
 * The referrers tag schema (OCI distribution spec 1.1): for a registry without the referrers
 * API, the image index under the tag `sha256-<hex>` lists the manifests whose subject is that
 * digest. Pure functions: the tag, the entry for a manifest, reading and writing the index.
 */
import { MediaType, SHA256_DIGEST, type Descriptor } from './descriptor.js'

/** An entry as the index holds it; other writers' entries are kept exactly as read. */
export type IndexEntry = Record<string, unknown>

const MAX_ENTRIES = 10_000

/** `sha256:<hex>` → `sha256-<hex>`. */
export function referrersTag(digest: string): string {
  if (!SHA256_DIGEST.test(digest)) throw new Error(`not a sha256 digest: ${digest.slice(0, 80)}`)
  return digest.replace(':', '-')
}

/**
 * The entry for a manifest, as the spec asks: its type, digest and size, its `artifactType`
 * (else its config's media type) and all its annotations.
 */
export function referrerDescriptor(manifest: Descriptor, bytes: Uint8Array): Descriptor {
  const parsed = JSON.parse(Buffer.from(bytes).toString('utf8')) as {
    artifactType?: unknown
    config?: { mediaType?: unknown }
    annotations?: unknown
  }
  const artifactType =
    typeof parsed.artifactType === 'string' ? parsed.artifactType : parsed.config?.mediaType
  const descriptor: Descriptor = {
    mediaType: manifest.mediaType,
    digest: manifest.digest,
    size: manifest.size
  }
  if (typeof artifactType === 'string') descriptor.artifactType = artifactType
  if (typeof parsed.annotations === 'object' && parsed.annotations !== null) {
    descriptor.annotations = parsed.annotations as Record<string, string>
  }
  return descriptor
}

/** The entry a descriptor becomes, fields in the spec's order. */
export function entryOf(descriptor: Descriptor): IndexEntry {
  const { mediaType, digest, size, artifactType, annotations } = descriptor
  return {
    mediaType,
    digest,
    size,
    ...(artifactType === undefined ? {} : { artifactType }),
    ...(annotations === undefined ? {} : { annotations })
  }
}

export function entryDigest(entry: IndexEntry): string | undefined {
  return typeof entry.digest === 'string' ? entry.digest : undefined
}

/** The entries of an index read from the registry; a problem is described, not thrown. */
export function parseReferrersIndex(bytes: Uint8Array): IndexEntry[] | string {
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString('utf8'))
  } catch {
    return 'it is not JSON'
  }
  const index = parsed as { schemaVersion?: unknown; mediaType?: unknown; manifests?: unknown }
  if (typeof parsed !== 'object' || parsed === null || index.schemaVersion !== 2) {
    return 'it is not an image index (schemaVersion 2)'
  }
  if (index.mediaType !== undefined && index.mediaType !== MediaType.ociIndex) {
    return `its mediaType is not ${MediaType.ociIndex}`
  }
  if (!Array.isArray(index.manifests)) return 'it has no manifests list'
  if (index.manifests.length > MAX_ENTRIES) return `it lists more than ${MAX_ENTRIES} manifests`
  if (!index.manifests.every(entry => typeof entry === 'object' && entry !== null)) {
    return 'its manifests list holds something other than descriptors'
  }
  // A multi-platform image pushed under this tag (a referrer's entry always names its
  // artifactType): replacing it, and deleting it by digest with any other tag it has, would
  // destroy what the user did not ask to touch.
  if (index.manifests.some(entry => 'platform' in entry && !('artifactType' in entry))) {
    return "it lists platform manifests: it is an image's index"
  }
  return index.manifests as IndexEntry[]
}

export function serializeReferrersIndex(entries: IndexEntry[]): Buffer {
  return Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: entries })
  )
}
