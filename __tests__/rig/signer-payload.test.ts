import { X509Certificate } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import {
  GetSigningPlatformCommand,
  SignerClient,
  SignPayloadCommand,
  type SignPayloadCommandInput
} from '@aws-sdk/client-signer'
import { signPayload } from '../../src/aws/sign-payload.js'
import { checkEnvelope, EnvelopeError, parseEnvelope } from '../../src/notary/envelope.js'
import { notaryPayload, PAYLOAD_FORMAT } from '../../src/notary/payload.js'
import { LEAF_LIFETIME_MS } from './certificate-chain.js'
import { MOTO_ACCOUNT } from './moto.js'
import { signatureExpiry } from './signer-model.js'
import { NOTATION_PLATFORM, writeEnvelope } from './signer-payload.js'
import { startSignerService, type SignerService } from './signer-service.js'

// SignPayload reads no S3, so the service runs without moto; its S3 endpoint is never dialled.
const UNUSED_S3 = 'http://127.0.0.1:9'
const region = 'us-east-1'
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }
const PROFILE = 'image_profile'
const IMAGE = {
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${'ab'.repeat(32)}`,
  size: 1778
}

let service: SignerService
let signer: SignerClient

beforeAll(async () => {
  service = await startSignerService({ s3Endpoint: UNUSED_S3, region })
  service.addProfile({
    name: PROFILE,
    platformId: NOTATION_PLATFORM,
    validity: { value: 12, type: 'MONTHS' }
  })
  service.addProfile({ name: 'lambda_profile' })
  service.addProfile({ name: 'old_profile', platformId: NOTATION_PLATFORM, status: 'Canceled' })
  // One attempt, so every error the service answers reaches the test as it was sent.
  signer = new SignerClient({ endpoint: service.endpoint, region, credentials, maxAttempts: 1 })
})

afterEach(() => service.reset())

afterAll(async () => {
  signer?.destroy()
  await service?.stop()
})

const request = {
  profileName: PROFILE,
  image: 'registry.test/app@sha256:abab',
  payload: notaryPayload(IMAGE)
}

function send(input: Partial<SignPayloadCommandInput>) {
  return signer.send(
    new SignPayloadCommand({
      profileName: PROFILE,
      payload: notaryPayload(IMAGE),
      payloadFormat: PAYLOAD_FORMAT,
      ...input
    })
  )
}

async function serviceError(
  promise: Promise<unknown>
): Promise<{ name: string; message: string; status?: number }> {
  try {
    await promise
  } catch (error) {
    const { name, message, $metadata } = error as Error & {
      $metadata?: { httpStatusCode?: number }
    }
    return { name, message, status: $metadata?.httpStatusCode }
  }
  throw new Error('the call succeeded')
}

describe('SignPayload through the SDK', () => {
  it('answers an envelope that the action’s envelope check accepts', async () => {
    const signed = await signPayload(signer, request)
    const checked = await checkEnvelope(signed.envelope, {
      target: IMAGE,
      profileName: PROFILE,
      region,
      jobId: signed.jobId,
      jobOwner: signed.jobOwner
    })
    const [job] = service.notary.jobs
    expect(job?.jobId).toBe(signed.jobId)
    expect(signed.jobOwner).toBe(MOTO_ACCOUNT)
    expect(checked.jobArn).toBe(
      `arn:aws:signer:${region}:${MOTO_ACCOUNT}:/signing-jobs/${signed.jobId}`
    )
    expect(checked.profileVersionArn).toBe(job?.profileVersionArn)
    expect(checked.profileVersionArn).toMatch(
      new RegExp(
        `^arn:aws:signer:${region}:${MOTO_ACCOUNT}:/signing-profiles/${PROFILE}/[A-Za-z0-9]{10}$`
      )
    )
    expect(checked.signingTime.getTime()).toBe(job?.signedAtMs)
    expect(checked.expiry).toEqual(
      signatureExpiry(job?.signedAtMs ?? 0, { value: 12, type: 'MONTHS' })
    )
    const chain = service.notary.chain
    expect(checked.certificates).toEqual(chain.certificates)
    expect(checked.thumbprints).toEqual(
      [chain.leaf, chain.regional, chain.intermediate, chain.root].map(c => c.sha256)
    )
    expect(signed.metadata).toEqual({
      'com.amazonaws.signer.signingProfileVersion': checked.profileVersionArn,
      'com.amazonaws.signer.signingJob': checked.jobArn
    })
  })

  it('signs the payload bytes as they were sent and writes the headers AWS writes', async () => {
    const signed = await signPayload(signer, request)
    const envelope = parseEnvelope(signed.envelope)
    expect(envelope.payload).toEqual(request.payload)
    expect(Object.keys(envelope.protectedHeader)).toEqual([
      'alg',
      'cty',
      'crit',
      'io.cncf.notary.signingScheme',
      'io.cncf.notary.authenticSigningTime',
      'io.cncf.notary.expiry',
      'io.cncf.notary.verificationPlugin',
      'com.amazonaws.signer.signingProfileVersion',
      'com.amazonaws.signer.signingJob'
    ])
    expect(envelope.protectedHeader['io.cncf.notary.verificationPlugin']).toBe(
      'com.amazonaws.signer.notation.plugin'
    )
    expect(envelope.protectedHeader['io.cncf.notary.authenticSigningTime']).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/
    )
  })

  it('records the request and the job like the other operations', async () => {
    const signed = await signPayload(signer, request)
    expect(service.requests).toEqual([
      { operation: 'SignPayload', atMs: expect.any(Number), status: 200, jobId: signed.jobId }
    ])
    expect(service.notary.jobs).toHaveLength(1)
    expect(service.notary.jobs[0]?.payload).toEqual(request.payload)
  })

  it('answers a profile shared by its owner when profileOwner names it', async () => {
    const signed = await signPayload(signer, { ...request, profileOwner: MOTO_ACCOUNT })
    expect(signed.jobOwner).toBe(MOTO_ACCOUNT)
  })
})

describe('SignPayload validation', () => {
  it('refuses another payloadFormat with a ValidationException', async () => {
    const error = await serviceError(send({ payloadFormat: 'application/json' }))
    expect(error).toMatchObject({ name: 'ValidationException', status: 400 })
    expect(error.message).toContain('application/vnd.cncf.notary.payload.v1+json')
  })

  it('refuses a payload over 4096 bytes and takes one of exactly 4096', async () => {
    const error = await serviceError(send({ payload: Buffer.alloc(4097, 0x20) }))
    expect(error).toMatchObject({ name: 'ValidationException', status: 400 })
    expect(error.message).toContain('less than or equal to 4096')
    await expect(send({ payload: Buffer.alloc(4096, 0x20) })).resolves.toMatchObject({
      jobId: expect.any(String)
    })
  })

  it('refuses a bad profile name and a bad owner as the model does', async () => {
    const error = await serviceError(send({ profileName: 'no-dashes', profileOwner: '12' }))
    expect(error.name).toBe('ValidationException')
    expect(error.message).toMatch(/^2 validation errors detected/)
  })

  it('answers ResourceNotFoundException for a profile that does not exist', async () => {
    const error = await serviceError(send({ profileName: 'missing_profile' }))
    expect(error).toMatchObject({ name: 'ResourceNotFoundException', status: 404 })
  })

  it('refuses a profile of another platform and a canceled profile', async () => {
    const lambda = await serviceError(send({ profileName: 'lambda_profile' }))
    expect(lambda.name).toBe('ValidationException')
    expect(lambda.message).toContain('AWSLambda-SHA384-ECDSA')
    const canceled = await serviceError(send({ profileName: 'old_profile' }))
    expect(canceled.name).toBe('ValidationException')
    expect(canceled.message).toContain('Canceled')
    expect(service.notary.jobs).toHaveLength(0)
  })
})

describe('SignPayload and the fault knobs', () => {
  it('is denied by name, with the hint for the role', async () => {
    service.faults.deny.add('SignPayload')
    const error = await serviceError(signPayload(signer, request))
    expect(error.message).toContain('AccessDeniedException')
    expect(error.message).toContain('the role needs signer:SignPayload on the profile')
  })

  it('is throttled by its quota', async () => {
    service.faults.quotas.SignPayload = { perSecond: 0, burst: 1 }
    await send({})
    const error = await serviceError(send({}))
    expect(error).toMatchObject({ name: 'TooManyRequestsException', status: 429 })
  })

  it('is held unanswered by hang, and logged with status 0', async () => {
    service.faults.hang.add('SignPayload')
    const pending = send({}).catch(() => undefined)
    await waitFor(() => service.requests.length === 1)
    expect(service.requests[0]).toMatchObject({ operation: 'SignPayload', status: 0 })
    service.reset()
    await pending
  })

  it('answers the envelope a tamper knob makes, signed as changed', async () => {
    service.faults.envelope = draft => ({ ...draft, payload: notaryPayload({ ...IMAGE, size: 1 }) })
    const signed = await signPayload(signer, request)
    const error = await rejection(
      checkEnvelope(signed.envelope, {
        target: IMAGE,
        profileName: PROFILE,
        region,
        jobId: signed.jobId,
        jobOwner: signed.jobOwner
      })
    )
    expect(error.check).toBe('payload')
  })

  it('answers bytes a tamper knob returns as they are', async () => {
    service.faults.envelope = draft => {
      const envelope = JSON.parse(writeEnvelope(draft).toString()) as { header: { x5c: string[] } }
      envelope.header.x5c.reverse()
      return Buffer.from(JSON.stringify(envelope))
    }
    const signed = await signPayload(signer, request)
    const error = await rejection(
      checkEnvelope(signed.envelope, {
        target: IMAGE,
        profileName: PROFILE,
        region,
        jobId: signed.jobId,
        jobOwner: signed.jobOwner
      })
    )
    expect(error.check).toBe('signature')
  })

  it('answers the metadata the knob sets', async () => {
    service.faults.payloadMetadata = { 'com.example.note': 'tampered' }
    const signed = await signPayload(signer, request)
    expect(signed.metadata).toEqual({ 'com.example.note': 'tampered' })
  })
})

it('reset() clears SignPayload’s jobs and knobs and keeps the chain', async () => {
  const chain = service.notary.chain
  service.faults.envelope = () => Buffer.from('{}')
  service.faults.payloadMetadata = {}
  await signPayload(signer, request)
  service.reset()
  expect(service.notary.jobs).toEqual([])
  expect(service.faults.envelope).toBeNull()
  expect(service.faults.payloadMetadata).toBeNull()
  expect(service.notary.chain).toBe(chain)
})

describe('the certificate chain', () => {
  it('is four P-384 certificates, each issued and signed by the next, valid now', () => {
    const certificates = service.notary.chain.certificates.map(der => new X509Certificate(der))
    expect(certificates.map(c => c.subject.split('\n')[0])).toEqual([
      'CN=AWS Signer',
      `CN=AWS Signer ${region} Code Signing CA G1`,
      'CN=AWS Signer Code Signing Int CA G1',
      'CN=AWS Signer Code Signing Root CA G1'
    ])
    for (const [index, certificate] of certificates.entries()) {
      const issuer = certificates[index + 1] ?? certificate
      expect(certificate.checkIssued(issuer)).toBe(true)
      expect(certificate.verify(issuer.publicKey)).toBe(true)
      expect(certificate.publicKey.asymmetricKeyDetails?.namedCurve).toBe('secp384r1')
      expect(certificate.ca).toBe(index > 0)
      expect(Date.parse(certificate.validFrom)).toBeLessThanOrEqual(Date.now())
      expect(Date.parse(certificate.validTo)).toBeGreaterThan(Date.now())
    }
    expect(certificates[0]?.keyUsage).toEqual(['1.3.6.1.5.5.7.3.3'])
  })

  it('gives the leaf a short life, as AWS does, and the root for a verifier to pin', () => {
    const { leaf, root } = service.notary.chain
    expect(leaf.notAfter.getTime() - Date.now()).toBeLessThanOrEqual(LEAF_LIFETIME_MS)
    expect(root.der.equals(service.notary.chain.certificates[3] ?? Buffer.alloc(0))).toBe(true)
    expect(root.sha256).toMatch(/^[0-9a-f]{64}$/)
  })
})

it('GetSigningPlatform describes the Notation platform', async () => {
  const platform = await signer.send(
    new GetSigningPlatformCommand({ platformId: NOTATION_PLATFORM })
  )
  expect(platform).toMatchObject({
    platformId: NOTATION_PLATFORM,
    displayName: 'Notation for container registries',
    revocationSupported: true
  })
})

async function rejection(promise: Promise<unknown>): Promise<EnvelopeError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof EnvelopeError) return error
    throw error
  }
  throw new Error('nothing was thrown')
}

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting')
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}
