import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { startRegistryStandIn, type RegistryStandIn } from '../../rig/registry-stand-in.js'
import { pushTestImage, signatureManifest } from '../../rig/test-images.js'
import { rejectionOf } from '../helpers.js'

jest.unstable_mockModule('@actions/core', () => ({ setSecret: () => {} }))

const { RegistryClient } = await import('../../../src/registry/registry-client.js')
const { RequestRate } = await import('../../../src/aws/request-rate.js')
const { addReferrer } = await import('../../../src/registry/referrers.js')
const { referrerDescriptor, referrersTag } =
  await import('../../../src/registry/referrers-index.js')
const { undoAll } = await import('../../../src/cancellation.js')
const { ActionError } = await import('../../../src/errors.js')
type Descriptor = import('../../../src/registry/descriptor.js').Descriptor
type Timing = import('../../../src/registry/referrers.js').ReferrersTagTiming

/** Short, so the tests run quickly: settle = 550 ms after a leg's last write. */
const TIMING: Timing = { windowMs: 400, landingMarginMs: 150, maxRounds: 8 }
const REPOSITORY = 'acme/app'

let standIn: RegistryStandIn

type Credentials = import('../../../src/registry/credentials.js').RegistryCredentials
const ANONYMOUS: Credentials = { origin: 'none', description: 'no credentials', basic: undefined }
const USER = { username: 'octocat', password: 'correct horse battery staple' }

function newClient(credentials = ANONYMOUS) {
  return new RegistryClient({
    registry: standIn.host,
    apiHost: standIn.host,
    credentials,
    // The step's timeout-seconds: generous, since 8 legs race on one event loop and a loaded
    // runner (a full run reaches load 13 on 2 cores) can stall a leg for seconds.
    budgetMs: 45_000,
    rate: new RequestRate()
  })
}

/** Pushes a signature manifest for `subject`, as a leg would; its entry and the PUT's OCI-Subject. */
async function pushSignature(subject: Descriptor, seed: string, credentials = ANONYMOUS) {
  const client = newClient(credentials)
  const signature = signatureManifest(subject, Buffer.from(`envelope ${seed}`))
  for (const blob of signature.blobs) await client.pushBlob(REPOSITORY, blob.bytes, blob.mediaType)
  const pushed = await client.putManifest(
    REPOSITORY,
    signature.descriptor.digest,
    signature.descriptor.mediaType,
    signature.bytes
  )
  return {
    client,
    entry: referrerDescriptor(signature.descriptor, signature.bytes),
    ociSubject: pushed.ociSubject
  }
}

function listed(subject: Descriptor): string[] {
  const digest = standIn.tagged(REPOSITORY, referrersTag(subject.digest))
  if (!digest) return []
  const index = JSON.parse(standIn.manifest(REPOSITORY, digest)!.toString('utf8')) as {
    manifests: { digest: string }[]
  }
  return index.manifests.map(entry => entry.digest)
}

let seeds = 0
async function newImage(): Promise<Descriptor> {
  return pushTestImage(standIn.endpoint, REPOSITORY, { seed: `image ${++seeds} ${Date.now()}` })
}

beforeAll(async () => {
  standIn = await startRegistryStandIn({ user: USER })
})
afterAll(() => standIn.stop())
beforeEach(() => {
  standIn.auth = 'none'
  standIn.referrers = 'none'
  standIn.ignoreIfMatch = false
  standIn.delayMs = () => 0
  standIn.clearFaults()
  standIn.requests.length = 0
})

