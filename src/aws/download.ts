import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream, unlinkSync, type WriteStream } from 'node:fs'
import { mkdir, rename, stat } from 'node:fs/promises'
import path from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { ActionError, errorMessage, isAccessDenied } from '../errors.js'

export interface SignedObjectLocation {
  bucket: string
  key: string
  expectedBucketOwner: string | undefined
}

export interface DownloadedFile {
  sha256: string
  size: number
}

/** Temporary files being written now; removed if the process is cancelled mid-download. */
const inFlight = new Set<string>()

/**
 * Streams the signed object to a temporary file beside the target, checks its length, then
 * renames it into place: the target path never holds a partial file.
 */
export async function downloadSignedObject(
  s3: S3Client,
  object: SignedObjectLocation,
  targetPath: string
): Promise<DownloadedFile> {
  await mkdir(path.dirname(targetPath), { recursive: true })
  const temporary = path.join(
    path.dirname(targetPath),
    `.${path.basename(targetPath)}.${randomBytes(6).toString('hex')}.partial`
  )
  const where = `s3://${object.bucket}/${object.key}`
  inFlight.add(temporary)
  let writer: WriteStream | undefined
  try {
    const answer = await s3.send(
      new GetObjectCommand({
        Bucket: object.bucket,
        Key: object.key,
        ExpectedBucketOwner: object.expectedBucketOwner
      })
    )
    if (!answer.Body) throw new Error('the response had no body')
    const hash = createHash('sha256')
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk)
        done(null, chunk)
      }
    })
    writer = createWriteStream(temporary)
    await pipeline(answer.Body as NodeJS.ReadableStream, hashing, writer)
    const { size } = await stat(temporary)
    if (answer.ContentLength !== undefined && size !== answer.ContentLength) {
      throw new Error(`received ${size} of ${answer.ContentLength} bytes`)
    }
    await rename(temporary, targetPath)
    return { sha256: hash.digest('hex'), size }
  } catch (error) {
    const hint = isAccessDenied(error)
      ? ` (the role needs s3:GetObject on the destination: s3://${object.bucket}/${object.key})`
      : ''
    throw new ActionError(
      `Downloading the signed object ${where} failed: ${errorMessage(error)}${hint}`
    )
  } finally {
    // A stream that failed early may still be opening its file: remove it only once closed.
    const opened = writer
    if (opened && !opened.closed)
      await new Promise<void>(resolve => opened.once('close', () => resolve()))
    removeQuietly(temporary)
    inFlight.delete(temporary)
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file)
  } catch {
    // Already renamed into place, or never created.
  }
}

/** On cancellation the runner sends SIGINT, then SIGTERM: leave no temporary file behind. */
export function removePartialFilesOnSignal(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      inFlight.forEach(removeQuietly)
      process.exit(1)
    })
  }
}
