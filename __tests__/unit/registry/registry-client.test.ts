import { createHash } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { startRegistryStandIn, type RegistryStandIn } from '../../rig/registry-stand-in.js'
import {
  pushAttachedArtifact,
  pushBlob,
  pushManifest,
  pushTestImage,
  pushTestIndex,
  signatureManifest
} from '../../rig/test-images.js'
import { rejectionOf } from '../helpers.js'

// The client masks what it learns; the runner's log is not there to see it.
const setSecret = jest.fn<(secret: string) => void>()
jest.unstable_mockModule('@actions/core', () => ({ setSecret }))

const { RegistryClient } = await import('../../../src/registry/registry-client.js')
const { RegistryError } = await import('../../../src/registry/registry-error.js')
const { RequestRate } = await import('../../../src/aws/request-rate.js')
type Credentials = import('../../../src/registry/credentials.js').RegistryCredentials

const ANONYMOUS: Credentials = { origin: 'none', description: 'no credentials', basic: undefined }
const USER = { username: 'octocat', password: 'correct horse battery staple' }
const INPUT: Credentials = {
  origin: 'input',
  description: 'registry-username and registry-password',
  basic: USER
}
const REPOSITORY = 'acme/app'

let standIn: RegistryStandIn

function client(
  credentials: Credentials = ANONYMOUS,
  extra: { budgetMs?: number; maxAttempts?: number; access?: 'pull' | 'push' } = {}
) {
  return new RegistryClient({
    registry: standIn.host,
    apiHost: standIn.host,
    credentials,
    budgetMs: extra.budgetMs ?? 30_000,
    maxAttempts: extra.maxAttempts,
    rate: new RequestRate(),
    access: extra.access
  })
}

beforeAll(async () => {
  standIn = await startRegistryStandIn({ user: USER })
})
afterAll(() => standIn.stop())
beforeEach(() => {
  standIn.auth = 'none'
  standIn.referrers = 'api'
  standIn.referrersPageSize = undefined
  standIn.filtersArtifactType = true
  standIn.referrersNextOrigin = undefined
  standIn.omitDigestOnHead = false
  standIn.tamper = 'none'
  standIn.writeAnswerBody = undefined
  standIn.redirect = undefined
  standIn.realm = undefined
  standIn.tokenField = 'both'
  standIn.tokenValue = undefined
  standIn.clearFaults()
  standIn.requests.length = 0
  setSecret.mockClear()
})

describe('resolve', () => {
  it('resolves a tag and a digest to the descriptor with one HEAD', async () => {
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, { tag: 'v1', seed: 'resolve' })
    standIn.requests.length = 0
    const registry = client()
    expect(await registry.resolve(REPOSITORY, 'v1')).toEqual(image)
    expect(await registry.resolve(REPOSITORY, image.digest)).toEqual(image)
    expect(standIn.requests.map(r => `${r.method} ${r.path}`)).toEqual([
      `HEAD /v2/${REPOSITORY}/manifests/v1`,
      `HEAD /v2/${REPOSITORY}/manifests/${image.digest}`
    ])
  })

  it('resolves an image index', async () => {
    const { index } = await pushTestIndex(standIn.endpoint, REPOSITORY, {
      tag: 'multi',
      seed: 'idx'
    })
    expect(await client().resolve(REPOSITORY, 'multi')).toEqual(index)
  })

  it('reads the manifest and computes its digest when the HEAD leaves the digest out (ECR at times)', async () => {
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, {
      tag: 'ecr-like',
      seed: 'nodigest'
    })
    standIn.omitDigestOnHead = true
    standIn.requests.length = 0
    expect(await client().resolve(REPOSITORY, 'ecr-like')).toEqual(image)
    expect(standIn.requests.map(r => r.method)).toEqual(['HEAD', 'GET'])
  })

  it('refuses an answer for another digest than the one asked for', async () => {
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, { seed: 'other' })
    standIn.tamper = 'digest-header'
    const error = await rejectionOf(client().resolve(REPOSITORY, image.digest), RegistryError)
    expect(error.message).toMatch(
      /^Resolving sha256:\w+ in 127\.0\.0\.1:\d+\/acme\/app failed: the registry answered for another digest/
    )
  })

  it('says what to check when the image is not there', async () => {
    const error = await rejectionOf(client().resolve(REPOSITORY, 'no-such-tag'), RegistryError)
    expect(error.status).toBe(404)
    expect(error.message).toMatch(
      /^Resolving no-such-tag in 127\.0\.0\.1:\d+\/acme\/app failed: HTTP 404 — check that the repository exists/
    )
    // A GET's answer has a body: the registry's own error code is kept.
    const read = await rejectionOf(client().getManifest(REPOSITORY, 'no-such-tag'), RegistryError)
    expect(read.message).toContain('HTTP 404 (MANIFEST_UNKNOWN: manifest unknown)')
  })
})

