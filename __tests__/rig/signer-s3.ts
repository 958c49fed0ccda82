import { posix } from 'node:path'
import { Readable, addAbortSignal, pipeline } from 'node:stream'
import {
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  type S3Client,
  S3ServiceException
} from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { SIGNATURE_TAIL_BYTES, appendSignature, readSignature } from './signed-bytes.js'
import { ServiceError, type Destination, type SourceObject } from './signer-model.js'

/**
 * The local Signer's S3 side: the checks StartSigningJob makes on its buckets, and the work of
 * a job, which reads the source version and writes the signed copy.
 */

/** What signing one object needs to know; a LocalSigningJob is one. */
export interface SigningWork {
  jobId: string
  profileVersion: string
  source: SourceObject
  destination: Destination
}

/** Signed objects are uploaded in parts this big; moto handles a large single PUT poorly. */
const PART_SIZE = 8 * 1024 * 1024

/** `{prefix}{jobId}{ext}`, keeping the source key's extension as Signer does. */
export function signedKey(work: SigningWork): string {
  return `${work.destination.prefix}${work.jobId}${posix.extname(work.source.key)}`
}

/** Refuses, as Signer does, a source bucket without versioning or a missing source version. */
export async function checkSource(s3: S3Client, source: SourceObject): Promise<void> {
  const location = `s3://${source.bucketName}/${source.key}`
  const versioning = await s3
    .send(new GetBucketVersioningCommand({ Bucket: source.bucketName }))
    .catch(error => {
      if (!isMissing(error)) throw error
      throw new ServiceError(
        'ValidationException',
        `Source bucket ${source.bucketName} does not exist`
      )
    })
  if (versioning.Status !== 'Enabled') {
    throw new ServiceError(
      'ValidationException',
      `Source bucket ${source.bucketName} must have versioning enabled`
    )
  }
  await s3
    .send(
      new HeadObjectCommand({
        Bucket: source.bucketName,
        Key: source.key,
        VersionId: source.version
      })
    )
    .catch(error => {
      if (!isMissing(error)) throw error
      throw new ServiceError(
        'ValidationException',
        `Version ${source.version} of ${location} does not exist`
      )
    })
}

export async function checkDestination(s3: S3Client, bucketName: string): Promise<void> {
  await s3.send(new HeadBucketCommand({ Bucket: bucketName })).catch(error => {
    if (!isMissing(error)) throw error
    throw new ServiceError('ValidationException', `Destination bucket ${bucketName} does not exist`)
  })
}

/** Why the source version cannot be signed, if it cannot; reads only its tail. */
export async function signingObstacle(
  s3: S3Client,
  work: SigningWork,
  signal: AbortSignal
): Promise<string | null> {
  const version = {
    Bucket: work.source.bucketName,
    Key: work.source.key,
    VersionId: work.source.version
  }
  const head = await s3.send(new HeadObjectCommand(version), { abortSignal: signal })
  const size = head.ContentLength ?? 0
  if (size === 0) return 'Signing failed: the file is empty'
  const tail = await s3.send(
    new GetObjectCommand({ ...version, Range: `bytes=-${Math.min(size, SIGNATURE_TAIL_BYTES)}` }),
    { abortSignal: signal }
  )
  const tailBytes = (await tail.Body?.transformToByteArray()) ?? new Uint8Array()
  return readSignature(tailBytes) ? 'Signing failed: the file is already signed' : null
}

/** Streams the source version through the signer into a multipart upload. */
export async function writeSigned(
  s3: S3Client,
  work: SigningWork,
  signal: AbortSignal
): Promise<void> {
  const source = await s3.send(
    new GetObjectCommand({
      Bucket: work.source.bucketName,
      Key: work.source.key,
      VersionId: work.source.version
    }),
    { abortSignal: signal }
  )
  if (!(source.Body instanceof Readable)) throw new Error('S3 returned no readable body')
  const signed = appendSignature(work)
  // A failing source destroys `signed`, which makes the upload below fail with the cause.
  pipeline(addAbortSignal(signal, source.Body), signed, () => {})
  const upload = new Upload({
    client: s3,
    params: { Bucket: work.destination.bucketName, Key: signedKey(work), Body: signed },
    partSize: PART_SIZE
  })
  const abort = (): void => void upload.abort()
  signal.addEventListener('abort', abort, { once: true })
  try {
    await upload.done()
  } finally {
    signal.removeEventListener('abort', abort)
  }
}

function isMissing(error: unknown): boolean {
  const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined
  return status === 400 || status === 404
}
