/**
 * Signing an image in an ECR registry as the runner runs the action: the reference names an ECR
 * host, and the step reaches it with a token from ecr:GetAuthorizationToken made with its own AWS
 * credentials, with no registry-username, no Docker config and no docker login. Nothing here
 * reaches AWS, and the step gets nothing a user could not give it:
 * - the ECR API is moto, behind a front that logs who called, named by AWS_ENDPOINT_URL_ECR (the
 *   SDK's own variable), or reached under the name of the ECR endpoint the SDK picks;
 * - the registry is the stand-in, serving over TLS a certificate for the ECR names from a private
 *   CA, which the step trusts through NODE_EXTRA_CA_CERTS;
 * - the ECR names lead to the stand-in's and the front's ports through runAction's `hosts`
 *   (/etc/hosts plus a port forward).
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { startEcrApiProxy, type EcrApiProxy } from '../rig/ecr-api-proxy.js'
import { startForwardProxy } from '../rig/forward-proxy.js'
import { startRegistryStandIn, type RegistryStandIn } from '../rig/registry-stand-in.js'
import { motoEcrPassword } from '../rig/registry-stand-in-auth.js'
import { startRig, type Rig } from '../rig/rig.js'
import { pushTestImage } from '../rig/test-images.js'
import { createServerCertificate } from '../rig/tls-certificates.js'
import type { Descriptor } from '../../src/registry/descriptor.js'
import { CONTAINER_PROFILE, NOTATION_PLATFORM, runImageSigning } from './images.js'

// Another Region than the step's (us-east-1, where its Signer profile is): the token is asked
// for in the registry's Region.
const ECR_HOST = '111122223333.dkr.ecr.eu-west-1.amazonaws.com'
/** The registry's other name forms, with the ECR API endpoint the SDK picks and its Region. */
const FORMS = [
  {
    form: 'fips',
    registryHost: '111122223333.dkr.ecr-fips.us-east-1.amazonaws.com',
    apiHost: 'api.ecr-fips.us-east-1.amazonaws.com',
    region: 'us-east-1'
  },
  {
    form: 'dual-stack',
    registryHost: '111122223333.dkr-ecr.eu-west-1.on.aws',
    apiHost: 'ecr.eu-west-1.api.aws',
    region: 'eu-west-1'
  },
  {
    form: 'dual-stack-fips',
    registryHost: '111122223333.dkr-ecr-fips.us-east-2.on.aws',
    apiHost: 'ecr-fips.us-east-2.api.aws',
    region: 'us-east-2'
  },
  {
    form: 'china',
    registryHost: '111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn',
    apiHost: 'api.ecr.cn-north-1.amazonaws.com.cn',
    region: 'cn-north-1'
  }
]
const SESSION_TOKEN = 'step-role-session-token'
const NOTARY_SIGNATURE = 'application/vnd.cncf.notary.signature'

let rig: Rig
let ecrApi: EcrApiProxy
let registry: RegistryStandIn
let caFile: string
/** What `aws ecr get-login-password | docker login` would send: for setting up and reading back. */
let authorization: string
let password: string
const dockerConfig = mkdtempSync(path.join(tmpdir(), 'docker-config-'))

beforeAll(async () => {
  rig = await startRig()
  rig.signer.addProfile({ name: CONTAINER_PROFILE, platformId: NOTATION_PLATFORM })
  const certificate = await createServerCertificate([
    ECR_HOST,
    ...FORMS.flatMap(({ registryHost, apiHost }) => [registryHost, apiHost])
  ])
  ecrApi = await startEcrApiProxy(rig.moto.endpoint, certificate)
  caFile = path.join(mkdtempSync(path.join(tmpdir(), 'registry-ca-')), 'ca.pem')
  writeFileSync(caFile, certificate.caPem)
  registry = await startRegistryStandIn({
    auth: 'ecr',
    motoEndpoint: rig.moto.endpoint,
    referrers: 'api',
    tls: certificate
  })
  password = await motoEcrPassword(rig.moto.endpoint)
  authorization = `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}`
})
afterAll(async () => {
  await registry?.stop()
  await ecrApi?.stop()
  await rig?.stop()
})
beforeEach(() => {
  rig.signer.reset()
  ecrApi.calls.length = 0
})

/** Test content, pushed before the step through the stand-in's plain side door. */
async function pushImage(repository: string, seed: string) {
  const image = await pushTestImage(registry.endpoint, repository, { seed, authorization })
  registry.requests.length = 0
  return image
}

/**
 * The step, with its own AWS credentials (a role session's) and nothing for the registries. The
 * ECR API is the front at AWS_ENDPOINT_URL_ECR or, given `apiHosts`, the front under those names.
 */
