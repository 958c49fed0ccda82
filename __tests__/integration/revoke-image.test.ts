/**
 * mode: revoke of an image's signature: SignPayload's job, named by the image step's results
 * (its results-file), revoked through dist/index.js. The rig's DescribeSigningJob does not know
 * SignPayload's jobs, so the revocation goes ahead without a first look.
 */
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startRegistryStandIn, type RegistryStandIn } from '../rig/registry-stand-in.js'
import { startRig, type Rig } from '../rig/rig.js'
import { runAction } from '../rig/run-action.js'
import { pushTestImage } from '../rig/test-images.js'
import { CONTAINER_PROFILE, NOTATION_PLATFORM, runImageSigning } from './images.js'
import { workspaceWith } from './workspace.js'

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

describe('revoking the signature of a container image', () => {
  it("revokes the SignPayload job that an image step's results name", async () => {
    const image = await pushTestImage(registry.endpoint, 'acme/app', { tag: 'v1', seed: 'revoke' })
    const signing = await runImageSigning(rig, {
      image: `${registry.host}/acme/app@${image.digest}`
    })
    expect(signing.errors).toEqual([])
    const job = rig.signer.notary.jobs[0]!
    const workspace = workspaceWith({})
    writeFileSync(path.join(workspace, 'image-results.json'), signing.outputs.results!)

    const run = await runAction({
      workspace,
      inputs: {
        mode: 'revoke',
        'signing-results': 'image-results.json',
        reason: 'the image shipped a debug build'
      },
      env: rig.env
    })

    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(JSON.parse(run.outputs.results!)).toEqual([
      expect.objectContaining({
        jobId: job.jobId,
        jobArn: job.jobArn,
        status: 'revoked',
        name: `${registry.host}/acme/app@${image.digest}`,
        profileName: CONTAINER_PROFILE
      })
    ])
    expect(rig.signer.revocations.jobs.get(job.jobArn)).toMatchObject({
      reason: 'the image shipped a debug build'
    })
  })
})
