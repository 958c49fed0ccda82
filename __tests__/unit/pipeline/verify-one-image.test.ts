import { createHash } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { RevokeSignatureCommand } from '@aws-sdk/client-signer'
import { startRegistryStandIn, type RegistryStandIn } from '../../rig/registry-stand-in.js'
import { startSignerService, type SignerService } from '../../rig/signer-service.js'
import { certificateHashes } from '../../rig/signer-revocation.js'
import {
  pushAttachedArtifact,
  pushBlob,
  pushManifest,
  pushTestImage
} from '../../rig/test-images.js'

// Signing through the real SignPayload path, then verifying: the local Signer (no S3 needed for
// SignPayload and GetRevocationStatus) and the registry stand-in, with and without the API.
const warning = jest.fn<(text: string) => void>()
jest.unstable_mockModule('@actions/core', () => ({ setSecret: () => {}, warning, info: () => {} }))

const { createClients } = await import('../../../src/aws/clients.js')
const { signImage } = await import('../../../src/pipeline/sign-one-image.js')
const { verifyImage } = await import('../../../src/pipeline/verify-one-image.js')
const { parseImageReference } = await import('../../../src/registry/image-reference.js')
const { RegistryClients } = await import('../../../src/registry/registry-clients.js')
const { referrerDescriptor, referrersTag } =
  await import('../../../src/registry/referrers-index.js')
const { AWS_SIGNER_ROOT_SHA256 } = await import('../../../src/notary/verify-signature.js')
type AwsClients = import('../../../src/aws/clients.js').AwsClients
type ImageTrust = import('../../../src/pipeline/verify-one-image.js').ImageTrust
type Descriptor = import('../../../src/registry/descriptor.js').Descriptor

const PROFILE = 'container_profile'
const REPOSITORY = 'acme/app'
const saved = { ...process.env }

let signerService: SignerService
let standIn: RegistryStandIn
let clients: AwsClients
let profileArn: string

beforeAll(async () => {
  // SignPayload and GetRevocationStatus never reach S3.
  signerService = await startSignerService({ s3Endpoint: 'http://127.0.0.1:9' })
  signerService.addProfile({ name: PROFILE, platformId: 'Notation-OCI-SHA384-ECDSA' })
  standIn = await startRegistryStandIn({})
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SIGNER: signerService.endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true'
  })
  clients = createClients({ region: 'us-east-1', budgetMs: 10_000 })
  profileArn = `arn:aws:signer:us-east-1:123456789012:/signing-profiles/${PROFILE}`
})
afterAll(async () => {
  clients?.s3.destroy()
  clients?.signer.destroy()
  clients?.signerPoller.destroy()
  await standIn?.stop()
  await signerService?.stop()
  process.env = saved
})
beforeEach(() => {
  signerService.reset()
  standIn.referrers = 'api'
  standIn.referrersPageSize = undefined
  standIn.filtersArtifactType = true
  standIn.referrersNextOrigin = undefined
  warning.mockClear()
})

const registries = (access: 'pull' | 'push', budgetMs = 10_000) =>
  new RegistryClients({ username: undefined, password: undefined, budgetMs, env: {}, access })

function trust(changes: Partial<ImageTrust> = {}): ImageTrust {
  return {
    trustedRootSha256: [signerService.notary.chain.root.sha256],
    trustedProfiles: [profileArn],
    ...changes
  }
}

async function sign(image: Descriptor): Promise<string> {
  const reference = parseImageReference(`${standIn.host}/${REPOSITORY}@${image.digest}`, 'image')
  const [signed] = await signImage(
    reference,
    {
      inputs: {
        profileName: PROFILE,
        profileOwner: undefined,
        region: 'us-east-1',
        timeoutSeconds: 10,
        signPlatformManifests: false
      },
      signer: clients.signer,
      registries: registries('push')
    },
    () => {}
  )
  if (signed?.status !== 'signed') throw new Error(`signing failed: ${signed?.error}`)
  return signed.signatureDigest
}

/**
 * Signs where the API lists the signature, then takes the API away and lists it in the referrers
 * tag (signing keeps that tag itself, but waits out its settle time of ten seconds to do so).
 */
async function signIntoTag(image: Descriptor): Promise<string> {
  const digest = await sign(image)
  standIn.referrers = 'none'
  await appendToTag(image, [
    referrerDescriptor(
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest,
        size: standIn.manifest(REPOSITORY, digest)!.length
      },
      standIn.manifest(REPOSITORY, digest)!
    )
  ])
  return digest
}

