import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { errorMessage, isAccessDenied } from '../errors.js'

export interface UploadedVersion {
  bucket: string
  key: string
  versionId: string
  expectedBucketOwner: string | undefined
}

/**
 * Deletes exactly the object version this run uploaded (with its VersionId, so no other version
 * of the key, and no delete marker, is touched). Returns why it could not, if it could not.
 */
export async function deleteUploadedVersion(
  s3: S3Client,
  version: UploadedVersion
): Promise<string | undefined> {
  try {
    await s3.send(
      new DeleteObjectCommand({
        Bucket: version.bucket,
        Key: version.key,
        VersionId: version.versionId,
        ExpectedBucketOwner: version.expectedBucketOwner
      })
    )
    return undefined
  } catch (error) {
    const hint = isAccessDenied(error) ? ' (the role needs s3:DeleteObjectVersion on it)' : ''
    return `${errorMessage(error)}${hint}`
  }
}