describe('getManifest', () => {
  it('returns the bytes with their digest checked, and the ETag', async () => {
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, { tag: 'get', seed: 'get' })
    const read = await client().getManifest(REPOSITORY, image.digest)
    expect(read.descriptor).toEqual(image)
    expect(read.etag).toBe(`"${image.digest}"`)
  })

  it('refuses bytes that are not the digest asked for', async () => {
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, { seed: 'tampered' })
    standIn.tamper = 'manifest-bytes'
    const error = await rejectionOf(client().getManifest(REPOSITORY, image.digest), RegistryError)
    expect(error.message).toContain("the manifest's bytes have the digest")
  })

  it('reads no more than maxBytes, a size a listing gave', async () => {
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, { seed: 'bounded' })
    const read = await client().getManifest(REPOSITORY, image.digest, { maxBytes: image.size })
    expect(read.descriptor).toEqual(image)
    const error = await rejectionOf(
      client().getManifest(REPOSITORY, image.digest, { maxBytes: image.size - 1 }),
      RegistryError
    )
    expect(error.message).toContain(`larger than ${image.size - 1} bytes`)
  })

  it('refuses a manifest over 4 MiB without reading it all', async () => {
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, { seed: 'big' })
    const big = await pushManifest(
      standIn.endpoint,
      REPOSITORY,
      {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [image],
        annotations: { pad: 'x'.repeat(4 * 1024 * 1024) }
      },
      'application/vnd.oci.image.index.v1+json'
    )
    const error = await rejectionOf(
      client().getManifest(REPOSITORY, big.descriptor.digest),
      RegistryError
    )
    expect(error.message).toContain('larger than 4194304 bytes')
  })
})

