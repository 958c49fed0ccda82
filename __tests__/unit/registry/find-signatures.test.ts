import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { startRegistryStandIn, type RegistryStandIn } from '../../rig/registry-stand-in.js'
import {
  pushAttachedArtifact,
  pushBlob,
  pushManifest,
  pushTestImage,
  signatureManifest
} from '../../rig/test-images.js'
import { rejectionOf } from '../helpers.js'

jest.unstable_mockModule('@actions/core', () => ({ setSecret: () => {} }))

const { RegistryClient } = await import('../../../src/registry/registry-client.js')
const { RequestRate } = await import('../../../src/aws/request-rate.js')
const { findSignatures, notarySignatures, MAX_REFERRERS_PAGES, MAX_SIGNATURES } =
  await import('../../../src/registry/find-signatures.js')
const { referrerDescriptor, referrersTag } =
  await import('../../../src/registry/referrers-index.js')
const { ActionError } = await import('../../../src/errors.js')
type Descriptor = import('../../../src/registry/descriptor.js').Descriptor

const REPOSITORY = 'acme/app'
const SIGNATURE = 'application/vnd.cncf.notary.signature'
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'

let standIn: RegistryStandIn
/** Another origin, that a registry's next link may name. */
let elsewhere: RegistryStandIn

const client = () =>
  new RegistryClient({
    registry: standIn.host,
    apiHost: standIn.host,
    credentials: { origin: 'none', description: 'no credentials', basic: undefined },
    budgetMs: 30_000,
    rate: new RequestRate(),
    access: 'pull'
  })

beforeAll(async () => {
  ;[standIn, elsewhere] = await Promise.all([startRegistryStandIn({}), startRegistryStandIn({})])
})
afterAll(() => Promise.all([standIn.stop(), elsewhere.stop()]))
beforeEach(() => {
  standIn.referrers = 'api'
  standIn.referrersPageSize = undefined
  standIn.filtersArtifactType = true
  standIn.referrersNextOrigin = undefined
})

/**
 * Pushes a signature manifest of `subject`; its entry as a referrers listing gives it. Without
 * its subject the API does not index it: only a referrers tag can list it.
 */
async function pushSignature(
  subject: Descriptor,
  seed: string,
  { withSubject = true } = {}
): Promise<Descriptor> {
  const signature = signatureManifest(subject, Buffer.from(`envelope ${seed}`))
  for (const blob of signature.blobs) {
    await pushBlob(standIn.endpoint, REPOSITORY, blob.bytes, blob.mediaType)
  }
  const manifest = JSON.parse(signature.bytes.toString('utf8')) as Record<string, unknown>
  if (!withSubject) delete manifest.subject
  const pushed = await pushManifest(standIn.endpoint, REPOSITORY, manifest, OCI_MANIFEST)
  return referrerDescriptor(pushed.descriptor, pushed.bytes)
}

/** An image with `count` artifacts attached that are no signatures (SBOMs). */
async function imageWithArtifacts(seed: string, count: number): Promise<Descriptor> {
  const image = await pushTestImage(standIn.endpoint, REPOSITORY, { seed })
  for (let index = 0; index < count; index++) {
    await pushAttachedArtifact(standIn.endpoint, REPOSITORY, image, { seed: `${seed} ${index}` })
  }
  return image
}

const referrerRequests = () =>
  standIn.requests.filter(request => request.path.includes('/referrers/')).map(r => r.path)

async function tagIndex(subject: Descriptor, entries: object[]): Promise<void> {
  await pushManifest(
    standIn.endpoint,
    REPOSITORY,
    { schemaVersion: 2, mediaType: OCI_INDEX, manifests: entries },
    OCI_INDEX,
    { tag: referrersTag(subject.digest) }
  )
}

const entry = (digit: string, extra: Record<string, unknown> = {}) => ({
  mediaType: OCI_MANIFEST,
  digest: `sha256:${digit.repeat(64)}`,
  size: 700,
  artifactType: SIGNATURE,
  ...extra
})
const created = (time: string) => ({ annotations: { 'org.opencontainers.image.created': time } })

describe('notarySignatures', () => {
  it('keeps Notary signature manifests of at most 64 KiB only, each once, as descriptors without annotations', () => {
    expect(
      notarySignatures([
        entry('a', created('2026-01-01T00:00:00Z')),
        entry('b', { artifactType: 'application/spdx+json' }),
        entry('c', { mediaType: OCI_INDEX }),
        entry('d', { digest: 'sha256:short' }),
        entry('e', { size: 0 }),
        entry('f', { size: 5 * 1024 * 1024 }),
        entry('9', { size: 64 * 1024 + 1 }),
        entry('a'),
        null,
        'text'
      ])
    ).toEqual([entry('a')])
  })

  it('puts the newest first, by the signing time the listing gives; undated last, later listed first', () => {
    const order = notarySignatures([
      entry('1'),
      entry('2', created('2026-01-01T00:00:00Z')),
      entry('3', created('2026-03-01T00:00:00Z')),
      entry('4'),
      entry('5', created('not a date'))
    ]).map(descriptor => descriptor.digest.slice(7, 8))
    expect(order).toEqual(['3', '2', '5', '4', '1'])
  })
})

