import { GetBucketVersioningCommand } from '@aws-sdk/client-s3'
import { GetSigningPlatformCommand, GetSigningProfileCommand } from '@aws-sdk/client-signer'
import type { AwsClients } from './clients.js'
import { ActionError, errorMessage, isAccessDenied, isNotFound } from '../errors.js'
import type { ArtifactFile } from '../pipeline/find-files.js'
import type { FileInputs, ImageInputs } from '../github/inputs.js'
import { NOTATION_PLATFORM } from '../notary/payload.js'

export interface PreflightFindings {
  platformId: string | undefined
  /** The profile's current version and its ARN, when the profile could be read. */
  profileVersion: string | undefined
  profileVersionArn: string | undefined
  /** The platform's size limit, when it could be read. */
  maxSizeBytes: number | undefined
  /** Preflight APIs the role may not call; the service still judges those rules. */
  skipped: string[]
}

type FilePreflightInputs = Pick<
  FileInputs,
  'kind' | 'sourceBucket' | 'profileName' | 'profileOwner' | 'region' | 'expectedBucketOwner'
>
type PreflightInputs =
  FilePreflightInputs | Pick<ImageInputs, 'kind' | 'profileName' | 'profileOwner' | 'region'>

/**
 * Checks the rules Signer would otherwise reject late: a versioned source bucket (files), an
 * Active profile, on the platform of what is signed (Notation for images, another for files).
 * A role without permission for a check is not an error: the check is skipped.
 */
export async function preflight(
  clients: AwsClients,
  inputs: PreflightInputs
): Promise<PreflightFindings> {
  const skipped: string[] = []
  const permitted = async <T>(api: string, call: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await call()
    } catch (error) {
      if (error instanceof ActionError) throw error
      if (!isAccessDenied(error)) {
        throw new ActionError(`Preflight ${api} failed: ${errorMessage(error)}`)
      }
      skipped.push(api)
      return undefined
    }
  }

  const [, profile] = await Promise.all([
    inputs.kind === 'files'
      ? permitted('s3:GetBucketVersioning', () => checkVersioning(clients, inputs))
      : undefined,
    permitted('signer:GetSigningProfile', () => activeProfile(clients, inputs))
  ])
  if (profile?.platformId !== undefined) checkPlatform(profile.platformId, inputs)
  // The size limit is of files; an image's payload is a few hundred bytes.
  const platform =
    profile?.platformId === undefined || inputs.kind === 'images'
      ? undefined
      : await permitted('signer:GetSigningPlatform', () =>
          clients.signer.send(new GetSigningPlatformCommand({ platformId: profile.platformId }))
        )
  return {
    platformId: profile?.platformId,
    profileVersion: profile?.profileVersion,
    profileVersionArn: profile?.profileVersionArn,
    maxSizeBytes: platform?.maxSizeInMB ? platform.maxSizeInMB * 1024 * 1024 : undefined,
    skipped
  }
}

/** Images are signed on the Notation platform only, files on any other. */
function checkPlatform(platformId: string, inputs: PreflightInputs): void {
  const profile = `Signing profile '${inputs.profileName}'${inputs.profileOwner ? ` owned by ${inputs.profileOwner}` : ''}`
  if (inputs.kind === 'images' && platformId !== NOTATION_PLATFORM) {
    throw new ActionError(
      `${profile} is on platform ${platformId}, which signs files; container images ('image') need a profile on platform ${NOTATION_PLATFORM}. Name one in 'profile-name' (aws signer put-signing-profile --platform-id ${NOTATION_PLATFORM} makes one).`
    )
  }
  if (inputs.kind === 'files' && platformId === NOTATION_PLATFORM) {
    throw new ActionError(
      `${profile} is on platform ${NOTATION_PLATFORM}, which signs container images: give them in 'image' instead of 'path'. Files need a profile on another platform, such as AWSLambda-SHA384-ECDSA.`
    )
  }
}

async function checkVersioning(clients: AwsClients, inputs: FilePreflightInputs): Promise<void> {
  const bucket = inputs.sourceBucket
  let status: string | undefined
  try {
    const answer = await clients.s3.send(
      new GetBucketVersioningCommand({
        Bucket: bucket,
        ExpectedBucketOwner: inputs.expectedBucketOwner
      })
    )
    status = answer.Status
  } catch (error) {
    if (isAccessDenied(error) && inputs.expectedBucketOwner) {
      // S3 answers a bucket owned by another account with AccessDenied too: not a skipped check.
      throw new ActionError(
        `The owner check of source bucket '${bucket}' failed: S3 answered GetBucketVersioning with ExpectedBucketOwner ${inputs.expectedBucketOwner} by ${errorMessage(error)}. Either the bucket is not owned by account ${inputs.expectedBucketOwner} (check 'expected-bucket-owner' and 'source-bucket'), or the role lacks s3:GetBucketVersioning, which the owner check needs.`
      )
    }
    if (isAccessDenied(error)) throw error
    if (isNotFound(error)) {
      throw new ActionError(
        `Source bucket '${bucket}' does not exist in ${inputs.region} (${errorMessage(error)}). Check 'source-bucket' and 'region': Signer needs the bucket in the same Region as the profile.`
      )
    }
    throw new ActionError(
      `Could not read the versioning of source bucket '${bucket}': ${errorMessage(error)}`
    )
  }
  if (status !== 'Enabled') {
    throw new ActionError(
      `Source bucket '${bucket}' does not have versioning enabled (status: ${status ?? 'never enabled'}). ` +
        'AWS Signer signs one exact object version, so the source bucket must be versioned. ' +
        `aws s3api put-bucket-versioning --bucket ${bucket} --versioning-configuration Status=Enabled`
    )
  }
}

async function activeProfile(clients: AwsClients, inputs: PreflightInputs) {
  const owner = inputs.profileOwner ? ` owned by ${inputs.profileOwner}` : ''
  try {
    const profile = await clients.signer.send(
      new GetSigningProfileCommand({
        profileName: inputs.profileName,
        profileOwner: inputs.profileOwner
      })
    )
    if (profile.status !== 'Active') {
      throw new ActionError(
        `Signing profile '${inputs.profileName}'${owner} is ${profile.status ?? 'not active'}${profile.statusReason ? ` (${profile.statusReason})` : ''}; only an Active profile can sign.`
      )
    }
    return profile
  } catch (error) {
    if (isNotFound(error)) {
      throw new ActionError(
        `Signing profile '${inputs.profileName}'${owner} was not found in ${inputs.region}. Check 'profile-name', 'region'${inputs.profileOwner ? '' : ", and 'profile-owner' if the profile belongs to another account"}.`
      )
    }
    throw error
  }
}

/** Refuses files the platform cannot sign before anything is uploaded. */
export function checkSizes(
  files: ArtifactFile[],
  { maxSizeBytes, platformId }: Pick<PreflightFindings, 'maxSizeBytes' | 'platformId'>
): void {
  if (maxSizeBytes === undefined) return
  const tooLarge = files.filter(file => file.size > maxSizeBytes)
  if (tooLarge.length > 0) {
    const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`
    throw new ActionError(
      `${tooLarge.map(file => `'${file.path}' (${megabytes(file.size)})`).join(', ')} ` +
        `exceed${tooLarge.length === 1 ? 's' : ''} the ${megabytes(maxSizeBytes)} limit of signing platform ${platformId}. ` +
        'Make the artifact smaller, or sign with a profile on a platform that allows that size.'
    )
  }
}
