/**
 * What the real docker-registry cannot show, against the stand-in: the referrers API with
 * OCI-Subject, Bearer token auth and Basic auth with registry-username and registry-password,
 * credentials from the Docker config, refused credentials, and one HEAD to resolve a tag.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { startRegistryStandIn, type RegistryStandIn } from '../rig/registry-stand-in.js'
import { startRig, type Rig } from '../rig/rig.js'
import { pushTestImage, pushTestIndex } from '../rig/test-images.js'
import { CONTAINER_PROFILE, NOTATION_PLATFORM, runImageSigning } from './images.js'

const USER = { username: 'octocat', password: 'ghs_s3cretT0ken' }

let rig: Rig
let registry: RegistryStandIn

beforeAll(async () => {
  rig = await startRig()
  rig.signer.addProfile({ name: CONTAINER_PROFILE, platformId: NOTATION_PLATFORM })
  registry = await startRegistryStandIn({ referrers: 'api', user: USER })
})
afterAll(async () => {
  await registry?.stop()
  await rig?.stop()
})
beforeEach(() => {
  rig.signer.reset()
  registry.auth = 'none'
  registry.referrers = 'api'
  registry.writeAnswerBody = undefined
  registry.redirect = undefined
  registry.clearFaults()
  registry.requests.length = 0
})

/** Lines of the log that show `secret`, other than the runner's own command that masks it. */
const leaking = (stdout: string, secret: string) =>
  stdout.split('\n').filter(line => line.includes(secret) && !line.startsWith('::add-mask::'))

/** Test content, pushed before the step: the request log then starts empty. */
async function pushImage(repository: string, options: { tag?: string; seed: string }) {
  const image = await pushTestImage(registry.endpoint, repository, options)
  registry.requests.length = 0
  return image
}

const writes = () => registry.requests.filter(r => !['GET', 'HEAD'].includes(r.method))

