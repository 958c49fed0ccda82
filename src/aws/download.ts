import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream, unlinkSync, type WriteStream } from 'node:fs'
import { mkdir, rename, stat, statfs } from 'node:fs/promises'
import path from 'node:path'
import { Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3'
import { onCancel, throwIfCancelled } from '../cancellation.js'
import { systemClock, type Clock } from '../clock.js'
import { ActionError, errorMessage, httpStatus, isAccessDenied, isTransient } from '../errors.js'
import { linkLeaving } from '../pipeline/paths.js'
import { TransferDeadline } from '../transfer-deadline.js'
import { retryDelayMs } from './backoff.js'
import { writtenDuring, writtenOutside, type WritingJob } from './job-write-time.js'
import type { RetryPolicy } from './retry-strategy.js'

export interface SignedObjectLocation {
  bucket: string
  key: string
  expectedBucketOwner: string | undefined
}

export interface DownloadedFile {
  sha256: string
  size: number
  /** The object version read, when the bucket is versioned. */
  versionId: string | undefined
}

export interface DownloadTarget {
  path: string
  /** The directory it must stay inside (output-dir), whatever links lie between. */
  root: string
}

export interface DownloadLimits {
  /** The most bytes the signed object may hold: `maxSignedBytes` of the upload. */
  maxBytes: number
  /** The attempts and retry budget of every other request (`AwsClients.retryPolicy`). */
  retry: RetryPolicy
  /** The job that wrote the object, and when it ran: S3's Last-Modified must fall then. */
  writtenBy: WritingJob & { jobId: string }
  clock?: Clock
}

/**
 * What signing may add to a file: a signature block and certificates are kilobytes, so a signed
 * object larger than its upload by more than this is not a signature of it.
 */
export const SIGNATURE_ALLOWANCE_BYTES = 1024 * 1024

export function maxSignedBytes(uploadedBytes: number): number {
  return uploadedBytes + SIGNATURE_ALLOWANCE_BYTES
}

/**
 * Streams the signed object to a temporary file beside the target, checks its length, then
 * renames it into place: the target path never holds a partial file. A symbolic link between
 * `root` and the target that leads out of `root` is refused before anything is written.
 *
 * Before a byte is written, the object must have been written while the job ran (its
 * Last-Modified, give or take WRITE_TIME_SLACK_MS: else someone put it there before the job or
 * replaced it since) and its size must fit (its Content-Length against `maxBytes` and the free
 * disk space); the size is checked again while it arrives. A transfer that breaks off after the
 * headers (a reset, silence, a short body) starts again from the first byte, of the object the
 * first answer came from (If-Match its ETag), within the attempts and budget of other
 * requests; the whole download ends by its transfer deadline.
 */
export async function downloadSignedObject(
  s3: S3Client,
  object: SignedObjectLocation,
  target: DownloadTarget,
  limits: DownloadLimits
): Promise<DownloadedFile> {
  const directory = path.dirname(target.path)
  refuseLinkOut(directory, target.root)
  await mkdir(directory, { recursive: true })
  refuseLinkOut(directory, target.root)
  const where = `s3://${object.bucket}/${object.key}`
  const clock = limits.clock ?? systemClock
  const deadline = new TransferDeadline(limits.retry.budgetMs, limits.maxBytes)
  const firstAt = clock.now()
  let attempts = 0
  let first: ObjectRead | undefined
  for (;;) {
    try {
      return await downloadOnce(s3, object, target.path, {
        maxBytes: limits.maxBytes,
        writtenBy: limits.writtenBy,
        signal: deadline.signal,
        sameAs: first,
        answered: answer => {
          attempts += answer.$metadata?.attempts ?? 1
          first ??= { etag: answer.ETag }
        }
      })
    } catch (error) {
      if (deadline.passed) {
        throw new ActionError(`Downloading the signed object ${where} ${deadline.describe()}.`)
      }
      const broken = error instanceof BrokenTransfer
      const delay = retryDelayMs(attempts, clock.random)
      if (
        broken &&
        attempts < limits.retry.maxAttempts &&
        clock.now() + delay <= firstAt + limits.retry.budgetMs
      ) {
        await clock.sleep(delay)
        continue
      }
      const hint = isAccessDenied(error)
        ? ` (the role needs s3:GetObject on the destination: ${where})`
        : isPreconditionFailed(error)
          ? ' (it was replaced between attempts: what is there now is not what the job signed)'
          : ''
      const tries = broken && attempts > 1 ? ` (${attempts} attempts)` : ''
      throw new ActionError(
        `Downloading the signed object ${where} failed: ${errorMessage(error)}${tries}${hint}`
      )
    }
  }
}

/** A transfer that broke off after S3 answered: another attempt may get the whole object. */
class BrokenTransfer extends Error {}

/** An object that no later attempt would make acceptable (its size, its write time): the download ends. */
class ObjectRefused extends Error {}

/** Which bytes the first answer began: a retry reads exactly those. */
interface ObjectRead {
  etag: string | undefined
}

interface Attempt {
  maxBytes: number
  writtenBy: WritingJob & { jobId: string }
  signal: AbortSignal
  /** The object an earlier attempt's answer came from. */
  sameAs: ObjectRead | undefined
  /** Counts the attempts the SDK made for a GetObject that got an answer. */
  answered: (answer: GetObjectCommandOutput) => void
}

/** One GetObject into its own temporary file, renamed into place when whole. */
async function downloadOnce(
  s3: S3Client,
  object: SignedObjectLocation,
  targetPath: string,
  attempt: Attempt
): Promise<DownloadedFile> {
  const directory = path.dirname(targetPath)
  // Short, so that a name near the 255-byte limit still has room beside it.
  const temporary = path.join(directory, `.aws-signer-${randomBytes(6).toString('hex')}.partial`)
  // No attempt starts once the step is cancelled. Checked with no wait before the undo is
  // registered: an undo run at once could not remove a file made after it.
  throwIfCancelled('downloading')
  const forget = onCancel(() => removeQuietly(temporary))
  let writer: WriteStream | undefined
  try {
    // Read before the request: once the body is here, nothing may come between it and the pipe
    // that handles its errors.
    const free = await freeBytes(directory)
    const answer = await s3.send(
      new GetObjectCommand({
        Bucket: object.bucket,
        Key: object.key,
        ExpectedBucketOwner: object.expectedBucketOwner,
        // A retry reads the bytes the first answer began (by ETag, which s3:GetObject allows):
        // an object written since is not the job's.
        ...(attempt.sameAs?.etag ? { IfMatch: attempt.sameAs.etag } : {})
      }),
      { abortSignal: attempt.signal }
    )
    attempt.answered(answer)
    const body = answer.Body as Readable | undefined
    if (!body) throw new Error('the response had no body')
    const declared = answer.ContentLength
    let limit: SizeLimit
    try {
      checkWrittenBy(answer.LastModified, attempt.writtenBy)
      limit = sizeLimit(declared, attempt.maxBytes, { bytes: free, directory })
    } catch (error) {
      // Whatever the connection does next is of no interest, and must not go unhandled.
      body.on('error', () => {}).destroy()
      throw error
    }
    const received = counting(limit)
    writer = createWriteStream(temporary)
    try {
      await pipeline(body, received.stream, writer, { signal: attempt.signal })
    } catch (error) {
      if (error instanceof ObjectRefused) throw error
      const code = (error as { code?: unknown }).code
      if (isTransient(error) || code === 'ERR_STREAM_PREMATURE_CLOSE') {
        throw new BrokenTransfer(
          `the transfer broke off after ${received.size()} of ${declared ?? 'an unknown number of'} bytes (${errorMessage(error)})`,
          { cause: error }
        )
      }
      throw error
    }
    const { size } = await stat(temporary)
    if (declared !== undefined && size !== declared) {
      throw new BrokenTransfer(`the transfer ended after ${size} of ${declared} bytes`)
    }
    await rename(temporary, targetPath)
    return { sha256: received.digest(), size, versionId: versionOf(answer) }
  } finally {
    // A stream that failed early may still be opening its file: remove it only once closed.
    const opened = writer
    if (opened && !opened.closed)
      await new Promise<void>(resolve => opened.once('close', () => resolve()))
    removeQuietly(temporary)
    forget()
  }
}

function isPreconditionFailed(error: unknown): boolean {
  return httpStatus(error) === 412 || (error as { name?: unknown }).name === 'PreconditionFailed'
}

/** An unversioned bucket answers no version, or the version 'null'. */
function versionOf(answer: GetObjectCommandOutput): string | undefined {
  return answer.VersionId && answer.VersionId !== 'null' ? answer.VersionId : undefined
}

/** Refuses an object that S3 says was written outside the job's run. */
function checkWrittenBy(writtenAt: Date | undefined, job: WritingJob & { jobId: string }): void {
  if (!writtenDuring(writtenAt, job)) {
    throw new ObjectRefused(`it ${writtenOutside(writtenAt, job.jobId, job)}; nothing was written`)
  }
}

interface SizeLimit {
  bytes: number
  /** Why no more may come, for the message. */
  because: string
}

/**
 * The most bytes this answer may bring: what signing can add to the upload, and the free space
 * of the disk. A Content-Length above either is refused before anything is written.
 */
function sizeLimit(
  declared: number | undefined,
  maxBytes: number,
  free: { bytes: number; directory: string }
): SizeLimit {
  const allowed = {
    bytes: maxBytes,
    because: `the most a signature can make of the upload (its size plus ${SIGNATURE_ALLOWANCE_BYTES / 1024 / 1024} MiB)`
  }
  const disk = { bytes: free.bytes, because: `the free space in ${free.directory}` }
  const limit = free.bytes < maxBytes ? disk : allowed
  if (declared !== undefined && declared > limit.bytes) {
    throw new ObjectRefused(
      `it is ${declared} bytes, more than ${limit.bytes} bytes, ${limit.because}; nothing was written`
    )
  }
  return limit
}

async function freeBytes(directory: string): Promise<number> {
  try {
    const { bavail, bsize } = await statfs(directory)
    return bavail * bsize
  } catch {
    // A file system that cannot tell: the write itself fails if the disk fills up.
    return Number.POSITIVE_INFINITY
  }
}

/** Passes bytes through, hashing and counting them, and stops past `limit`. */
function counting(limit: SizeLimit): { stream: Transform; size(): number; digest(): string } {
  const hash = createHash('sha256')
  let size = 0
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length
      if (size > limit.bytes) {
        done(
          new ObjectRefused(
            `it sent more than ${limit.bytes} bytes, ${limit.because}; nothing was kept`
          )
        )
        return
      }
      hash.update(chunk)
      done(null, chunk)
    }
  })
  return { stream, size: () => size, digest: () => hash.digest('hex') }
}

function refuseLinkOut(directory: string, root: string): void {
  const link = linkLeaving(directory, root)
  if (link) {
    throw new ActionError(
      `Refusing to write into ${link.path}: it is a symbolic link to ${link.target}, outside '${root}'. Signed files are written only inside output-dir; remove the link.`
    )
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file)
  } catch {
    // Already renamed into place, or never created.
  }
}