describe('findSignatures', () => {
  it("finds a signature through the registry's referrers API", async () => {
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, { seed: 'api' })
    const signature = await pushSignature(image, 'api')
    expect(await findSignatures(client(), REPOSITORY, image)).toEqual({
      signatures: [
        {
          descriptor: {
            mediaType: OCI_MANIFEST,
            digest: signature.digest,
            size: signature.size,
            artifactType: SIGNATURE
          },
          listedBy: 'api'
        }
      ],
      leftOut: 0,
      searched: "the registry's referrers API"
    })
  })

  it('without the API, finds it in the referrers tag', async () => {
    standIn.referrers = 'none'
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, { seed: 'tag' })
    const signature = await pushSignature(image, 'tag')
    await tagIndex(image, [signature])
    const found = await findSignatures(client(), REPOSITORY, image)
    expect(found.signatures.map(s => [s.descriptor.digest, s.listedBy])).toEqual([
      [signature.digest, 'tag']
    ])
    expect(found.searched).toBe(
      `the referrers tag ${referrersTag(image.digest)} (the registry has no referrers API)`
    )
  })

  it('also reads the tag when the API lists no signature (signed where the API was missing)', async () => {
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, { seed: 'both' })
    const signature = await pushSignature(image, 'both', { withSubject: false })
    await tagIndex(image, [signature])
    const found = await findSignatures(client(), REPOSITORY, image)
    expect(found.signatures.map(s => [s.descriptor.digest, s.listedBy])).toEqual([
      [signature.digest, 'tag']
    ])
    expect(found.searched).toBe(
      `the registry's referrers API and the referrers tag ${referrersTag(image.digest)}`
    )
  })

  it('finds none for an image never signed', async () => {
    standIn.referrers = 'none'
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, { seed: 'unsigned' })
    expect((await findSignatures(client(), REPOSITORY, image)).signatures).toEqual([])
  })

  it('checks at most MAX_SIGNATURES and counts the rest', async () => {
    standIn.referrers = 'none'
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, { seed: 'many' })
    const entries: Descriptor[] = []
    for (let index = 0; index < MAX_SIGNATURES + 2; index++) {
      entries.push(await pushSignature(image, `many ${index}`))
    }
    await tagIndex(image, entries)
    const found = await findSignatures(client(), REPOSITORY, image)
    expect(found.signatures).toHaveLength(MAX_SIGNATURES)
    expect(found.leftOut).toBe(2)
  })

  it('says so when the referrers tag holds something other than an index', async () => {
    standIn.referrers = 'none'
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, { seed: 'squatted' })
    await pushTestImage(standIn.endpoint, REPOSITORY, {
      seed: 'squatter',
      tag: referrersTag(image.digest)
    })
    const error = await rejectionOf(findSignatures(client(), REPOSITORY, image), ActionError)
    expect(error.message).toContain(
      `the referrers tag ${referrersTag(image.digest)} does not hold a referrers index (its mediaType is not application/vnd.oci.image.index.v1+json)`
    )
  })

  it('finds a signature on a later page of the referrers API, behind artifacts that are no signatures', async () => {
    standIn.referrersPageSize = 2
    standIn.filtersArtifactType = false
    const image = await imageWithArtifacts('later page', 5)
    const signature = await pushSignature(image, 'later page')
    const found = await findSignatures(client(), REPOSITORY, image)
    expect(found.signatures.map(s => [s.descriptor.digest, s.listedBy])).toEqual([
      [signature.digest, 'api']
    ])
    expect(found.searched).toBe("the registry's referrers API")
    expect(found.listingCut).toBeUndefined()
  })

  it('asks the referrers API for Notary signatures only: a registry that applies the filter lists them first', async () => {
    standIn.referrersPageSize = 2
    const image = await imageWithArtifacts('filtered', 5)
    const signature = await pushSignature(image, 'filtered')
    standIn.requests.length = 0
    const found = await findSignatures(client(), REPOSITORY, image)
    expect(found.signatures.map(s => s.descriptor.digest)).toEqual([signature.digest])
    expect(referrerRequests()).toEqual([
      `/v2/${REPOSITORY}/referrers/${image.digest}?artifactType=${encodeURIComponent(SIGNATURE)}`
    ])
  })

  it('keeps what it read when a next page is on another origin, and says the listing was cut', async () => {
    standIn.referrersPageSize = 2
    standIn.filtersArtifactType = false
    standIn.referrersNextOrigin = elsewhere.endpoint
    const image = await imageWithArtifacts('cut', 1)
    const signature = await pushSignature(image, 'cut')
    await pushAttachedArtifact(standIn.endpoint, REPOSITORY, image, { seed: 'cut after' })
    const found = await findSignatures(client(), REPOSITORY, image)
    expect(found.signatures.map(s => s.descriptor.digest)).toEqual([signature.digest])
    expect(found.listingCut).toBe(
      `page 1 names its next page on another origin, ${elsewhere.endpoint}, which would receive the registry's credentials: not followed`
    )
    expect(elsewhere.requests).toEqual([])
  })

  it('reads at most MAX_REFERRERS_PAGES pages, then the referrers tag, and says the listing was cut', async () => {
    standIn.referrersPageSize = 1
    standIn.filtersArtifactType = false
    const image = await imageWithArtifacts('endless', MAX_REFERRERS_PAGES)
    await pushSignature(image, 'endless')
    standIn.requests.length = 0
    const found = await findSignatures(client(), REPOSITORY, image)
    expect(found.signatures).toEqual([])
    expect(found.searched).toBe(
      `the registry's referrers API and the referrers tag ${referrersTag(image.digest)}`
    )
    expect(found.listingCut).toBe(
      `the registry has more than ${MAX_REFERRERS_PAGES} pages: the rest were not read`
    )
    expect(referrerRequests()).toHaveLength(MAX_REFERRERS_PAGES)
  })
})