describe('addReferrer', () => {
  it('leaves the listing to a registry that answered OCI-Subject and serves the referrers API', async () => {
    standIn.referrers = 'api'
    const image = await newImage()
    const leg = await pushSignature(image, 'api')
    expect(leg.ociSubject).toBe(image.digest)
    expect(
      await addReferrer(leg.client, REPOSITORY, image, leg.entry, {
        ociSubject: leg.ociSubject,
        timing: TIMING
      })
    ).toBe('api')
    expect(standIn.tagged(REPOSITORY, referrersTag(image.digest))).toBeUndefined()
  })

  it('does not believe OCI-Subject from a registry without the referrers API: writes the tag', async () => {
    standIn.referrers = 'header-only'
    const image = await newImage()
    const leg = await pushSignature(image, 'header-only')
    expect(leg.ociSubject).toBe(image.digest)
    expect(
      await addReferrer(leg.client, REPOSITORY, image, leg.entry, {
        ociSubject: leg.ociSubject,
        timing: TIMING
      })
    ).toBe('tag')
    expect(listed(image)).toEqual([leg.entry.digest])
  })

  it('asks the referrers API once a client and repository, for every image it signs', async () => {
    standIn.referrers = 'api'
    const client = newClient()
    const images = [await newImage(), await newImage(), await newImage()]
    const listings = await Promise.all(
      images.map(async (image, index) => {
        const signature = signatureManifest(image, Buffer.from(`envelope ${index}`))
        for (const blob of signature.blobs) {
          await client.pushBlob(REPOSITORY, blob.bytes, blob.mediaType)
        }
        const pushed = await client.putManifest(
          REPOSITORY,
          signature.descriptor.digest,
          signature.descriptor.mediaType,
          signature.bytes
        )
        const entry = referrerDescriptor(signature.descriptor, signature.bytes)
        return addReferrer(client, REPOSITORY, image, entry, {
          ociSubject: pushed.ociSubject,
          timing: TIMING
        })
      })
    )
    expect(listings).toEqual(['api', 'api', 'api'])
    const asked = standIn.requests.filter(request => request.path.includes('/referrers/'))
    expect(asked).toHaveLength(1)
    // Another client (another step) asks again.
    const leg = await pushSignature(images[0]!, 'another step')
    await addReferrer(leg.client, REPOSITORY, images[0]!, leg.entry, {
      ociSubject: leg.ociSubject,
      timing: TIMING
    })
    expect(standIn.requests.filter(request => request.path.includes('/referrers/'))).toHaveLength(2)
  })

  it('writes the tag for every image of a registry that sends OCI-Subject without the API', async () => {
    standIn.referrers = 'header-only'
    const leg = await pushSignature(await newImage(), 'first')
    const second = await newImage()
    const signature = signatureManifest(second, Buffer.from('envelope second'))
    for (const blob of signature.blobs) {
      await leg.client.pushBlob(REPOSITORY, blob.bytes, blob.mediaType)
    }
    const pushed = await leg.client.putManifest(
      REPOSITORY,
      signature.descriptor.digest,
      signature.descriptor.mediaType,
      signature.bytes
    )
    const entry = referrerDescriptor(signature.descriptor, signature.bytes)
    expect(pushed.ociSubject).toBe(second.digest)
    expect(
      await addReferrer(leg.client, REPOSITORY, second, entry, {
        ociSubject: pushed.ociSubject,
        timing: TIMING
      })
    ).toBe('tag')
    expect(listed(second)).toEqual([entry.digest])
  })

  it('keeps the referrers tag: the entry as the spec has it, appended, no duplicate, the replaced index deleted', async () => {
    const image = await newImage()
    const first = await pushSignature(image, 'first')
    expect(
      await addReferrer(first.client, REPOSITORY, image, first.entry, {
        ociSubject: undefined,
        timing: TIMING
      })
    ).toBe('tag')
    const tag = referrersTag(image.digest)
    const firstIndex = standIn.tagged(REPOSITORY, tag)!
    expect(JSON.parse(standIn.manifest(REPOSITORY, firstIndex)!.toString())).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: first.entry.digest,
          size: first.entry.size,
          artifactType: 'application/vnd.cncf.notary.signature',
          annotations: { 'org.opencontainers.image.created': '1970-01-01T00:00:00.000Z' }
        }
      ]
    })

    const second = await pushSignature(image, 'second')
    standIn.requests.length = 0
    await addReferrer(second.client, REPOSITORY, image, second.entry, {
      ociSubject: undefined,
      timing: TIMING
    })
    expect(listed(image)).toEqual([first.entry.digest, second.entry.digest])
    // Written on the ETag it read, and the index it replaced is gone.
    expect(standIn.requests.find(r => r.method === 'PUT')?.ifMatch).toBe(`"${firstIndex}"`)
    expect(standIn.manifestDigests(REPOSITORY)).not.toContain(firstIndex)

    standIn.requests.length = 0
    await addReferrer(first.client, REPOSITORY, image, first.entry, {
      ociSubject: undefined,
      timing: TIMING
    })
    expect(listed(image)).toEqual([first.entry.digest, second.entry.digest])
    expect(standIn.requests.filter(r => r.method !== 'GET')).toEqual([])
  })

  it('writes again when a slow registry or a busy runner cuts its write off at the window', async () => {
    const image = await newImage()
    const leg = await pushSignature(image, 'slow')
    const tagPut = new RegExp(`/manifests/${referrersTag(image.digest)}$`)
    let slowWrites = 1
    standIn.delayMs = (method, path) =>
      method === 'PUT' && tagPut.test(path) && slowWrites-- > 0 ? TIMING.windowMs + 300 : 0
    expect(
      await addReferrer(leg.client, REPOSITORY, image, leg.entry, {
        ociSubject: undefined,
        timing: TIMING
      })
    ).toBe('tag')
    expect(listed(image)).toEqual([leg.entry.digest])
    const writes = standIn.requests.filter(r => r.method === 'PUT' && tagPut.test(r.path))
    expect(writes.length).toBeGreaterThanOrEqual(2)
  })

  it('sends no write after its window, when the write waits on a token another request asked for', async () => {
    const image = await newImage()
    standIn.auth = 'bearer'
    const credentials: Credentials = { ...ANONYMOUS, origin: 'input', basic: USER }
    const leg = await pushSignature(image, 'late token', credentials)
    const tagPath = new RegExp(`/manifests/${referrersTag(image.digest)}$`)
    const write = standIn.holdNext({ method: 'PUT', path: tagPath })
    const update = addReferrer(leg.client, REPOSITORY, image, leg.entry, {
      ociSubject: undefined,
      timing: TIMING
    })
    await write.arrived
    // The step's tokens expire (GHCR's last 60 s), another request of the step asks for a new one
    // first, and the token service is slow: the write meets a 401 and joins that request.
    standIn.expireTokens()
    const token = standIn.holdNext({ path: /^\/token/ })
    const sibling = leg.client.getManifest(REPOSITORY, image.digest)
    await token.arrived
    write.release()
    await sleepUntil(Date.now() + TIMING.windowMs + 200)
    token.release()
    await sibling
    expect(await update).toBe('tag')
    expect(listed(image)).toEqual([leg.entry.digest])
    // Every write reached the registry within S (window and landing margin) of the read it was
    // built on, as rule 1 promises: on the code that waited on the token, it came about 650 ms after.
    const tagRequests = standIn.requests.filter(r => tagPath.test(r.path))
    const writes = tagRequests.filter(r => r.method === 'PUT' && r.status === 201)
    expect(writes.length).toBeGreaterThan(0)
    for (const put of writes) {
      const read = tagRequests.filter(r => r.method === 'GET' && r.atMs <= put.atMs).at(-1)!
      expect(put.atMs - read.atMs).toBeLessThanOrEqual(TIMING.windowMs + TIMING.landingMarginMs)
    }
  })

  it('repairs a stale write that dropped its entry (a registry that ignores If-Match)', async () => {
    standIn.ignoreIfMatch = true
    const image = await newImage()
    const a = await pushSignature(image, 'stale-a')
    const b = await pushSignature(image, 'stale-b')
    const tagPut = { method: 'PUT', path: new RegExp(`/manifests/${referrersTag(image.digest)}$`) }
    const tagWrites = () =>
      standIn.requests.filter(
        r => r.method === 'PUT' && r.status === 201 && tagPut.path.test(r.path)
      )
    // B reads the empty tag, and its write waits; A reads, writes and is answered; then B's write lands.
    const heldB = standIn.holdNext(tagPut)
    const legB = addReferrer(b.client, REPOSITORY, image, b.entry, {
      ociSubject: undefined,
      timing: TIMING
    })
    await heldB.arrived
    const legA = addReferrer(a.client, REPOSITORY, image, a.entry, {
      ociSubject: undefined,
      timing: TIMING
    })
    await waitFor(() => tagWrites().length === 1)
    heldB.release()
    await waitFor(() => tagWrites().length === 2)
    expect(listed(image)).toEqual([b.entry.digest]) // A's entry lost for now
    expect(await Promise.all([legA, legB])).toEqual(['tag', 'tag'])
    expect(listed(image).sort()).toEqual([a.entry.digest, b.entry.digest].sort())
  })

  it('keeps an entry that a repair wrote back, when a later stale write drops it after its leg ended', async () => {
    // The cascade that rule 2 (write all you have seen) is for. Times after A's write lands (tA):
    // B read before tA and lands at +400, dropping A; B2 read A at once and writes it back at
    // +1000; X read at +1000 (no A) and lands only after A's closing read at +2500.
    const slow: Timing = { windowMs: 2000, landingMarginMs: 500, maxRounds: 8 }
    standIn.ignoreIfMatch = true
    const image = await newImage()
    const a = await pushSignature(image, 'cascade A')
    const b = await pushSignature(image, 'cascade B')
    const b2 = await pushSignature(image, 'cascade B2')
    const x = await pushSignature(image, 'cascade X')
    const tagPath = new RegExp(`/manifests/${referrersTag(image.digest)}$`)
    const put = { method: 'PUT', path: tagPath }
    const writes = () =>
      standIn.requests.filter(r => r.method === 'PUT' && r.status === 201 && tagPath.test(r.path))
    const start = (leg: typeof a) =>
      addReferrer(leg.client, REPOSITORY, image, leg.entry, { ociSubject: undefined, timing: slow })

    const heldB = standIn.holdNext(put)
    const legB = start(b)
    await heldB.arrived
    const legA = start(a)
    await waitFor(() => writes().length === 1)
    const tA = Date.now()
    const heldB2 = standIn.holdNext(put)
    const legB2 = start(b2)
    await heldB2.arrived
    await sleepUntil(tA + 400)
    heldB.release()
    await waitFor(() => writes().length === 2)
    await sleepUntil(tA + 1000)
    const heldX = standIn.holdNext(put)
    const legX = start(x)
    await heldX.arrived
    heldB2.release()
    await waitFor(() => writes().length === 3)
    expect(listed(image).sort()).toEqual([a.entry.digest, b2.entry.digest].sort())
    // A's closing read sees itself; only then does X's stale write land.
    await waitFor(
      () =>
        standIn.requests.some(
          r => r.method === 'GET' && tagPath.test(r.path) && r.atMs >= tA + 2400
        ),
      5000
    )
    heldX.release()
    await waitFor(() => writes().length === 4)
    expect(listed(image).sort()).toEqual([b.entry.digest, x.entry.digest].sort())
    expect(await Promise.all([legA, legB, legB2, legX])).toEqual(['tag', 'tag', 'tag', 'tag'])
    expect(listed(image).sort()).toEqual(
      [a.entry.digest, b.entry.digest, b2.entry.digest, x.entry.digest].sort()
    )
  }, 30_000)

  it.each([4, 8])(
    'lists all of %i legs signing one image at once, on a registry that ignores If-Match',
    async legs => {
      standIn.ignoreIfMatch = true
      // Writes land up to 300 ms after they are sent, reads come back at once: a leg that checks
      // right after its own write would miss another leg's stale write landing later.
      standIn.delayMs = method => Math.random() * (method === 'PUT' ? 300 : 20)
      const image = await newImage()
      const signers = await Promise.all(
        Array.from({ length: legs }, (_, i) => pushSignature(image, `leg ${legs}-${i}`))
      )
      standIn.requests.length = 0
      const outcomes = await Promise.all(
        signers.map(leg =>
          addReferrer(leg.client, REPOSITORY, image, leg.entry, {
            ociSubject: undefined,
            timing: TIMING
          })
        )
      )
      expect(outcomes).toEqual(Array(legs).fill('tag'))
      expect(listed(image).sort()).toEqual(signers.map(leg => leg.entry.digest).sort())
      // They did race: more writes than legs would need one after another.
      expect(standIn.requests.filter(r => r.method === 'PUT').length).toBeGreaterThanOrEqual(legs)
    },
    60_000
  )

  it('drops an entry whose manifest was deleted, when the registry refuses to list it', async () => {
    const image = await newImage()
    const gone = await pushSignature(image, 'deleted later')
    await addReferrer(gone.client, REPOSITORY, image, gone.entry, {
      ociSubject: undefined,
      timing: TIMING
    })
    await gone.client.deleteManifest(REPOSITORY, gone.entry.digest)
    const kept = await pushSignature(image, 'kept')
    await addReferrer(kept.client, REPOSITORY, image, kept.entry, {
      ociSubject: undefined,
      timing: TIMING
    })
    expect(listed(image)).toEqual([kept.entry.digest])
  })

  it('refuses to touch a tag that holds something other than a referrers index', async () => {
    const image = await newImage()
    await pushTestImage(standIn.endpoint, REPOSITORY, {
      seed: 'squatter',
      tag: referrersTag(image.digest)
    })
    const leg = await pushSignature(image, 'squatted')
    standIn.requests.length = 0
    const error = await rejectionOf(
      addReferrer(leg.client, REPOSITORY, image, leg.entry, {
        ociSubject: undefined,
        timing: TIMING
      }),
      ActionError
    )
    expect(error.message).toContain(
      `does not hold a referrers index (it is a application/vnd.oci.image.manifest.v1+json)`
    )
    expect(standIn.requests.filter(r => r.method === 'PUT' && r.path.includes('sha256-'))).toEqual(
      []
    )
  })
})