describe('getBlob', () => {
  const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`
  const blobOf = (text: string) => {
    const bytes = Buffer.from(text)
    return {
      bytes,
      descriptor: { mediaType: 'application/jose+json', digest: sha256(bytes), size: bytes.length }
    }
  }

  it('reads a blob by its descriptor, its bytes checked against the digest', async () => {
    const { bytes, descriptor } = blobOf(`envelope ${Date.now()}`)
    await client().pushBlob(REPOSITORY, bytes, descriptor.mediaType)
    expect((await client().getBlob(REPOSITORY, descriptor, 1024)).equals(bytes)).toBe(true)
  })

  it('refuses a descriptor larger than the limit before asking', async () => {
    const { descriptor } = blobOf('too large')
    standIn.requests.length = 0
    const error = await rejectionOf(client().getBlob(REPOSITORY, descriptor, 4), RegistryError)
    expect(error.message).toContain('its size (9) is not from 0 to 4 bytes')
    expect(standIn.requests).toEqual([])
  })

  it('refuses more bytes than the descriptor says, and other bytes than its digest', async () => {
    const { bytes, descriptor } = blobOf(`longer than said ${Date.now()}`)
    await client().pushBlob(REPOSITORY, bytes, descriptor.mediaType)
    const shorter = { ...descriptor, size: descriptor.size - 1 }
    const cut = await rejectionOf(client().getBlob(REPOSITORY, shorter, 1024), RegistryError)
    expect(cut.message).toContain(`larger than ${shorter.size} bytes`)
    const other = blobOf(`other ${Date.now()}`)
    await client().pushBlob(REPOSITORY, other.bytes, other.descriptor.mediaType)
    // The registry's own blob under this digest, asked for as the first one's size: refused.
    const swapped = { ...other.descriptor, size: other.descriptor.size + 1 }
    const error = await rejectionOf(client().getBlob(REPOSITORY, swapped, 1024), RegistryError)
    expect(error.message).toContain('not the blob asked for; refused')
  })
})

describe('pushBlob and putManifest', () => {
  it('pushes a blob once: HEAD first, then POST and a monolithic PUT', async () => {
    const registry = client()
    const bytes = Buffer.from(`blob ${Date.now()}`)
    const pushed = await registry.pushBlob(REPOSITORY, bytes, 'application/jose+json')
    expect(pushed).toMatchObject({ mediaType: 'application/jose+json', size: bytes.length })
    await client().pushBlob(REPOSITORY, bytes, 'application/jose+json')
    expect(standIn.requests.map(r => r.method)).toEqual(['HEAD', 'POST', 'PUT', 'HEAD'])
    expect(standIn.requests[2]!.path).toContain(`?digest=${encodeURIComponent(pushed.digest)}`)
  })

  it('asks for a blob it pushed or found once no more, even when several images push it at once', async () => {
    const registry = client()
    const bytes = Buffer.from(`shared ${Date.now()}`)
    await Promise.all(
      Array.from({ length: 4 }, () => registry.pushBlob(REPOSITORY, bytes, 'application/json'))
    )
    await registry.pushBlob(REPOSITORY, bytes, 'application/json')
    expect(standIn.requests.map(r => r.method)).toEqual(['HEAD', 'POST', 'PUT'])
    // Another repository is another blob.
    await registry.pushBlob('acme/other', bytes, 'application/json')
    expect(standIn.requests.map(r => r.method)).toEqual([
      'HEAD',
      'POST',
      'PUT',
      'HEAD',
      'POST',
      'PUT'
    ])
  })

  it('pushes fresh bytes (an envelope made just now) without asking whether the registry has them', async () => {
    const bytes = Buffer.from(`envelope ${Date.now()}`)
    await client().pushBlob(REPOSITORY, bytes, 'application/jose+json', { fresh: true })
    expect(standIn.requests.map(r => r.method)).toEqual(['POST', 'PUT'])
  })

  it('pushes a blob again after a push that failed', async () => {
    // A budget shorter than the first back-off: the failed POST ends the push.
    const registry = client(ANONYMOUS, { budgetMs: 200 })
    const bytes = Buffer.from(`retry ${Date.now()}`)
    standIn.failNext(1, 'internal-error', { method: 'POST' })
    await expect(registry.pushBlob(REPOSITORY, bytes, 'application/json')).rejects.toThrow()
    standIn.requests.length = 0
    await registry.pushBlob(REPOSITORY, bytes, 'application/json')
    expect(standIn.requests.map(r => r.method)).toEqual(['HEAD', 'POST', 'PUT'])
  })

  it('puts a manifest with a subject and reports the OCI-Subject the registry answered', async () => {
    const registry = client()
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, { seed: 'subject' })
    const signature = signatureManifest(image, Buffer.from('envelope'))
    for (const blob of signature.blobs)
      await registry.pushBlob(REPOSITORY, blob.bytes, blob.mediaType)
    const type = 'application/vnd.oci.image.manifest.v1+json'
    expect(
      await registry.putManifest(REPOSITORY, signature.descriptor.digest, type, signature.bytes)
    ).toEqual({
      digest: signature.descriptor.digest,
      ociSubject: image.digest
    })
    standIn.referrers = 'none'
    expect(await registry.putManifest(REPOSITORY, 'sig', type, signature.bytes)).toEqual({
      digest: signature.descriptor.digest,
      ociSubject: undefined
    })
  })

  it('refuses to put a manifest under a digest that is not its own', async () => {
    const error = await rejectionOf(
      client().putManifest(
        REPOSITORY,
        `sha256:${'c'.repeat(64)}`,
        'application/vnd.oci.image.index.v1+json',
        Buffer.from('{}')
      ),
      RegistryError
    )
    expect(error.message).toContain("is not the manifest's digest")
    expect(standIn.requests).toHaveLength(0)
  })

  it('pushes and deletes on a registry whose answers to writes have a body (Quay: 201 OK)', async () => {
    standIn.writeAnswerBody = 'OK'
    const registry = client()
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, { seed: 'quay' })
    const signature = signatureManifest(image, Buffer.from('envelope quay'))
    standIn.requests.length = 0
    for (const blob of signature.blobs) {
      await registry.pushBlob(REPOSITORY, blob.bytes, blob.mediaType)
    }
    const { digest, mediaType } = signature.descriptor
    await registry.putManifest(REPOSITORY, digest, mediaType, signature.bytes)
    expect(await registry.deleteManifest(REPOSITORY, digest)).toBe('deleted')
    const writes = standIn.requests.filter(r => ['PUT', 'POST', 'DELETE'].includes(r.method))
    expect(writes.map(r => `${r.method} ${r.status}`)).toEqual([
      'POST 202',
      'PUT 201',
      'PUT 201',
      'DELETE 202'
    ])
    // A body too large to be a mere acknowledgement is still refused.
    standIn.writeAnswerBody = 'x'.repeat(64 * 1024)
    const error = await rejectionOf(
      registry.putManifest(REPOSITORY, 'tagged', mediaType, signature.bytes),
      RegistryError
    )
    expect(error.message).toContain('sent an answer larger than 16384 bytes; refused')
  })

  it('deletes a manifest by digest, and says when it was not there', async () => {
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, { seed: 'delete', tag: 'gone' })
    const registry = client()
    expect(await registry.deleteManifest(REPOSITORY, image.digest)).toBe('deleted')
    expect(await registry.deleteManifest(REPOSITORY, image.digest)).toBe('absent')
    expect(standIn.tagged(REPOSITORY, 'gone')).toBeUndefined()
  })
})

describe('listReferrers', () => {
  const SIGNATURE = 'application/vnd.cncf.notary.signature'

  /** An image with `attached` artifacts that are no signatures, then a signature: their digests in that order. */
  async function referredImage(seed: string, attached: number) {
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, { seed })
    const referrers: string[] = []
    for (let index = 0; index < attached; index++) {
      const artifact = await pushAttachedArtifact(standIn.endpoint, REPOSITORY, image, {
        seed: `${seed} ${index}`
      })
      referrers.push(artifact.digest)
    }
    const signature = signatureManifest(image, Buffer.from(`envelope ${seed}`))
    for (const blob of signature.blobs) {
      await pushBlob(standIn.endpoint, REPOSITORY, blob.bytes, blob.mediaType)
    }
    await pushManifest(
      standIn.endpoint,
      REPOSITORY,
      JSON.parse(signature.bytes.toString('utf8')) as object,
      signature.descriptor.mediaType
    )
    referrers.push(signature.descriptor.digest)
    standIn.requests.length = 0
    return { image, referrers }
  }

  const digestsOf = (listing: { manifests: unknown[] } | undefined) =>
    listing?.manifests.map(entry => (entry as { digest: string }).digest)
  const referrerRequests = () =>
    standIn.requests.filter(r => r.path.includes('/referrers/')).map(r => r.path)

  it('lists through the API, and reports no API on a 404', async () => {
    const registry = client()
    const { image, referrers } = await referredImage('referred', 0)
    expect(await registry.listReferrers(REPOSITORY, image.digest)).toEqual({
      manifests: [expect.objectContaining({ digest: referrers[0], artifactType: SIGNATURE })]
    })
    standIn.referrers = 'none'
    expect(await registry.listReferrers(REPOSITORY, image.digest)).toBeUndefined()
  })

  it('follows Link rel="next" page after page, asking with the artifactType filter', async () => {
    standIn.referrersPageSize = 2
    standIn.filtersArtifactType = false
    const { image, referrers } = await referredImage('paged', 4)
    const listing = await client().listReferrers(REPOSITORY, image.digest, {
      artifactType: SIGNATURE,
      maxPages: 10
    })
    expect(digestsOf(listing)).toEqual(referrers)
    expect(listing?.cut).toBeUndefined()
    const path = `/v2/${REPOSITORY}/referrers/${image.digest}`
    expect(referrerRequests()).toEqual([
      `${path}?artifactType=application%2Fvnd.cncf.notary.signature`,
      `${path}?n=2&last=${encodeURIComponent(referrers[1]!)}`,
      `${path}?n=2&last=${encodeURIComponent(referrers[3]!)}`
    ])
  })

  it('reads the first page alone unless asked for more, as servesReferrers does', async () => {
    standIn.referrersPageSize = 2
    const { image, referrers } = await referredImage('first page', 2)
    const registry = client()
    expect(await registry.servesReferrers(REPOSITORY, image.digest)).toBe(true)
    expect(await registry.listReferrers(REPOSITORY, image.digest)).toEqual({
      manifests: [
        expect.objectContaining({ digest: referrers[0] }),
        expect.objectContaining({ digest: referrers[1] })
      ],
      cut: 'the registry has more than 1 page: the rest were not read'
    })
    const path = `/v2/${REPOSITORY}/referrers/${image.digest}`
    expect(referrerRequests()).toEqual([path, path])
  })

  it('reads at most maxPages, and says the listing was cut', async () => {
    standIn.referrersPageSize = 1
    const { image, referrers } = await referredImage('bounded', 4)
    const listing = await client().listReferrers(REPOSITORY, image.digest, { maxPages: 3 })
    expect(digestsOf(listing)).toEqual(referrers.slice(0, 3))
    expect(listing?.cut).toBe('the registry has more than 3 pages: the rest were not read')
    expect(referrerRequests()).toHaveLength(3)
  })

  it('keeps the pages read when a next page is on another origin, which gets no request and no credentials', async () => {
    const elsewhere = await startRegistryStandIn({ user: USER })
    try {
      standIn.referrersPageSize = 2
      standIn.referrersNextOrigin = elsewhere.endpoint
      const { image, referrers } = await referredImage('elsewhere', 3)
      standIn.auth = 'basic'
      const listing = await client(INPUT).listReferrers(REPOSITORY, image.digest, {
        maxPages: 10
      })
      expect(digestsOf(listing)).toEqual(referrers.slice(0, 2))
      expect(listing?.cut).toBe(
        `page 1 names its next page on another origin, ${elsewhere.endpoint}, which would receive the registry's credentials: not followed`
      )
      expect(elsewhere.requests).toEqual([])
      expect(standIn.requests.at(-1)).toMatchObject({ status: 200, auth: 'Basic' })
    } finally {
      await elsewhere.stop()
    }
  })

  it('keeps the pages read when a later page fails on every attempt, and says the listing was cut', async () => {
    standIn.referrersPageSize = 2
    const { image, referrers } = await referredImage('failing page', 3)
    standIn.failNext(2, 'internal-error', { path: /\/referrers\/.*last=/ })
    const listing = await client(ANONYMOUS, { maxAttempts: 2 }).listReferrers(
      REPOSITORY,
      image.digest,
      { maxPages: 10 }
    )
    expect(digestsOf(listing)).toEqual(referrers.slice(0, 2))
    expect(listing?.cut).toMatch(/^page 2 could not be read: .*500/)
  })

  it('ends the listing at a later page that is not an image index, keeping what was read', async () => {
    standIn.referrersPageSize = 2
    const { image, referrers } = await referredImage('no index', 3)
    const secondPage = standIn.holdNext({ path: /\/referrers\/.*last=/ })
    const listing = client().listReferrers(REPOSITORY, image.digest, { maxPages: 10 })
    await secondPage.arrived
    standIn.referrers = 'none'
    secondPage.release()
    expect(digestsOf(await listing)).toEqual(referrers.slice(0, 2))
    expect((await listing)?.cut).toBe('page 2 was not answered with an OCI image index')
  })
})

