import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals'
import {
  GetObjectCommand,
  HeadObjectCommand,
  S3Client,
  type GetObjectCommandOutput
} from '@aws-sdk/client-s3'
import {
  DescribeSigningJobCommand,
  SignerClient,
  type DescribeSigningJobCommandOutput
} from '@aws-sdk/client-signer'
import { mockClient } from 'aws-sdk-client-mock'
import type { ProfileReading, ProfileRef } from '../../../src/aws/signing-profile.js'
import type { RecordedFile } from '../../../src/github/recorded-files.js'
import {
  matchingRecord,
  verifyFile,
  type FileToVerify,
  type FileVerifySetup
} from '../../../src/pipeline/verify-one-file.js'
import { sdkError } from '../helpers.js'

const signerMock = mockClient(SignerClient)
const s3Mock = mockClient(S3Client)
let signer: SignerClient
let s3: S3Client

const CONTENT = Buffer.from('signed function zip')
const SHA = createHash('sha256').update(CONTENT).digest('hex')
const JOB = 'e218ee67-5dd3-4dc4-8caf-224898b12493'
const OWNER = '111122223333'
const PROFILE_ARN = `arn:aws:signer:us-east-1:${OWNER}:/signing-profiles/release_profile`
const VERSION_ARN = `${PROFILE_ARN}/awUPb84ibN`
const NOW = new Date('2027-01-01T00:00:00Z')

const JOB_ANSWER: DescribeSigningJobCommandOutput = {
  $metadata: {},
  jobId: JOB,
  status: 'Succeeded',
  platformId: 'AWSLambda-SHA384-ECDSA',
  profileName: 'release_profile',
  profileVersion: 'awUPb84ibN',
  jobOwner: OWNER,
  createdAt: new Date('2026-06-01T00:00:00Z'),
  completedAt: new Date('2026-06-01T00:00:05Z'),
  signatureExpiresAt: new Date('2031-06-01T00:00:00Z'),
  signedObject: { s3: { bucketName: 'release-signed', key: 'signed/abc.zip' } }
}
/** S3's Last-Modified of the signed object: while the job ran. */
const WRITTEN_AT = new Date('2026-06-01T00:00:04Z')
const RECORD: RecordedFile = {
  name: 'function.zip',
  jobId: JOB,
  jobOwner: OWNER,
  sha256: SHA,
  signedObject: { bucket: 'release-signed', key: 'signed/abc.zip', versionId: 'v2' }
}

let file: FileToVerify
let profile: jest.Mock<(ref: ProfileRef) => Promise<ProfileReading>>

beforeAll(() => {
  const directory = mkdtempSync(path.join(tmpdir(), 'verify-file-'))
  const absolutePath = path.join(directory, 'function.zip')
  writeFileSync(absolutePath, CONTENT)
  file = {
    absolutePath,
    path: 'signed/function.zip',
    relativePath: 'function.zip',
    size: CONTENT.length
  }
})

beforeEach(() => {
  signerMock.reset()
  s3Mock.reset()
  signer = new SignerClient({ region: 'us-east-1' })
  s3 = new S3Client({ region: 'us-east-1' })
  signerMock.on(DescribeSigningJobCommand).resolves(JOB_ANSWER)
  s3Mock.on(HeadObjectCommand).resolves({
    ContentLength: CONTENT.length,
    VersionId: 'v2',
    LastModified: WRITTEN_AT
  })
  s3Mock.on(GetObjectCommand).callsFake(() => ({
    Body: Readable.from([CONTENT]) as unknown as GetObjectCommandOutput['Body']
  }))
  profile = jest.fn<(ref: ProfileRef) => Promise<ProfileReading>>()
  profile.mockResolvedValue({
    arn: PROFILE_ARN,
    profileVersion: 'awUPb84ibN',
    revokedFrom: undefined
  })
})
afterEach(() => {
  signer.destroy()
  s3.destroy()
})

function setup(changes: Partial<FileVerifySetup> = {}): FileVerifySetup {
  return {
    recorded: [RECORD],
    trustedProfiles: [PROFILE_ARN],
    region: 'us-east-1',
    signer,
    s3,
    profile,
    budgetMs: 10_000,
    now: () => NOW,
    ...changes
  }
}

const verify = (changes: Partial<FileVerifySetup> = {}) =>
  verifyFile(file, setup(changes), () => {})

