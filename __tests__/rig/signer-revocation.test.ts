import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from '@jest/globals'
import {
  GetRevocationStatusCommand,
  type GetRevocationStatusCommandInput,
  GetSigningProfileCommand,
  PutSigningProfileCommand,
  RevokeSignatureCommand,
  RevokeSigningProfileCommand,
  type RevokeSigningProfileCommandInput,
  SignPayloadCommand,
  SignerClient
} from '@aws-sdk/client-signer'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { checkEnvelope } from '../../src/notary/envelope.js'
import { notaryPayload, PAYLOAD_FORMAT } from '../../src/notary/payload.js'
import { MOTO_ACCOUNT } from './moto.js'
import {
  clientOf,
  describeJob,
  putSource,
  region,
  rejectionOf,
  service,
  signer,
  signFile,
  startJob,
  useLocalSigner,
  waitForJob
} from './signer-fixture.js'
import { NOTATION_PLATFORM } from './signer-payload.js'
import { certificateHashes, dataHostAgent, tbsCertificate } from './signer-revocation.js'

// RevokeSignature, RevokeSigningProfile and GetRevocationStatus through the real SDK client, and
// the revocation records DescribeSigningJob and GetSigningProfile carry.
useLocalSigner()

const CALLER = `arn:aws:iam::${MOTO_ACCOUNT}:root`
const OTHER_ACCOUNT = '210987654321'
const IMAGE = {
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${'cd'.repeat(32)}`,
  size: 1024
}

let profiles = 0
/** A profile of its own for each test, since reset() keeps profiles and their revocations. */
function newProfile(platformId?: string, owner?: string): string {
  profiles += 1
  const name = `revocable_${profiles}`
  service.addProfile({ name, ...(platformId ? { platformId } : {}), ...(owner ? { owner } : {}) })
  return name
}

function revokeJob(jobId: string, reason = 'bad build', jobOwner?: string) {
  return signer.send(
    new RevokeSignatureCommand({ jobId, reason, ...(jobOwner ? { jobOwner } : {}) })
  )
}

function getProfile(profileName: string) {
  return signer.send(new GetSigningProfileCommand({ profileName }))
}

async function revokeProfile(
  profileName: string,
  overrides: Partial<RevokeSigningProfileCommandInput> = {}
) {
  const { profileVersion } = await getProfile(profileName)
  return signer.send(
    new RevokeSigningProfileCommand({
      profileName,
      profileVersion,
      reason: 'key compromised',
      effectiveTime: new Date(Date.now() - 60_000),
      ...overrides
    })
  )
}

async function signImage(profileName: string) {
  const signed = await signer.send(
    new SignPayloadCommand({
      profileName,
      payload: notaryPayload(IMAGE),
      payloadFormat: PAYLOAD_FORMAT
    })
  )
  const checked = await checkEnvelope(signed.signature ?? new Uint8Array(), {
    target: IMAGE,
    profileName,
    region,
    jobId: signed.jobId ?? '',
    jobOwner: signed.jobOwner ?? ''
  })
  return { jobId: signed.jobId ?? '', ...checked }
}

/** A client that keeps GetRevocationStatus's `data-` host prefix, as against AWS. */
function dataPlaneClient(): SignerClient {
  return clientOf(service, {
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: dataHostAgent() })
  })
}

/** The revocation query for a signature, with the fields AWS's Notation plugin sends. */
function statusQuery(
  signature: { signingTime: Date; profileVersionArn: string; jobArn: string },
  overrides: Partial<GetRevocationStatusCommandInput> = {}
): GetRevocationStatusCommandInput {
  return {
    signatureTimestamp: signature.signingTime,
    platformId: NOTATION_PLATFORM,
    profileVersionArn: signature.profileVersionArn,
    jobArn: signature.jobArn,
    certificateHashes: certificateHashes(service.notary.chain.certificates),
    ...overrides
  }
}

async function revokedEntities(query: GetRevocationStatusCommandInput): Promise<string[]> {
  const client = dataPlaneClient()
  try {
    return (await client.send(new GetRevocationStatusCommand(query))).revokedEntities ?? []
  } finally {
    client.destroy()
  }
}

describe('RevokeSignature', () => {
  it('revokes a job: DescribeSigningJob carries the record, the status stays', async () => {
    const signed = await signFile('revoked.zip', Buffer.from('revoked'))
    const jobId = signed.jobId ?? ''
    const before = Date.now()

    await revokeJob(jobId, 'shipped a vulnerable dependency')

    const described = await describeJob(jobId)
    expect(described.status).toBe('Succeeded')
    expect(described.revocationRecord).toEqual({
      reason: 'shipped a vulnerable dependency',
      revokedAt: expect.any(Date),
      revokedBy: CALLER
    })
    const revokedAt = described.revocationRecord?.revokedAt?.getTime() ?? 0
    expect(revokedAt).toBeGreaterThanOrEqual(before)
    expect(revokedAt).toBeLessThanOrEqual(Date.now())
    expect(signed.revocationRecord).toBeUndefined()
    expect(service.requests.at(-2)).toEqual({
      operation: 'RevokeSignature',
      atMs: expect.any(Number),
      status: 200,
      jobId
    })
  })

  it('revokes a job whatever its status (the rig’s choice), and the status goes on', async () => {
    service.jobDurationMs = 300
    const jobId = await startJob('later.zip', await putSource('later.zip', Buffer.from('later')))
    await revokeJob(jobId)
    expect((await describeJob(jobId)).status).toBe('InProgress')
    const finished = await waitForJob(jobId)
    expect(finished.status).toBe('Succeeded')
    expect(finished.revocationRecord?.reason).toBe('bad build')
  })

  it('checks the reason and jobOwner as the model does, and answers 404 for a missing job', async () => {
    const jobId = (await signFile('checked.zip', Buffer.from('checked'))).jobId ?? ''
    await expect(revokeJob(jobId, '')).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining("at 'reason'"),
      $metadata: { httpStatusCode: 400 }
    })
    await expect(revokeJob(jobId, 'x'.repeat(501))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('length between 1 and 500')
    })
    await expect(revokeJob(jobId, 'r', '12345')).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining("at 'jobOwner'")
    })
    await expect(revokeJob('no-such-job')).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: expect.stringContaining('no-such-job'),
      $metadata: { httpStatusCode: 404 }
    })
    await revokeJob(jobId, 'x'.repeat(500))
    expect((await describeJob(jobId)).revocationRecord?.reason).toHaveLength(500)
  })

  it('refuses a job already revoked, or accepts it with revokeAgain, keeping the first record', async () => {
    const jobId = (await signFile('twice.zip', Buffer.from('twice'))).jobId ?? ''
    await revokeJob(jobId, 'first')
    const first = (await describeJob(jobId)).revocationRecord

    await expect(revokeJob(jobId, 'second')).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('already revoked')
    })
    service.faults.revokeAgain = 'accept'
    await revokeJob(jobId, 'third')

    expect((await describeJob(jobId)).revocationRecord).toEqual(first)
  })

  it('finds a cross-account job only under its jobOwner', async () => {
    const profileName = newProfile(undefined, OTHER_ACCOUNT)
    const version = await putSource('shared.zip', Buffer.from('shared'))
    const jobId = await startJob('shared.zip', version, {
      profileName,
      profileOwner: OTHER_ACCOUNT
    })
    expect((await waitForJob(jobId)).jobOwner).toBe(OTHER_ACCOUNT)

    for (const owner of [undefined, MOTO_ACCOUNT]) {
      await expect(revokeJob(jobId, 'r', owner)).rejects.toMatchObject({
        name: 'ResourceNotFoundException'
      })
    }
    await revokeJob(jobId, 'r', OTHER_ACCOUNT)

    expect((await describeJob(jobId)).revocationRecord?.revokedBy).toBe(CALLER)
    expect([...service.revocations.jobs.keys()]).toEqual([
      `arn:aws:signer:us-east-1:${OTHER_ACCOUNT}:/signing-jobs/${jobId}`
    ])
  })

  it('revokes SignPayload jobs too, under the job ARN their envelope names', async () => {
    const image = await signImage(newProfile(NOTATION_PLATFORM))
    await revokeJob(image.jobId, 'image pulled')
    expect(service.revocations.jobs.get(image.jobArn)).toEqual({
      reason: 'image pulled',
      revokedAtMs: expect.any(Number),
      revokedBy: CALLER
    })
  })

  it('refuses a job of a platform whose signatures cannot be revoked', async () => {
    const profileName = newProfile('AmazonFreeRTOS-TI-CC3220SF')
    const version = await putSource('firmware.bin', Buffer.from('firmware'))
    const jobId = await startJob('firmware.bin', version, { profileName })
    await expect(revokeJob(jobId)).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('cannot be revoked')
    })
  })
})

describe('RevokeSigningProfile', () => {
  it('revokes the profile version: GetSigningProfile says Revoked, with the record', async () => {
    const profileName = newProfile()
    const effectiveTime = new Date(Date.now() - 3_600_000)
    const before = Date.now()

    await revokeProfile(profileName, { effectiveTime })

    const got = await getProfile(profileName)
    expect(got.status).toBe('Revoked')
    expect(got.revocationRecord).toEqual({
      revocationEffectiveFrom: effectiveTime,
      revokedAt: expect.any(Date),
      revokedBy: CALLER
    })
    expect(got.revocationRecord?.revokedAt?.getTime()).toBeGreaterThanOrEqual(before)
    expect(service.requests.at(-2)).toMatchObject({
      operation: 'RevokeSigningProfile',
      status: 200
    })
  })

  it('refuses new StartSigningJob and SignPayload calls with a revoked profile', async () => {
    const lambda = newProfile()
    const image = newProfile(NOTATION_PLATFORM)
    await revokeProfile(lambda)
    await revokeProfile(image)

    const version = await putSource('after.zip', Buffer.from('after'))
    await expect(startJob('after.zip', version, { profileName: lambda })).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('not active (status Revoked)')
    })
    await expect(signImage(image)).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('not active (status Revoked)')
    })
    await expect(
      signer.send(
        new PutSigningProfileCommand({ profileName: lambda, platformId: 'AWSLambda-SHA384-ECDSA' })
      )
    ).rejects.toMatchObject({ name: 'ValidationException' })
  })

  it('checks the request as the model and the Developer Guide say', async () => {
    const profileName = newProfile()
    await expect(revokeProfile(profileName, { profileVersion: 'short' })).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining("at 'profileVersion'")
    })
    await expect(
      revokeProfile(profileName, { profileVersion: 'ABCDEFGHIJ' })
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: expect.stringContaining('no version ABCDEFGHIJ')
    })
    await expect(
      revokeProfile(profileName, { effectiveTime: new Date(Date.now() + 60_000) })
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('is in the future')
    })
    await expect(revokeProfile(profileName, { reason: '' })).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining("at 'reason'")
    })
    await expect(
      signer.send(
        new RevokeSigningProfileCommand({
          profileName: 'no_such_profile',
          profileVersion: 'ABCDEFGHIJ',
          reason: 'r',
          effectiveTime: new Date()
        })
      )
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' })
    expect((await getProfile(profileName)).status).toBe('Active')
  })

  it('lets a repeat move the effective time earlier, never later', async () => {
    const profileName = newProfile()
    const first = new Date(Date.now() - 60_000)
    await revokeProfile(profileName, { effectiveTime: first })
    const recorded = (await getProfile(profileName)).revocationRecord

    const earlier = new Date(first.getTime() - 86_400_000)
    await revokeProfile(profileName, { effectiveTime: earlier })
    const moved = (await getProfile(profileName)).revocationRecord
    expect(moved).toEqual({ ...recorded, revocationEffectiveFrom: earlier })

    await expect(revokeProfile(profileName, { effectiveTime: first })).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('moved earlier, not later')
    })
    expect((await getProfile(profileName)).revocationRecord).toEqual(moved)
  })

  it('revokes only the caller’s own profiles: the request names no owner', async () => {
    const profileName = newProfile(undefined, OTHER_ACCOUNT)
    const { profileVersion } = await signer.send(
      new GetSigningProfileCommand({ profileName, profileOwner: OTHER_ACCOUNT })
    )
    await expect(
      signer.send(
        new RevokeSigningProfileCommand({
          profileName,
          profileVersion,
          reason: 'r',
          effectiveTime: new Date()
        })
      )
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: expect.stringContaining(`owned by ${MOTO_ACCOUNT}`)
    })
  })

  it('revokes a canceled profile (the rig’s choice)', async () => {
    service.addProfile({ name: 'canceled_then_revoked', status: 'Canceled' })
    await revokeProfile('canceled_then_revoked')
    expect((await getProfile('canceled_then_revoked')).status).toBe('Revoked')
  })
})

describe('GetRevocationStatus', () => {
  it('arrives on the data- host with the fields AWS’s plugin sends, and answers none revoked', async () => {
    const image = await signImage(newProfile(NOTATION_PLATFORM))
    const query = statusQuery(image)

    expect(await revokedEntities(query)).toEqual([])

    const port = new URL(service.endpoint).port
    expect(service.revocations.queries).toEqual([
      {
        host: `data-127.0.0.1:${port}`,
        signatureTimestamp: image.signingTime,
        platformId: NOTATION_PLATFORM,
        profileVersionArn: image.profileVersionArn,
        jobArn: image.jobArn,
        certificateHashes: query.certificateHashes,
        revokedEntities: []
      }
    ])
    expect(service.requests.at(-1)).toMatchObject({ operation: 'GetRevocationStatus', status: 200 })
  })

  it('is answered without the prefix too, for a client with disableHostPrefix', async () => {
    const image = await signImage(newProfile(NOTATION_PLATFORM))
    const client = clientOf(service, { maxAttempts: 1, disableHostPrefix: true })
    await client.send(new GetRevocationStatusCommand(statusQuery(image)))
    client.destroy()
    expect(service.revocations.queries[0]?.host).toBe(new URL(service.endpoint).host)
  })

  it('turns a signature from clean to revoked once its job is revoked', async () => {
    const image = await signImage(newProfile(NOTATION_PLATFORM))
    expect(await revokedEntities(statusQuery(image))).toEqual([])
    await revokeJob(image.jobId)
    expect(await revokedEntities(statusQuery(image))).toEqual([image.jobArn])
  })

  it('lists the profile version for signatures made at or after the revocation’s effective time', async () => {
    const profileName = newProfile(NOTATION_PLATFORM)
    const image = await signImage(profileName)
    const effectiveTime = new Date(image.signingTime.getTime() - 1000)
    await revokeProfile(profileName, { effectiveTime })

    expect(await revokedEntities(statusQuery(image))).toEqual([image.profileVersionArn])
    expect(
      await revokedEntities(statusQuery(image, { signatureTimestamp: effectiveTime }))
    ).toEqual([image.profileVersionArn])
    expect(
      await revokedEntities(
        statusQuery(image, { signatureTimestamp: new Date(effectiveTime.getTime() - 1) })
      )
    ).toEqual([])
  })

  it('lists a certificate hash a test revoked, as it was sent', async () => {
    const image = await signImage(newProfile(NOTATION_PLATFORM))
    const hashes = certificateHashes(service.notary.chain.certificates)
    service.revocations.certificates.add(hashes[1] ?? '')
    // Hex in either case names the same certificate; the answer repeats what was sent.
    const sent = hashes.map((hash, index) => (index === 1 ? hash.toUpperCase() : hash))

    expect(await revokedEntities(statusQuery(image, { certificateHashes: sent }))).toEqual([
      sent[1]
    ])
  })

  it('computes certificate hashes as the API reference’s openssl recipe does', () => {
    const chain = service.notary.chain.certificates
    const directory = mkdtempSync(path.join(tmpdir(), 'tbs-'))
    try {
      const tbsHashes = chain.map((der, index) => {
        // openssl asn1parse -strparse 4 -out child.tbs, then SHA-384, as the reference shows.
        const certificate = path.join(directory, `${index}.der`)
        const tbsFile = path.join(directory, `${index}.tbs`)
        writeFileSync(certificate, der)
        const args = ['asn1parse', '-inform', 'DER', '-in', certificate, '-strparse', '4']
        const parsed = spawnSync('openssl', [...args, '-out', tbsFile, '-noout'])
        expect(parsed.stderr.toString()).toBe('')
        const tbs = readFileSync(tbsFile)
        expect(tbs).toEqual(tbsCertificate(der))
        return createHash('sha384').update(tbs).digest('hex')
      })
      expect(certificateHashes(chain)).toEqual([
        tbsHashes[0]! + tbsHashes[1]!,
        tbsHashes[1]! + tbsHashes[2]!,
        tbsHashes[2]! + tbsHashes[3]!,
        tbsHashes[3]! + tbsHashes[3]!
      ])
    } finally {
      rmSync(directory, { recursive: true, force: true })
    }
  })

  it('refuses a query the model or the Developer Guide rules out', async () => {
    const image = await signImage(newProfile(NOTATION_PLATFORM))
    const refused = async (overrides: Partial<GetRevocationStatusCommandInput>) =>
      rejectionOf(revokedEntities(statusQuery(image, overrides)))

    expect(await refused({ certificateHashes: [] })).toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining("at 'certificateHashes'"),
      $metadata: { httpStatusCode: 400 }
    })
    expect(
      await refused({ jobArn: image.jobArn.replace('arn:aws:', 'arn:aws-cn:') })
    ).toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('partition aws-cn')
    })
    expect(await refused({ profileVersionArn: 'arn:too:short' })).toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('length between 20 and 2048')
    })
    expect(await refused({ platformId: 'NoSuchPlatform' })).toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('NoSuchPlatform')
    })
    expect(service.revocations.queries).toEqual([])
  })

  it('fails, hangs or is denied through the per-operation knobs', async () => {
    const image = await signImage(newProfile(NOTATION_PLATFORM))
    service.faults.internalErrors.GetRevocationStatus = 1
    expect(await rejectionOf(revokedEntities(statusQuery(image)))).toMatchObject({
      name: 'InternalServiceErrorException',
      $metadata: { httpStatusCode: 500 }
    })
    expect(await revokedEntities(statusQuery(image))).toEqual([])
    expect(service.faults.internalErrors).toEqual({ GetRevocationStatus: 0 })

    service.faults.deny.add('GetRevocationStatus')
    expect(await rejectionOf(revokedEntities(statusQuery(image)))).toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('signer:GetRevocationStatus')
    })
    service.faults.deny.clear()

    service.faults.hang.add('GetRevocationStatus')
    const client = clientOf(service, {
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ httpAgent: dataHostAgent(), socketTimeout: 500 })
    })
    const error = await rejectionOf(client.send(new GetRevocationStatusCommand(statusQuery(image))))
    client.destroy()
    expect(error.name).toBe('TimeoutError')
    expect(service.requests.at(-1)).toMatchObject({ operation: 'GetRevocationStatus', status: 0 })
  })

  it('forgets job and certificate revocations on reset(), not the profiles’', async () => {
    const profileName = newProfile(NOTATION_PLATFORM)
    const image = await signImage(profileName)
    await revokeJob(image.jobId)
    service.revocations.certificates.add('ab'.repeat(96))
    await revokeProfile(profileName, {
      effectiveTime: new Date(image.signingTime.getTime() - 60_000)
    })
    await revokedEntities(statusQuery(image))

    service.reset()

    expect(service.revocations.jobs.size).toBe(0)
    expect(service.revocations.certificates.size).toBe(0)
    expect(service.revocations.queries).toEqual([])
    expect(await revokedEntities(statusQuery(image))).toEqual([image.profileVersionArn])
  })
})
