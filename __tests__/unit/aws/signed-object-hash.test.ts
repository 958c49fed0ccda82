import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import {
  GetObjectCommand,
  HeadObjectCommand,
  S3Client,
  type GetObjectCommandOutput
} from '@aws-sdk/client-s3'
import { mockClient } from 'aws-sdk-client-mock'
import { fullObjectSha256, signedObjectSha256 } from '../../../src/aws/signed-object-hash.js'
import { ActionError } from '../../../src/errors.js'
import { rejectionOf, sdkError } from '../helpers.js'

const s3Mock = mockClient(S3Client)
let s3: S3Client

const CONTENT = Buffer.from('signed bytes')
const HEX = createHash('sha256').update(CONTENT).digest('hex')
const BASE64 = Buffer.from(HEX, 'hex').toString('base64')
const OBJECT = { bucket: 'release-signed', key: 'signed/a.zip', versionId: 'v2' }
// The job that wrote the object ran for ten seconds; S3 says it was written in the middle.
const JOB = {
  createdAt: new Date('2026-12-07T06:00:00Z'),
  completedAt: new Date('2026-12-07T06:00:10Z')
}
const WRITTEN_AT = new Date('2026-12-07T06:00:05Z')
const LIMITS = { expectedSize: CONTENT.length, budgetMs: 10_000, writtenBy: JOB }

const body = (chunks: Buffer[]) =>
  Readable.from(chunks) as unknown as GetObjectCommandOutput['Body']

beforeEach(() => {
  s3Mock.reset()
  s3 = new S3Client({ region: 'us-east-1' })
})
afterEach(() => s3.destroy())

describe('signedObjectSha256', () => {
  it("takes S3's full-object SHA-256 checksum without reading the object", async () => {
    s3Mock.on(HeadObjectCommand).resolves({
      ContentLength: CONTENT.length,
      ChecksumSHA256: BASE64,
      ChecksumType: 'FULL_OBJECT',
      VersionId: 'v2',
      LastModified: WRITTEN_AT
    })
    expect(await signedObjectSha256(s3, OBJECT, LIMITS)).toEqual({
      sha256: HEX,
      size: CONTENT.length,
      versionId: 'v2',
      writtenAt: WRITTEN_AT,
      from: 'checksum'
    })
    expect(s3Mock.commandCalls(HeadObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'release-signed',
      Key: 'signed/a.zip',
      VersionId: 'v2',
      ChecksumMode: 'ENABLED'
    })
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0)
  })

  it('reads and hashes the version HeadObject saw when there is no full-object checksum', async () => {
    s3Mock.on(HeadObjectCommand).resolves({
      ContentLength: CONTENT.length,
      ChecksumSHA256: `${BASE64}-3`,
      VersionId: 'v9',
      ETag: '"etag"',
      LastModified: WRITTEN_AT
    })
    s3Mock
      .on(GetObjectCommand)
      .resolves({ Body: body([CONTENT.subarray(0, 4), CONTENT.subarray(4)]) })
    const held = await signedObjectSha256(s3, { ...OBJECT, versionId: undefined }, LIMITS)
    expect(held).toEqual({
      sha256: HEX,
      size: CONTENT.length,
      versionId: 'v9',
      writtenAt: WRITTEN_AT,
      from: 'content'
    })
    expect(s3Mock.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'release-signed',
      Key: 'signed/a.zip',
      VersionId: 'v9',
      IfMatch: '"etag"'
    })
  })

  it('settles a different size with HeadObject alone', async () => {
    s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 99, LastModified: WRITTEN_AT })
    expect(await signedObjectSha256(s3, OBJECT, LIMITS)).toMatchObject({ size: 99, from: 'size' })
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0)
  })

  it('rules out, without reading it, a version written after the job completed', async () => {
    const replacedAt = new Date(JOB.completedAt.getTime() + 60_000)
    s3Mock.on(HeadObjectCommand).resolves({
      ContentLength: CONTENT.length,
      ChecksumSHA256: BASE64,
      ChecksumType: 'FULL_OBJECT',
      VersionId: 'v3',
      LastModified: replacedAt
    })
    expect(await signedObjectSha256(s3, OBJECT, LIMITS)).toEqual({
      sha256: '',
      size: CONTENT.length,
      versionId: 'v3',
      writtenAt: replacedAt,
      from: 'writtenAt'
    })
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0)
  })

  it('refuses more bytes than announced', async () => {
    s3Mock
      .on(HeadObjectCommand)
      .resolves({ ContentLength: CONTENT.length, LastModified: WRITTEN_AT })
    s3Mock.on(GetObjectCommand).resolves({ Body: body([CONTENT, Buffer.from('more')]) })
    const error = await rejectionOf(signedObjectSha256(s3, OBJECT, LIMITS), ActionError)
    expect(error.message).toContain('S3 sent more than the 12 bytes it announced')
  })

  it('names the object and the permission when S3 refuses', async () => {
    s3Mock.on(HeadObjectCommand).rejects(sdkError('AccessDenied', 403))
    const error = await rejectionOf(signedObjectSha256(s3, OBJECT, LIMITS), ActionError)
    expect(error.message).toBe(
      'Reading the signed object s3://release-signed/signed/a.zip (version v2) failed: AccessDenied: AccessDenied message — the role needs s3:GetObject and s3:GetObjectVersion on the signed objects'
    )
  })
})

describe('fullObjectSha256', () => {
  it.each<[string | undefined, string | undefined, string | undefined]>([
    [BASE64, 'FULL_OBJECT', HEX],
    [BASE64, undefined, HEX],
    [BASE64, 'COMPOSITE', undefined],
    [`${BASE64}-2`, undefined, undefined],
    [undefined, 'FULL_OBJECT', undefined],
    ['AAAA', 'FULL_OBJECT', undefined]
  ])('%s (%s) → %s', (checksum, type, hex) => {
    expect(fullObjectSha256(checksum, type)).toBe(hex)
  })
})
