/**
 * What a step that signs images refuses, and when: inputs before any request, the profile's
 * platform before any registry is asked, an envelope that does not sign what was sent before
 * anything is pushed; and one image that fails never abandons the others.
 */
import { generateKeyPairSync } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { startRegistryStandIn, type RegistryStandIn } from '../rig/registry-stand-in.js'
import { PROFILE, runSigning, startRig, type Rig } from '../rig/rig.js'
import type { EnvelopeDraft } from '../rig/signer-payload.js'
import { pushTestImage, pushTestIndex } from '../rig/test-images.js'
import { CONTAINER_PROFILE, NOTATION_PLATFORM, runImageSigning } from './images.js'
import { workspaceWith, zipBytes } from './workspace.js'

let rig: Rig
let registry: RegistryStandIn

beforeAll(async () => {
  rig = await startRig()
  rig.signer.addProfile({ name: CONTAINER_PROFILE, platformId: NOTATION_PLATFORM })
  registry = await startRegistryStandIn({ referrers: 'api' })
})
afterAll(async () => {
  await registry?.stop()
  await rig?.stop()
})
beforeEach(() => {
  rig.signer.reset()
  registry.requests.length = 0
})

async function pushImage(repository: string, seed: string) {
  const image = await pushTestImage(registry.endpoint, repository, { seed })
  registry.requests.length = 0
  return image
}

const writes = () => registry.requests.filter(r => !['GET', 'HEAD'].includes(r.method))

