import { describe, expect, it } from '@jest/globals'
import {
  UntrustedAnswerError,
  answerDifferences,
  checkJobAnswer,
  checkPublisherValues,
  checkedSignedObject,
  signedObjectProblem,
  type JobAnswer
} from '../../../src/aws/check-signing-job.js'
import type { SigningRequest } from '../../../src/aws/request-token.js'
import { thrownBy } from '../helpers.js'
import { REQUEST, answerAbout } from './signing-job-answers.js'

const started = { jobId: 'job-1', request: REQUEST, label: 'dist/a.zip' }
const NOT_TRUSTED =
  'The answer is not trusted and nothing was downloaded for this file: check what answers for Signer between the runner and AWS (AWS_ENDPOINT_URL_SIGNER, a proxy).'

function signedAt(bucketName: string, key: string): JobAnswer {
  return { ...answerAbout('job-1'), signedObject: { s3: { bucketName, key } } }
}

describe('answerDifferences', () => {
  it('finds none in an answer about the job the step started', () => {
    expect(answerDifferences(answerAbout('job-1'), started)).toEqual([])
  })

  it('names every member that differs, with what was asked', () => {
    const answer = answerAbout('job-2', {
      ...REQUEST,
      profileName: 'other_profile',
      source: { bucket: 'b2', key: 'k2', version: 'v2' }
    })
    expect(answerDifferences(answer, started)).toEqual([
      "jobId 'job-2', not 'job-1'",
      "source bucket 'b2', not 'release-unsigned'",
      "source key 'k2', not 'unsigned/o/r/1-1/sign/abc/dist/a.zip'",
      "source version 'v2', not 'v-1'",
      "profileName 'other_profile', not 'release_profile'"
    ])
  })

  it('counts a missing ID, source or source member as a difference, but not a missing profile name', () => {
    const bare: JobAnswer = { signedObject: answerAbout('job-1').signedObject }
    expect(answerDifferences(bare, started)).toEqual([
      "no jobId (expected 'job-1')",
      'no S3 source'
    ])
    // The SDK's type says a source has a version; its parser does not check that it does.
    const noVersion = {
      ...answerAbout('job-1'),
      source: { s3: { bucketName: 'release-unsigned', key: REQUEST.source.key } }
    } as unknown as JobAnswer
    expect(answerDifferences(noVersion, started)).toEqual(["no source version (expected 'v-1')"])
  })

  it('compares IDs, buckets, keys and versions exactly: case and a trailing space differ', () => {
    const answer = answerAbout('JOB-1', {
      ...REQUEST,
      source: { ...REQUEST.source, key: REQUEST.source.key.toUpperCase(), version: 'v-1 ' }
    })
    expect(answerDifferences(answer, started)).toHaveLength(3)
  })
})

describe('checkJobAnswer', () => {
  it('passes an answer about the job the step started', () => {
    expect(() => checkJobAnswer(answerAbout('job-1'), started)).not.toThrow()
  })

  it('throws an UntrustedAnswerError naming the job, the file and what differed', () => {
    const error = thrownBy(
      () => checkJobAnswer(answerAbout('job-2'), started),
      UntrustedAnswerError
    )
    expect(error.message).toBe(
      `DescribeSigningJob for signing job job-1 (dist/a.zip) answered about another job or object: jobId 'job-2', not 'job-1'. ${NOT_TRUSTED}`
    )
  })
})

describe('where a signed object may lie', () => {
  it('is in destination-bucket, under destination-prefix', () => {
    expect(
      signedObjectProblem(signedAt('release-signed', 'signed/job-1.zip'), started)
    ).toBeUndefined()
    expect(checkedSignedObject(signedAt('release-signed', 'signed/job-1.zip'), started)).toEqual({
      bucket: 'release-signed',
      key: 'signed/job-1.zip'
    })
  })

  it.each([
    [
      'one in another bucket',
      signedAt('release-unsigned', 'unsigned/o/r/1-1/sign/abc/dist/a.zip'),
      "names its signed object s3://release-unsigned/unsigned/o/r/1-1/sign/abc/dist/a.zip, which is not in destination-bucket 'release-signed'"
    ],
    [
      'one outside the prefix',
      signedAt('release-signed', 'elsewhere/job-1.zip'),
      "names its signed object s3://release-signed/elsewhere/job-1.zip, which is not under destination-prefix 'signed/'"
    ],
    [
      'a key that only contains the prefix',
      signedAt('release-signed', 'x/signed/job-1.zip'),
      "names its signed object s3://release-signed/x/signed/job-1.zip, which is not under destination-prefix 'signed/'"
    ],
    [
      'a key that starts like the prefix but for its slash',
      signedAt('release-signed', 'signed-evil/job-1.zip'),
      "names its signed object s3://release-signed/signed-evil/job-1.zip, which is not under destination-prefix 'signed/'"
    ],
    [
      'the prefix itself as the key',
      signedAt('release-signed', 'signed/'),
      "names its signed object s3://release-signed/signed/, which is not under destination-prefix 'signed/'"
    ],
    [
      'an answer without a signed object',
      { ...answerAbout('job-1'), signedObject: undefined },
      'names no signed object'
    ],
    [
      'a signed object without a key',
      { ...answerAbout('job-1'), signedObject: { s3: { bucketName: 'release-signed' } } },
      'names no signed object'
    ]
  ])('refuses %s', (_, answer, problem) => {
    expect(signedObjectProblem(answer, started)).toBe(problem)
    const error = thrownBy(() => checkedSignedObject(answer, started), UntrustedAnswerError)
    expect(error.message).toBe(
      `Signing job job-1 for dist/a.zip succeeded but ${problem}. ${NOT_TRUSTED}`
    )
  })

  it('is never the unsigned source object, even when it lies in the destination bucket and under the prefix', () => {
    // One bucket for both (destination-bucket left empty) and an empty destination-prefix.
    const request: SigningRequest = {
      ...REQUEST,
      destination: { bucket: REQUEST.source.bucket, prefix: '' }
    }
    const answer = signedAt(REQUEST.source.bucket, REQUEST.source.key)
    expect(signedObjectProblem(answer, { ...started, request })).toBe(
      `names its signed object s3://release-unsigned/${REQUEST.source.key}, which is the unsigned source object itself`
    )
    expect(
      signedObjectProblem(signedAt(REQUEST.source.bucket, 'job-1.zip'), { ...started, request })
    ).toBeUndefined()
  })
})

