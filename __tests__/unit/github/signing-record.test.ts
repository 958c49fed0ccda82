import { describe, expect, it } from '@jest/globals'
import {
  jobsOfSigningResults,
  signingRecordName,
  signingRecordOf
} from '../../../src/github/signing-record.js'
import type { RunContext } from '../../../src/github/run-context.js'
import { FAILED, SIGNED, SIGNED_IMAGE } from './fixtures.js'

const CONTEXT: RunContext = {
  repository: 'octo-org/widget',
  runId: '987654321',
  runAttempt: '2',
  job: 'build',
  sha: 'abc',
  serverUrl: 'https://github.com'
}

const STEP = {
  region: 'us-east-1',
  profileName: 'release_profile',
  profileOwner: undefined,
  context: CONTEXT,
  names: new Map([
    ['build/a.zip', 'a.zip'],
    ['build/b.zip', 'linux/b.zip']
  ])
}

describe('signingRecordOf', () => {
  const signed = {
    ...SIGNED,
    releaseAssetUrl: 'https://github.com/octo-org/widget/releases/download/v1/a.zip'
  }
  const record = signingRecordOf([signed, FAILED], STEP)

  it('is versioned, names the Region, the profile and the run, and every file by its name', () => {
    expect(signingRecordName('signed-build-0123456789ab')).toBe(
      'signed-build-0123456789ab.signing.json'
    )
    expect(record).toEqual({
      schemaVersion: 1,
      region: 'us-east-1',
      profileName: 'release_profile',
      run: { repository: 'octo-org/widget', runId: '987654321', runAttempt: '2', sha: 'abc' },
      results: [
        {
          name: 'a.zip',
          status: 'signed',
          jobId: 'job-a',
          jobOwner: '123456789012',
          jobArn: SIGNED.jobArn,
          profileVersion: 'p1',
          profileVersionArn: SIGNED.profileVersionArn,
          platformId: 'AWSLambda-SHA384-ECDSA',
          signatureExpiresAt: '2030-01-01T00:00:00.000Z',
          signedObject: { bucket: 'signed-bucket', key: 'signed/job-a' },
          sourceVersionId: 'v1',
          unsignedSha256: 'e'.repeat(64),
          sha256: 'f'.repeat(64),
          releaseAssetUrl: signed.releaseAssetUrl
        },
        {
          name: 'linux/b.zip',
          status: 'failed',
          jobId: '',
          jobOwner: '',
          jobArn: '',
          profileVersion: '',
          profileVersionArn: '',
          platformId: '',
          signatureExpiresAt: '',
          sourceVersionId: '',
          unsignedSha256: '',
          sha256: '',
          error: 'AccessDenied: no'
        }
      ]
    })
  })

  it('holds no local path: neither the workspace path of a file nor of its signed copy', () => {
    const text = JSON.stringify(record)
    expect(text).not.toContain('build/')
    expect(text).not.toContain('signed/a.zip')
  })

  it("keeps the signed object's version and the profile owner when there are", () => {
    const versioned = signingRecordOf([{ ...SIGNED, signedObjectVersionId: 'v9' }], {
      ...STEP,
      profileOwner: '444455556666'
    })
    expect(versioned.profileOwner).toBe('444455556666')
    expect(versioned.results[0]?.signedObject).toEqual({
      bucket: 'signed-bucket',
      key: 'signed/job-a',
      versionId: 'v9'
    })
  })
})

describe('jobsOfSigningResults', () => {
  const record = signingRecordOf([SIGNED, FAILED], STEP)

  it("reads a record's jobs with their owner, Region and profile version; skips files without one", () => {
    expect(jobsOfSigningResults(JSON.stringify(record), 'r.signing.json')).toEqual([
      {
        jobId: 'job-a',
        jobOwner: '123456789012',
        source: 'r.signing.json',
        name: 'a.zip',
        region: 'us-east-1',
        profileName: 'release_profile',
        profileVersion: 'p1'
      }
    ])
  })

  it("reads a step's results (results-file), an image's owner and version from its ARNs", () => {
    const image = {
      ...SIGNED_IMAGE,
      jobId: 'payload-job',
      jobArn: 'arn:aws:signer:eu-west-1:111122223333:/signing-jobs/payload-job',
      profileVersionArn:
        'arn:aws:signer:eu-west-1:111122223333:/signing-profiles/container_profile/Ab3xYz9Q1k'
    }
    expect(jobsOfSigningResults(JSON.stringify([image]), 'results.json')).toEqual([
      {
        jobId: 'payload-job',
        jobOwner: '111122223333',
        source: 'results.json',
        name: image.signedImage,
        region: 'eu-west-1',
        profileName: 'container_profile',
        profileVersion: 'Ab3xYz9Q1k'
      }
    ])
  })

  it.each<[string, string, string]>([
    ['not JSON', '{', 'is not JSON'],
    ['another shape', '{"results":[]}', 'neither a signing record'],
    ['a newer schema', '{"schemaVersion":2,"results":[]}', 'a newer version of the action wrote'],
    ['an unknown schema', '{"schemaVersion":"1","results":[]}', 'this action reads 1'],
    ['no results', '{"schemaVersion":1}', "has no 'results' array"],
    ['an entry that is no object', '[1]', 'results[0] is not an object'],
    ['a job ID that is not one', '[{"jobId":"../x"}]', 'is not a signing job ID'],
    ['a number for a string', '[{"jobId":5}]', 'results[0].jobId is not a string'],
    [
      'the ARN of another job',
      '[{"jobId":"a","jobArn":"arn:aws:signer:us-east-1:111122223333:/signing-jobs/b"}]',
      'is not the ARN of job a'
    ],
    ['a bad owner', '[{"jobId":"a","jobOwner":"me"}]', 'is not a 12-digit account ID']
  ])('refuses %s, saying what is wrong', (_, text, message) => {
    expect(() => jobsOfSigningResults(text, 'x.json')).toThrow(message)
  })
})