describe('addReferrer when the step is cancelled', () => {
  it('stops at once and writes nothing more: its cut-off write is the last', async () => {
    standIn.ignoreIfMatch = true
    const image = await newImage()
    const leg = await pushSignature(image, 'cancelled')
    const cancel = new AbortController()
    const held = standIn.holdNext({ method: 'PUT', path: /sha256-/ })
    const update = addReferrer(leg.client, REPOSITORY, image, leg.entry, {
      ociSubject: undefined,
      timing: TIMING,
      signal: cancel.signal
    })
    await held.arrived
    cancel.abort()
    const cancelledAt = Date.now()
    const error = await rejectionOf(update, ActionError)
    expect(error.message).toContain(
      'the referrers tag update was cancelled; nothing more was written'
    )
    held.release()
    await new Promise(resolve => setTimeout(resolve, TIMING.windowMs + TIMING.landingMarginMs))
    expect(standIn.requests.filter(r => r.atMs >= cancelledAt)).toEqual([])
  })

  it("stops on the runner's cancellation (undoAll)", async () => {
    const image = await newImage()
    const leg = await pushSignature(image, 'runner cancel')
    const held = standIn.holdNext({ method: 'GET', path: /sha256-/ })
    const update = addReferrer(leg.client, REPOSITORY, image, leg.entry, {
      ociSubject: undefined,
      timing: TIMING
    })
    await held.arrived
    await undoAll(1000)
    await expect(update).rejects.toThrow('cancelled')
    held.release()
  })
})

async function sleepUntil(time: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, Math.max(0, time - Date.now())))
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('waited in vain')
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}
