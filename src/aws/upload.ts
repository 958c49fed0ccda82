import { createReadStream } from 'node:fs'
import { AbortMultipartUploadCommand, type S3Client } from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { onCancel } from '../cancellation.js'
import { ActionError, errorMessage, isAccessDenied } from '../errors.js'

export interface UploadRequest {
  bucket: string
  key: string
  filePath: string
  metadata: Record<string, string>
  expectedBucketOwner: string | undefined
  sseKmsKeyId: string | undefined
}

/** 8 MiB parts, four at a time: at most 32 MiB of a file is ever in memory. */
const PART_SIZE = 8 * 1024 * 1024
const QUEUE_SIZE = 4

/** Streams a file to S3 (multipart when large) and returns the version Signer must sign. */
export async function uploadFile(s3: S3Client, request: UploadRequest): Promise<string> {
  const upload = new Upload({
    client: s3,
    partSize: PART_SIZE,
    queueSize: QUEUE_SIZE,
    params: {
      Bucket: request.bucket,
      Key: request.key,
      Body: createReadStream(request.filePath),
      Metadata: request.metadata,
      ExpectedBucketOwner: request.expectedBucketOwner,
      ...(request.sseKmsKeyId
        ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: request.sseKmsKeyId }
        : {})
    }
  })
  let versionId: string | undefined
  // Cancelled mid-upload: stop it and abort the multipart upload, so no parts are left to bill.
  const forget = onCancel(async () => {
    await upload.abort()
    if (upload.uploadId) {
      await s3.send(
        new AbortMultipartUploadCommand({
          Bucket: request.bucket,
          Key: request.key,
          UploadId: upload.uploadId,
          ExpectedBucketOwner: request.expectedBucketOwner
        })
      )
    }
  })
  try {
    versionId = (await upload.done()).VersionId
  } catch (error) {
    const hint = isAccessDenied(error) ? accessDeniedHint(request) : ''
    throw new ActionError(
      `Uploading to s3://${request.bucket}/${request.key} failed: ${errorMessage(error)}${hint}`
    )
  } finally {
    forget()
  }
  // An unversioned bucket answers no version, or the string "null": neither can be signed.
  if (!versionId || versionId === 'null') {
    throw new ActionError(
      `s3://${request.bucket}/${request.key} was stored without a version ID: the bucket is not versioned. Enable versioning on '${request.bucket}'; Signer signs one exact object version.`
    )
  }
  return versionId
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
