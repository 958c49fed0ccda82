import { StartSigningJobCommand, type SignerClient } from '@aws-sdk/client-signer'
import { ActionError, errorMessage, isAccessDenied } from '../errors.js'
import { quoted } from '../notary/untrusted.js'
import { clientRequestToken, type SigningRequest } from './request-token.js'
import { JOB_ID } from './signer-ids.js'

export type { SigningRequest }

/**
 * Starts one signing job. The SDK retries throttling and server errors; the token, derived from
 * the request, makes each retry return the job the first attempt created instead of a second one.
 * The job ID answered becomes the `job-id` output, which workflows paste into shell lines: one
 * not of Signer's form is refused before the step waits for the job or prints its ID.
 */
export async function startSigningJob(
  signer: SignerClient,
  request: SigningRequest
): Promise<string> {
  const jobId = await askForJob(signer, request)
  const context = `StartSigningJob for s3://${request.source.bucket}/${request.source.key}`
  if (!jobId) throw new ActionError(`${context} answered without a jobId`)
  if (!JOB_ID.test(jobId)) {
    throw new ActionError(
      `${context} answered a jobId that is not a signing job ID: ${quoted(jobId)}. The answer is not trusted and the job is not waited for: check what answers for Signer between the runner and AWS (AWS_ENDPOINT_URL_SIGNER, a proxy).`
    )
  }
  return jobId
}

/** The job ID StartSigningJob answers, unchecked. */
async function askForJob(
  signer: SignerClient,
  request: SigningRequest
): Promise<string | undefined> {
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