describe('what a step that signs images refuses', () => {
  it('refuses a malformed reference before any request, naming the input and showing it escaped', async () => {
    const run = await runImageSigning(rig, {
      image: `${registry.host}/acme/app@sha256:${'a'.repeat(64)}\n${registry.host}/acme/app:1\u001b[2J`
    })

    expect(run.exitCode).toBe(1)
    expect(run.errors).toEqual([
      `Input 'image': '${registry.host}/acme/app:1\\u001b[2J' is not an image reference: it holds a space, a control character or a character outside ASCII. Expected registry/repository@sha256:<64 hex digits> or registry/repository:tag.`
    ])
    expect(rig.signer.requests).toHaveLength(0)
    expect(registry.requests).toHaveLength(0)
  })

  it('refuses path and image together', async () => {
    const run = await runImageSigning(rig, {
      image: `${registry.host}/acme/app:1`,
      path: 'build/app.zip'
    })

    expect(run.errors).toEqual([
      "Input 'image': and 'path' are both given: a step signs either files ('path') or container images ('image'). Sign them in two steps."
    ])
    expect(rig.signer.requests).toHaveLength(0)
  })

  it('refuses a file input that promises files, and warns about those it ignores', async () => {
    const image = await pushImage('acme/inputs', 'inputs')
    const reference = `${registry.host}/acme/inputs@${image.digest}`

    const refused = await runImageSigning(rig, { image: reference, 'release-tag': 'v1.0.0' })

    expect(refused.errors).toEqual([
      "Input 'release-tag': is for files and was given with 'image': images are signed in their registry, and no signed file, artifact or release asset is made for them. Remove 'release-tag', or sign files in a step of their own."
    ])
    expect(rig.signer.requests).toHaveLength(0)

    const ignored = await runImageSigning(rig, {
      image: reference,
      'source-bucket': 'release-unsigned',
      'delete-unsigned': 'true'
    })

    expect(ignored.errors).toEqual([])
    expect(ignored.exitCode).toBe(0)
    expect(ignored.warnings).toEqual([
      "Ignored 'source-bucket', 'delete-unsigned': they steer how files are uploaded to S3, and images are signed without S3 (SignPayload, then the registry)."
    ])
  })

  it('refuses a profile of another platform for images, before asking the registry', async () => {
    const run = await runImageSigning(rig, {
      image: `${registry.host}/acme/app@sha256:${'b'.repeat(64)}`,
      'profile-name': PROFILE
    })

    expect(run.errors).toEqual([
      `Signing profile '${PROFILE}' is on platform AWSLambda-SHA384-ECDSA, which signs files; container images ('image') need a profile on platform ${NOTATION_PLATFORM}. Name one in 'profile-name' (aws signer put-signing-profile --platform-id ${NOTATION_PLATFORM} makes one).`
    ])
    expect(rig.signer.requests.map(r => r.operation)).toEqual(['GetSigningProfile'])
    expect(registry.requests).toHaveLength(0)
  })

  it('refuses the Notation profile for files, before uploading anything', async () => {
    const run = await runSigning(rig, workspaceWith({ 'build/app.zip': zipBytes(3) }), {
      path: 'build/app.zip',
      'profile-name': CONTAINER_PROFILE
    })

    expect(run.errors).toEqual([
      `Signing profile '${CONTAINER_PROFILE}' is on platform ${NOTATION_PLATFORM}, which signs container images: give them in 'image' instead of 'path'. Files need a profile on another platform, such as AWSLambda-SHA384-ECDSA.`
    ])
    expect(rig.signer.requests.map(r => r.operation)).toEqual(['GetSigningProfile'])
  })

  const otherKey = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey
  it.each([
    [
      'signs another descriptor',
      (draft: EnvelopeDraft): EnvelopeDraft => {
        const sent = JSON.parse(draft.payload.toString('utf8')) as {
          targetArtifact: { size: number }
        }
        sent.targetArtifact.size += 1
        return { ...draft, payload: Buffer.from(JSON.stringify(sent)) }
      },
      "failed its 'payload' check: it signs another descriptor: size"
    ],
    [
      'is signed by a key not its certificate’s',
      (draft: EnvelopeDraft): EnvelopeDraft => ({ ...draft, signingKey: otherKey }),
      "failed its 'signature' check"
    ],
    [
      'names another account’s profile of the same name',
      (draft: EnvelopeDraft): EnvelopeDraft => {
        const header = { ...draft.protectedHeader }
        const arn = header['com.amazonaws.signer.signingProfileVersion'] as string
        header['com.amazonaws.signer.signingProfileVersion'] = arn.replace(
          /:\d{12}:/,
          ':999999999999:'
        )
        return { ...draft, protectedHeader: header }
      },
      "failed its 'signingProfileVersion' check: com.amazonaws.signer.signingProfileVersion names a profile of account '999999999999', not"
    ]
  ])('fails an image whose envelope %s, pushing nothing', async (_, tamper, words) => {
    const image = await pushImage('acme/tampered', `tampered ${words}`)
    rig.signer.faults.envelope = tamper
    const reference = `${registry.host}/acme/tampered@${image.digest}`

    const run = await runImageSigning(rig, { image: reference })

    expect(run.exitCode).toBe(1)
    const job = rig.signer.notary.jobs[0]!
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toContain(
      `${reference} (job ${job.jobId}): The signature envelope ${words}`
    )
    expect(writes()).toEqual([])
    const [result] = JSON.parse(run.outputs.results!) as Array<Record<string, string>>
    expect(result).toMatchObject({ status: 'failed', jobId: job.jobId, signatureDigest: '' })
    // Resolved and sent to Signer, but not signed: no single-value output names it.
    expect(run.outputs['signed-image']).toBe('')
    expect(run.outputs['job-id']).toBe('')
  })

  it('signs the other images when one fails, then fails the step counting them', async () => {
    const image = await pushImage('acme/one', 'one good')
    const missing = `sha256:${'c'.repeat(64)}`
    const good = `${registry.host}/acme/one@${image.digest}`
    const bad = `${registry.host}/acme/one@${missing}`

    const run = await runImageSigning(rig, { image: `${bad}\n${good}` })

    expect(run.exitCode).toBe(1)
    const results = JSON.parse(run.outputs.results!) as Array<Record<string, string>>
    expect(results.map(result => [result.image, result.status])).toEqual([
      [bad, 'failed'],
      [good, 'signed']
    ])
    expect(results[0]!.error).toContain(missing)
    expect(run.errors).toHaveLength(2)
    expect(run.errors[0]).toContain(`${bad}: `)
    expect(run.errors[1]).toBe(
      "1 of 2 images failed to sign; the 1 signed image(s) keep their signatures in the registry and are listed in 'results'."
    )
    // The single-value outputs are the first image's, empty since it failed.
    expect(run.outputs['signed-image']).toBe('')
    expect(run.summary).toContain('1 of 2 images signed.')
  })

  it("leaves an image's index that sits at the referrers tag as it is, and says so", async () => {
    registry.referrers = 'none'
    try {
      const image = await pushImage('acme/taken', 'taken')
      const tag = `sha256-${image.digest.slice('sha256:'.length)}`
      const { index } = await pushTestIndex(registry.endpoint, 'acme/taken', { tag })
      await pushTestIndex(registry.endpoint, 'acme/taken', { tag: 'latest' })
      registry.requests.length = 0

      const run = await runImageSigning(rig, {
        image: `${registry.host}/acme/taken@${image.digest}`
      })

      expect(run.exitCode).toBe(1)
      expect(run.errors[0]).toContain(
        `the tag ${tag} does not hold a referrers index (it lists platform manifests: it is an image's index)`
      )
      expect(registry.tagged('acme/taken', tag)).toBe(index.digest)
      expect(registry.tagged('acme/taken', 'latest')).toBe(index.digest)
      expect(registry.requests.filter(r => r.method === 'DELETE')).toEqual([])
    } finally {
      registry.referrers = 'api'
    }
  })
})
