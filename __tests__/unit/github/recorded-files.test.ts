import { describe, expect, it } from '@jest/globals'
import { signedFilesOf } from '../../../src/github/recorded-files.js'

const SHA = 'ab'.repeat(32)
const JOB = 'e218ee67-5dd3-4dc4-8caf-224898b12493'
const JOB_ARN = `arn:aws:signer:us-east-1:111122223333:/signing-jobs/${JOB}`

/** An entry as the signing record writes it. */
const recordEntry = {
  name: 'lambda/function.zip',
  status: 'signed',
  jobId: JOB,
  jobOwner: '111122223333',
  jobArn: JOB_ARN,
  profileVersion: 'awUPb84ibN',
  profileVersionArn:
    'arn:aws:signer:us-east-1:111122223333:/signing-profiles/release_profile/awUPb84ibN',
  platformId: 'AWSLambda-SHA384-ECDSA',
  signatureExpiresAt: '2031-01-01T00:00:00.000Z',
  signedObject: { bucket: 'release-signed', key: 'signed/abc.zip', versionId: 'v2' },
  sourceVersionId: 'v1',
  unsignedSha256: 'cd'.repeat(32),
  sha256: SHA.toUpperCase()
}

describe('signedFilesOf', () => {
  it('reads a signing record: each signed file by name, job, owner, SHA-256 and signed object', () => {
    const text = JSON.stringify({
      schemaVersion: 1,
      region: 'us-east-1',
      profileName: 'release_profile',
      run: { repository: 'o/r', runId: '1', runAttempt: '1', sha: 'f'.repeat(40) },
      results: [recordEntry, { ...recordEntry, name: 'failed.zip', status: 'failed', sha256: '' }]
    })
    expect(signedFilesOf(text)).toEqual({
      region: 'us-east-1',
      files: [
        {
          name: 'lambda/function.zip',
          jobId: JOB,
          jobOwner: '111122223333',
          sha256: SHA,
          signedObject: { bucket: 'release-signed', key: 'signed/abc.zip', versionId: 'v2' }
        }
      ]
    })
  })

  it("reads a signing step's results: signedPath, the owner from the job ARN, s3:// objects at signedObjectVersionId", () => {
    const text = JSON.stringify([
      {
        path: 'build/function.zip',
        signedPath: 'signed/function.zip',
        status: 'signed',
        jobId: JOB,
        jobArn: JOB_ARN,
        signedObject: 's3://release-signed/signed/abc.zip',
        signedObjectVersionId: '',
        sha256: SHA
      },
      {
        path: 'build/versioned.zip',
        signedPath: 'signed/versioned.zip',
        status: 'signed',
        jobId: JOB,
        jobArn: JOB_ARN,
        signedObject: 's3://release-signed/signed/def.zip',
        signedObjectVersionId: 'v7',
        sha256: SHA
      },
      { path: 'build/other.zip', signedPath: '', status: 'failed', jobId: '', sha256: '' }
    ])
    expect(signedFilesOf(text)).toEqual({
      region: undefined,
      files: [
        {
          name: 'signed/function.zip',
          jobId: JOB,
          jobOwner: '111122223333',
          sha256: SHA,
          signedObject: { bucket: 'release-signed', key: 'signed/abc.zip', versionId: undefined }
        },
        {
          name: 'signed/versioned.zip',
          jobId: JOB,
          jobOwner: '111122223333',
          sha256: SHA,
          signedObject: { bucket: 'release-signed', key: 'signed/def.zip', versionId: 'v7' }
        }
      ]
    })
  })

  it.each<[string, unknown, string]>([
    ['not JSON', '{', 'is not JSON'],
    ['a string', 'text', 'is neither a signing record'],
    [
      'a newer schema',
      { schemaVersion: 2, results: [] },
      'has schemaVersion 2, which a newer version'
    ],
    ['no results', { schemaVersion: 1 }, "has no 'results' array"],
    ['an entry not an object', [7], 'results[0] is not an object'],
    [
      'a job ID with a slash',
      [{ ...recordEntry, jobId: '../x' }],
      "results[0].jobId '../x' is not a signing job ID"
    ],
    [
      'a SHA-256 too short',
      [{ ...recordEntry, sha256: 'ab' }],
      'results[0].sha256 is not a SHA-256 in hex'
    ],
    [
      'an owner that is no account',
      [{ ...recordEntry, jobOwner: 'me' }],
      "results[0].jobOwner 'me' is not a 12-digit account ID"
    ],
    ['a number for a name', [{ ...recordEntry, name: 5 }], 'results[0].name is not a string'],
    [
      'no name',
      [{ ...recordEntry, name: undefined }],
      "results[0] names no file ('name' or 'signedPath')"
    ],
    [
      'an odd signed object',
      [{ ...recordEntry, signedObject: 'https://x' }],
      'results[0].signedObject is not s3://bucket/key'
    ]
  ])('says what is wrong with %s', (_case, value, message) => {
    const text = typeof value === 'string' && value !== 'text' ? value : JSON.stringify(value)
    expect(() => signedFilesOf(text)).toThrow(message)
  })
})