describe('authorization', () => {
  it('answers a Basic challenge with the credentials, once learned for every later request', async () => {
    await pushTestImage(standIn.endpoint, REPOSITORY, { tag: 'basic', seed: 'basic' })
    standIn.requests.length = 0
    standIn.auth = 'basic'
    const registry = client(INPUT)
    await registry.resolve(REPOSITORY, 'basic')
    await registry.resolve(REPOSITORY, 'basic')
    expect(standIn.requests.map(r => [r.status, r.auth])).toEqual([
      [401, undefined],
      [200, 'Basic'],
      [200, 'Basic']
    ])
  })

  it('follows a Bearer challenge to the token service, and asks for a token once per repository', async () => {
    await pushTestImage(standIn.endpoint, REPOSITORY, { tag: 'bearer', seed: 'bearer' })
    standIn.requests.length = 0
    standIn.auth = 'bearer'
    standIn.tokenField = 'access_token'
    const registry = client(INPUT)
    await registry.resolve(REPOSITORY, 'bearer')
    await registry.pushBlob(
      REPOSITORY,
      Buffer.from(`bearer ${Date.now()}`),
      'application/octet-stream'
    )
    const tokenRequests = standIn.requests.filter(r => r.path.startsWith('/token'))
    expect(tokenRequests).toHaveLength(1)
    expect(tokenRequests[0]).toMatchObject({ auth: 'Basic', status: 200 })
    expect(decodeURIComponent(tokenRequests[0]!.path)).toContain(
      `scope=repository:${REPOSITORY}:pull,push`
    )
    expect(standIn.requests.filter(r => !r.path.startsWith('/token')).map(r => r.auth)).toEqual([
      undefined,
      'Bearer',
      'Bearer',
      'Bearer',
      'Bearer'
    ])
  })

  it('masks the password, the Basic value and every token, and the log never holds them', async () => {
    standIn.auth = 'bearer'
    const { registryCredentials } = await import('../../../src/registry/credentials.js')
    const credentials = await registryCredentials(standIn.host, {
      ...USER,
      budgetMs: 1000,
      env: {}
    })
    await client(credentials).pushBlob(
      REPOSITORY,
      Buffer.from(`mask ${Date.now()}`),
      'application/octet-stream'
    )
    const masked = setSecret.mock.calls.map(([secret]) => secret)
    expect(masked).toEqual(
      expect.arrayContaining([
        USER.password,
        Buffer.from(`${USER.username}:${USER.password}`).toString('base64')
      ])
    )
    expect(masked).toHaveLength(3) // and the token
    expect(JSON.stringify(standIn.requests)).not.toContain(masked[2])
  })

  describe('a token request shared by requests in flight together', () => {
    const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))
    /** The tagged image, and the next token request held until the test releases it. */
    async function heldToken(seed: string) {
      const image = await pushTestImage(standIn.endpoint, REPOSITORY, { tag: seed, seed })
      standIn.auth = 'bearer'
      standIn.requests.length = 0
      return { image, token: standIn.holdNext({ path: /^\/token/ }) }
    }
    const tokenRequests = () => standIn.requests.filter(r => r.path.startsWith('/token'))

    it('is waited for no longer than each caller’s own deadline', async () => {
      const { image, token } = await heldToken('joined')
      const registry = client(INPUT)
      const patient = registry.getManifest(REPOSITORY, 'joined')
      await token.arrived
      const hurried = registry.readManifest(REPOSITORY, 'joined', {
        deadline: Date.now() + 300,
        attempts: 1
      })
      const outcome = await Promise.race([
        hurried.then(
          () => 'answered',
          (error: unknown) => error
        ),
        sleep(2000).then(() => 'still waiting')
      ])
      token.release()
      expect(outcome).toBeInstanceOf(RegistryError)
      expect((outcome as Error).message).toMatch(/ran out of time waiting for 127\.0\.0\.1:\d+$/)
      expect((await patient).descriptor).toEqual(image)
      expect(tokenRequests()).toEqual([expect.objectContaining({ status: 200 })])
    })

    it('outlives the deadline of the caller that started it, for the callers still waiting', async () => {
      const { image, token } = await heldToken('started')
      const registry = client(INPUT)
      const hurried = registry.readManifest(REPOSITORY, 'started', {
        deadline: Date.now() + 300,
        attempts: 1
      })
      await token.arrived
      const patient = registry.getManifest(REPOSITORY, 'started')
      await rejectionOf(hurried, RegistryError)
      token.release()
      expect((await patient).descriptor).toEqual(image)
      expect(tokenRequests()).toEqual([expect.objectContaining({ status: 200 })])
    })

    it('is abandoned once every caller has given up: a later request asks anew', async () => {
      const { image, token } = await heldToken('abandoned')
      const registry = client(INPUT)
      const hurried = registry.readManifest(REPOSITORY, 'abandoned', {
        deadline: Date.now() + 300,
        attempts: 1
      })
      await token.arrived
      await rejectionOf(hurried, RegistryError)
      expect((await registry.getManifest(REPOSITORY, 'abandoned')).descriptor).toEqual(image)
      // The first token request is still held: the second was answered.
      expect(tokenRequests()).toEqual([expect.objectContaining({ status: 200 })])
      token.release()
    })
  })

  it('refuses a token too short to be one, which masked would hide every such string in the log', async () => {
    standIn.auth = 'bearer'
    standIn.tokenValue = 'a'
    const error = await rejectionOf(client(INPUT).resolve(REPOSITORY, 'v1'), RegistryError)
    expect(error.message).toMatch(
      /^Getting a registry token from 127\.0\.0\.1:\d+ in 127\.0\.0\.1:\d+\/acme\/app failed: the token service answered with a token of 1 character, too short to be one; refused/
    )
    expect(setSecret).not.toHaveBeenCalledWith('a')
    expect(standIn.requests.filter(r => r.auth === 'Bearer')).toEqual([])
  })

  it('without credentials, a refused request says where to put them', async () => {
    standIn.auth = 'basic'
    const error = await rejectionOf(client().resolve(REPOSITORY, 'v1'), RegistryError)
    expect(error.status).toBe(401)
    expect(error.message).toContain('no credentials were found for 127.0.0.1')
    expect(error.message).toContain('registry-username and registry-password')
  })

  it('refused credentials are named as the ones that were refused', async () => {
    standIn.auth = 'bearer'
    const wrong: Credentials = { ...INPUT, basic: { username: 'octocat', password: 'wrong' } }
    const error = await rejectionOf(client(wrong).resolve(REPOSITORY, 'v1'), RegistryError)
    expect(error.message).toMatch(
      /^Getting a registry token from 127\.0\.0\.1:\d+ in .*failed: HTTP 401/
    )
    expect(error.message).toContain('the registry refused registry-username and registry-password')
  })

  it('a token without push access ends in the permission hint, not a credentials one', async () => {
    standIn.auth = 'bearer'
    const error = await rejectionOf(
      client().pushBlob(
        REPOSITORY,
        Buffer.from(`anonymous ${Date.now()}`),
        'application/octet-stream'
      ),
      RegistryError
    )
    expect(error.message).toContain('may not do this in acme/app')
    expect(error.message).toContain('packages: write')
  })

  it('a client that only pulls asks for a pull token', async () => {
    await pushTestImage(standIn.endpoint, REPOSITORY, { tag: 'pull', seed: 'pull' })
    standIn.requests.length = 0
    standIn.auth = 'bearer'
    await client(ANONYMOUS, { access: 'pull' }).resolve(REPOSITORY, 'pull')
    const tokenRequest = standIn.requests.find(r => r.path.startsWith('/token'))
    const asked = new URLSearchParams(tokenRequest!.path.split('?')[1]).getAll('scope')
    expect(asked).toEqual([`repository:${REPOSITORY}:pull`])
  })

  it('a refusal to a client that only pulls asks for read access, not push', async () => {
    const { answerError } = await import('../../../src/registry/registry-error.js')
    const context = {
      registry: 'ghcr.io',
      repository: REPOSITORY,
      operation: 'reading',
      access: 'pull' as const
    }
    expect(answerError(context, 403, Buffer.alloc(0), INPUT).message).toContain(
      'may not read acme/app: they need read access to the repository (GHCR: `permissions: packages: read`'
    )
    const ecr = { origin: 'ecr' as const, description: 'an ECR token', basic: undefined }
    expect(answerError(context, 403, Buffer.alloc(0), ecr).message).toContain(
      'the role needs ecr:BatchGetImage and ecr:GetDownloadUrlForLayer on the repository'
    )
  })

  it('refuses a token service on plain HTTP away from this machine', async () => {
    standIn.auth = 'bearer'
    standIn.realm = 'http://auth.example.com/token'
    const error = await rejectionOf(client(INPUT).resolve(REPOSITORY, 'v1'), Error)
    expect(error.message).toContain('only HTTPS is used')
    expect(standIn.requests).toHaveLength(1)
  })
})

