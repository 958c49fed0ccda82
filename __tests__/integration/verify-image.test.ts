/**
 * `mode: verify` for container images as the runner runs the action: an image signed by the
 * action (a first step), then verified by it (a second step), in the real CNCF Distribution (the
 * referrers tag) and in the stand-in with the referrers API, also read page by page; each refusal
 * names its check.
 */
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { RevokeSignatureCommand, SignerClient } from '@aws-sdk/client-signer'
import { MOTO_ACCOUNT } from '../rig/moto.js'
import { startRegistryStandIn, type RegistryStandIn } from '../rig/registry-stand-in.js'
import { startRig, type Rig } from '../rig/rig.js'
import { pushAttachedArtifact, pushBlob, pushManifest, pushTestImage } from '../rig/test-images.js'
import type { ImageVerification } from '../../src/pipeline/verify-one-image.js'
import type { Descriptor } from '../../src/registry/descriptor.js'
import {
  CONTAINER_PROFILE,
  NOTATION_PLATFORM,
  runImageSigning,
  startRealRegistry,
  type TestRegistry
} from './images.js'

let rig: Rig
let registry: TestRegistry
let standIn: RegistryStandIn
/** Signed once in the real registry, by the action, for the tests that only read it. */
let signed: { image: Descriptor; reference: string }

const PROFILE_ARN = () =>
  `arn:aws:signer:us-east-1:${MOTO_ACCOUNT}:/signing-profiles/${CONTAINER_PROFILE}`

beforeAll(async () => {
  rig = await startRig()
  rig.signer.addProfile({ name: CONTAINER_PROFILE, platformId: NOTATION_PLATFORM })
  ;[registry, standIn] = await Promise.all([
    startRealRegistry('verify-image.test.ts'),
    startRegistryStandIn({ referrers: 'api' })
  ])
  const image = await pushTestImage(registry.endpoint, 'acme/app', { seed: 'verify' })
  const reference = `${registry.host}/acme/app@${image.digest}`
  const signing = await runImageSigning(rig, { image: reference })
  if (signing.exitCode !== 0) throw new Error(`signing failed: ${signing.errors.join(' ')}`)
  signed = { image, reference }
}, 120_000)
afterAll(async () => {
  await Promise.all([registry?.stop(), standIn?.stop()])
  await rig?.stop()
})
beforeEach(() => {
  rig.signer.revocations.queries.length = 0
})

/** The action as a deploy job's step: mode verify, pinned to the rig's root. */
function runVerify(inputs: Record<string, string>) {
  return runImageSigning(rig, {
    mode: 'verify',
    'trusted-root-sha256': rig.signer.notary.chain.root.sha256,
    ...inputs
  })
}

const resultsOf = (run: { outputs: Record<string, string> }) =>
  JSON.parse(run.outputs.results ?? '[]') as ImageVerification[]

