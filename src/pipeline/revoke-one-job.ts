import type { SignerClient } from '@aws-sdk/client-signer'
import { describeForRevocation, type JobRevocationRecord } from '../aws/job-revocation.js'
import { revokeSignature } from '../aws/revoke-signature.js'
import { signingJobArn } from '../aws/signer-arns.js'
import { errorMessage } from '../errors.js'
import { Input } from '../github/input-names.js'
import { warning } from '../github/log.js'
import type { RecordedJob } from '../github/signing-record.js'
import { quoted } from '../notary/untrusted.js'

/** One job's outcome, as `results` lists it. */
export interface RevocationResult {
  jobId: string
  jobOwner: string
  jobArn: string
  /** What the job signed, when a record says. */
  name: string
  /** Where the job was named: job-ids, or a signing-results file. */
  source: string
  /** already-revoked: revoked before this step (or by another at the same time); its record stays. */
  status: 'revoked' | 'already-revoked' | 'failed'
  /** The revocation's reason: this step's, or the earlier one's. */
  reason: string
  revokedAt: string
  revokedBy: string
  profileName: string
  profileVersion: string
  /**
   * Who says which profile version signed the job: DescribeSigningJob ('signer'), or only a record
   * ('record'), which revoke-profile-version does not act on.
   */
  profileFrom: 'signer' | 'record' | ''
  seconds: number
  error?: string
}

export interface RevocationSetup {
  /** The step's Signer client: retried, at the pace every Signer request of the step shares. */
  signer: SignerClient
  region: string
  reason: string
  /** profile-owner: the owner of jobs that nothing else names one for. */
  profileOwner: string | undefined
}

/**
 * Revokes one job's signature; never throws, reports instead. A job already revoked is success:
 * DescribeSigningJob's revocation record says so, looked at before (no second RevokeSignature,
 * whose answer to one the API reference does not give) and after a refusal (another step may
 * have revoked it meanwhile). The refusal's text is never read.
 */
export async function revokeJob(
  job: RecordedJob,
  setup: RevocationSetup,
  log: (line: string) => void
): Promise<RevocationResult> {
  const started = Date.now()
  const result: RevocationResult = {
    jobId: job.jobId,
    jobOwner: job.jobOwner ?? setup.profileOwner ?? '',
    jobArn: '',
    name: job.name ?? '',
    source: job.source,
    status: 'failed',
    reason: '',
    revokedAt: '',
    revokedBy: '',
    profileName: job.profileName ?? '',
    profileVersion: job.profileVersion ?? '',
    profileFrom: job.profileName && job.profileVersion ? 'record' : '',
    seconds: 0
  }
  try {
    const before = await describeForRevocation(setup.signer, job.jobId)
    if ('job' in before) {
      // Signer's answer wins over a record's (the user's file): the profile version it names may
      // be revoked for good by revoke-profile-version.
      const said = before.job
      if (said.jobOwner && result.jobOwner && said.jobOwner !== result.jobOwner) {
        warning(
          `Job ${job.jobId}: ${ownerNamedBy(job)} names owner ${quoted(result.jobOwner)}, DescribeSigningJob ${quoted(said.jobOwner)}: Signer's answer is taken`
        )
      }
      result.jobOwner = said.jobOwner ?? result.jobOwner
      if (said.profileName && said.profileVersion) {
        if (
          result.profileFrom === 'record' &&
          (said.profileName !== result.profileName || said.profileVersion !== result.profileVersion)
        ) {
          warning(
            `Job ${job.jobId}: the record says profile ${quoted(`${result.profileName}/${result.profileVersion}`)}, DescribeSigningJob ${quoted(`${said.profileName}/${said.profileVersion}`)}: Signer's answer is taken`
          )
        }
        result.profileName = said.profileName
        result.profileVersion = said.profileVersion
        result.profileFrom = 'signer'
      }
    } else {
      log(`DescribeSigningJob could not read the job (${before.unreadable}); revoking it still`)
    }
    result.jobArn = result.jobOwner
      ? signingJobArn({ region: setup.region, owner: result.jobOwner, jobId: job.jobId })
      : ''
    const earlier = 'job' in before ? before.job.revocation : undefined
    if (earlier) {
      alreadyRevoked(result, earlier, log)
    } else {
      try {
        await revokeSignature(setup.signer, {
          jobId: job.jobId,
          jobOwner: result.jobOwner || undefined,
          reason: setup.reason
        })
        Object.assign(result, {
          status: 'revoked',
          reason: setup.reason,
          revokedAt: new Date().toISOString()
        })
        log(`revoked the signature of job ${job.jobId}`)
      } catch (error) {
        const record = 'job' in before ? await revokedMeanwhile(setup.signer, job.jobId) : undefined
        if (!record) {
          throw 'job' in before
            ? error
            : new Error(
                `${errorMessage(error)} (DescribeSigningJob could not read the job, so whether it was revoked before is not known: ${before.unreadable})`
              )
        }
        alreadyRevoked(result, record, log)
      }
    }
  } catch (error) {
    result.error = errorMessage(error)
  }
  result.seconds = Math.round((Date.now() - started) / 100) / 10
  return result
}

/** The record of a revocation made since the first look; undefined if none, or unreadable. */
async function revokedMeanwhile(
  signer: SignerClient,
  jobId: string
): Promise<JobRevocationRecord | undefined> {
  try {
    const again = await describeForRevocation(signer, jobId)
    return 'job' in again ? again.job.revocation : undefined
  } catch {
    // The refusal that led here is the error to report.
    return undefined
  }
}

function alreadyRevoked(
  result: RevocationResult,
  record: JobRevocationRecord,
  log: (line: string) => void
): void {
  Object.assign(result, {
    status: 'already-revoked',
    reason: record.reason,
    revokedAt: record.revokedAt?.toISOString() ?? '',
    revokedBy: record.revokedBy
  })
  log(
    `job ${result.jobId} was revoked already${result.revokedAt ? ` at ${result.revokedAt}` : ''}${record.revokedBy ? ` by ${record.revokedBy}` : ''}`
  )
}

/** Where the owner that revoke would have used came from, for a warning. */
function ownerNamedBy(job: RecordedJob): string {
  if (!job.jobOwner) return Input.ProfileOwner
  return job.source === Input.JobIds ? Input.JobIds : `the record ${quoted(job.source)}`
}
