import {
  DescribeSigningJobCommand,
  type DescribeSigningJobCommandOutput,
  type SignerClient
} from '@aws-sdk/client-signer'
import { ActionError, errorMessage, isAccessDenied, isNotFound } from '../errors.js'
import { quoted } from '../notary/untrusted.js'

export type DescribedJob = DescribeSigningJobCommandOutput

/**
 * One DescribeSigningJob, through the step's paced, retried Signer client, for a job a record
 * names. The answer must be about that job; what else it must say is the caller's to check.
 */
export async function describeSigningJob(
  signer: SignerClient,
  jobId: string,
  region: string
): Promise<DescribedJob> {
  const context = `DescribeSigningJob for job ${jobId}`
  let job: DescribedJob
  try {
    job = await signer.send(new DescribeSigningJobCommand({ jobId }))
  } catch (error) {
    const hint = isAccessDenied(error)
      ? ' — the role needs signer:DescribeSigningJob on the job (arn:aws:signer:<region>:<account>:/signing-jobs/*).'
      : isNotFound(error)
        ? ` — Signer has no such job in ${region}: check 'region', and that the record is the one the signing step wrote.`
        : ''
    throw new ActionError(`${context} failed: ${errorMessage(error)}${hint}`)
  }
  checkAnswerIsAbout(jobId, job.jobId, context)
  return job
}

/** A DescribeSigningJob answer about another job than the one asked for is not trusted. */
export function checkAnswerIsAbout(
  jobId: string,
  answered: string | undefined,
  context: string
): void {
  if (answered !== jobId) {
    throw new ActionError(
      `${context} answered about another job (${quoted(answered)}); the answer is not trusted: check what answers for Signer (AWS_ENDPOINT_URL_SIGNER, a proxy).`
    )
  }
}