describe('verifying an image the action signed', () => {
  it('passes in a registry without the referrers API, trusting every version of profile-name', async () => {
    const run = await runVerify({ image: signed.reference })
    expect(run.errors).toEqual([])
    expect(run.warnings).toEqual([])
    expect(run.exitCode).toBe(0)
    const [result] = resultsOf(run)
    expect(result).toMatchObject({
      verifiedImage: signed.reference,
      status: 'verified',
      signatures: [
        {
          listedBy: 'tag',
          verdict: 'valid',
          trustedBy: PROFILE_ARN(),
          jobArn: expect.stringMatching(/:\/signing-jobs\//)
        }
      ]
    })
    expect(run.summary).toContain('1 of 1 image verified.')
    // GetRevocationStatus went to the rig's endpoint as given: the data- prefix is AWS's only.
    expect(rig.signer.revocations.queries.map(query => query.host)).toEqual([
      new URL(rig.signer.endpoint).host
    ])
  })

  it('passes in a registry with the referrers API', async () => {
    const image = await pushTestImage(standIn.endpoint, 'acme/api', { seed: 'api' })
    const reference = `${standIn.host}/acme/api@${image.digest}`
    expect((await runImageSigning(rig, { image: reference })).exitCode).toBe(0)
    const run = await runVerify({ image: reference })
    expect(run.exitCode).toBe(0)
    expect(resultsOf(run)[0]?.signatures.map(s => s.listedBy)).toEqual(['api'])
  })

  it("fails when the profile is not among trusted-profiles, naming 'trustedProfile'", async () => {
    const other = `arn:aws:signer:us-east-1:${MOTO_ACCOUNT}:/signing-profiles/other_profile`
    const run = await runVerify({ image: signed.reference, 'trusted-profiles': other })
    expect(run.exitCode).toBe(1)
    expect(run.errors).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${escape(signed.reference)}: none of its 1 signature passed every check: sha256:[0-9a-f]{64} failed 'trustedProfile': signing profile version .* is not among the trusted profiles \\(${escape(other)}\\)`
        )
      )
    ])
    expect(resultsOf(run)[0]?.signatures[0]).toMatchObject({ check: 'trustedProfile' })
  })

  it("fails with AWS's root pinned (the default): the rig's chain is not AWS's", async () => {
    const run = await runImageSigning(rig, { mode: 'verify', image: signed.reference })
    expect(run.exitCode).toBe(1)
    // What a chain to no pinned root says is only claimed: not reported as the signature's.
    expect(resultsOf(run)[0]?.signatures[0]).toMatchObject({
      check: 'trustedRoot',
      jobArn: '',
      profileVersionArn: '',
      signedAt: ''
    })
    expect(run.errors[0]).toContain("failed 'trustedRoot'")
  })

  it('fails an image never signed, saying where it looked', async () => {
    const image = await pushTestImage(registry.endpoint, 'acme/app', { seed: 'unsigned' })
    const reference = `${registry.host}/acme/app@${image.digest}`
    const run = await runVerify({ image: reference })
    expect(run.exitCode).toBe(1)
    expect(run.errors).toEqual([
      `${reference}: no Notary signature was found in the referrers tag ${image.digest.replace(':', '-')} (the registry has no referrers API). Sign the image first (this action with 'image'), or check that the reference names the image that was signed.`
    ])
  })

  it("fails a tampered signature with its check, 'signature', and verifies no other image by it", async () => {
    // The action's own signature of one image, its envelope changed by a byte, listed for another.
    const image = await pushTestImage(standIn.endpoint, 'acme/tampered', { seed: 'tampered' })
    const reference = `${standIn.host}/acme/tampered@${image.digest}`
    expect((await runImageSigning(rig, { image: reference })).exitCode).toBe(0)
    const job = rig.signer.notary.jobs.at(-1)!
    const tampered = Buffer.from(job.envelope)
    const at = tampered.lastIndexOf('"signature":"') + 20
    tampered[at] = tampered[at] === 0x41 ? 0x42 : 0x41
    const victim = await pushTestImage(standIn.endpoint, 'acme/tampered', { seed: 'victim' })
    await pushSignatureOf(standIn, 'acme/tampered', victim, job.envelope)
    await pushSignatureOf(standIn, 'acme/tampered', image, tampered)

    const run = await runVerify({
      image: `${reference}\n${standIn.host}/acme/tampered@${victim.digest}`
    })
    expect(run.exitCode).toBe(1)
    const [first, second] = resultsOf(run)
    // The image keeps its good signature; the bad one is reported beside it.
    expect(first?.status).toBe('verified')
    expect(first?.signatures.map(s => s.check ?? s.verdict).sort()).toEqual(['signature', 'valid'])
    // The ARNs and times of an envelope whose signature fails are claims: left out.
    expect(first?.signatures.find(s => s.check === 'signature')).toMatchObject({
      jobArn: '',
      profileVersionArn: '',
      signedAt: '',
      expiresAt: ''
    })
    // An envelope that signs another image fails its 'payload' check; Signer did sign it.
    expect(second?.status).toBe('failed')
    expect(second?.signatures.map(s => s.check)).toEqual(['payload'])
    expect(second?.signatures[0]?.jobArn).toMatch(/:\/signing-jobs\//)
    expect(run.errors.at(-1)).toBe(
      "1 of 2 images failed to verify; the 1 verified image(s) are listed in 'results'."
    )
  })

  it("refuses a signature once it has expired: valid before, 'expired' after", async () => {
    // Signed with an expiry 8 s after its signing time (whole seconds, as AWS writes it): time
    // for the signing step and one verification on a loaded runner, then it lapses.
    let expiry = new Date(0)
    rig.signer.faults.envelope = draft => {
      expiry = new Date(Math.floor(Date.now() / 1000) * 1000 + 8000)
      draft.protectedHeader['io.cncf.notary.expiry'] = expiry.toISOString().replace('.000Z', 'Z')
      return draft
    }
    const image = await pushTestImage(standIn.endpoint, 'acme/expiring', { seed: 'expiring' })
    const reference = `${standIn.host}/acme/expiring@${image.digest}`
    try {
      expect((await runImageSigning(rig, { image: reference })).exitCode).toBe(0)
    } finally {
      rig.signer.faults.envelope = null
    }
    expect((await runVerify({ image: reference })).exitCode).toBe(0)
    expect(Date.now()).toBeLessThan(expiry.getTime())
    await new Promise(resolve => setTimeout(resolve, expiry.getTime() + 500 - Date.now()))

    const run = await runVerify({ image: reference })
    expect(run.exitCode).toBe(1)
    expect(resultsOf(run)[0]?.signatures.map(s => s.check)).toEqual(['expired'])
  }, 60_000)

  it('refuses a signature revoked since: valid before, revoked after', async () => {
    const image = await pushTestImage(standIn.endpoint, 'acme/revoked', { seed: 'revoked' })
    const reference = `${standIn.host}/acme/revoked@${image.digest}`
    const signing = await runImageSigning(rig, { image: reference })
    expect(signing.exitCode).toBe(0)
    expect((await runVerify({ image: reference })).exitCode).toBe(0)

    const signer = new SignerClient({
      endpoint: rig.signer.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' }
    })
    await signer.send(
      new RevokeSignatureCommand({ jobId: signing.outputs['job-id']!, reason: 'bad build' })
    )
    signer.destroy()

    const run = await runVerify({ image: reference })
    expect(run.exitCode).toBe(1)
    expect(resultsOf(run)[0]?.signatures[0]).toMatchObject({
      verdict: 'invalid',
      check: 'revoked',
      reason: `GetRevocationStatus reports revoked: the signing job ${signing.outputs['signing-job-arn']}`
    })
    expect(run.summary).toContain('❌ revoked: GetRevocationStatus reports revoked')
  })

  it('refuses a signature after mode revoke revoked its job: valid before, revoked after', async () => {
    const image = await pushTestImage(standIn.endpoint, 'acme/withdrawn', { seed: 'withdrawn' })
    const reference = `${standIn.host}/acme/withdrawn@${image.digest}`
    const signing = await runImageSigning(rig, { image: reference })
    expect((await runVerify({ image: reference })).exitCode).toBe(0)
    const revoking = await runImageSigning(rig, {
      mode: 'revoke',
      'profile-name': '',
      'job-ids': signing.outputs['job-id']!,
      reason: 'image withdrawn'
    })
    expect(revoking.errors).toEqual([])
    expect(revoking.exitCode).toBe(0)
    const run = await runVerify({ image: reference })
    expect(run.exitCode).toBe(1)
    expect(resultsOf(run)[0]?.signatures[0]).toMatchObject({ check: 'revoked' })
  })
})

describe('reading the referrers API page by page', () => {
  const USER = { username: 'deployer', password: 'registry secret' }
  /** Two referrers a page, the artifactType filter ignored: signatures lie behind other artifacts. */
  let paged: RegistryStandIn
  /** Another origin, that a next link may name. */
  let elsewhere: RegistryStandIn

  beforeAll(async () => {
    ;[paged, elsewhere] = await Promise.all([
      startRegistryStandIn({
        referrers: 'api',
        user: USER,
        referrersPageSize: 2,
        filtersArtifactType: false
      }),
      startRegistryStandIn({ user: USER })
    ])
  })
  afterAll(() => Promise.all([paged?.stop(), elsewhere?.stop()]))

  /** An image with `count` SBOMs attached, then signed by the action: listed after them. */
  async function signedBehindArtifacts(repository: string, count: number): Promise<string> {
    const image = await pushTestImage(paged.endpoint, repository, { seed: repository })
    for (let index = 0; index < count; index++) {
      await pushAttachedArtifact(paged.endpoint, repository, image, { seed: `sbom ${index}` })
    }
    const reference = `${paged.host}/${repository}@${image.digest}`
    const signing = await runImageSigning(rig, { image: reference })
    expect(signing.errors).toEqual([])
    paged.requests.length = 0
    return reference
  }

  it('verifies an image whose signature is on the third page, behind five SBOMs', async () => {
    const reference = await signedBehindArtifacts('acme/paged', 5)
    const run = await runVerify({ image: reference })
    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    const [result] = resultsOf(run)
    expect(result?.signatures.map(s => [s.listedBy, s.verdict])).toEqual([['api', 'valid']])
    expect(result?.listingCut).toBeUndefined()
    expect(paged.requests.filter(r => r.path.includes('/referrers/'))).toHaveLength(3)
  })

  it('does not follow a next page on another origin, and fails saying the listing was cut', async () => {
    const reference = await signedBehindArtifacts('acme/cut', 3)
    paged.referrersNextOrigin = elsewhere.endpoint
    paged.auth = 'basic'
    try {
      const run = await runVerify({
        image: reference,
        'registry-username': USER.username,
        'registry-password': USER.password
      })
      const cut = `page 1 names its next page on another origin, ${elsewhere.endpoint}, which would receive the registry's credentials: not followed`
      expect(run.exitCode).toBe(1)
      expect(resultsOf(run)[0]).toMatchObject({ status: 'failed', signatures: [], listingCut: cut })
      expect(run.errors).toEqual([
        expect.stringContaining(
          `The referrers API's listing was cut, so a signature may be on a page not read: ${cut}.`
        )
      ])
      expect(run.stdout).toContain(`the referrers API's listing was cut: ${cut}`)
      // Nothing went to the other origin; the registry had the credentials and read them.
      expect(elsewhere.requests).toEqual([])
      expect(paged.requests.filter(r => r.status === 200).every(r => r.auth === 'Basic')).toBe(true)
    } finally {
      paged.referrersNextOrigin = undefined
      paged.auth = 'none'
    }
  })
})

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`

/** A Notary signature manifest of `subject` storing `envelope`, indexed by the referrers API. */
async function pushSignatureOf(
  target: RegistryStandIn,
  repository: string,
  subject: Descriptor,
  envelope: Buffer
): Promise<void> {
  const empty = Buffer.from('{}')
  await pushBlob(target.endpoint, repository, empty, 'application/vnd.oci.empty.v1+json')
  await pushBlob(target.endpoint, repository, envelope, 'application/jose+json')
  await pushManifest(
    target.endpoint,
    repository,
    {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.cncf.notary.signature',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(empty), size: 2 },
      layers: [
        { mediaType: 'application/jose+json', digest: sha256(envelope), size: envelope.length }
      ],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size }
    },
    'application/vnd.oci.image.manifest.v1+json'
  )
}
