import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { GetBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3'
import {
  GetSigningPlatformCommand,
  GetSigningProfileCommand,
  SignerClient
} from '@aws-sdk/client-signer'
import { mockClient } from 'aws-sdk-client-mock'
import type { AwsClients } from '../../../src/aws/clients.js'
import { RequestRate } from '../../../src/aws/request-rate.js'
import { ActionError } from '../../../src/errors.js'
import type { ArtifactFile } from '../../../src/pipeline/find-files.js'
import { checkSizes, preflight } from '../../../src/aws/preflight.js'
import { rejectionOf, sdkError } from '../helpers.js'

const s3Mock = mockClient(S3Client)
const signerMock = mockClient(SignerClient)
let clients: AwsClients

const INPUTS = {
  kind: 'files' as const,
  sourceBucket: 'unsigned-bucket',
  profileName: 'release_profile',
  profileOwner: undefined,
  region: 'eu-west-1',
  expectedBucketOwner: undefined
}
const PLATFORM = 'AWSLambda-SHA384-ECDSA'

/** Everything in order: versioned bucket, Active profile, a platform with a size limit. */
function allGood(): void {
  s3Mock.on(GetBucketVersioningCommand).resolves({ Status: 'Enabled' })
  signerMock
    .on(GetSigningProfileCommand)
    .resolves({ profileName: INPUTS.profileName, status: 'Active', platformId: PLATFORM })
  signerMock.on(GetSigningPlatformCommand).resolves({ platformId: PLATFORM, maxSizeInMB: 250 })
}

const failure = (promise: Promise<unknown>) => rejectionOf(promise, Error)

beforeEach(() => {
  s3Mock.reset()
  signerMock.reset()
  const signer = new SignerClient({ region: INPUTS.region })
  clients = {
    s3: new S3Client({ region: INPUTS.region }),
    signer,
    signerPoller: signer,
    describeRate: new RequestRate(),
    retryPolicy: { maxAttempts: 5, budgetMs: 60_000 }
  }
})

afterEach(() => {
  clients.s3.destroy()
  clients.signer.destroy()
})

describe('preflight', () => {
  it('passes a versioned bucket and an Active profile, reading the size limit', async () => {
    allGood()
    expect(await preflight(clients, INPUTS)).toEqual({
      platformId: PLATFORM,
      maxSizeBytes: 250 * 1024 * 1024,
      skipped: []
    })
  })

  it('asks about the right bucket, owner, profile and platform', async () => {
    allGood()
    await preflight(clients, {
      ...INPUTS,
      profileOwner: '111122223333',
      expectedBucketOwner: '444455556666'
    })
    expect(s3Mock.commandCalls(GetBucketVersioningCommand)[0]?.args[0].input).toEqual({
      Bucket: 'unsigned-bucket',
      ExpectedBucketOwner: '444455556666'
    })
    expect(signerMock.commandCalls(GetSigningProfileCommand)[0]?.args[0].input).toEqual({
      profileName: 'release_profile',
      profileOwner: '111122223333'
    })
    expect(signerMock.commandCalls(GetSigningPlatformCommand)[0]?.args[0].input).toEqual({
      platformId: PLATFORM
    })
  })

  it.each([
    ['Suspended', { Status: 'Suspended' as const }, 'status: Suspended'],
    ['absent', {}, 'status: never enabled']
  ])('refuses a bucket whose versioning is %s', async (_, answer, detail) => {
    allGood()
    s3Mock.on(GetBucketVersioningCommand).resolves(answer)
    const error = await failure(preflight(clients, INPUTS))
    expect(error).toBeInstanceOf(ActionError)
    expect(error.message).toContain("Source bucket 'unsigned-bucket'")
    expect(error.message).toContain('versioning')
    expect(error.message).toContain(detail)
    expect(error.message).toContain('put-bucket-versioning --bucket unsigned-bucket')
  })

  it('refuses a bucket that does not exist, naming it and the region', async () => {
    allGood()
    s3Mock.on(GetBucketVersioningCommand).rejects(sdkError('NoSuchBucket', 404))
    const error = await failure(preflight(clients, INPUTS))
    expect(error).toBeInstanceOf(ActionError)
    expect(error.message).toContain("Source bucket 'unsigned-bucket' does not exist in eu-west-1")
    expect(error.message).toContain('NoSuchBucket')
  })

  it('fails when the versioning cannot be read for another reason', async () => {
    allGood()
    s3Mock.on(GetBucketVersioningCommand).rejects(sdkError('InternalError', 500))
    const error = await failure(preflight(clients, INPUTS))
    expect(error.message).toBe(
      "Could not read the versioning of source bucket 'unsigned-bucket': InternalError: InternalError message"
    )
  })

  it('refuses a Canceled profile, with its reason', async () => {
    allGood()
    signerMock.on(GetSigningProfileCommand).resolves({
      profileName: INPUTS.profileName,
      status: 'Canceled',
      statusReason: 'cancelled by admin',
      platformId: PLATFORM
    })
    const error = await failure(preflight(clients, INPUTS))
    expect(error).toBeInstanceOf(ActionError)
    expect(error.message).toBe(
      "Signing profile 'release_profile' is Canceled (cancelled by admin); only an Active profile can sign."
    )
  })

  it('refuses a Revoked profile owned by another account, naming the owner', async () => {
    allGood()
    signerMock.on(GetSigningProfileCommand).resolves({ status: 'Revoked', platformId: PLATFORM })
    const error = await failure(preflight(clients, { ...INPUTS, profileOwner: '111122223333' }))
    expect(error.message).toContain("'release_profile' owned by 111122223333 is Revoked")
  })

  it('refuses a profile that is not found, naming it', async () => {
    allGood()
    signerMock.on(GetSigningProfileCommand).rejects(sdkError('ResourceNotFoundException', 404))
    const error = await failure(preflight(clients, INPUTS))
    expect(error).toBeInstanceOf(ActionError)
    expect(error.message).toContain("Signing profile 'release_profile' was not found in eu-west-1")
    expect(error.message).toContain("'profile-owner'")
  })

  it('does not suggest profile-owner when it was given', async () => {
    allGood()
    signerMock.on(GetSigningProfileCommand).rejects(sdkError('ResourceNotFoundException', 404))
    const error = await failure(preflight(clients, { ...INPUTS, profileOwner: '111122223333' }))
    expect(error.message).toContain("'release_profile' owned by 111122223333 was not found")
    expect(error.message).not.toContain("'profile-owner'")
  })

  it('names the check in other profile errors, keeping the service error', async () => {
    allGood()
    signerMock.on(GetSigningProfileCommand).rejects(sdkError('ThrottlingException', 400))
    expect((await failure(preflight(clients, INPUTS))).message).toBe(
      'Preflight signer:GetSigningProfile failed: ThrottlingException: ThrottlingException message'
    )
  })

  it.each([
    ['s3:GetBucketVersioning', 'SignatureDoesNotMatch'],
    ['signer:GetSigningProfile', 'InvalidSignatureException'],
    ['signer:GetSigningProfile', 'ExpiredTokenException'],
    ['s3:GetBucketVersioning', 'InvalidAccessKeyId']
  ])(
    'fails at once on a refused credential or signature (%s, %s), never skipping',
    async (api, name) => {
      allGood()
      const refused = sdkError(name, 403)
      if (api === 's3:GetBucketVersioning') s3Mock.on(GetBucketVersioningCommand).rejects(refused)
      else signerMock.on(GetSigningProfileCommand).rejects(refused)
      const error = await failure(preflight(clients, INPUTS))
      expect(error.message).toContain(api === 's3:GetBucketVersioning' ? 'versioning' : api)
      expect(error.message).toMatch(
        new RegExp(`${name}: ${name} message — AWS refused the request's credentials .* 'region'`)
      )
    }
  )

  it('says the owner check failed when S3 denies GetBucketVersioning with expected-bucket-owner set', async () => {
    allGood()
    s3Mock.on(GetBucketVersioningCommand).rejects(sdkError('AccessDenied', 403, 'Access Denied'))
    const error = await failure(
      preflight(clients, { ...INPUTS, expectedBucketOwner: '111122223333' })
    )
    expect(error.message).toBe(
      "The owner check of source bucket 'unsigned-bucket' failed: S3 answered GetBucketVersioning with ExpectedBucketOwner 111122223333 by AccessDenied: Access Denied. Either the bucket is not owned by account 111122223333 (check 'expected-bucket-owner' and 'source-bucket'), or the role lacks s3:GetBucketVersioning, which the owner check needs."
    )
  })

  it('skips the versioning check when access is denied', async () => {
    allGood()
    s3Mock.on(GetBucketVersioningCommand).rejects(sdkError('AccessDenied', 403))
    expect(await preflight(clients, INPUTS)).toEqual({
      platformId: PLATFORM,
      maxSizeBytes: 250 * 1024 * 1024,
      skipped: ['s3:GetBucketVersioning']
    })
  })

  it('skips the profile check, and so the platform, when access is denied', async () => {
    allGood()
    signerMock.on(GetSigningProfileCommand).rejects(sdkError('AccessDeniedException', 403))
    expect(await preflight(clients, INPUTS)).toEqual({
      platformId: undefined,
      maxSizeBytes: undefined,
      skipped: ['signer:GetSigningProfile']
    })
    expect(signerMock.commandCalls(GetSigningPlatformCommand)).toHaveLength(0)
  })

  it('skips the platform check when access is denied', async () => {
    allGood()
    signerMock.on(GetSigningPlatformCommand).rejects(sdkError('AccessDeniedException', 403))
    expect(await preflight(clients, INPUTS)).toEqual({
      platformId: PLATFORM,
      maxSizeBytes: undefined,
      skipped: ['signer:GetSigningPlatform']
    })
  })

  it('lists every denied check together', async () => {
    allGood()
    s3Mock.on(GetBucketVersioningCommand).rejects(sdkError('AccessDenied', 403))
    signerMock.on(GetSigningProfileCommand).rejects(sdkError('AccessDeniedException', 403))
    const findings = await preflight(clients, INPUTS)
    expect([...findings.skipped].sort()).toEqual([
      's3:GetBucketVersioning',
      'signer:GetSigningProfile'
    ])
  })

  it('leaves the size limit unknown when the platform gives none', async () => {
    allGood()
    signerMock.on(GetSigningPlatformCommand).resolves({ platformId: PLATFORM })
    expect((await preflight(clients, INPUTS)).maxSizeBytes).toBeUndefined()
  })

  it('does not ask for a platform when the profile names none', async () => {
    allGood()
    signerMock.on(GetSigningProfileCommand).resolves({ status: 'Active' })
    expect(await preflight(clients, INPUTS)).toEqual({
      platformId: undefined,
      maxSizeBytes: undefined,
      skipped: []
    })
    expect(signerMock.commandCalls(GetSigningPlatformCommand)).toHaveLength(0)
  })
})

describe('preflight: the platform of what is signed', () => {
  const IMAGE_INPUTS = {
    kind: 'images' as const,
    profileName: 'container_profile',
    profileOwner: undefined,
    region: 'eu-west-1'
  }
  const profileOn = (platformId: string) =>
    signerMock
      .on(GetSigningProfileCommand)
      .resolves({ profileName: 'p', status: 'Active', platformId })

  it('takes a Notation profile for images, asking neither S3 nor the platform', async () => {
    profileOn('Notation-OCI-SHA384-ECDSA')
    expect(await preflight(clients, IMAGE_INPUTS)).toMatchObject({
      platformId: 'Notation-OCI-SHA384-ECDSA',
      maxSizeBytes: undefined,
      skipped: []
    })
    expect(s3Mock.commandCalls(GetBucketVersioningCommand)).toHaveLength(0)
    expect(signerMock.commandCalls(GetSigningPlatformCommand)).toHaveLength(0)
  })

  it('refuses a profile of another platform for images, naming both platforms', async () => {
    profileOn(PLATFORM)
    const error = await failure(preflight(clients, IMAGE_INPUTS))
    expect(error).toBeInstanceOf(ActionError)
    expect(error.message).toBe(
      "Signing profile 'container_profile' is on platform AWSLambda-SHA384-ECDSA, which signs files; container images ('image') need a profile on platform Notation-OCI-SHA384-ECDSA. Name one in 'profile-name' (aws signer put-signing-profile --platform-id Notation-OCI-SHA384-ECDSA makes one)."
    )
  })

  it('refuses a Notation profile for files, naming both platforms', async () => {
    allGood()
    profileOn('Notation-OCI-SHA384-ECDSA')
    const error = await failure(preflight(clients, INPUTS))
    expect(error.message).toBe(
      "Signing profile 'release_profile' is on platform Notation-OCI-SHA384-ECDSA, which signs container images: give them in 'image' instead of 'path'. Files need a profile on another platform, such as AWSLambda-SHA384-ECDSA."
    )
    expect(signerMock.commandCalls(GetSigningPlatformCommand)).toHaveLength(0)
  })
})

describe('checkSizes', () => {
  const MB = 1024 * 1024
  const file = (path: string, size: number): ArtifactFile => ({
    absolutePath: `/ws/${path}`,
    path,
    relativePath: path,
    outputPath: `/ws/signed/${path}`,
    signedPath: `signed/${path}`,
    size
  })

  const limit = (maxSizeBytes: number) => ({ maxSizeBytes, platformId: PLATFORM })
  const TOO_LARGE_ADVICE =
    'Make the artifact smaller, or sign with a profile on a platform that allows that size.'

  it('passes files up to the limit', () => {
    expect(() =>
      checkSizes([file('a.zip', 1), file('b.zip', 250 * MB)], limit(250 * MB))
    ).not.toThrow()
  })

  it('refuses a file over the limit, naming it and both sizes', () => {
    expect(() =>
      checkSizes([file('small.zip', 10), file('build/big.zip', 2.5 * MB)], limit(2 * MB))
    ).toThrow(
      new ActionError(
        `'build/big.zip' (2.5 MB) exceeds the 2.0 MB limit of signing platform ${PLATFORM}. ${TOO_LARGE_ADVICE}`
      )
    )
  })

  it('names every file over the limit', () => {
    expect(() =>
      checkSizes([file('a.zip', 3 * MB), file('b.zip', MB), file('c.zip', 4 * MB)], limit(2 * MB))
    ).toThrow(
      new ActionError(
        `'a.zip' (3.0 MB), 'c.zip' (4.0 MB) exceed the 2.0 MB limit of signing platform ${PLATFORM}. ${TOO_LARGE_ADVICE}`
      )
    )
  })

  it('checks nothing when the limit is unknown', () => {
    expect(() =>
      checkSizes([file('huge.zip', 10_000 * MB)], {
        maxSizeBytes: undefined,
        platformId: undefined
      })
    ).not.toThrow()
  })
})