function verify(
  text: string,
  changes: Partial<ImageTrust> = {},
  budgetMs = 10_000,
  region = 'us-east-1'
) {
  const warn = jest.fn<(text: string) => void>()
  const lines: string[] = []
  return verifyImage(
    parseImageReference(text, 'image'),
    {
      trust: trust(changes),
      signer: clients.signer,
      region,
      registries: registries('pull', budgetMs),
      warn
    },
    line => lines.push(line)
  ).then(result => ({ result, warn, lines }))
}

const byDigest = (image: Descriptor) => `${standIn.host}/${REPOSITORY}@${image.digest}`

describe('verifyImage', () => {
  it('verifies an image signed through SignPayload, and asks GetRevocationStatus as the plugin does', async () => {
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, { seed: 'valid' })
    const signatureDigest = await sign(image)
    const { result, lines } = await verify(byDigest(image))
    const job = signerService.notary.jobs[0]!
    expect(result).toEqual({
      image: byDigest(image),
      verifiedImage: byDigest(image),
      digest: image.digest,
      mediaType: image.mediaType,
      status: 'verified',
      signatures: [
        {
          signatureDigest,
          listedBy: 'api',
          verdict: 'valid',
          jobArn: job.jobArn,
          profileVersionArn: job.profileVersionArn,
          signedAt: new Date(Math.floor(job.signedAtMs / 1000) * 1000).toISOString(),
          expiresAt: job.expiresAt.toISOString(),
          trustedBy: profileArn
        }
      ],
      leftOut: 0,
      seconds: expect.any(Number)
    })
    expect(lines).toContain(
      `${signatureDigest}: valid (job ${job.jobArn}, trusted by ${profileArn})`
    )
    // Sent to the endpoint as given (no data- prefix), with the chain's hashes as the plugin sends them.
    const queries = signerService.revocations.queries
    expect(queries).toHaveLength(1)
    expect(queries[0]).toMatchObject({
      host: new URL(signerService.endpoint).host,
      platformId: 'Notation-OCI-SHA384-ECDSA',
      profileVersionArn: job.profileVersionArn,
      jobArn: job.jobArn,
      certificateHashes: certificateHashes(signerService.notary.chain.certificates),
      revokedEntities: []
    })
    expect(queries[0]!.signatureTimestamp.toISOString()).toBe(result.signatures[0]!.signedAt)
  })

  it('finds the signature in the referrers tag of a registry without the API', async () => {
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, { seed: 'tag' })
    await signIntoTag(image)
    const { result } = await verify(byDigest(image))
    expect(result.status).toBe('verified')
    expect(result.signatures.map(s => s.listedBy)).toEqual(['tag'])
  })

  it('fails an image without signatures, saying where it looked', async () => {
    standIn.referrers = 'none'
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, { seed: 'unsigned' })
    const { result } = await verify(byDigest(image))
    expect(result).toMatchObject({ status: 'failed', signatures: [] })
    expect(result.error).toBe(
      `no Notary signature was found in the referrers tag ${referrersTag(image.digest)} (the registry has no referrers API). Sign the image first (this action with 'image'), or check that the reference names the image that was signed.`
    )
  })

  it('fails an image whose referrers listing was cut before its signature, saying so in the result, the log and the error', async () => {
    standIn.referrersPageSize = 1
    standIn.filtersArtifactType = false
    standIn.referrersNextOrigin = 'http://127.0.0.1:9'
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, { seed: 'cut' })
    await pushAttachedArtifact(standIn.endpoint, REPOSITORY, image, { seed: 'cut' })
    await sign(image)
    const { result, lines } = await verify(byDigest(image))
    const cut =
      "page 1 names its next page on another origin, http://127.0.0.1:9, which would receive the registry's credentials: not followed"
    expect(result).toMatchObject({ status: 'failed', signatures: [], listingCut: cut })
    expect(lines).toContain(`the referrers API's listing was cut: ${cut}`)
    expect(result.error).toBe(
      `no Notary signature was found in the registry's referrers API and the referrers tag ${referrersTag(image.digest)}. Sign the image first (this action with 'image'), or check that the reference names the image that was signed. The referrers API's listing was cut, so a signature may be on a page not read: ${cut}.`
    )
  })

  it.each<[string, Partial<ImageTrust>, string, RegExp]>([
    [
      'a profile not trusted',
      {
        trustedProfiles: ['arn:aws:signer:us-east-1:123456789012:/signing-profiles/other_profile']
      },
      'trustedProfile',
      /is not among the trusted profiles/
    ],
    ['a root not pinned', { trustedRootSha256: [AWS_SIGNER_ROOT_SHA256] }, 'trustedRoot', /./]
  ])('fails a signature by %s, naming the check', async (_case, changes, check, reason) => {
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, { seed: `trust ${check}` })
    await sign(image)
    const { result } = await verify(byDigest(image), changes)
    expect(result.status).toBe('failed')
    expect(result.signatures).toEqual([
      expect.objectContaining({ verdict: 'invalid', check, reason: expect.stringMatching(reason) })
    ])
    expect(result.error).toMatch(
      new RegExp(
        `^none of its 1 signature passed every check: sha256:[0-9a-f]{64} failed '${check}'`
      )
    )
    // Nothing failed cryptographically trusted asks Signer about revocation.
    expect(signerService.revocations.queries).toEqual([])
  })

  it('fails a signature whose job is revoked, after it was valid', async () => {
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, { seed: 'revoked' })
    await sign(image)
    expect((await verify(byDigest(image))).result.status).toBe('verified')
    const job = signerService.notary.jobs[0]!
    await clients.signer.send(new RevokeSignatureCommand({ jobId: job.jobId, reason: 'bad build' }))
    const { result } = await verify(byDigest(image))
    expect(result.status).toBe('failed')
    expect(result.signatures[0]).toMatchObject({
      verdict: 'invalid',
      check: 'revoked',
      reason: `GetRevocationStatus reports revoked: the signing job ${job.jobArn}`,
      jobArn: job.jobArn
    })
  })

  it('names a revoked certificate by its place in the chain', async () => {
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, { seed: 'certificate' })
    await sign(image)
    const hashes = certificateHashes(signerService.notary.chain.certificates)
    signerService.revocations.certificates.add(hashes[1]!.toUpperCase())
    const { result } = await verify(byDigest(image))
    expect(result.signatures[0]?.reason).toBe(
      'GetRevocationStatus reports revoked: certificate 2 of 4 of the chain'
    )
  })

  it('fails closed when GetRevocationStatus cannot be asked', async () => {
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, { seed: 'denied' })
    await sign(image)
    signerService.faults.deny.add('GetRevocationStatus')
    const { result } = await verify(byDigest(image))
    expect(result.signatures[0]).toMatchObject({
      verdict: 'invalid',
      check: 'revocationStatus',
      reason: expect.stringContaining('the role needs signer:GetRevocationStatus')
    })
  })

  it.each([
    ['another Region', 'us-west-2', 'partition aws'],
    ['another partition', 'cn-north-1', 'partition aws-cn']
  ])(
    "fails 'revocationStatus' for a signature made in %s than the step's, asking nothing",
    async (_case, region, partition) => {
      const image = await pushTestImage(standIn.endpoint, REPOSITORY, { seed: `from-${region}` })
      await sign(image)
      const { result } = await verify(byDigest(image), {}, 10_000, region)
      const job = signerService.notary.jobs[0]!
      expect(result.status).toBe('failed')
      expect(result.signatures[0]).toMatchObject({
        verdict: 'invalid',
        check: 'revocationStatus',
        reason: `'${job.jobArn}' names us-east-1 (partition aws), and this step asks GetRevocationStatus in ${region} (${partition}), which may not know of revocations made there: verify this image in a step with 'region: us-east-1'`
      })
      expect(signerService.revocations.queries).toEqual([])
    }
  )

  it('verifies an image with one good signature among bad ones, and reports each', async () => {
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, { seed: 'mixed' })
    const good = await signIntoTag(image)
    const envelope = signerService.notary.jobs[0]!.envelope
    // The envelope with one byte of its signature changed, and a manifest for another image.
    const tampered = Buffer.from(envelope)
    const at = tampered.lastIndexOf('"signature":"') + 20
    tampered[at] = tampered[at] === 0x41 ? 0x42 : 0x41
    const bad = await pushSignatureManifest(image, tampered)
    const other = await pushTestImage(standIn.endpoint, REPOSITORY, { seed: 'other' })
    const elsewhere = await pushSignatureManifest(other, envelope)
    await appendToTag(image, [bad, elsewhere])

    const { result } = await verify(byDigest(image))
    expect(result.status).toBe('verified')
    const verdicts = Object.fromEntries(
      result.signatures.map(s => [s.signatureDigest, [s.verdict, s.check]])
    )
    expect(verdicts).toEqual({
      [good]: ['valid', undefined],
      [bad.digest]: ['invalid', 'signature'],
      [elsewhere.digest]: ['invalid', 'signatureManifest']
    })
  })

  it("checks an image's signatures side by side, and reports them newest first", async () => {
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, { seed: 'side-by-side' })
    const signatures = [await sign(image), await sign(image), await sign(image)]
    const envelopeReads = () =>
      standIn.requests.filter(request => request.method === 'GET' && /\/blobs\//.test(request.path))
    const before = envelopeReads().length
    // The first envelope read is held: the others are answered meanwhile only if they do not
    // wait for it.
    const held = standIn.holdNext({ method: 'GET', path: /\/blobs\// })
    // A 60 s budget: the client's silence limit (a third, at most 30 s) is far off, so the held
    // read is not retried while the others are waited for.
    const verifying = verify(byDigest(image), {}, 60_000)
    await held.arrived
    const deadline = Date.now() + 10_000
    while (envelopeReads().length < before + 2 && Date.now() < deadline) {
      await new Promise(resolve => setTimeout(resolve, 20))
    }
    const answeredWhileHeld = envelopeReads().length - before
    held.release()
    const { result } = await verifying

    expect(answeredWhileHeld).toBe(2)
    expect(result.status).toBe('verified')
    expect(result.signatures.map(signature => signature.signatureDigest)).toEqual(
      [...signatures].reverse()
    )
    expect(result.signatures.every(signature => signature.verdict === 'valid')).toBe(true)
  })

  it("fails a signature whose envelope the registry will not give, as 'read'", async () => {
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, { seed: 'unreadable' })
    await sign(image)
    const envelope = sha256(signerService.notary.jobs[0]!.envelope)
    standIn.failNext(5, 'internal-error', {
      method: 'GET',
      path: new RegExp(`/blobs/${envelope}$`)
    })
    // A short budget: the registry client gives up after its first retry.
    const { result } = await verify(byDigest(image), {}, 1500)
    standIn.clearFaults()
    expect(result.status).toBe('failed')
    expect(result.signatures[0]).toMatchObject({
      verdict: 'invalid',
      check: 'read',
      reason: expect.stringContaining(
        `Reading the blob ${envelope} in ${standIn.host}/${REPOSITORY} failed: HTTP 500`
      )
    })
  })

  it('verifies what a tag names now, and says to deploy that digest', async () => {
    const image = await pushTestImage(standIn.endpoint, REPOSITORY, { seed: 'by tag', tag: 'v2' })
    await sign(image)
    const { result, warn } = await verify(`${standIn.host}/${REPOSITORY}:v2`)
    expect(result).toMatchObject({ status: 'verified', verifiedImage: byDigest(image) })
    expect(warn).toHaveBeenCalledWith(
      `'${standIn.host}/${REPOSITORY}:v2' is a tag: verified the manifest it names now, ${image.digest}. Deploy that digest (${byDigest(image)}), so that what runs is what was verified even if the tag moves.`
    )
  })

  it('fails an image the registry does not have, with the registry error', async () => {
    const { result } = await verify(`${standIn.host}/${REPOSITORY}@sha256:${'0'.repeat(64)}`)
    expect(result).toMatchObject({ status: 'failed', verifiedImage: '', signatures: [] })
    expect(result.error).toContain('HTTP 404')
  })
})

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`

/** A signature manifest of `subject` storing `envelope`, pushed without listing it anywhere. */
async function pushSignatureManifest(subject: Descriptor, envelope: Buffer): Promise<Descriptor> {
  const empty = Buffer.from('{}')
  await pushBlob(standIn.endpoint, REPOSITORY, empty, 'application/vnd.oci.empty.v1+json')
  await pushBlob(standIn.endpoint, REPOSITORY, envelope, 'application/jose+json')
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: 'application/vnd.cncf.notary.signature',
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(empty), size: 2 },
    layers: [
      { mediaType: 'application/jose+json', digest: sha256(envelope), size: envelope.length }
    ],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size }
  }
  const { descriptor } = await pushManifest(
    standIn.endpoint,
    REPOSITORY,
    manifest,
    manifest.mediaType
  )
  return { ...descriptor, artifactType: 'application/vnd.cncf.notary.signature' }
}

async function appendToTag(image: Descriptor, entries: Descriptor[]): Promise<void> {
  const tag = referrersTag(image.digest)
  const current = standIn.tagged(REPOSITORY, tag)
  const manifests = current
    ? (
        JSON.parse(standIn.manifest(REPOSITORY, current)!.toString('utf8')) as {
          manifests: object[]
        }
      ).manifests
    : []
  await pushManifest(
    standIn.endpoint,
    REPOSITORY,
    {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [...manifests, ...entries]
    },
    'application/vnd.oci.image.index.v1+json',
    { tag }
  )
}
