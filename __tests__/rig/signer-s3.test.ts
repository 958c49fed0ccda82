import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { describe, expect, it } from '@jest/globals'
import { StartSigningJobCommand } from '@aws-sdk/client-signer'
import { MOTO_ACCOUNT } from './moto.js'
import { readObject } from './rig.js'
import { SIGNATURE_MARKER, readSignature, signedBytesOf } from './signed-bytes.js'
import {
  DESTINATION,
  PROFILE,
  SOURCE,
  UNVERSIONED,
  putSource,
  s3,
  service,
  signFile,
  signer,
  startJob,
  useLocalSigner,
  waitForJob
} from './signer-fixture.js'

// A job's S3 side: the checks on its source and destination, reading the exact source version,
// and writing the signed copy.
useLocalSigner()

describe('signing jobs', () => {
  it('signs the exact source version into {prefix}{jobId}{ext}', async () => {
    const bytes = randomBytes(64 * 1024)
    const version = await putSource('builds/app.zip', bytes)
    await putSource('builds/app.zip', Buffer.from('a later version'))
    const jobId = await startJob('builds/app.zip', version)
    const job = await waitForJob(jobId)

    expect(job).toMatchObject({
      jobId,
      status: 'Succeeded',
      profileName: PROFILE,
      platformId: 'AWSLambda-SHA384-ECDSA',
      platformDisplayName: 'AWS Lambda',
      source: { s3: { bucketName: SOURCE, key: 'builds/app.zip', version } },
      signedObject: { s3: { bucketName: DESTINATION, key: `signed/${jobId}.zip` } },
      jobOwner: MOTO_ACCOUNT,
      jobInvoker: MOTO_ACCOUNT
    })
    const profileVersion = job.profileVersion ?? ''
    expect(profileVersion).toMatch(/^[a-zA-Z0-9]{10}$/)

    const signed = await readObject(s3, DESTINATION, `signed/${jobId}.zip`)
    expect(signed.equals(signedBytesOf(bytes, jobId))).toBe(true)
    expect(signed.includes(SIGNATURE_MARKER)).toBe(true)
    expect(readSignature(signed)).toEqual({
      jobId,
      profileVersion,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      payloadLength: bytes.length
    })
  })

  it('names the signed object without an extension when the source key has none', async () => {
    const job = await signFile('builds/README', Buffer.from('text'))
    expect(job.signedObject?.s3?.key).toBe(`signed/${job.jobId}`)
  })

  it('streams large files through a multipart upload', async () => {
    const bytes = randomBytes(20 * 1024 * 1024 + 123)
    const job = await signFile('large.bin', bytes)
    expect(job.status).toBe('Succeeded')
    const signed = await readObject(s3, DESTINATION, job.signedObject?.s3?.key ?? '')
    expect(signed.equals(signedBytesOf(bytes, job.jobId ?? ''))).toBe(true)
  })

  it('fails an empty file', async () => {
    const job = await signFile('empty.zip', Buffer.alloc(0))
    expect(job.status).toBe('Failed')
    expect(job.statusReason).toBe('Signing failed: the file is empty')
    expect(job.signedObject).toBeUndefined()
  })

  it('fails a file that is already signed', async () => {
    const first = await signFile('once.zip', Buffer.from('sign me once'))
    const signed = await readObject(s3, DESTINATION, first.signedObject?.s3?.key ?? '')
    const again = await signFile('twice-signed.zip', signed)
    expect(again.status).toBe('Failed')
    expect(again.statusReason).toBe('Signing failed: the file is already signed')
  })

  it('refuses a source bucket without versioning', async () => {
    const version = await putSource('plain.zip', Buffer.from('plain'), UNVERSIONED)
    const start = signer.send(
      new StartSigningJobCommand({
        source: { s3: { bucketName: UNVERSIONED, key: 'plain.zip', version } },
        destination: { s3: { bucketName: DESTINATION } },
        profileName: PROFILE,
        clientRequestToken: randomUUID()
      })
    )
    await expect(start).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('versioning')
    })
    expect(service.jobs).toHaveLength(0)
  })

  it('refuses a missing source version, a missing destination bucket and a bad profile name', async () => {
    const version = await putSource('real.zip', Buffer.from('real'))
    await expect(startJob('real.zip', 'no-such-version')).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('no-such-version')
    })
    await expect(
      startJob('real.zip', version, { destination: { s3: { bucketName: 'nowhere' } } })
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('nowhere')
    })
    await expect(startJob('real.zip', version, { profileName: 'x' })).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('profileName')
    })
    await expect(
      startJob('real.zip', version, { profileName: 'missing_profile' })
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: expect.stringContaining('missing_profile')
    })
  })
})
