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
import {
  downloadSignedObject,
  maxSignedBytes,
  type DownloadLimits
} from '../../../src/aws/download.js'
import { undoAll } from '../../../src/cancellation.js'
import { ActionError } from '../../../src/errors.js'
import { InstantClock } from '../clocks.js'
import { rejectionOf, sdkError } from '../helpers.js'

const s3Mock = mockClient(S3Client)
let s3: S3Client
let root: string
let target: string
let clock: InstantClock
let limits: DownloadLimits

const OBJECT = { bucket: 'signed-bucket', key: 'signed/job-1.zip', expectedBucketOwner: undefined }
// The job ran for ten seconds; S3 says the object was written in the middle.
const JOB = {
  jobId: 'job-1',
  createdAt: new Date('2026-12-07T06:00:00Z'),
  completedAt: new Date('2026-12-07T06:00:10Z')
}
const WRITTEN_AT = new Date('2026-12-07T06:00:05Z')

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

/** Answers each GetObject with the next of `answers` (the last one again once they run out). */
function answerWith(
  ...answers: (() => GetObjectCommandOutput | Partial<GetObjectCommandOutput>)[]
) {
  let call = 0
  s3Mock
    .on(GetObjectCommand)
    .callsFake(async () => (answers[Math.min(call++, answers.length - 1)] as () => object)())
}
const gets = () => s3Mock.commandCalls(GetObjectCommand).length
const partials = () =>
  existsSync(path.dirname(target))
    ? readdirSync(path.dirname(target)).filter(name => name.endsWith('.partial'))
    : []

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
  clock = new InstantClock()
  limits = {
    maxBytes: 10 * 1024 * 1024,
    retry: { maxAttempts: 5, budgetMs: 60_000 },
    writtenBy: JOB,
    clock
  }
})

afterEach(() => {
  s3.destroy()
  rmSync(root, { recursive: true, force: true })
})

