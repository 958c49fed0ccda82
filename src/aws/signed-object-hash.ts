import { createHash } from 'node:crypto'
import type { Readable } from 'node:stream'
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { ActionError, errorMessage, isAccessDenied } from '../errors.js'
import { TransferDeadline } from '../transfer-deadline.js'
import { writtenDuring, type WritingJob } from './job-write-time.js'

export interface SignedObjectRef {
  bucket: string
  key: string
  /** The version the signing step downloaded; the current one when absent. */
  versionId: string | undefined
}

export interface SignedObjectHash {
  /** Lowercase hex; empty when the size or the write time already rules the object out. */
  sha256: string
  size: number
  versionId: string | undefined
  /** The object's Last-Modified. */
  writtenAt: Date | undefined
  /**
   * S3's own full-object SHA-256 checksum, or the bytes read and hashed; 'size' or 'writtenAt'
   * when that alone shows that it is not the file expected, or not what the job wrote.
   */
  from: 'checksum' | 'content' | 'size' | 'writtenAt'
}

/**
 * The SHA-256 of a signed object as S3 holds it. Its write time and size are compared first
 * (HeadObject): a version written outside the job's run (within WRITE_TIME_SLACK_MS) was put
 * there by someone else, before the job or since, and a different size settles it; neither
 * needs a download. A full-object SHA-256 checksum (S3 computed or
 * checked it when the object was written, and keeps it with the version) is taken as is; a
 * composite checksum of a multipart upload is a hash of part hashes, not of the file, and is
 * passed over, as is an object without one (Signer's own writes carry none): the version is
 * then read, exactly the one HeadObject saw, and hashed as it streams, at most its size.
 */
export async function signedObjectSha256(
  s3: S3Client,
  object: SignedObjectRef,
  {
    expectedSize,
    budgetMs,
    writtenBy
  }: { expectedSize: number; budgetMs: number; writtenBy: WritingJob }
): Promise<SignedObjectHash> {
  const where = `s3://${object.bucket}/${object.key}${object.versionId ? ` (version ${object.versionId})` : ''}`
  try {
    const head = await s3.send(
      new HeadObjectCommand({
        Bucket: object.bucket,
        Key: object.key,
        VersionId: object.versionId,
        ChecksumMode: 'ENABLED'
      })
    )
    const size = head.ContentLength ?? -1
    const versionId = head.VersionId ?? object.versionId
    const writtenAt = head.LastModified
    const ruledOut = (from: 'size' | 'writtenAt') => ({
      sha256: '',
      size,
      versionId,
      writtenAt,
      from
    })
    if (!writtenDuring(writtenAt, writtenBy)) return ruledOut('writtenAt')
    if (size !== expectedSize) return ruledOut('size')
    const checksum = fullObjectSha256(head.ChecksumSHA256, head.ChecksumType)
    if (checksum) return { sha256: checksum, size, versionId, writtenAt, from: 'checksum' }
    const deadline = new TransferDeadline(budgetMs, size)
    const answer = await s3.send(
      new GetObjectCommand({
        Bucket: object.bucket,
        Key: object.key,
        VersionId: versionId,
        // The bytes of the version HeadObject described, not of one written since.
        IfMatch: head.ETag
      }),
      { abortSignal: deadline.signal }
    )
    const hash = createHash('sha256')
    let read = 0
    for await (const chunk of answer.Body as Readable) {
      read += (chunk as Buffer).length
      if (read > size) throw new Error(`S3 sent more than the ${size} bytes it announced`)
      hash.update(chunk as Buffer)
    }
    if (read !== size) throw new Error(`S3 sent ${read} of the ${size} bytes it announced`)
    return { sha256: hash.digest('hex'), size, versionId, writtenAt, from: 'content' }
  } catch (error) {
    const hint = isAccessDenied(error)
      ? ` — the role needs s3:GetObject${object.versionId ? ' and s3:GetObjectVersion' : ''} on the signed objects`
      : ''
    throw new ActionError(
      `Reading the signed object ${where} failed: ${errorMessage(error)}${hint}`
    )
  }
}

/** A full-object SHA-256 checksum in hex; undefined for a composite one or none. */
export function fullObjectSha256(
  checksum: string | undefined,
  type: string | undefined
): string | undefined {
  if (!checksum) return undefined
  // Older answers leave the type out: a composite one then shows as '<base64>-<parts>'.
  if (type !== undefined ? type !== 'FULL_OBJECT' : /-\d+$/.test(checksum)) return undefined
  const bytes = Buffer.from(checksum, 'base64')
  return bytes.length === 32 ? bytes.toString('hex') : undefined
}
