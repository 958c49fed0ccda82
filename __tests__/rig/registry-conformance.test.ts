import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import {
  dockerRegistryMissing,
  skopeoInspectRaw,
  skopeoMissing,
  startDockerRegistry
} from './docker-registry.js'
import { startRegistryStandIn } from './registry-stand-in.js'
import { pushTestImage, pushTestIndex, signatureManifest } from './test-images.js'

/**
 * The same cases against the stand-in (with and without the referrers API) and the real CNCF
 * Distribution; what was written is read back independently, with skopeo (and plain fetch for
 * the referrers API, which skopeo does not speak).
 */

jest.unstable_mockModule('@actions/core', () => ({ setSecret: () => {} }))

const { RegistryClient } = await import('../../src/registry/registry-client.js')
const { addReferrer } = await import('../../src/registry/referrers.js')
const { referrerDescriptor, referrersTag } = await import('../../src/registry/referrers-index.js')
const { RequestRate } = await import('../../src/aws/request-rate.js')
type Descriptor = import('../../src/registry/descriptor.js').Descriptor

interface Target {
  name: string
  /** How a signature becomes findable there. */
  listing: 'api' | 'tag'
  start(): Promise<{ endpoint: string; host: string; stop(): Promise<void> }>
}

const registryMissing = dockerRegistryMissing()
const skopeoAbsent = skopeoMissing()
// One line, outside jest's console decoration: what did not run, and how to get it.
const notRun = registryMissing
  ? `the real-registry leg did not run${skopeoAbsent ? ', and results are read back with fetch, not skopeo' : ''}: ${registryMissing}`
  : skopeoAbsent && `results are read back with fetch, not skopeo: ${skopeoAbsent}`
if (notRun) process.stderr.write(`registry conformance: ${notRun}\n`)

const TARGETS: Target[] = [
  {
    name: 'the stand-in with the referrers API',
    listing: 'api',
    start: () => startRegistryStandIn()
  },
  {
    name: 'the stand-in without it, ignoring If-Match',
    listing: 'tag',
    start: () => startRegistryStandIn({ referrers: 'none', ignoreIfMatch: true })
  },
  ...(registryMissing
    ? []
    : [
        {
          name: 'docker-registry (CNCF Distribution 2.8)',
          listing: 'tag' as const,
          start: () => startDockerRegistry()
        }
      ])
]

const TIMING = { windowMs: 1000, landingMarginMs: 300, maxRounds: 8 }
const REPOSITORY = 'conformance/app'

describe.each(TARGETS)('$name', target => {
  let registry: { endpoint: string; host: string; stop(): Promise<void> }
  let image: Descriptor
  let index: { index: Descriptor; images: Descriptor[] }

  const client = () =>
    new RegistryClient({
      registry: registry.host,
      apiHost: registry.host,
      credentials: { origin: 'none', description: 'no credentials', basic: undefined },
      budgetMs: 20_000,
      rate: new RequestRate()
    })

  /** What a leg does for one signature of `subject`: blobs, the manifest by digest, the listing. */
  async function sign(subject: Descriptor, seed: string) {
    const registryClient = client()
    const signature = signatureManifest(subject, Buffer.from(`envelope ${seed}`))
    for (const blob of signature.blobs)
      await registryClient.pushBlob(REPOSITORY, blob.bytes, blob.mediaType)
    const pushed = await registryClient.putManifest(
      REPOSITORY,
      signature.descriptor.digest,
      signature.descriptor.mediaType,
      signature.bytes
    )
    const entry = referrerDescriptor(signature.descriptor, signature.bytes)
    const listing = await addReferrer(registryClient, REPOSITORY, subject, entry, {
      ociSubject: pushed.ociSubject,
      timing: TIMING
    })
    return { signature, pushed, listing }
  }

  /** The referrers of `subject` as an outside reader finds them. */
  async function referrersOf(subject: Descriptor): Promise<string[]> {
    const parsed =
      target.listing === 'api'
        ? ((await (
            await fetch(`${registry.endpoint}/v2/${REPOSITORY}/referrers/${subject.digest}`)
          ).json()) as { manifests: { digest: string }[] })
        : (JSON.parse((await readRaw(referrersTag(subject.digest))).toString('utf8')) as {
            manifests: { digest: string }[]
          })
    return parsed.manifests.map(entry => entry.digest).sort()
  }

  /** skopeo inspect --raw, or a plain GET where skopeo is missing. */
  async function readRaw(reference: string): Promise<Buffer> {
    if (!skopeoAbsent) return skopeoInspectRaw(registry.host, REPOSITORY, reference)
    const answer = await fetch(`${registry.endpoint}/v2/${REPOSITORY}/manifests/${reference}`, {
      headers: {
        accept:
          'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json'
      }
    })
    return Buffer.from(await answer.arrayBuffer())
  }

  beforeAll(async () => {
    registry = await target.start()
    image = await pushTestImage(registry.endpoint, REPOSITORY, { tag: 'v1', seed: 'conformance' })
    index = await pushTestIndex(registry.endpoint, REPOSITORY, {
      tag: 'multi',
      seed: 'conformance'
    })
  })
  afterAll(() => registry?.stop())

  it('resolves an image and an image index by tag and by digest', async () => {
    const registryClient = client()
    expect(await registryClient.resolve(REPOSITORY, 'v1')).toEqual(image)
    expect(await registryClient.resolve(REPOSITORY, image.digest)).toEqual(image)
    expect(await registryClient.resolve(REPOSITORY, 'multi')).toEqual(index.index)
    expect(await registryClient.resolve(REPOSITORY, index.images[1]!.digest)).toEqual(
      index.images[1]
    )
  })

  it('pushes a blob, and finds it there the second time', async () => {
    const bytes = Buffer.from(`blob for ${target.name}`)
    const registryClient = client()
    const pushed = await registryClient.pushBlob(REPOSITORY, bytes, 'application/jose+json')
    expect(await registryClient.pushBlob(REPOSITORY, bytes, 'application/jose+json')).toEqual(
      pushed
    )
    const answer = await fetch(`${registry.endpoint}/v2/${REPOSITORY}/blobs/${pushed.digest}`)
    expect(Buffer.from(await answer.arrayBuffer())).toEqual(bytes)
  })

  it('puts a signature manifest with its subject, and lists it where verifiers look', async () => {
    const { signature, pushed, listing } = await sign(image, 'one')
    expect(pushed).toEqual({
      digest: signature.descriptor.digest,
      ociSubject: target.listing === 'api' ? image.digest : undefined
    })
    expect(listing).toBe(target.listing)
    expect(await readRaw(signature.descriptor.digest)).toEqual(signature.bytes)
    expect(await referrersOf(image)).toEqual([signature.descriptor.digest])
  })

  it('signs an image index as the subject too', async () => {
    const { signature } = await sign(index.index, 'index')
    expect(await referrersOf(index.index)).toEqual([signature.descriptor.digest])
  })

  it('lists every one of 6 legs signing one image at the same moment', async () => {
    const subject = await pushTestImage(registry.endpoint, REPOSITORY, { seed: 'concurrent' })
    const legs = await Promise.all(Array.from({ length: 6 }, (_, i) => sign(subject, `leg ${i}`)))
    expect(legs.map(leg => leg.listing)).toEqual(Array(6).fill(target.listing))
    expect(await referrersOf(subject)).toEqual(
      legs.map(leg => leg.signature.descriptor.digest).sort()
    )
  }, 60_000)
})
