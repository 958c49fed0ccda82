import { StartSigningJobCommand, type SignerClient } from '@aws-sdk/client-signer'
import { ActionError, errorMessage, isAccessDenied } from '../errors.js'
import { clientRequestToken, type SigningRequest } from './request-token.js'

export type { SigningRequest }

/**
 * Starts one signing job. The SDK retries throttling and server errors; the token, derived from
 * the request, makes each retry return the job the first attempt created instead of a second one.
 */
export async function startSigningJob(
  signer: SignerClient,
  request: SigningRequest
): Promise<string> {
  try {
    const { jobId } = await signer.send(
      new StartSigningJobCommand({
        source: {
          s3: {
            bucketName: request.source.bucket,
            key: request.source.key,
            version: request.source.version
          }
        },
        destination: {
          s3: { bucketName: request.destination.bucket, prefix: request.destination.prefix }
        },
        profileName: request.profileName,
        profileOwner: request.profileOwner,
        clientRequestToken: clientRequestToken(request)
      })
    )
    if (!jobId) throw new Error('StartSigningJob answered without a jobId')
    return jobId
  } catch (error) {
    const hint = isAccessDenied(error)
      ? ` — the role needs signer:StartSigningJob on the profile${request.profileOwner ? ` (shared by account ${request.profileOwner} with AddProfilePermission)` : ''}, s3:GetObjectVersion on the source and s3:PutObject on the destination.`
      : ''
    throw new ActionError(
      `StartSigningJob for s3://${request.source.bucket}/${request.source.key} with profile '${request.profileName}' failed: ${errorMessage(error)}${hint}`
    )
  }
}
