/**
 * Whether an S3 object was written by a signing job, as far as its Last-Modified can tell: a
 * signed object written before the job was created, or replaced after it completed, is not the
 * job's, whoever put it there.
 */

/** When the signing job that wrote the object was created and completed. */
export interface WritingJob {
  createdAt: Date
  completedAt: Date
}

/**
 * The job's run as Signer states it; where it leaves a time out, the runner's own, which bracket
 * the run: from just before the step asked for the job to when it saw the job end.
 */
export function jobRun(
  said: { createdAt?: Date; completedAt?: Date },
  runner: { askedAt: Date; endSeenAt: Date }
): WritingJob {
  return {
    createdAt: said.createdAt ?? runner.askedAt,
    completedAt: said.completedAt ?? runner.endSeenAt
  }
}

/**
 * How far an object's Last-Modified may lie outside its job's run and still be the job's:
 * Last-Modified counts whole seconds, and S3's and Signer's clocks may differ by a little.
 */
export const WRITE_TIME_SLACK_MS = 5000

/** Whether Last-Modified falls within the job's run, give or take WRITE_TIME_SLACK_MS. */
export function writtenDuring(writtenAt: Date | undefined, job: WritingJob): boolean {
  if (!writtenAt) return false
  const at = writtenAt.getTime()
  return (
    at >= job.createdAt.getTime() - WRITE_TIME_SLACK_MS &&
    at <= job.completedAt.getTime() + WRITE_TIME_SLACK_MS
  )
}

/**
 * 'was written at …, not while job J ran (… to …): it was put there before the job or replaced
 * since, …', for a message that refuses the object.
 */
export function writtenOutside(
  writtenAt: Date | undefined,
  jobId: string,
  job: WritingJob
): string {
  const when = writtenAt ? `at ${isoOrUnknown(writtenAt)}` : 'at a time S3 does not say'
  return `was written ${when}, not while job ${jobId} ran (${isoOrUnknown(job.createdAt)} to ${isoOrUnknown(job.completedAt)}): it was put there before the job or replaced since, so it is not what the job signed`
}

function isoOrUnknown(date: Date): string {
  return Number.isNaN(date.getTime()) ? '?' : date.toISOString()
}
