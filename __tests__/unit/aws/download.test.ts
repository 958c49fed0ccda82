import { createHash } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { GetObjectCommand, type GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3'
import { mockClient } from 'aws-sdk-client-mock'
import { downloadSignedObject } from '../../../src/aws/download.js'
import { undoAll } from '../../../src/cancellation.js'
import { ActionError } from '../../../src/errors.js'
import { rejectionOf, sdkError } from '../helpers.js'

const s3Mock = mockClient(S3Client)
let s3: S3Client
let root: string
let target: string

const OBJECT = { bucket: 'signed-bucket', key: 'signed/job-1.zip', expectedBucketOwner: undefined }

function body(stream: Readable): GetObjectCommandOutput['Body'] {
  return stream as unknown as GetObjectCommandOutput['Body']
}

/**
 * Yields its chunks, then fails like a connection reset. With chunks, the reset comes a moment
 * later (mid-body, once writing has begun); without, at the very first read.
 */
function failingStream(chunks: Buffer[], message = 'read ECONNRESET'): Readable {
  let index = 0
  return new Readable({
    read() {
      const chunk = chunks[index++]
      const reset = () => this.destroy(Object.assign(new Error(message), { code: 'ECONNRESET' }))
      if (chunk) this.push(chunk)
      else if (chunks.length > 0) setTimeout(reset, 10)
      else reset()
    }
  })
}

const failure = (promise: Promise<unknown>) => rejectionOf(promise, ActionError)

/** Lets streams that close late (file handles) finish before the directory is read. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise(resolve => setImmediate(resolve))
  await new Promise(resolve => setTimeout(resolve, 20))
}

beforeEach(() => {
  s3Mock.reset()
  s3 = new S3Client({ region: 'us-east-1' })
  root = realpathSync(mkdtempSync(path.join(tmpdir(), 'download-test-')))
  target = path.join(root, 'signed', 'nested', 'function.zip')
})

afterEach(() => {
  s3.destroy()
  rmSync(root, { recursive: true, force: true })
})

describe('downloadSignedObject', () => {
  it('writes the target and returns its sha256 and size', async () => {
    const content = Buffer.concat([Buffer.from('signed bytes '), Buffer.alloc(100_000, 7)])
    s3Mock.on(GetObjectCommand).resolves({
      Body: body(Readable.from([content.subarray(0, 5000), content.subarray(5000)])),
      ContentLength: content.length
    })
    const result = await downloadSignedObject(s3, OBJECT, { path: target, root })
    expect(result).toEqual({
      sha256: createHash('sha256').update(content).digest('hex'),
      size: content.length
    })
    expect(readFileSync(target).equals(content)).toBe(true)
    expect(readdirSync(path.dirname(target))).toEqual(['function.zip'])
  })

  it('asks for the bucket, key and expected owner', async () => {
    s3Mock.on(GetObjectCommand).resolves({ Body: body(Readable.from([Buffer.from('x')])) })
    await downloadSignedObject(
      s3,
      { ...OBJECT, expectedBucketOwner: '111122223333' },
      { path: target, root }
    )
    const sent = s3Mock.commandCalls(GetObjectCommand)
    expect(sent).toHaveLength(1)
    expect(sent[0]?.args[0].input).toEqual({
      Bucket: 'signed-bucket',
      Key: 'signed/job-1.zip',
      ExpectedBucketOwner: '111122223333'
    })
  })

  it('accepts an answer without ContentLength', async () => {
    s3Mock.on(GetObjectCommand).resolves({ Body: body(Readable.from([Buffer.from('abc')])) })
    const result = await downloadSignedObject(s3, OBJECT, { path: target, root })
    expect(result.size).toBe(3)
    expect(readFileSync(target, 'utf8')).toBe('abc')
  })

  it('replaces an existing target', async () => {
    s3Mock.on(GetObjectCommand).resolves({ Body: body(Readable.from([Buffer.from('old')])) })
    await downloadSignedObject(s3, OBJECT, { path: target, root })
    s3Mock.on(GetObjectCommand).resolves({ Body: body(Readable.from([Buffer.from('new')])) })
    await downloadSignedObject(s3, OBJECT, { path: target, root })
    expect(readFileSync(target, 'utf8')).toBe('new')
    expect(readdirSync(path.dirname(target))).toEqual(['function.zip'])
  })

  it('on a ContentLength mismatch leaves neither the target nor a .partial file', async () => {
    s3Mock.on(GetObjectCommand).resolves({
      Body: body(Readable.from([Buffer.from('0123456789')])),
      ContentLength: 20
    })
    const error = await failure(downloadSignedObject(s3, OBJECT, { path: target, root }))
    expect(error.message).toBe(
      'Downloading the signed object s3://signed-bucket/signed/job-1.zip failed: received 10 of 20 bytes'
    )
    await settle()
    expect(readdirSync(path.dirname(target))).toEqual([])
  })

  it('on a stream error mid-body leaves neither the target nor a .partial file', async () => {
    s3Mock.on(GetObjectCommand).resolves({
      Body: body(failingStream([Buffer.alloc(64 * 1024, 1), Buffer.alloc(64 * 1024, 2)])),
      ContentLength: 1024 * 1024
    })
    const error = await failure(downloadSignedObject(s3, OBJECT, { path: target, root }))
    expect(error.message).toContain('s3://signed-bucket/signed/job-1.zip')
    expect(error.message).toContain('read ECONNRESET')
    await settle()
    expect(readdirSync(path.dirname(target))).toEqual([])
  })

  it('on a stream that fails before its first byte leaves no file behind', async () => {
    // The write stream may still be opening its file when the pipeline fails.
    for (let attempt = 0; attempt < 50; attempt++) {
      s3Mock.on(GetObjectCommand).resolves({ Body: body(failingStream([])), ContentLength: 5 })
      await failure(downloadSignedObject(s3, OBJECT, { path: target, root }))
    }
    await settle()
    expect(readdirSync(path.dirname(target))).toEqual([])
  })

  it('keeps an earlier target in place when a new download fails', async () => {
    s3Mock.on(GetObjectCommand).resolves({ Body: body(Readable.from([Buffer.from('old')])) })
    await downloadSignedObject(s3, OBJECT, { path: target, root })
    s3Mock.on(GetObjectCommand).resolves({ Body: body(failingStream([Buffer.from('ne')])) })
    await failure(downloadSignedObject(s3, OBJECT, { path: target, root }))
    await settle()
    expect(readFileSync(target, 'utf8')).toBe('old')
    expect(readdirSync(path.dirname(target))).toEqual(['function.zip'])
  })

  it('fails on an answer without a body', async () => {
    s3Mock.on(GetObjectCommand).resolves({})
    const error = await failure(downloadSignedObject(s3, OBJECT, { path: target, root }))
    expect(error.message).toContain('the response had no body')
    expect(readdirSync(path.dirname(target))).toEqual([])
  })

  it('fails with the S3 error code when GetObject is refused', async () => {
    s3Mock
      .on(GetObjectCommand)
      .rejects(sdkError('NoSuchKey', 404, 'The specified key does not exist.'))
    const error = await failure(downloadSignedObject(s3, OBJECT, { path: target, root }))
    expect(error.message).toBe(
      'Downloading the signed object s3://signed-bucket/signed/job-1.zip failed: NoSuchKey: The specified key does not exist.'
    )
    expect(readdirSync(path.dirname(target))).toEqual([])
  })

  it('names the permission when GetObject is denied', async () => {
    s3Mock.on(GetObjectCommand).rejects(sdkError('AccessDenied', 403, 'Access Denied'))
    const error = await failure(downloadSignedObject(s3, OBJECT, { path: target, root }))
    expect(error.message).toBe(
      'Downloading the signed object s3://signed-bucket/signed/job-1.zip failed: AccessDenied: Access Denied' +
        ' (the role needs s3:GetObject on the destination: s3://signed-bucket/signed/job-1.zip)'
    )
  })

  it('does not touch other files in the directory', async () => {
    const neighbour = path.join(path.dirname(target), 'other.zip')
    s3Mock.on(GetObjectCommand).resolves({ Body: body(Readable.from([Buffer.from('x')])) })
    await downloadSignedObject(s3, OBJECT, { path: target, root })
    writeFileSync(neighbour, 'keep')
    s3Mock.on(GetObjectCommand).resolves({
      Body: body(Readable.from([Buffer.from('short')])),
      ContentLength: 6
    })
    await failure(
      downloadSignedObject(s3, OBJECT, { path: path.join(path.dirname(target), 'b.zip'), root })
    )
    await settle()
    expect(readdirSync(path.dirname(target)).sort()).toEqual(['function.zip', 'other.zip'])
  })

  it('refuses a symbolic link inside the root that leads out of it, before any request', async () => {
    const outside = realpathSync(mkdtempSync(path.join(tmpdir(), 'outside-')))
    try {
      mkdirSync(path.join(root, 'signed'))
      symlinkSync(outside, path.join(root, 'signed', 'nested'))
      const error = await failure(downloadSignedObject(s3, OBJECT, { path: target, root }))
      expect(error.message).toBe(
        `Refusing to write into ${path.join(root, 'signed', 'nested')}: it is a symbolic link to ${outside}, outside '${root}'. Signed files are written only inside output-dir; remove the link.`
      )
      expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0)
      expect(readdirSync(outside)).toEqual([])
    } finally {
      rmSync(outside, { recursive: true, force: true })
    }
  })

  it('follows a symbolic link that stays inside the root', async () => {
    mkdirSync(path.join(root, 'signed', 'real'), { recursive: true })
    symlinkSync(path.join(root, 'signed', 'real'), path.join(root, 'signed', 'nested'))
    s3Mock.on(GetObjectCommand).resolves({ Body: body(Readable.from([Buffer.from('x')])) })
    await downloadSignedObject(s3, OBJECT, { path: target, root })
    expect(readFileSync(path.join(root, 'signed', 'real', 'function.zip'), 'utf8')).toBe('x')
  })

  it('writes a file whose name takes all 255 bytes a name may have', async () => {
    const longName = path.join(root, `${'n'.repeat(251)}.zip`)
    s3Mock.on(GetObjectCommand).resolves({ Body: body(Readable.from([Buffer.from('x')])) })
    await downloadSignedObject(s3, OBJECT, { path: longName, root })
    expect(readFileSync(longName, 'utf8')).toBe('x')
  })

  it('removes its temporary file when the step is cancelled mid-download', async () => {
    const stalled = new Readable({ read() {} })
    stalled.push(Buffer.alloc(1000, 1))
    s3Mock.on(GetObjectCommand).resolves({ Body: body(stalled) })
    const download = downloadSignedObject(s3, OBJECT, { path: target, root })
    const partial = () =>
      existsSync(path.dirname(target)) &&
      readdirSync(path.dirname(target)).some(name => name.endsWith('.partial'))
    await waitFor(partial)
    await undoAll(1000)
    expect(readdirSync(path.dirname(target))).toEqual([])
    stalled.destroy(new Error('cancelled'))
    await failure(download)
  })
})

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise(r => setTimeout(r, 5))
  if (!condition()) throw new Error('the condition never held')
}
