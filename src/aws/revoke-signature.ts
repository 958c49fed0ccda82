import { RevokeSignatureCommand, type SignerClient } from '@aws-sdk/client-signer'
import { ActionError, errorMessage, isAccessDenied, isNotFound } from '../errors.js'

export interface SignatureRevocation {
  jobId: string
  /** The account that owns the job; the caller's when not given. */
  jobOwner: string | undefined
  reason: string
}

/**
 * RevokeSignature: the job's signature is no longer valid, irreversibly. Retried by the SDK
 * (throttling, server errors) at the pace every Signer request of the step shares.
 */
export async function revokeSignature(
  signer: SignerClient,
  request: SignatureRevocation
): Promise<void> {
  try {
    await signer.send(
      new RevokeSignatureCommand({
        jobId: request.jobId,
        jobOwner: request.jobOwner,
        reason: request.reason
      })
    )
  } catch (error) {
    throw new ActionError(
      `RevokeSignature of job ${request.jobId}${request.jobOwner ? ` (owner ${request.jobOwner})` : ''} failed: ${errorMessage(error)}${hintFor(error, request)}`
    )
  }
}

function hintFor(error: unknown, request: SignatureRevocation): string {
  if (isAccessDenied(error)) {
    return ' — the role needs signer:RevokeSignature on the job (arn:aws:signer:<region>:<account>:/signing-jobs/*); for a job of a profile another account shares, that account grants it with AddProfilePermission.'
  }
  if (isNotFound(error)) {
    return request.jobOwner
      ? ` — no job ${request.jobId} of account ${request.jobOwner} in this Region: check the job ID, the owner and 'region'.`
      : ` — no job ${request.jobId} of the caller's account in this Region: check the job ID and 'region'; a job signed with a profile shared by another account needs its owner ('<jobId> <jobOwner>' in job-ids, or profile-owner).`
  }
  return ''
}