function signInEcr(references: string[], apiHosts: string[] = []) {
  const toRegistry = `127.0.0.1:${registry.tlsPort}`
  const toApi = `127.0.0.1:${ecrApi.tlsPort}`
  return runImageSigning(
    rig,
    { image: references.join('\n') },
    {
      env: {
        ...(apiHosts.length > 0 ? {} : { AWS_ENDPOINT_URL_ECR: ecrApi.endpoint }),
        AWS_SESSION_TOKEN: SESSION_TOKEN,
        NODE_EXTRA_CA_CERTS: caFile,
        DOCKER_CONFIG: dockerConfig
      },
      hosts: Object.fromEntries([
        ...references.map(reference => [reference.slice(0, reference.indexOf('/')), toRegistry]),
        ...apiHosts.map(host => [host, toApi])
      ])
    }
  )
}

async function readBack(repository: string, kind: 'blobs' | 'referrers', digest: string) {
  const answer = await fetch(`${registry.endpoint}/v2/${repository}/${kind}/${digest}`, {
    headers: { authorization }
  })
  expect(answer.status).toBe(200)
  return Buffer.from(await answer.arrayBuffer())
}

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`

describe('signing an image in an ECR registry', () => {
  it("signs with a token from ecr:GetAuthorizationToken, made with the step's credentials in the registry's Region", async () => {
    const image = await pushImage('team/app', 'ecr')
    const reference = `${ECR_HOST}/team/app@${image.digest}`

    const run = await signInEcr([reference])

    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    // One token request, signed with the step's credentials for ECR in eu-west-1.
    expect(ecrApi.calls).toEqual([
      {
        operation: 'GetAuthorizationToken',
        host: new URL(ecrApi.endpoint).host,
        accessKeyId: rig.env.AWS_ACCESS_KEY_ID,
        region: 'eu-west-1',
        service: 'ecr',
        sessionToken: SESSION_TOKEN,
        status: 200
      }
    ])
    // The registry challenged once, then took Basic AWS:<token's password> (the only credentials
    // its ECR mode accepts) for every request, over TLS.
    expect(registry.requests[0]).toMatchObject({ status: 401, auth: undefined })
    const authorized = registry.requests.slice(1)
    expect(authorized.filter(r => r.method === 'PUT').length).toBeGreaterThan(0)
    const refused = (status: number | string) => status === 401 || status === 403
    expect(authorized.filter(r => r.auth !== 'Basic' || refused(r.status))).toEqual([])
    expect(run.stdout).toContain(`::add-mask::${password}`)

    // The signature manifest and its envelope landed, and the referrers API lists them.
    const [job] = rig.signer.notary.jobs
    expect(rig.signer.notary.jobs).toHaveLength(1)
    const signatureDigest = run.outputs['signature-digest']!
    const stored = registry.manifest('team/app', signatureDigest)!
    expect(sha256(stored)).toBe(signatureDigest)
    const manifest = JSON.parse(stored.toString('utf8')) as {
      artifactType: string
      layers: Descriptor[]
      subject: Descriptor
    }
    expect(manifest.artifactType).toBe(NOTARY_SIGNATURE)
    expect(manifest.subject).toEqual(image)
    expect(manifest.layers).toEqual([
      {
        mediaType: 'application/jose+json',
        digest: sha256(job!.envelope),
        size: job!.envelope.length
      }
    ])
    expect((await readBack('team/app', 'blobs', sha256(job!.envelope))).equals(job!.envelope)).toBe(
      true
    )
    const listing = JSON.parse(
      (await readBack('team/app', 'referrers', image.digest)).toString('utf8')
    ) as { manifests: Array<{ digest: string; artifactType: string }> }
    expect(listing.manifests).toEqual([
      expect.objectContaining({ digest: signatureDigest, artifactType: NOTARY_SIGNATURE })
    ])

    // Outputs as for any registry.
    expect(run.outputs).toMatchObject({
      'signed-image': reference,
      'job-id': job!.jobId,
      'signing-job-arn': job!.jobArn,
      'profile-version-arn': job!.profileVersionArn
    })
    expect(JSON.parse(run.outputs.results!)).toEqual([
      expect.objectContaining({
        image: reference,
        signedImage: reference,
        digest: image.digest,
        status: 'signed',
        signatureDigest,
        jobId: job!.jobId,
        referrers: 'api'
      })
    ])
    expect(run.summary).toContain('1 of 1 image signed.')
  })

  it('fails naming ECR and the permission when ecr:GetAuthorizationToken is denied, pushing nothing', async () => {
    const image = await pushImage('team/denied', 'denied')
    ecrApi.denyNext(1)

    const reference = `${ECR_HOST}/team/denied@${image.digest}`

    const run = await signInEcr([reference])

    expect(run.exitCode).toBe(1)
    expect(ecrApi.calls.map(call => [call.operation, call.status])).toEqual([
      ['GetAuthorizationToken', 400]
    ])
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toContain(reference)
    expect(run.errors[0]).toContain(
      'Getting a registry token for the ECR registry of account 111122223333 in eu-west-1 (ecr:GetAuthorizationToken) failed: AccessDeniedException: User: '
    )
    expect(run.errors[0]).toContain('(the role needs ecr:GetAuthorizationToken, on resource "*")')
    expect(registry.requests).toEqual([])
    expect(rig.signer.notary.jobs).toEqual([])
  })

  it("takes a FIPS registry's token from the ECR endpoint the step names (AWS_ENDPOINT_URL_ECR), as the SDK refuses FIPS with it", async () => {
    const fips = FORMS.find(({ form }) => form === 'fips')!
    const image = await pushImage('team/fips-vpc', 'fips-vpc')
    const reference = `${fips.registryHost}/team/fips-vpc@${image.digest}`

    const run = await signInEcr([reference])

    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(ecrApi.calls.map(call => [call.host, call.region, call.status])).toEqual([
      [new URL(ecrApi.endpoint).host, fips.region, 200]
    ])
  })

  it('signs in registries named in the FIPS, dual-stack (with FIPS) and China forms in one step, each token asked of its own ECR endpoint', async () => {
    const references = []
    for (const { form, registryHost } of FORMS) {
      const image = await pushImage(`team/${form}`, form)
      references.push(`${registryHost}/team/${form}@${image.digest}`)
    }

    const run = await signInEcr(
      references,
      FORMS.map(({ apiHost }) => apiHost)
    )

    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    const asked = ecrApi.calls.map(call => [call.host, call.region, call.operation, call.status])
    expect(asked.sort()).toEqual(
      FORMS.map(({ apiHost, region }) => [apiHost, region, 'GetAuthorizationToken', 200]).sort()
    )
    const results = JSON.parse(run.outputs.results!) as Array<{ image: string; status: string }>
    expect(results.map(result => [result.image, result.status]).sort()).toEqual(
      references.map(reference => [reference, 'signed']).sort()
    )
    expect(registry.requests.filter(r => r.method === 'PUT').every(r => r.auth === 'Basic')).toBe(
      true
    )
  })

  it("reaches the registry and the ECR API (CONNECT, TLS end to end) and Signer only through the runner's proxy", async () => {
    // The dual-stack form: the SDK picks ECR's HTTPS endpoint for it, which only the proxy reaches.
    const { registryHost, apiHost } = FORMS.find(({ form }) => form === 'dual-stack')!
    const image = await pushImage('team/proxied', 'proxied')
    const reference = `${registryHost}/team/proxied@${image.digest}`
    // Names and addresses that lead nowhere but through the proxy: no `hosts` this time.
    const signer = new URL(rig.env.AWS_ENDPOINT_URL_SIGNER ?? '')
    const proxy = await startForwardProxy({
      [`${registryHost}:443`]: `127.0.0.1:${registry.tlsPort}`,
      [`${apiHost}:443`]: `127.0.0.1:${ecrApi.tlsPort}`,
      [`192.0.2.11:${signer.port}`]: signer.host
    })
    try {
      const run = await runImageSigning(
        rig,
        { image: reference },
        {
          env: {
            AWS_ENDPOINT_URL_SIGNER: `http://192.0.2.11:${signer.port}`,
            HTTPS_PROXY: proxy.url,
            HTTP_PROXY: proxy.url,
            AWS_SESSION_TOKEN: SESSION_TOKEN,
            NODE_EXTRA_CA_CERTS: caFile,
            DOCKER_CONFIG: dockerConfig
          }
        }
      )

      expect(run.errors).toEqual([])
      expect(run.exitCode).toBe(0)
      expect(JSON.parse(run.outputs.results!)).toEqual([
        expect.objectContaining({ image: reference, status: 'signed', referrers: 'api' })
      ])
      const destinations = new Set(
        proxy.asked.map(line => line.replace(/^(CONNECT (\S+)|\w+ http:\/\/([^/]+)\/.*)$/, '$2$3'))
      )
      expect([...destinations].sort()).toEqual(
        [`${registryHost}:443`, `${apiHost}:443`, `192.0.2.11:${signer.port}`].sort()
      )
      expect(ecrApi.calls.map(call => [call.host, call.operation, call.status])).toEqual([
        [apiHost, 'GetAuthorizationToken', 200]
      ])
    } finally {
      await proxy.stop()
    }
  })
})