describe("the signed object's key: this job's, as Signer writes it", () => {
  it.each(['signed/job-1', 'signed/job-1.zip', 'signed/job-1.tar.gz', 'signed/job-1.my_ext-2'])(
    'takes destination-prefix, the job ID, then nothing or an extension: %s',
    key => {
      expect(signedObjectProblem(signedAt('release-signed', key), started)).toBeUndefined()
    }
  )

  it.each([
    [
      "another job's object, which the same step may have written moments before",
      'signed/job-2.zip'
    ],
    ['a job ID that merely starts with this one', 'signed/job-10.zip'],
    ['a folder named after the job', 'signed/job-1/b.zip'],
    ['the job under a deeper folder', 'signed/x/job-1.zip'],
    ['an empty extension part', 'signed/job-1..zip'],
    ['a trailing dot', 'signed/job-1.'],
    ['shell characters after the job ID', 'signed/job-1.zip"; $(id) #'],
    // A path-normalising proxy would resolve these to another object.
    ['a dot-dot segment', 'signed/../../release-unsigned/x.zip'],
    ['a dot segment', 'signed/./job-1.zip'],
    ['a trailing dot-dot segment', 'signed/..']
  ])('refuses %s', (_, key) => {
    const problem = `names its signed object s3://release-signed/${key}, which is not this job's: destination-prefix 'signed/', then job ID job-1, then nothing or an extension such as '.zip'`
    expect(signedObjectProblem(signedAt('release-signed', key), started)).toBe(problem)
    const error = thrownBy(
      () => checkedSignedObject(signedAt('release-signed', key), started),
      UntrustedAnswerError
    )
    expect(error.message).toBe(
      `Signing job job-1 for dist/a.zip succeeded but ${problem}. ${NOT_TRUSTED}`
    )
  })
})

describe('checkPublisherValues', () => {
  const answer = {
    ...answerAbout('job-1'),
    jobOwner: '111122223333',
    profileVersion: 'ABCDEFGHIJ',
    platformId: 'AWSLambda-SHA384-ECDSA'
  }

  it("passes Signer's forms, and values the answer leaves out", () => {
    expect(() => checkPublisherValues(answer, started)).not.toThrow()
    expect(() => checkPublisherValues(answerAbout('job-1'), started)).not.toThrow()
  })

  it('refuses values that would reach the outputs and the summary as they came, showing each escaped', () => {
    const odd = {
      ...answer,
      jobOwner: 'x y<z>',
      profileVersion: 'v1$(id)',
      platformId: 'AWSLambda\n::warning::x'
    }
    const error = thrownBy(() => checkPublisherValues(odd, started), UntrustedAnswerError)
    expect(error.message).toBe(
      "Signing job job-1 for dist/a.zip succeeded but answered a jobOwner that is not a 12-digit account ID: 'x y<z>'; " +
        "a profileVersion that is not 10 letters or digits: 'v1$(id)'; " +
        "a platformId that is not up to 128 letters, digits, dots, underscores or hyphens: 'AWSLambda\\n::warning::x'. " +
        NOT_TRUSTED
    )
  })

  it.each([
    ['jobOwner', '11112222333'],
    ['jobOwner', '1111222233334'],
    ['profileVersion', 'ABCDEFGHI'],
    ['profileVersion', 'ABCDEFGHIJK'],
    ['profileVersion', 'ABCDE-GHIJ'],
    ['platformId', 'AWSLambda SHA384'],
    ['platformId', '']
  ])('refuses a %s of %p', (member, value) => {
    const error = thrownBy(
      () => checkPublisherValues({ ...answer, [member]: value }, started),
      UntrustedAnswerError
    )
    expect(error.message).toContain(`a ${member} that is not `)
    expect(error.message).toContain(`'${value}'`)
  })
})
