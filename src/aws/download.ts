import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream, unlinkSync, type WriteStream } from 'node:fs'
import { mkdir, rename, stat } from 'node:fs/promises'
import path from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { onCancel } from '../cancellation.js'
import { ActionError, errorMessage, isAccessDenied } from '../errors.js'
import { linkLeaving } from '../pipeline/paths.js'

export interface SignedObjectLocation {
  bucket: string
  key: string
  expectedBucketOwner: string | undefined
}

export interface DownloadedFile {
  sha256: string
  size: number
}

export interface DownloadTarget {
  path: string
  /** The directory it must stay inside (output-dir), whatever links lie between. */
  root: string
}

/**
 * Streams the signed object to a temporary file beside the target, checks its length, then
 * renames it into place: the target path never holds a partial file. A symbolic link between
 * `root` and the target that leads out of `root` is refused before anything is written.
 */
export async function downloadSignedObject(
  s3: S3Client,
  object: SignedObjectLocation,
  target: DownloadTarget
): Promise<DownloadedFile> {
  const directory = path.dirname(target.path)
  refuseLinkOut(directory, target.root)
  await mkdir(directory, { recursive: true })
  refuseLinkOut(directory, target.root)
  // Short, so that a name near the 255-byte limit still has room beside it.
  const temporary = path.join(directory, `.aws-signer-${randomBytes(6).toString('hex')}.partial`)
  const where = `s3://${object.bucket}/${object.key}`
  const forget = onCancel(() => removeQuietly(temporary))
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
    await rename(temporary, target.path)
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
    forget()
  }
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
