import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { pipeline, Transform } from 'node:stream'
import { AbortMultipartUploadCommand, type S3Client } from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { onCancel } from '../cancellation.js'
import { ActionError, errorMessage, isAccessDenied } from '../errors.js'
import { TransferDeadline } from '../transfer-deadline.js'
import { deleteUploadedVersion } from './delete-unsigned.js'

export interface UploadRequest {
  bucket: string
  key: string
  filePath: string
  /** The file as it was hashed: the upload must carry exactly these bytes. */
  found: { sha256: string; size: number }
  metadata: Record<string, string>
  expectedBucketOwner: string | undefined
  sseKmsKeyId: string | undefined
  /** timeout-seconds: with the file's size, how long the upload may take. */
  budgetMs: number
}

/** The object version that was stored, and the bytes it holds (hashed as they were sent). */
export interface UploadedObject {
  versionId: string
  size: number
  sha256: string
}

/** 8 MiB parts, four at a time: at most 32 MiB of a file is ever in memory. */
const PART_SIZE = 8 * 1024 * 1024
const QUEUE_SIZE = 4

/**
 * Streams a file to S3 (multipart when large) and returns the version Signer must sign. The
 * bytes are hashed as they go: a file that changed since it was hashed fails, and its upload is
 * deleted, so no job can sign bytes other than those the results describe.
 */
export async function uploadFile(s3: S3Client, request: UploadRequest): Promise<UploadedObject> {
  const where = `s3://${request.bucket}/${request.key}`
  const deadline = new TransferDeadline(request.budgetMs, request.found.size)
  const sent = hashing()
  const stop = new AbortController()
  const { client, abortOnce } = uploadClient(s3, stop.signal)
  const upload = new Upload({
    client,
    abortController: stop,
    partSize: PART_SIZE,
    queueSize: QUEUE_SIZE,
    params: {
      Bucket: request.bucket,
      Key: request.key,
      // A read error (the file removed, unreadable) fails the upload instead of stalling it.
      Body: pipeline(createReadStream(request.filePath), sent.stream, () => {}),
      Metadata: request.metadata,
      ExpectedBucketOwner: request.expectedBucketOwner,
      ...(request.sseKmsKeyId
        ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: request.sseKmsKeyId }
        : {})
    }
  })
  // Stopped (cancelled, or out of time): end its requests and abort the multipart upload, so no
  // parts are left to bill.
  const abandon = async () => {
    stop.abort()
    if (upload.uploadId) {
      await abortOnce(
        new AbortMultipartUploadCommand({
          Bucket: request.bucket,
          Key: request.key,
          UploadId: upload.uploadId,
          ExpectedBucketOwner: request.expectedBucketOwner
        })
      )
    }
  }
  const forget = onCancel(abandon)
  let abandoned: Promise<void> | undefined
  const onDeadline = () => (abandoned = abandon().catch(() => {}))
  deadline.signal.addEventListener('abort', onDeadline)
  let versionId: string | undefined
  try {
    versionId = (await upload.done()).VersionId
  } catch (error) {
    if (deadline.passed) {
      await abandoned
      throw new ActionError(`Uploading to ${where} ${deadline.describe()}.`)
    }
    const hint = isAccessDenied(error) ? accessDeniedHint(request) : ''
    throw new ActionError(`Uploading to ${where} failed: ${errorMessage(error)}${hint}`)
  } finally {
    deadline.signal.removeEventListener('abort', onDeadline)
    forget()
  }
  // An unversioned bucket answers no version, or the string "null": neither can be signed.
  if (!versionId || versionId === 'null') {
    throw new ActionError(
      `${where} was stored without a version ID: the bucket is not versioned. Enable versioning on '${request.bucket}'; Signer signs one exact object version.`
    )
  }
  const uploaded = { versionId, size: sent.size(), sha256: sent.digest() }
  if (uploaded.sha256 !== request.found.sha256) await refuseChanged(s3, request, uploaded)
  return uploaded
}

/** Passes bytes through, counting and hashing them. */
function hashing(): { stream: Transform; size(): number; digest(): string } {
  const hash = createHash('sha256')
  let size = 0
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk)
      size += chunk.length
      done(null, chunk)
    }
  })
  let digest: string | undefined
  return { stream, size: () => size, digest: () => (digest ??= hash.digest('hex')) }
}

/**
 * The client as lib-storage sees it. Each request ends when `signal` aborts: lib-storage does not
 * pass its own abort signal on (aws/aws-sdk-js-v3#5109), so a request that hangs or trickles would
 * outlive the upload. The multipart upload is aborted once, whether lib-storage (after a failed
 * part, or once stopped) or this module (cancelled, or out of time) asks first.
 */
function uploadClient(
  s3: S3Client,
  signal: AbortSignal
): { client: S3Client; abortOnce(command: AbortMultipartUploadCommand): Promise<unknown> } {
  let aborting: Promise<unknown> | undefined
  const abortOnce = (command: AbortMultipartUploadCommand) => (aborting ??= s3.send(command))
  const send = ((command: Parameters<S3Client['send']>[0], options?: object) =>
    command instanceof AbortMultipartUploadCommand
      ? abortOnce(command)
      : s3.send(command, { ...options, abortSignal: signal })) as S3Client['send']
  return { client: Object.assign(Object.create(s3) as S3Client, { send }), abortOnce }
}

/** The file changed between its hash and its upload: delete the upload, which nothing may sign. */
async function refuseChanged(
  s3: S3Client,
  request: UploadRequest,
  uploaded: UploadedObject
): Promise<never> {
  const where = `s3://${request.bucket}/${request.key} (version ${uploaded.versionId})`
  const problem = await deleteUploadedVersion(s3, {
    bucket: request.bucket,
    key: request.key,
    versionId: uploaded.versionId,
    expectedBucketOwner: request.expectedBucketOwner
  })
  const deleted = problem
    ? `the upload ${where} could not be deleted (${problem}); delete it, and sign nothing from it`
    : `the upload ${where} was deleted`
  throw new ActionError(
    `The file changed while it was being uploaded: it held ${request.found.size} bytes with sha256 ${request.found.sha256} when it was hashed, but ${uploaded.size} bytes with sha256 ${uploaded.sha256} were uploaded. No signing job was started, and ${deleted}. Something still writes to the file: sign it once the step that builds it has finished.`
  )
}

function accessDeniedHint(request: UploadRequest): string {
  const needs =
    `the role needs s3:PutObject on s3://${request.bucket}/${request.key}` +
    (request.sseKmsKeyId ? ` and kms:GenerateDataKey on ${request.sseKmsKeyId}` : '')
  const owner = request.expectedBucketOwner
    ? `; with expected-bucket-owner set, S3 also answers AccessDenied when '${request.bucket}' is not owned by account ${request.expectedBucketOwner}`
    : ''
  return ` (${needs}${owner})`
}
