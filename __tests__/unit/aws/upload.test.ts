import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { mockClient } from 'aws-sdk-client-mock'
import { ActionError } from '../../../src/errors.js'
import { uploadFile, type UploadRequest } from '../../../src/aws/upload.js'
import { rejectionOf, sdkError } from '../helpers.js'

const s3Mock = mockClient(S3Client)
let s3: S3Client
let root: string
let request: UploadRequest

const failure = (promise: Promise<unknown>) => rejectionOf(promise, ActionError)

beforeEach(() => {
  s3Mock.reset()
  s3 = new S3Client({
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' }
  })
  root = realpathSync(mkdtempSync(path.join(tmpdir(), 'upload-test-')))
  const filePath = path.join(root, 'function.zip')
  writeFileSync(filePath, 'unsigned bytes')
  request = {
    bucket: 'unsigned-bucket',
    key: 'unsigned/o-r/1-1/build/abc/function.zip',
    filePath,
    metadata: { 'github-run-id': '1' },
    expectedBucketOwner: undefined,
    sseKmsKeyId: undefined
  }
})

afterEach(() => {
  s3.destroy()
  rmSync(root, { recursive: true, force: true })
})

describe('uploadFile', () => {
  it('returns the version id S3 gives', async () => {
    s3Mock
      .on(PutObjectCommand)
      .resolves({ VersionId: '3HL4kqtJlcpXroDTDmjVBH40Nrjfkd', ETag: '"e"' })
    expect(await uploadFile(s3, request)).toBe('3HL4kqtJlcpXroDTDmjVBH40Nrjfkd')
  })

  it.each([
    ['the string "null"', { VersionId: 'null' }],
    ['no version id', {}]
  ])('refuses %s: the bucket is not versioned', async (_, answer) => {
    s3Mock.on(PutObjectCommand).resolves(answer)
    const error = await failure(uploadFile(s3, request))
    expect(error.message).toBe(
      "s3://unsigned-bucket/unsigned/o-r/1-1/build/abc/function.zip was stored without a version ID: the bucket is not versioned. Enable versioning on 'unsigned-bucket'; Signer signs one exact object version."
    )
  })

  it('sends the bucket, key, body, metadata and expected owner', async () => {
    s3Mock.on(PutObjectCommand).resolves({ VersionId: 'v1' })
    await uploadFile(s3, { ...request, expectedBucketOwner: '111122223333' })
    const sent = s3Mock.commandCalls(PutObjectCommand)
    expect(sent).toHaveLength(1)
    const input = sent[0]?.args[0].input
    expect(input?.Bucket).toBe('unsigned-bucket')
    expect(input?.Key).toBe('unsigned/o-r/1-1/build/abc/function.zip')
    expect(input?.Metadata).toEqual({ 'github-run-id': '1' })
    expect(input?.ExpectedBucketOwner).toBe('111122223333')
    expect(Buffer.from(input?.Body as Uint8Array).toString()).toBe('unsigned bytes')
    expect(input?.ServerSideEncryption).toBeUndefined()
    expect(input?.SSEKMSKeyId).toBeUndefined()
  })

  it('asks for SSE-KMS with the given key', async () => {
    s3Mock.on(PutObjectCommand).resolves({ VersionId: 'v1' })
    await uploadFile(s3, { ...request, sseKmsKeyId: 'alias/signing' })
    const input = s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input
    expect(input?.ServerSideEncryption).toBe('aws:kms')
    expect(input?.SSEKMSKeyId).toBe('alias/signing')
  })

  it('names the object and the permission when S3 refuses the upload', async () => {
    s3Mock.on(PutObjectCommand).rejects(sdkError('AccessDenied', 403, 'Access Denied'))
    const error = await failure(uploadFile(s3, request))
    expect(error.message).toBe(
      'Uploading to s3://unsigned-bucket/unsigned/o-r/1-1/build/abc/function.zip failed: AccessDenied: Access Denied' +
        ' (the role needs s3:PutObject on s3://unsigned-bucket/unsigned/o-r/1-1/build/abc/function.zip)'
    )
  })

  it('adds the KMS permission and the bucket-owner check to an AccessDenied when they apply', async () => {
    s3Mock.on(PutObjectCommand).rejects(sdkError('AccessDenied', 403, 'Access Denied'))
    const error = await failure(
      uploadFile(s3, {
        ...request,
        sseKmsKeyId: 'alias/signing',
        expectedBucketOwner: '111122223333'
      })
    )
    expect(error.message).toMatch(
      / \(the role needs s3:PutObject on \S+ and kms:GenerateDataKey on alias\/signing; with expected-bucket-owner set, S3 also answers AccessDenied when 'unsigned-bucket' is not owned by account 111122223333\)$/
    )
  })

  it('adds no permission hint to other failures', async () => {
    s3Mock
      .on(PutObjectCommand)
      .rejects(sdkError('NoSuchBucket', 404, 'The specified bucket does not exist'))
    const error = await failure(uploadFile(s3, request))
    expect(error.message).toMatch(/failed: NoSuchBucket: The specified bucket does not exist$/)
  })
})