describe('downloadSignedObject', () => {
  it('writes the target and returns its sha256 and size', async () => {
    const content = Buffer.concat([Buffer.from('signed bytes '), Buffer.alloc(100_000, 7)])
    s3Mock.on(GetObjectCommand).resolves({
      LastModified: WRITTEN_AT,
      Body: body(Readable.from([content.subarray(0, 5000), content.subarray(5000)])),
      ContentLength: content.length
    })
    const result = await downloadSignedObject(s3, OBJECT, { path: target, root }, limits)
    expect(result).toEqual({
      sha256: createHash('sha256').update(content).digest('hex'),
      size: content.length
    })
    expect(readFileSync(target).equals(content)).toBe(true)
    expect(readdirSync(path.dirname(target))).toEqual(['function.zip'])
  })

  it('asks for the bucket, key and expected owner', async () => {
    s3Mock
      .on(GetObjectCommand)
      .resolves({ LastModified: WRITTEN_AT, Body: body(Readable.from([Buffer.from('x')])) })
    await downloadSignedObject(
      s3,
      { ...OBJECT, expectedBucketOwner: '111122223333' },
      { path: target, root },
      limits
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
    s3Mock
      .on(GetObjectCommand)
      .resolves({ LastModified: WRITTEN_AT, Body: body(Readable.from([Buffer.from('abc')])) })
    const result = await downloadSignedObject(s3, OBJECT, { path: target, root }, limits)
    expect(result.size).toBe(3)
    expect(readFileSync(target, 'utf8')).toBe('abc')
  })

  it('replaces an existing target', async () => {
    s3Mock
      .on(GetObjectCommand)
      .resolves({ LastModified: WRITTEN_AT, Body: body(Readable.from([Buffer.from('old')])) })
    await downloadSignedObject(s3, OBJECT, { path: target, root }, limits)
    s3Mock
      .on(GetObjectCommand)
      .resolves({ LastModified: WRITTEN_AT, Body: body(Readable.from([Buffer.from('new')])) })
    await downloadSignedObject(s3, OBJECT, { path: target, root }, limits)
    expect(readFileSync(target, 'utf8')).toBe('new')
    expect(readdirSync(path.dirname(target))).toEqual(['function.zip'])
  })

  it('retries a body that ends short of its ContentLength, then fails naming the attempts', async () => {
    answerWith(() => ({
      LastModified: WRITTEN_AT,
      Body: body(Readable.from([Buffer.from('0123456789')])),
      ContentLength: 20
    }))
    const error = await failure(downloadSignedObject(s3, OBJECT, { path: target, root }, limits))
    expect(error.message).toBe(
      'Downloading the signed object s3://signed-bucket/signed/job-1.zip failed: the transfer ended after 10 of 20 bytes (5 attempts)'
    )
    expect(gets()).toBe(5)
    await settle()
    expect(readdirSync(path.dirname(target))).toEqual([])
  })

  it('on a stream error mid-body, every attempt, leaves neither the target nor a .partial file', async () => {
    answerWith(() => ({
      LastModified: WRITTEN_AT,
      Body: body(failingStream([Buffer.alloc(64 * 1024, 1), Buffer.alloc(64 * 1024, 2)])),
      ContentLength: 1024 * 1024
    }))
    const error = await failure(downloadSignedObject(s3, OBJECT, { path: target, root }, limits))
    expect(error.message).toBe(
      'Downloading the signed object s3://signed-bucket/signed/job-1.zip failed: the transfer broke off after 131072 of 1048576 bytes (read ECONNRESET) (5 attempts)'
    )
    await settle()
    expect(readdirSync(path.dirname(target))).toEqual([])
  })

  it('downloads again from the first byte after a reset mid-body', async () => {
    const content = Buffer.alloc(200_000, 3)
    answerWith(
      () => ({
        LastModified: WRITTEN_AT,
        Body: body(failingStream([content.subarray(0, 70_000)])),
        ContentLength: 200_000
      }),
      () => ({
        LastModified: WRITTEN_AT,
        Body: body(Readable.from([content])),
        ContentLength: 200_000
      })
    )
    const result = await downloadSignedObject(s3, OBJECT, { path: target, root }, limits)
    expect(result).toEqual({
      sha256: createHash('sha256').update(content).digest('hex'),
      size: content.length
    })
    expect(readFileSync(target).equals(content)).toBe(true)
    expect(gets()).toBe(2)
    expect(clock.sleeps).toHaveLength(1)
    expect(readdirSync(path.dirname(target))).toEqual(['function.zip'])
  })

  it("reads the same bytes again on a retry: If-Match the first answer's ETag", async () => {
    const content = Buffer.alloc(200_000, 3)
    answerWith(
      () => ({
        LastModified: WRITTEN_AT,
        ETag: '"first"',
        Body: body(failingStream([content.subarray(0, 70_000)])),
        ContentLength: 200_000
      }),
      () => ({ LastModified: WRITTEN_AT, Body: body(Readable.from([content])) })
    )
    await downloadSignedObject(s3, OBJECT, { path: target, root }, limits)
    const sent = s3Mock.commandCalls(GetObjectCommand).map(call => call.args[0].input.IfMatch)
    expect(sent).toEqual([undefined, '"first"'])
  })

  it('names the replacement when the object changed between attempts (412)', async () => {
    let call = 0
    s3Mock.on(GetObjectCommand).callsFake(async () => {
      if (call++ > 0) throw sdkError('PreconditionFailed', 412)
      return {
        LastModified: WRITTEN_AT,
        ETag: '"first"',
        Body: body(failingStream([Buffer.alloc(1000, 1)])),
        ContentLength: 5000
      }
    })
    const error = await failure(downloadSignedObject(s3, OBJECT, { path: target, root }, limits))
    expect(error.message).toMatch(
      /failed: PreconditionFailed: .* \(it was replaced between attempts: what is there now is not what the job signed\)$/
    )
    expect(gets()).toBe(2)
    await settle()
    expect(readdirSync(path.dirname(target))).toEqual([])
  })

  it.each<[string, Date | undefined, string]>([
    [
      'after the job completed',
      new Date('2026-12-07T06:00:16Z'),
      'was written at 2026-12-07T06:00:16.000Z'
    ],
    [
      'before the job was created',
      new Date('2026-12-07T05:59:54Z'),
      'was written at 2026-12-07T05:59:54.000Z'
    ],
    ['at no time S3 says', undefined, 'was written at a time S3 does not say']
  ])(
    'refuses an object written %s before writing anything, and does not retry',
    async (_when, writtenAt, said) => {
      answerWith(() => ({
        LastModified: writtenAt,
        Body: body(Readable.from([Buffer.from('other bytes')])),
        ContentLength: 11
      }))
      const error = await failure(downloadSignedObject(s3, OBJECT, { path: target, root }, limits))
      expect(error.message).toBe(
        `Downloading the signed object s3://signed-bucket/signed/job-1.zip failed: it ${said}, not while job job-1 ran (2026-12-07T06:00:00.000Z to 2026-12-07T06:00:10.000Z): it was put there before the job or replaced since, so it is not what the job signed; nothing was written`
      )
      expect(gets()).toBe(1)
      await settle()
      expect(readdirSync(path.dirname(target))).toEqual([])
    }
  )

  it('retries a body that went silent (the socket timeout), as for a reset', async () => {
    const silent = () => {
      const stream = new Readable({ read() {} })
      stream.push(Buffer.from('half'))
      const timeout = new Error('the request socket timed out after 2000 ms of inactivity')
      setTimeout(() => stream.destroy(Object.assign(timeout, { name: 'TimeoutError' })), 5)
      return { LastModified: WRITTEN_AT, Body: body(stream), ContentLength: 8 }
    }
    answerWith(silent, () => ({
      LastModified: WRITTEN_AT,
      Body: body(Readable.from([Buffer.from('halfhalf')]))
    }))
    await downloadSignedObject(s3, OBJECT, { path: target, root }, limits)
    expect(readFileSync(target, 'utf8')).toBe('halfhalf')
    expect(gets()).toBe(2)
  })

  it('counts the attempts the SDK already made for a GetObject', async () => {
    answerWith(() => ({
      LastModified: WRITTEN_AT,
      Body: body(failingStream([Buffer.from('x')])),
      ContentLength: 5,
      $metadata: { attempts: 4 }
    }))
    const error = await failure(downloadSignedObject(s3, OBJECT, { path: target, root }, limits))
    expect(error.message).toMatch(/ \(8 attempts\)$/)
    expect(gets()).toBe(2)
  })

  it('starts no retry after the retry budget', async () => {
    answerWith(() => ({
      LastModified: WRITTEN_AT,
      Body: body(failingStream([Buffer.from('x')])),
      ContentLength: 5
    }))
    // Delays with the clock's 0.5 draws: 750 ms, then 1500 ms.
    limits.retry.budgetMs = 2000
    const error = await failure(downloadSignedObject(s3, OBJECT, { path: target, root }, limits))
    expect(error.message).toMatch(/ \(2 attempts\)$/)
    expect(clock.sleeps).toEqual([750])
  })

  it('does not retry a GetObject that the SDK gave up on', async () => {
    s3Mock
      .on(GetObjectCommand)
      .rejects(sdkError('InternalError', 500, 'We encountered an internal error.'))
    const error = await failure(downloadSignedObject(s3, OBJECT, { path: target, root }, limits))
    expect(error.message).toBe(
      'Downloading the signed object s3://signed-bucket/signed/job-1.zip failed: InternalError: We encountered an internal error.'
    )
    expect(gets()).toBe(1)
  })

  it('refuses a ContentLength above maxBytes before writing anything, and does not retry', async () => {
    const huge = new Readable({ read() {} })
    answerWith(() => ({ LastModified: WRITTEN_AT, Body: body(huge), ContentLength: 1024 ** 3 }))
    limits.maxBytes = maxSignedBytes(4096)
    const error = await failure(downloadSignedObject(s3, OBJECT, { path: target, root }, limits))
    expect(error.message).toBe(
      `Downloading the signed object s3://signed-bucket/signed/job-1.zip failed: it is ${1024 ** 3} bytes, more than ${4096 + 1024 * 1024} bytes, the most a signature can make of the upload (its size plus 1 MiB); nothing was written`
    )
    expect(huge.destroyed).toBe(true)
    expect(gets()).toBe(1)
    await settle()
    expect(readdirSync(path.dirname(target))).toEqual([])
  })

  it('stops a body without ContentLength once it passes maxBytes, keeping nothing', async () => {
    let sent = 0
    const endless = new Readable({
      read() {
        sent += 64 * 1024
        this.push(Buffer.alloc(64 * 1024))
      }
    })
    answerWith(() => ({ LastModified: WRITTEN_AT, Body: body(endless) }))
    limits.maxBytes = 1_000_000
    const error = await failure(downloadSignedObject(s3, OBJECT, { path: target, root }, limits))
    expect(error.message).toBe(
      'Downloading the signed object s3://signed-bucket/signed/job-1.zip failed: it sent more than 1000000 bytes, the most a signature can make of the upload (its size plus 1 MiB); nothing was kept'
    )
    expect(sent).toBeLessThan(2_000_000)
    expect(gets()).toBe(1)
    await settle()
    expect(readdirSync(path.dirname(target))).toEqual([])
  })

  it('refuses a ContentLength above the free disk space', async () => {
    answerWith(() => ({
      LastModified: WRITTEN_AT,
      Body: body(new Readable({ read() {} })),
      ContentLength: 2 ** 52
    }))
    limits.maxBytes = Number.MAX_SAFE_INTEGER
    const error = await failure(downloadSignedObject(s3, OBJECT, { path: target, root }, limits))
    expect(error.message).toMatch(
      new RegExp(
        `failed: it is ${2 ** 52} bytes, more than \\d+ bytes, the free space in ${path.dirname(target)}; nothing was written$`
      )
    )
  })

  it('stops at its transfer deadline, retries included, naming it', async () => {
    const stalled = new Readable({ read() {} })
    stalled.push(Buffer.from('a start'))
    answerWith(() => ({ LastModified: WRITTEN_AT, Body: body(stalled), ContentLength: 100 }))
    // Deadline: the budget plus 1 ms per 1000 bytes allowed, 0.2 s in all.
    limits.retry.budgetMs = 100
    limits.maxBytes = 100_000
    const started = Date.now()
    const error = await failure(downloadSignedObject(s3, OBJECT, { path: target, root }, limits))
    expect(error.message).toBe(
      'Downloading the signed object s3://signed-bucket/signed/job-1.zip did not finish within 0.2 s (timeout-seconds plus the time its size takes at 1 MB/s).'
    )
    expect(Date.now() - started).toBeGreaterThanOrEqual(190)
    expect(stalled.destroyed).toBe(true)
    await settle()
    expect(partials()).toEqual([])
  })

  it('on a stream that fails before its first byte leaves no file behind', async () => {
    // The write stream may still be opening its file when the pipeline fails.
    answerWith(() => ({
      LastModified: WRITTEN_AT,
      Body: body(failingStream([])),
      ContentLength: 5
    }))
    for (let attempt = 0; attempt < 10; attempt++) {
      await failure(downloadSignedObject(s3, OBJECT, { path: target, root }, limits))
    }
    expect(gets()).toBe(50)
    await settle()
    expect(readdirSync(path.dirname(target))).toEqual([])
  })

  it('keeps an earlier target in place when a new download fails', async () => {
    s3Mock
      .on(GetObjectCommand)
      .resolves({ LastModified: WRITTEN_AT, Body: body(Readable.from([Buffer.from('old')])) })
    await downloadSignedObject(s3, OBJECT, { path: target, root }, limits)
    answerWith(() => ({ LastModified: WRITTEN_AT, Body: body(failingStream([Buffer.from('ne')])) }))
    await failure(downloadSignedObject(s3, OBJECT, { path: target, root }, limits))
    await settle()
    expect(readFileSync(target, 'utf8')).toBe('old')
    expect(readdirSync(path.dirname(target))).toEqual(['function.zip'])
  })

  it('fails on an answer without a body', async () => {
    s3Mock.on(GetObjectCommand).resolves({})
    const error = await failure(downloadSignedObject(s3, OBJECT, { path: target, root }, limits))
    expect(error.message).toContain('the response had no body')
    expect(readdirSync(path.dirname(target))).toEqual([])
  })

  it('fails with the S3 error code when GetObject is refused', async () => {
    s3Mock
      .on(GetObjectCommand)
      .rejects(sdkError('NoSuchKey', 404, 'The specified key does not exist.'))
    const error = await failure(downloadSignedObject(s3, OBJECT, { path: target, root }, limits))
    expect(error.message).toBe(
      'Downloading the signed object s3://signed-bucket/signed/job-1.zip failed: NoSuchKey: The specified key does not exist.'
    )
    expect(readdirSync(path.dirname(target))).toEqual([])
  })

  it('names the permission when GetObject is denied', async () => {
    s3Mock.on(GetObjectCommand).rejects(sdkError('AccessDenied', 403, 'Access Denied'))
    const error = await failure(downloadSignedObject(s3, OBJECT, { path: target, root }, limits))
    expect(error.message).toBe(
      'Downloading the signed object s3://signed-bucket/signed/job-1.zip failed: AccessDenied: Access Denied' +
        ' (the role needs s3:GetObject on the destination: s3://signed-bucket/signed/job-1.zip)'
    )
  })

  it('does not touch other files in the directory', async () => {
    const neighbour = path.join(path.dirname(target), 'other.zip')
    s3Mock
      .on(GetObjectCommand)
      .resolves({ LastModified: WRITTEN_AT, Body: body(Readable.from([Buffer.from('x')])) })
    await downloadSignedObject(s3, OBJECT, { path: target, root }, limits)
    writeFileSync(neighbour, 'keep')
    answerWith(() => ({
      LastModified: WRITTEN_AT,
      Body: body(Readable.from([Buffer.from('short')])),
      ContentLength: 6
    }))
    await failure(
      downloadSignedObject(
        s3,
        OBJECT,
        { path: path.join(path.dirname(target), 'b.zip'), root },
        limits
      )
    )
    await settle()
    expect(readdirSync(path.dirname(target)).sort()).toEqual(['function.zip', 'other.zip'])
  })

  it('refuses a symbolic link inside the root that leads out of it, before any request', async () => {
    const outside = realpathSync(mkdtempSync(path.join(tmpdir(), 'outside-')))
    try {
      mkdirSync(path.join(root, 'signed'))
      symlinkSync(outside, path.join(root, 'signed', 'nested'))
      const error = await failure(downloadSignedObject(s3, OBJECT, { path: target, root }, limits))
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
    s3Mock
      .on(GetObjectCommand)
      .resolves({ LastModified: WRITTEN_AT, Body: body(Readable.from([Buffer.from('x')])) })
    await downloadSignedObject(s3, OBJECT, { path: target, root }, limits)
    expect(readFileSync(path.join(root, 'signed', 'real', 'function.zip'), 'utf8')).toBe('x')
  })

  it('writes a file whose name takes all 255 bytes a name may have', async () => {
    const longName = path.join(root, `${'n'.repeat(251)}.zip`)
    s3Mock
      .on(GetObjectCommand)
      .resolves({ LastModified: WRITTEN_AT, Body: body(Readable.from([Buffer.from('x')])) })
    await downloadSignedObject(s3, OBJECT, { path: longName, root }, limits)
    expect(readFileSync(longName, 'utf8')).toBe('x')
  })

  it('removes its temporary file when the step is cancelled mid-download', async () => {
    const stalled = new Readable({ read() {} })
    stalled.push(Buffer.alloc(1000, 1))
    s3Mock.on(GetObjectCommand).resolves({ LastModified: WRITTEN_AT, Body: body(stalled) })
    const download = downloadSignedObject(s3, OBJECT, { path: target, root }, limits)
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