describe('a 401 from another origin than the registry', () => {
  let elsewhere: RegistryStandIn
  beforeAll(async () => {
    elsewhere = await startRegistryStandIn({ user: USER })
  })
  afterAll(() => elsewhere.stop())

  /** A blob in the registry, pushed by `registry` (which so learns its authorization). */
  async function pushedBlob(registry: InstanceType<typeof RegistryClient>, seed: string) {
    const bytes = Buffer.from(`${seed} ${Date.now()}`)
    const pushed = await registry.pushBlob(REPOSITORY, bytes, 'application/jose+json')
    elsewhere.requests.length = 0
    standIn.redirect = { match: { method: 'GET', path: /\/blobs\// }, origin: elsewhere.endpoint }
    return { bytes, descriptor: pushed }
  }

  it('is not answered: the credentials never reach the token service it names, and the read fails naming that host', async () => {
    standIn.auth = 'basic'
    elsewhere.auth = 'bearer'
    const registry = client(INPUT)
    const { descriptor } = await pushedBlob(registry, 'storage')
    const error = await rejectionOf(registry.getBlob(REPOSITORY, descriptor, 1024), RegistryError)
    expect(error.message).toBe(
      `Reading the blob ${descriptor.digest} in ${standIn.host}/${REPOSITORY} failed: ${elsewhere.host}, where the registry ${standIn.host} sent the request, answered HTTP 401 and asked for credentials; they are only ever sent to the registry itself.`
    )
    expect(elsewhere.requests.map(r => [r.method, r.path, r.auth])).toEqual([
      ['GET', `/v2/${REPOSITORY}/blobs/${descriptor.digest}`, undefined]
    ])
  })

  it('leaves a Bearer registry Bearer when the other origin asks for Basic', async () => {
    standIn.auth = 'bearer'
    elsewhere.auth = 'basic'
    const registry = client(INPUT)
    const { bytes, descriptor } = await pushedBlob(registry, 'basic elsewhere')
    await rejectionOf(registry.getBlob(REPOSITORY, descriptor, 1024), RegistryError)
    expect(elsewhere.requests.map(r => r.auth)).toEqual([undefined])
    standIn.redirect = undefined
    expect((await registry.getBlob(REPOSITORY, descriptor, 1024)).equals(bytes)).toBe(true)
    expect(standIn.requests.at(-1)).toMatchObject({ status: 200, auth: 'Bearer' })
  })
})

describe('faults', () => {
  it('retries a 500 and a reset connection', async () => {
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, {
      tag: 'faults',
      seed: 'faults'
    })
    standIn.requests.length = 0
    standIn.failNext(1, 'internal-error', { method: 'HEAD' })
    standIn.failNext(1, 'reset', { method: 'HEAD' })
    expect(await client().resolve(REPOSITORY, 'faults')).toEqual(image)
    expect(standIn.requests.map(r => r.status)).toEqual([500, 'reset', 200])
  })

  it('gives an attempt that goes silent up, and tries again', async () => {
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, { tag: 'hang', seed: 'hang' })
    standIn.requests.length = 0
    standIn.failNext(1, 'hang', { method: 'HEAD' })
    const started = Date.now()
    // A budget of 6 s: silence limit 2 s.
    expect(await client(ANONYMOUS, { budgetMs: 6000 }).resolve(REPOSITORY, 'hang')).toEqual(image)
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000)
    expect(standIn.requests.map(r => r.status)).toEqual(['hung', 200])
  })

  it('paces a throttled registry: 429 slows the shared rate and is retried', async () => {
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, {
      tag: 'throttle',
      seed: 'throttle'
    })
    standIn.failNext(1, 'throttle')
    const rate = new RequestRate()
    const registry = new RegistryClient({
      registry: standIn.host,
      apiHost: standIn.host,
      credentials: ANONYMOUS,
      budgetMs: 30_000,
      rate
    })
    expect(await registry.resolve(REPOSITORY, 'throttle')).toEqual(image)
    expect(rate.perSecond).toBeLessThan(Infinity)
  })

  it('fails after its attempts, naming the operation and how many attempts it took', async () => {
    standIn.failNext(5, 'internal-error')
    const error = await rejectionOf(
      client(ANONYMOUS, { maxAttempts: 2 }).getManifest(REPOSITORY, 'v1'),
      RegistryError
    )
    expect(error.message).toMatch(
      /^Reading the manifest v1 in 127\.0\.0\.1:\d+\/acme\/app failed: HTTP 500 \(UNKNOWN: fault\) \(2 attempts\)\.$/
    )
  })

  it('does not retry what will not change (403)', async () => {
    standIn.auth = 'bearer'
    await rejectionOf(
      client().pushBlob(REPOSITORY, Buffer.from(`no ${Date.now()}`), 'x/y'),
      RegistryError
    )
    // HEAD 401, token, HEAD 200 (pull allowed), POST 401, no retry of the refused push.
    expect(standIn.requests.filter(r => r.method === 'POST')).toHaveLength(1)
  })
})

describe('RegistryClients', () => {
  it('makes one client per registry for the step, shared by the images signed there', async () => {
    const { RegistryClients } = await import('../../../src/registry/registry-clients.js')
    const { parseImageReference } = await import('../../../src/registry/image-reference.js')
    const clients = new RegistryClients({
      username: undefined,
      password: undefined,
      budgetMs: 5000,
      env: { DOCKER_CONFIG: '/nonexistent' }
    })
    const port = new URL(standIn.endpoint).port
    const first = await clients.forImage(parseImageReference(`${standIn.host}/acme/app:1`, 'image'))
    const second = await clients.forImage(
      parseImageReference(`${standIn.host}/other/app:2`, 'image')
    )
    const third = await clients.forImage(
      parseImageReference(`localhost:${port}/acme/app:1`, 'image')
    )
    expect(second).toBe(first)
    expect(third).not.toBe(first)
    expect(third.registry).toBe(`localhost:${port}`)
  })
})
