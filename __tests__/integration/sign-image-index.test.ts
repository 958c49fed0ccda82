/**
 * A multi-platform image with sign-platform-manifests, and two steps (matrix legs) signing the
 * same image at the same moment, in the real CNCF Distribution, which ignores If-Match: every
 * signature must end up in the referrers tag.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { startRig, type Rig } from '../rig/rig.js'
import { pushManifest, pushTestImage, pushTestIndex } from '../rig/test-images.js'
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
  registry = await startRealRegistry('sign-image-index.test.ts')
})
afterAll(async () => {
  await registry?.stop()
  await rig?.stop()
})
beforeEach(() => {
  rig.signer.reset()
})

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
const referrersTag = (digest: string) => digest.replace(':', '-')
const listed = async (repository: string, digest: string): Promise<string[]> =>
  parsed<StoredIndex>(await readStored(registry, repository, referrersTag(digest))).manifests.map(
    entry => entry.digest
  )

describe('image indexes and matrix legs', () => {
  it('signs an index and, with sign-platform-manifests, each platform manifest it lists', async () => {
    const { index, images } = await pushTestIndex(registry.endpoint, 'acme/multi', {
      tag: '2.0',
      seed: 'index'
    })
    const reference = `${registry.host}/acme/multi@${index.digest}`

    const run = await runImageSigning(
      rig,
      { image: reference, 'sign-platform-manifests': 'true' },
      { timeoutMs: 90_000 }
    )

    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    const results = JSON.parse(run.outputs.results!) as Array<Record<string, string>>
    expect(results.map(result => [result.platform, result.digest, result.status])).toEqual([
      ['', index.digest, 'signed'],
      ['linux/amd64', images[0]!.digest, 'signed'],
      ['linux/arm64', images[1]!.digest, 'signed']
    ])
    expect(results.map(result => result.image)).toEqual([reference, reference, reference])
    expect(results[1]!.signedImage).toBe(`${registry.host}/acme/multi@${images[0]!.digest}`)
    // One SignPayload per manifest, each naming exactly that manifest.
    const signedDigests = rig.signer.notary.jobs.map(
      job =>
        (JSON.parse(job.payload.toString('utf8')) as { targetArtifact: { digest: string } })
          .targetArtifact.digest
    )
    expect(signedDigests.sort()).toEqual([index.digest, ...images.map(i => i.digest)].sort())
    // Each manifest's own referrers tag lists its own signature.
    for (const result of results) {
      expect(await listed('acme/multi', result.digest!)).toEqual([result.signatureDigest])
    }
    // The single-value outputs are the index's.
    expect(run.outputs['signed-image']).toBe(reference)
    expect(run.outputs['signature-digest']).toBe(results[0]!.signatureDigest)
    expect(run.summary).toContain('3 of 3 images signed.')
    expect(run.summary).toContain(`${reference} (linux/arm64)`)
    expect(run.stdout).toContain('the index lists 2 platform manifests to sign')
  }, 120_000)

  it('signs only the platform images an index lists: not an artifact, an entry without a platform, or one twice', async () => {
    const push = (platform: { os: string; architecture: string }, seed: string) =>
      pushTestImage(registry.endpoint, 'acme/mixed', { platform, seed })
    const amd64 = await push({ os: 'linux', architecture: 'amd64' }, 'mixed amd64')
    const arm64 = await push({ os: 'linux', architecture: 'arm64' }, 'mixed arm64')
    const sbom = await push({ os: 'linux', architecture: 'amd64' }, 'mixed sbom')
    const bare = await push({ os: 'linux', architecture: 'amd64' }, 'mixed bare')
    const { descriptor: index } = await pushManifest(
      registry.endpoint,
      'acme/mixed',
      {
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [
          { ...amd64, platform: { os: 'linux', architecture: 'amd64' } },
          { ...arm64, platform: { os: 'linux', architecture: 'arm64' } },
          { ...amd64, platform: { os: 'linux', architecture: 'amd64' } },
          { ...sbom, artifactType: 'application/spdx+json' },
          bare
        ]
      },
      OCI_INDEX
    )

    const run = await runImageSigning(
      rig,
      { image: `${registry.host}/acme/mixed@${index.digest}`, 'sign-platform-manifests': 'true' },
      { timeoutMs: 90_000 }
    )

    expect(run.errors).toEqual([])
    const results = JSON.parse(run.outputs.results!) as Array<Record<string, string>>
    expect(results.map(result => [result.platform, result.digest])).toEqual([
      ['', index.digest],
      ['linux/amd64', amd64.digest],
      ['linux/arm64', arm64.digest]
    ])
    expect(rig.signer.notary.jobs).toHaveLength(3)
    expect(run.stdout).toContain(`left out ${amd64.digest} (listed before)`)
    expect(run.stdout).toContain(`left out ${sbom.digest} (an artifact, not an image)`)
    expect(run.stdout).toContain(`left out ${bare.digest} (no readable platform)`)
  }, 120_000)

  it('lists every signature when two steps sign the same image at the same moment', async () => {
    const image = await pushTestImage(registry.endpoint, 'acme/legs', { tag: 'v1', seed: 'legs' })
    const reference = `${registry.host}/acme/legs@${image.digest}`

    const runs = await Promise.all(
      [1, 2].map(() => runImageSigning(rig, { image: reference }, { timeoutMs: 90_000 }))
    )

    for (const run of runs) {
      expect(run.errors).toEqual([])
      expect(run.exitCode).toBe(0)
    }
    const signatures = runs.map(run => run.outputs['signature-digest']!)
    expect(new Set(signatures).size).toBe(2)
    expect((await listed('acme/legs', image.digest)).sort()).toEqual(signatures.sort())
  }, 120_000)
})
