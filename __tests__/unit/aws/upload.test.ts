import { createHash } from 'node:crypto'
import { mkdtempSync, realpathSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { mockClient } from 'aws-sdk-client-mock'
import { ActionError } from '../../../src/errors.js'
import { uploadFile, type UploadRequest } from '../../../src/aws/upload.js'
import { rejectionOf, sdkError } from '../helpers.js'

const s3Mock = mockClient(S3Client)
let s3: S3Client
let root: string
let request: UploadRequest

const failure = (promise: Promise<unknown>) => rejectionOf(promise, ActionError)
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

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
    found: { sha256: sha256('unsigned bytes'), size: 14 },
    metadata: { 'github-run-id': '1' },
    expectedBucketOwner: undefined,
    sseKmsKeyId: undefined,
    budgetMs: 60_000
  }
})

afterEach(() => {
  s3.destroy()
  rmSync(root, { recursive: true, force: true })
})

describe('uploadFile', () => {
  it('returns the version id S3 gives, and the size and sha256 of the bytes sent', async () => {
    s3Mock
      .on(PutObjectCommand)
      .resolves({ VersionId: '3HL4kqtJlcpXroDTDmjVBH40Nrjfkd', ETag: '"e"' })
    expect(await uploadFile(s3, request)).toEqual({
      versionId: '3HL4kqtJlcpXroDTDmjVBH40Nrjfkd',
      size: 14,
      sha256: sha256('unsigned bytes')
    })
    expect(s3Mock.commandCalls(DeleteObjectCommand)).toHaveLength(0)
  })

  it('refuses a file that changed since it was hashed, and deletes exactly that upload', async () => {
    s3Mock.on(PutObjectCommand).resolves({ VersionId: 'v7' })
    s3Mock.on(DeleteObjectCommand).resolves({})
    const found = { sha256: sha256('unsigned'), size: 8 }

    const error = await failure(
      uploadFile(s3, { ...request, found, expectedBucketOwner: '111122223333' })
    )

    expect(error.message).toBe(
      `The file changed while it was being uploaded: it held 8 bytes with sha256 ${found.sha256} when it was hashed, but 14 bytes with sha256 ${sha256('unsigned bytes')} were uploaded. No signing job was started, and the upload s3://unsigned-bucket/unsigned/o-r/1-1/build/abc/function.zip (version v7) was deleted. Something still writes to the file: sign it once the step that builds it has finished.`
    )
    expect(s3Mock.commandCalls(DeleteObjectCommand).map(call => call.args[0].input)).toEqual([
      {
        Bucket: 'unsigned-bucket',
        Key: 'unsigned/o-r/1-1/build/abc/function.zip',
        VersionId: 'v7',
        ExpectedBucketOwner: '111122223333'
      }
    ])
  })

  it('says so when the changed upload cannot be deleted', async () => {
    s3Mock.on(PutObjectCommand).resolves({ VersionId: 'v7' })
    s3Mock.on(DeleteObjectCommand).rejects(sdkError('AccessDenied', 403, 'Access Denied'))

    const error = await failure(
      uploadFile(s3, { ...request, found: { sha256: sha256('x'), size: 1 } })
    )

    expect(error.message).toContain(
      'No signing job was started, and the upload s3://unsigned-bucket/unsigned/o-r/1-1/build/abc/function.zip (version v7) could not be deleted (AccessDenied: Access Denied (the role needs s3:DeleteObjectVersion on it)); delete it, and sign nothing from it.'
    )
  })

  it('stops at its transfer deadline, ending the request in flight, and names it', async () => {
    const seen: AbortSignal[] = []
    s3Mock.on(PutObjectCommand).callsFake(() => new Promise(() => {}))
    // aws-sdk-client-mock passes the send options on: the signal that ends the request.
    const send = s3.send.bind(s3)
    s3.send = ((command: never, options?: { abortSignal?: AbortSignal }) => {
      if (options?.abortSignal) seen.push(options.abortSignal)
      return send(command, options as never)
    }) as S3Client['send']
    const started = Date.now()

    const error = await failure(uploadFile(s3, { ...request, budgetMs: 300 }))

    expect(error.message).toMatch(
      /^Uploading to s3:\/\/unsigned-bucket\/\S+ did not finish within 0\.3 s \(timeout-seconds plus the time its size takes at 1 MB\/s/
    )
    expect(Date.now() - started).toBeGreaterThanOrEqual(290)
    expect(seen.length).toBeGreaterThan(0)
    expect(seen.every(signal => signal.aborted)).toBe(true)
  })

  it('fails, rather than waits, when the file cannot be read', async () => {
    unlinkSync(request.filePath)
    const error = await failure(uploadFile(s3, request))
    expect(error.message).toMatch(/^Uploading to s3:\/\/\S+ failed: .*ENOENT/)
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
