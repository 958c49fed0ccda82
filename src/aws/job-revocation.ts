import { DescribeSigningJobCommand, type SignerClient } from '@aws-sdk/client-signer'
import { ActionError, errorMessage, isAccessDenied, isNotFound } from '../errors.js'
import { checkAnswerIsAbout } from './describe-signing-job.js'

/** A job's revocation record, as DescribeSigningJob carries it once the job is revoked. */
export interface JobRevocationRecord {
  reason: string
  revokedAt: Date | undefined
  revokedBy: string
}

/** What revoking a job reads of it: who owns it, what signed it, whether it is revoked. */
export interface JobBeforeRevocation {
  jobOwner: string | undefined
  profileName: string | undefined
  profileVersion: string | undefined
  status: string | undefined
  revocation: JobRevocationRecord | undefined
}

/**
 * DescribeSigningJob, for revoking: the job as Signer describes it, or why it could not be read
 * (not found: a job of another account's profile, or a SignPayload job, may not be described to
 * the caller; the revocation is still tried). Any other error throws.
 */
export async function describeForRevocation(
  signer: SignerClient,
  jobId: string
): Promise<{ job: JobBeforeRevocation } | { unreadable: string }> {
  let answer
  try {
    answer = await signer.send(new DescribeSigningJobCommand({ jobId }))
  } catch (error) {
    if (isNotFound(error) || isAccessDenied(error)) return { unreadable: errorMessage(error) }
    throw new ActionError(`DescribeSigningJob of job ${jobId} failed: ${errorMessage(error)}`)
  }
  // An answer about another job could say this one is revoked already, and so spare it.
  checkAnswerIsAbout(jobId, answer.jobId, `DescribeSigningJob of job ${jobId}`)
  const record = answer.revocationRecord
  return {
    job: {
      jobOwner: answer.jobOwner,
      profileName: answer.profileName,
      profileVersion: answer.profileVersion,
      status: answer.status,
      // Any record at all means revoked: its members are all optional in the model.
      revocation: record && {
        reason: record.reason ?? '',
        revokedAt: record.revokedAt,
        revokedBy: record.revokedBy ?? ''
      }
    }
  }
}