describe('registries the real docker-registry cannot stand for', () => {
  it('lets a registry with the referrers API index the signature, and resolves a tag with one HEAD', async () => {
    const image = await pushImage('acme/api', { tag: 'v3', seed: 'api' })

    const run = await runImageSigning(rig, { image: `${registry.host}/acme/api:v3` })

    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    const [result] = JSON.parse(run.outputs.results!) as Array<Record<string, string>>
    expect(result).toMatchObject({ digest: image.digest, status: 'signed', referrers: 'api' })
    // The tag was read once, by HEAD; nothing else read the image's manifest.
    const reads = registry.requests.filter(r => r.path.startsWith('/v2/acme/api/manifests/'))
    expect(reads.filter(r => r.method !== 'PUT').map(r => `${r.method} ${r.path}`)).toEqual([
      'HEAD /v2/acme/api/manifests/v3'
    ])
    // The registry lists the signature; no referrers tag was written.
    const listing = (await (
      await fetch(`${registry.endpoint}/v2/acme/api/referrers/${image.digest}`)
    ).json()) as { manifests: Array<{ digest: string; artifactType: string }> }
    expect(listing.manifests).toEqual([
      expect.objectContaining({
        digest: run.outputs['signature-digest'],
        artifactType: 'application/vnd.cncf.notary.signature'
      })
    ])
    expect(registry.tagged('acme/api', image.digest.replace(':', '-'))).toBeUndefined()
  })

  it('signs only the index itself without sign-platform-manifests', async () => {
    const { index } = await pushTestIndex(registry.endpoint, 'acme/multi', { seed: 'one-index' })

    const run = await runImageSigning(rig, { image: `${registry.host}/acme/multi@${index.digest}` })

    expect(run.exitCode).toBe(0)
    const results = JSON.parse(run.outputs.results!) as Array<Record<string, string>>
    expect(results.map(result => [result.digest, result.mediaType])).toEqual([
      [index.digest, 'application/vnd.oci.image.index.v1+json']
    ])
    expect(rig.signer.notary.jobs).toHaveLength(1)
  })

  it.each([['bearer' as const], ['basic' as const]])(
    'signs with registry-username and registry-password through %s auth, never logging them',
    async auth => {
      const image = await pushImage(`acme/${auth}`, { seed: auth })
      registry.auth = auth

      const run = await runImageSigning(rig, {
        image: `${registry.host}/acme/${auth}@${image.digest}`,
        'registry-username': USER.username,
        'registry-password': USER.password
      })

      expect(run.errors).toEqual([])
      expect(run.exitCode).toBe(0)
      expect(writes().length).toBeGreaterThan(0)
      expect(writes().every(r => r.auth === (auth === 'bearer' ? 'Bearer' : 'Basic'))).toBe(true)
      expect(run.stdout).toContain(`::add-mask::${USER.password}`)
      expect(leaking(run.stdout, USER.password)).toEqual([])
      const basic = Buffer.from(`${USER.username}:${USER.password}`).toString('base64')
      expect(leaking(run.stdout, basic)).toEqual([])
    }
  )

  it('signs in a registry that acknowledges each write with a body, as Quay answers a manifest PUT 201 OK', async () => {
    registry.referrers = 'none'
    const image = await pushImage('acme/quay', { seed: 'quay' })
    registry.writeAnswerBody = 'OK'

    const run = await runImageSigning(rig, { image: `${registry.host}/acme/quay@${image.digest}` })

    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    const [result] = JSON.parse(run.outputs.results!) as Array<Record<string, string>>
    expect(result).toMatchObject({ status: 'signed', referrers: 'tag' })
    expect(registry.tagged('acme/quay', image.digest.replace(':', '-'))).toBeDefined()
  })

  it('takes the credentials that docker/login-action left in the Docker config', async () => {
    const image = await pushImage('acme/config', { seed: 'config' })
    registry.auth = 'basic'
    const dockerConfig = mkdtempSync(path.join(tmpdir(), 'docker-config-'))
    const auth = Buffer.from(`${USER.username}:${USER.password}`).toString('base64')
    writeFileSync(
      path.join(dockerConfig, 'config.json'),
      JSON.stringify({ auths: { [registry.host]: { auth } } })
    )

    const run = await runImageSigning(
      rig,
      { image: `${registry.host}/acme/config@${image.digest}` },
      { env: { DOCKER_CONFIG: dockerConfig } }
    )

    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(leaking(run.stdout, USER.password)).toEqual([])
  })

  it('fails an image whose registry refuses the credentials, saying where they came from, pushing nothing', async () => {
    const image = await pushImage('acme/denied', { seed: 'denied' })
    registry.auth = 'basic'

    const run = await runImageSigning(rig, {
      image: `${registry.host}/acme/denied@${image.digest}`,
      'registry-username': USER.username,
      'registry-password': 'wrong-password'
    })

    expect(run.exitCode).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toContain(`${registry.host}/acme/denied`)
    expect(run.errors[0]).toContain('registry-username and registry-password')
    expect(leaking(run.stdout, 'wrong-password')).toEqual([])
    expect(writes()).toEqual([])
    expect(rig.signer.notary.jobs).toHaveLength(0)
  })

  it('never sends the credentials to another origin that a redirect led to and that asks for them: the image fails naming that host', async () => {
    // Storage elsewhere, with a token service that would take the user's password.
    const storage = await startRegistryStandIn({ auth: 'bearer', user: USER })
    try {
      const image = await pushImage('acme/redirected', { seed: 'redirected' })
      registry.auth = 'basic'
      registry.redirect = {
        match: { method: 'HEAD', path: /\/blobs\/sha256:/ },
        origin: storage.endpoint
      }

      const run = await runImageSigning(rig, {
        image: `${registry.host}/acme/redirected@${image.digest}`,
        'registry-username': USER.username,
        'registry-password': USER.password
      })

      expect(storage.requests.length).toBeGreaterThan(0)
      expect(storage.requests.filter(r => r.path.startsWith('/token') || r.auth)).toEqual([])
      expect(run.exitCode).toBe(1)
      expect(run.errors).toHaveLength(1)
      expect(run.errors[0]).toContain(
        `${storage.host}, where the registry ${registry.host} sent the request, answered HTTP 401`
      )
      expect(registry.tagged('acme/redirected', image.digest.replace(':', '-'))).toBeUndefined()
    } finally {
      await storage.stop()
    }
  })

  it('stops keeping the referrers tag when the runner cancels the step: no write after the signal', async () => {
    registry.referrers = 'none'
    const image = await pushImage('acme/cancelled', { seed: 'cancelled' })
    const hold = registry.holdNext({ method: 'PUT', path: /\/manifests\/sha256-/ })
    let signalledAt = Infinity

    const run = await runImageSigning(
      rig,
      { image: `${registry.host}/acme/cancelled@${image.digest}` },
      {
        onSpawn: child => {
          void hold.arrived.then(() => {
            signalledAt = Date.now()
            child.kill('SIGINT')
          })
        }
      }
    )

    expect(run.exitCode).toBe(1)
    // The write under way when the runner cancelled was cut off; none started after it.
    hold.release()
    const tagWrites = () => writes().filter(r => /\/manifests\/sha256-/.test(r.path))
    for (let waited = 0; tagWrites().length === 0 && waited < 2000; waited += 50) {
      await new Promise(resolve => setTimeout(resolve, 50))
    }
    expect(tagWrites().map(r => r.status)).toEqual(['abandoned'])
    const [held] = tagWrites()
    expect(registry.requests.filter(r => r !== held && r.atMs >= signalledAt)).toEqual([])
    expect(registry.tagged('acme/cancelled', image.digest.replace(':', '-'))).toBeUndefined()
  })
})