describe('verifyFile', () => {
  it('verifies a file whose record, job and signed object agree', async () => {
    expect(await verify()).toEqual({
      path: 'signed/function.zip',
      sha256: SHA,
      status: 'verified',
      recordedAs: 'function.zip',
      jobId: JOB,
      jobArn: `arn:aws:signer:us-east-1:${OWNER}:/signing-jobs/${JOB}`,
      profileVersionArn: VERSION_ARN,
      trustedBy: PROFILE_ARN,
      signatureExpiresAt: '2031-06-01T00:00:00.000Z',
      signedObject: 's3://release-signed/signed/abc.zip',
      signedObjectHashedFrom: 'content',
      seconds: expect.any(Number)
    })
    // The version the record names, since it names the job's object.
    expect(s3Mock.commandCalls(HeadObjectCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'release-signed',
      Key: 'signed/abc.zip',
      VersionId: 'v2'
    })
    expect(profile).toHaveBeenCalledWith({ profileName: 'release_profile', profileOwner: OWNER })
  })

  it("reads the job's signed object, not another the record names", async () => {
    const elsewhere = { ...RECORD, signedObject: { bucket: 'x-bucket', key: 'k', versionId: 'v7' } }
    expect((await verify({ recorded: [elsewhere] })).status).toBe('verified')
    expect(s3Mock.commandCalls(HeadObjectCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'release-signed',
      Key: 'signed/abc.zip',
      VersionId: undefined
    })
  })

  it.each<[string, Partial<FileVerifySetup>, () => void, string, RegExp]>([
    [
      'a file no record names',
      { recorded: [{ ...RECORD, name: 'other.zip', sha256: 'ab'.repeat(32) }] },
      () => {},
      'record',
      /no signed file in signing-results has its SHA-256/
    ],
    [
      'a file changed since signing',
      { recorded: [{ ...RECORD, sha256: 'ab'.repeat(32) }] },
      () => {},
      'sha256',
      /it is not the file that was signed as 'function\.zip'/
    ],
    [
      'a job Signer does not know',
      {},
      () =>
        signerMock
          .on(DescribeSigningJobCommand)
          .rejects(sdkError('ResourceNotFoundException', 404)),
      'job',
      /Signer has no such job in us-east-1/
    ],
    [
      'a job that failed',
      {},
      () =>
        signerMock
          .on(DescribeSigningJobCommand)
          .resolves({ ...JOB_ANSWER, status: 'Failed', statusReason: 'bad zip' }),
      'status',
      /is 'Failed' \('bad zip'\), not Succeeded/
    ],
    [
      'a revoked job',
      {},
      () =>
        signerMock.on(DescribeSigningJobCommand).resolves({
          ...JOB_ANSWER,
          revocationRecord: {
            reason: 'bad build',
            revokedAt: new Date('2026-07-01T00:00:00Z'),
            revokedBy: 'arn:aws:iam::111122223333:root'
          }
        }),
      'revoked',
      /was revoked at 2026-07-01T00:00:00\.000Z by 'arn:aws:iam::111122223333:root': 'bad build'/
    ],
    [
      'a profile version revoked before the job',
      {},
      () =>
        profile.mockResolvedValue({
          arn: PROFILE_ARN,
          profileVersion: 'awUPb84ibN',
          revokedFrom: new Date('2026-06-01T00:00:03Z')
        }),
      'revoked',
      /is revoked for signatures from 2026-06-01T00:00:03\.000Z; job .* signed by 2026-06-01T00:00:05\.000Z/
    ],
    [
      "a profile whose revocation can't be read",
      {},
      () => profile.mockRejectedValue(new Error('GetSigningProfile failed')),
      'revocationStatus',
      /GetSigningProfile failed/
    ],
    [
      'a profile not trusted',
      { trustedProfiles: [`${PROFILE_ARN}/otherVersn`] },
      () => {},
      'trustedProfile',
      /is not among the trusted profiles/
    ],
    [
      'an expired signature',
      { now: () => new Date('2032-01-01T00:00:00Z') },
      () => {},
      'expired',
      /expired at 2031-06-01T00:00:00\.000Z/
    ],
    [
      'an image job',
      {},
      () =>
        signerMock
          .on(DescribeSigningJobCommand)
          .resolves({ ...JOB_ANSWER, platformId: 'Notation-OCI-SHA384-ECDSA' }),
      'job',
      /signed a container image payload/
    ],
    [
      'a signed object of another size',
      {},
      () => s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 3, LastModified: WRITTEN_AT }),
      'signedObject',
      /holds 3 bytes; this file has 19/
    ],
    [
      'a signed object written after the job completed',
      {},
      () =>
        s3Mock.on(HeadObjectCommand).resolves({
          ContentLength: CONTENT.length,
          VersionId: 'v3',
          LastModified: new Date('2026-06-01T00:01:00Z')
        }),
      'signedObject',
      /^the signed object s3:\/\/release-signed\/signed\/abc\.zip \(version v3\) was written at 2026-06-01T00:01:00\.000Z, not while job \S+ ran \(2026-06-01T00:00:00\.000Z to 2026-06-01T00:00:05\.000Z\)/
    ],
    [
      'a signed object with other bytes',
      {},
      () =>
        s3Mock.on(GetObjectCommand).callsFake(() => ({
          Body: Readable.from([
            Buffer.from('SIGNED FUNCTION ZIP')
          ]) as unknown as GetObjectCommandOutput['Body']
        })),
      'signedObject',
      /\(version v2\) has the SHA-256 [0-9a-f]{64}; this file has/
    ]
  ])('fails %s', async (_case, changes, arrange, check, reason) => {
    arrange()
    const result = await verify(changes)
    expect(result).toMatchObject({ status: 'failed', check, reason: expect.stringMatching(reason) })
  })

  it('does not fail a profile revoked only after the job ended', async () => {
    profile.mockResolvedValue({
      arn: PROFILE_ARN,
      profileVersion: 'awUPb84ibN',
      revokedFrom: new Date('2026-06-02T00:00:00Z')
    })
    expect((await verify()).status).toBe('verified')
  })
})

describe('matchingRecord', () => {
  const other = { ...RECORD, name: 'lib/function.zip', jobId: 'job-2' }
  it('prefers the record of the same hash and name', () => {
    expect(matchingRecord(file, SHA, [other, RECORD])).toBe(RECORD)
  })
  it('takes a record of the same hash under another name (a renamed file)', () => {
    expect(matchingRecord({ path: 'x/y.zip', relativePath: 'y.zip' }, SHA, [other])).toBe(other)
  })
  it.each([
    ['signed/release.signing.json', /It looks like a signing record.*'!\*\*\/\*\.signing\.json'$/],
    ['signed/release.sha256', /If it is the checksums file .*'!\*\*\/\*\.sha256'$/],
    ['signed/notes.txt', /or was signed by another step$/]
  ])("says how to leave out a signing step's own file, %s, that matched 'path'", (name, reason) => {
    const unsigned = { path: name, relativePath: name.slice('signed/'.length) }
    expect(() => matchingRecord(unsigned, 'cd'.repeat(32), [RECORD])).toThrow(reason)
  })
})
