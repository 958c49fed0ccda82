/**
 * The Notary signatures that name an image as their subject, as a verifier finds them: the
 * registry's referrers API (asked for Notary signatures only, page by page), else (or when the API
 * lists none) the referrers tag `sha256-<hex>`.
 * Everything listed is untrusted: each entry is only a place to look, bounded in number and size,
 * and what it points to is checked by digest on reading and verified by its signature.
 */
import { ActionError } from '../errors.js'
import { Annotation, MAX_SIGNATURE_MANIFEST_BYTES } from '../notary/signature-manifest.js'
import { MediaType, SHA256_DIGEST, type Descriptor } from './descriptor.js'
import { parseReferrersIndex, referrersTag } from './referrers-index.js'
import type { CallOptions, RegistryClient } from './registry-client.js'

/** As many as `notation verify` tries by default (--max-signatures). */
export const MAX_SIGNATURES = 100

/**
 * Pages of the referrers API read at most. A registry may chain next pages without end, so the
 * listing is bounded like every answer (each page by MANIFEST_LIMIT). Where the registry applies
 * the artifactType filter its pages hold signatures only, and the first ones are plenty; where it
 * ignores the filter, this many pages reach past a good many SBOMs and attestations, and a
 * listing cut here says so rather than passing for complete.
 */
export const MAX_REFERRERS_PAGES = 10

export interface ListedSignature {
  /** The signature manifest's descriptor, as the listing gave it. */
  descriptor: Descriptor
  listedBy: 'api' | 'tag'
}

export interface FoundSignatures {
  /** Newest first (by the listing's `org.opencontainers.image.created`), at most MAX_SIGNATURES. */
  signatures: ListedSignature[]
  /** Signatures listed beyond MAX_SIGNATURES, left unchecked. */
  leftOut: number
  /** Where they were looked for, for the message when there are none. */
  searched: string
  /** Why the referrers API's listing was not read to its end, when it was not. */
  listingCut?: string
}

export async function findSignatures(
  client: RegistryClient,
  repository: string,
  subject: Descriptor,
  call: CallOptions = {}
): Promise<FoundSignatures> {
  const tag = referrersTag(subject.digest)
  const listed = await client.listReferrers(repository, subject.digest, {
    ...call,
    artifactType: MediaType.notarySignature,
    maxPages: MAX_REFERRERS_PAGES
  })
  if (listed !== undefined) {
    const found = notarySignatures(listed.manifests)
    if (found.length > 0) return bounded(found, 'api', "the registry's referrers API", listed.cut)
  }
  const index = await client.readManifest(repository, tag, call)
  const entries = index ? parseReferrersIndex(index.bytes) : []
  if (typeof entries === 'string') {
    throw new ActionError(
      `${client.registry}/${repository}: the referrers tag ${tag} does not hold a referrers index (${entries}), so no signature can be found there.`
    )
  }
  return bounded(
    notarySignatures(entries),
    'tag',
    listed === undefined
      ? `the referrers tag ${tag} (the registry has no referrers API)`
      : `the registry's referrers API and the referrers tag ${tag}`,
    listed?.cut
  )
}

function bounded(
  found: Descriptor[],
  listedBy: 'api' | 'tag',
  searched: string,
  listingCut: string | undefined
): FoundSignatures {
  return {
    signatures: found.slice(0, MAX_SIGNATURES).map(descriptor => ({ descriptor, listedBy })),
    leftOut: Math.max(0, found.length - MAX_SIGNATURES),
    searched,
    listingCut
  }
}

/**
 * The entries of a referrers listing that are Notary signature manifests, each once, newest
 * first: others' entries (SBOMs, attestations), malformed ones and ones larger than
 * MAX_SIGNATURE_MANIFEST_BYTES are passed over.
 */
export function notarySignatures(entries: readonly unknown[]): Descriptor[] {
  const seen = new Set<string>()
  const signatures: Array<{ descriptor: Descriptor; created: number; order: number }> = []
  entries.forEach((entry, order) => {
    if (typeof entry !== 'object' || entry === null) return
    const { mediaType, digest, size, artifactType, annotations } = entry as Record<string, unknown>
    if (
      artifactType !== MediaType.notarySignature ||
      mediaType !== MediaType.ociManifest ||
      typeof digest !== 'string' ||
      !SHA256_DIGEST.test(digest) ||
      typeof size !== 'number' ||
      !Number.isSafeInteger(size) ||
      size <= 0 ||
      size > MAX_SIGNATURE_MANIFEST_BYTES ||
      seen.has(digest)
    ) {
      return
    }
    seen.add(digest)
    const stamp = (annotations as Record<string, unknown> | undefined)?.[Annotation.created]
    const created = typeof stamp === 'string' ? Date.parse(stamp) : NaN
    signatures.push({
      descriptor: { mediaType, digest, size, artifactType },
      created: Number.isNaN(created) ? -Infinity : created,
      order
    })
  })
  // Later in the list breaks a tie: the tag schema appends.
  signatures.sort((a, b) => b.created - a.created || b.order - a.order)
  return signatures.map(signature => signature.descriptor)
}
