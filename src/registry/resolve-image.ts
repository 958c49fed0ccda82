import type { Descriptor } from './descriptor.js'
import { displayReference, type ImageReference } from './image-reference.js'
import type { RegistryClient } from './registry-client.js'

/**
 * The descriptor of what the reference names, with one HEAD. A tag is resolved once: `tagged`
 * gets the digest it names now, and that digest's reference, for the caller's warning.
 */
export async function resolveImage(
  client: RegistryClient,
  reference: ImageReference,
  {
    log,
    tagged
  }: { log: (line: string) => void; tagged: (digest: string, byDigest: string) => void }
): Promise<Descriptor> {
  const descriptor = await client.resolve(
    reference.repository,
    reference.digest ?? (reference.tag as string)
  )
  if (reference.digest === undefined) {
    tagged(descriptor.digest, displayReference({ ...reference, tag: undefined }, descriptor.digest))
  }
  log(
    `${reference.digest === undefined ? `resolved tag ${reference.tag} to` : 'found'} ${descriptor.digest} (${descriptor.mediaType}, ${descriptor.size} bytes)`
  )
  return descriptor
}
