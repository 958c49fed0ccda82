/**
 * Signing a container image as the runner runs the action, in the real CNCF Distribution
 * (docker-registry 2.8: no referrers API, so the signature is listed in the referrers tag), read
 * back with skopeo: the signature manifest, its envelope and the referrers index.
 */
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { startRig, type Rig } from '../rig/rig.js'
import { pushTestImage } from '../rig/test-images.js'
import type { Descriptor } from '../../src/registry/descriptor.js'
import {
  CONTAINER_PROFILE,
  NOTATION_PLATFORM,
  parsed,
  readStored,
  runImageSigning,
  startRealRegistry,
  type StoredIndex,
  type TestRegistry
} from './images.js'

let rig: Rig
let registry: TestRegistry

beforeAll(async () => {
  rig = await startRig()
  rig.signer.addProfile({ name: CONTAINER_PROFILE, platformId: NOTATION_PLATFORM })
  registry = await startRealRegistry('sign-image.test.ts')
})
afterAll(async () => {
  await registry?.stop()
  await rig?.stop()
})
beforeEach(() => {
  rig.signer.reset()
})

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`
const referrersTag = (digest: string) => digest.replace(':', '-')

interface SignatureManifest {
  mediaType: string
  artifactType: string
  config: Descriptor
  layers: Descriptor[]
  subject: Descriptor
  annotations: Record<string, string>
}

describe('signing a container image in a registry without the referrers API', () => {
  it('signs the digest, pushes the signature, lists it in the referrers tag, and reports it', async () => {
    const image = await pushTestImage(registry.endpoint, 'acme/app', { tag: 'v1', seed: 'one' })
    const reference = `${registry.host}/acme/app@${image.digest}`

    const run = await runImageSigning(rig, { image: reference })

    expect(run.errors).toEqual([])
    expect(run.warnings).toEqual([])
    expect(run.exitCode).toBe(0)
    // One SignPayload, for exactly the image's descriptor.
    expect(rig.signer.notary.jobs).toHaveLength(1)
    const job = rig.signer.notary.jobs[0]!
    expect(JSON.parse(job.payload.toString('utf8'))).toEqual({
      targetArtifact: { mediaType: image.mediaType, digest: image.digest, size: image.size }
    })
    expect(run.outputs).toMatchObject({
      'job-id': job.jobId,
      'signature-expires-at': job.expiresAt.toISOString(),
      'profile-version-arn': job.profileVersionArn,
      'signing-job-arn': job.jobArn,
      'signed-image': reference
    })
    const signatureDigest = run.outputs['signature-digest']!
    expect(signatureDigest).toMatch(/^sha256:[0-9a-f]{64}$/)

    // The signature manifest as the registry stores it, read by skopeo.
    const stored = await readStored(registry, 'acme/app', signatureDigest)
    expect(sha256(stored)).toBe(signatureDigest)
    const manifest = parsed<SignatureManifest>(stored)
    expect(manifest).toMatchObject({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.cncf.notary.signature',
      config: {
        mediaType: 'application/vnd.oci.empty.v1+json',
        digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
        size: 2
      },
      subject: { mediaType: image.mediaType, digest: image.digest, size: image.size }
    })
    expect(manifest.layers).toEqual([
      {
        mediaType: 'application/jose+json',
        digest: sha256(job.envelope),
        size: job.envelope.length
      }
    ])
    const chain = rig.signer.notary.chain.certificates.map(der =>
      createHash('sha256').update(der).digest('hex')
    )
    expect(JSON.parse(manifest.annotations['io.cncf.notary.x509chain.thumbprint#S256']!)).toEqual(
      chain
    )
    expect(manifest.annotations['org.opencontainers.image.created']).toBe(
      new Date(Math.floor(job.signedAtMs / 1000) * 1000).toISOString().replace('.000Z', 'Z')
    )
    // The envelope blob is Signer's answer, byte for byte.
    const blob = await fetch(`${registry.endpoint}/v2/acme/app/blobs/${sha256(job.envelope)}`)
    expect(Buffer.from(await blob.arrayBuffer()).equals(job.envelope)).toBe(true)

    // The referrers tag lists it, as Notation and ORAS look for it.
    const index = parsed<StoredIndex>(
      await readStored(registry, 'acme/app', referrersTag(image.digest))
    )
    expect(index.manifests).toEqual([
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: signatureDigest,
        size: stored.length,
        artifactType: 'application/vnd.cncf.notary.signature',
        annotations: manifest.annotations
      }
    ])

    const results = JSON.parse(run.outputs.results!) as Array<Record<string, unknown>>
    expect(results).toEqual([
      {
        image: reference,
        platform: '',
        signedImage: reference,
        digest: image.digest,
        mediaType: image.mediaType,
        status: 'signed',
        signatureDigest,
        jobId: job.jobId,
        signatureExpiresAt: job.expiresAt.toISOString(),
        profileVersionArn: job.profileVersionArn,
        jobArn: job.jobArn,
        referrers: 'tag',
        seconds: expect.any(Number)
      }
    ])

    // The summary: the table, a trust policy for the profile, and the command that verifies.
    const profileArn = job.profileVersionArn.slice(0, job.profileVersionArn.lastIndexOf('/'))
    expect(profileArn).toMatch(
      /^arn:aws:signer:us-east-1:\d{12}:\/signing-profiles\/container_profile$/
    )
    expect(run.summary).toContain('1 of 1 image signed.')
    expect(run.summary).toContain('<table>')
    expect(run.summary).toContain(signatureDigest)
    expect(run.summary).toContain('&quot;signingAuthority:aws-signer-ts&quot;')
    expect(run.summary).toContain(
      `&quot;trustedIdentities&quot;: [\n        &quot;${profileArn}&quot;`
    )
    expect(run.summary).toContain(`&quot;${registry.host}/acme/app&quot;`)
    expect(run.summary).toContain('notation policy import trustpolicy.json')
    expect(run.summary).toContain(`notation verify ${reference}`)
  })

  it('resolves a tag once, warns naming the digest, and signs that digest', async () => {
    const image = await pushTestImage(registry.endpoint, 'acme/tagged', {
      tag: '1.4.0',
      seed: 'tag'
    })
    const reference = `${registry.host}/acme/tagged:1.4.0`

    const run = await runImageSigning(rig, { image: reference })

    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(run.warnings).toEqual([
      `'${reference}' is a tag: signed the manifest it names now, ${image.digest}. Sign by digest (${registry.host}/acme/tagged@${image.digest}), as the build step outputs it, so that what is signed is exactly what was built even if the tag moves.`
    ])
    expect(run.outputs['signed-image']).toBe(`${registry.host}/acme/tagged@${image.digest}`)
    const [result] = JSON.parse(run.outputs.results!) as Array<Record<string, unknown>>
    expect(result).toMatchObject({ image: reference, digest: image.digest, status: 'signed' })
    const index = parsed<StoredIndex>(
      await readStored(registry, 'acme/tagged', referrersTag(image.digest))
    )
    expect(index.manifests.map(entry => entry.digest)).toEqual([run.outputs['signature-digest']])
  })
})
