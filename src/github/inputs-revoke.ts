import { isRealDateTime } from '../calendar-date.js'
import { InputError } from '../errors.js'
import { parseSigningJobArn } from '../aws/signer-arns.js'
import { Input, LIMITS, type InputReader } from './input-names.js'
import { profileNameInput, stepInputs } from './inputs-common.js'
import { ACCOUNT_ID, boolean, given, lines, optional } from './input-values.js'
import { JOB_ID } from '../aws/signer-ids.js'
import type { RecordedJob } from './signing-record.js'

/** `mode: revoke`: the signatures of signing jobs, and optionally their profile version. */
export type RevokeInputs = RevokeJobsInputs & ProfileVersionChoice

/**
 * With revoke-profile-version, profile-name is required: only versions of the profile the user
 * names are revoked, whatever profile a record's jobs were signed with.
 */
type ProfileVersionChoice =
  | { revokeProfileVersion: false; profileName: string | undefined }
  | { revokeProfileVersion: true; profileName: string }

interface RevokeJobsInputs {
  mode: 'revoke'
  /** What the step acts on, as `kind` says for signing steps: signing jobs. */
  kind: 'jobs'
  /** The jobs of `job-ids`, each once, in order. */
  jobs: RecordedJob[]
  /** `signing-results`: paths or glob patterns of `.signing.json` files, as given. */
  signingResults: string[]
  reason: string
  /** `effective-time`, when given; else the step takes now, less a margin for clock skew. */
  effectiveTime: Date | undefined
  /**
   * The account that owns jobs whose owner nothing else names (profile-owner); with
   * revoke-profile-version, the jobs' owner Signer must name.
   */
  profileOwner: string | undefined
  region: string
  timeoutSeconds: number
  maxConcurrency: number
  summary: boolean
  /** Absolute, symlinks resolved: where relative signing-results paths start. */
  workspace: string
  /** Inputs given that revoking does not read: the step warns about them once. */
  ignored: Input[]
}

/**
 * Inputs that say what to sign, or where signed files go: with revoke, they hint at a
 * misunderstanding (revoke acts on jobs, not on files, images or a release), so they are refused.
 */
const REFUSED_WITH_REVOKE: Partial<Record<Input, string>> = {
  [Input.Path]: 'revoke acts on signing jobs, not files',
  [Input.Image]: 'revoke acts on signing jobs, not images',
  [Input.ReleaseTag]:
    "to revoke a release, download its <artifact-name>.signing.json (gh release download <tag> --pattern '*.signing.json') and give that file as 'signing-results'",
  [Input.TrustedProfiles]: "it is for mode 'verify'",
  [Input.TrustedRootSha256]: "it is for mode 'verify'"
}

/** Inputs that only steer signing: ignored with a warning. */
const IGNORED_WITH_REVOKE: readonly Input[] = [
  Input.SourceBucket,
  Input.SourcePrefix,
  Input.DestinationBucket,
  Input.DestinationPrefix,
  Input.OutputDir,
  Input.UploadArtifact,
  Input.ArtifactName,
  Input.RetentionDays,
  Input.ExpectedBucketOwner,
  Input.SseKmsKeyId,
  Input.DeleteUnsigned,
  Input.RegistryUsername,
  Input.RegistryPassword,
  Input.SignPlatformManifests
]

/** Inputs only `mode: revoke` reads: refused by the other modes, so no one forgets the mode. */
export const REVOKE_ONLY: readonly Input[] = [
  Input.JobIds,
  Input.Reason,
  Input.RevokeProfileVersion,
  Input.EffectiveTime
]

// RFC 3339 with its offset: a time without one would depend on the runner's time zone.
const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,9})?)?(Z|[+-]\d\d:\d\d)$/i

export function revokeInputs(
  read: InputReader,
  env: NodeJS.ProcessEnv,
  now: Date = new Date()
): RevokeInputs {
  for (const [name, why] of Object.entries(REFUSED_WITH_REVOKE)) {
    // given: an input with a default in action.yml (trusted-root-sha256) always has a value.
    if (given(read, [name as Input]).length > 0) {
      throw new InputError(name, `is not read with mode 'revoke': ${why}. Remove '${name}'.`)
    }
  }
  const jobs = jobIds(read(Input.JobIds))
  const signingResults = lines(read(Input.SigningResults))
  if (jobs.length === 0 && signingResults.length === 0) {
    throw new InputError(
      Input.JobIds,
      "and 'signing-results' are both empty: mode 'revoke' needs the jobs to revoke, as job IDs (one a line: '<jobId>', '<jobId> <jobOwner>' or a job ARN) or as the <artifact-name>.signing.json that signing wrote."
    )
  }
  const profileVersion = profileVersionChoice(read)
  const effectiveTime = optional(read, Input.EffectiveTime, value => pastTime(value, now))
  if (effectiveTime && !profileVersion.revokeProfileVersion) {
    throw new InputError(
      Input.EffectiveTime,
      "is read only with 'revoke-profile-version: true': it is when the profile version's revocation takes effect. A job's signature is revoked as a whole."
    )
  }
  return {
    mode: 'revoke',
    kind: 'jobs',
    jobs,
    signingResults,
    reason: reason(read(Input.Reason)),
    ...profileVersion,
    effectiveTime,
    ...stepInputs(read, env, 'jobs at once'),
    ignored: given(read, IGNORED_WITH_REVOKE)
  }
}

function profileVersionChoice(read: InputReader): ProfileVersionChoice {
  const profileName = profileNameInput(read)
  if (!boolean(read, Input.RevokeProfileVersion, false)) {
    return { revokeProfileVersion: false, profileName }
  }
  if (!profileName) {
    throw new InputError(
      Input.ProfileName,
      "is required with 'revoke-profile-version: true': only versions of the profile you name are revoked, whichever profiles the jobs were signed with."
    )
  }
  return { revokeProfileVersion: true, profileName }
}

/** One job a line: `<jobId>`, `<jobId> <jobOwner>` or the job's ARN; each job once. */
function jobIds(raw: string): RecordedJob[] {
  const jobs = new Map<string, RecordedJob>()
  for (const line of lines(raw)) {
    const job = jobLine(line)
    const key = `${job.jobOwner ?? ''}/${job.jobId}`
    if (!jobs.has(key)) jobs.set(key, job)
  }
  return [...jobs.values()]
}

function jobLine(line: string): RecordedJob {
  const job = {
    source: Input.JobIds,
    name: undefined,
    profileName: undefined,
    profileVersion: undefined
  }
  const arn = parseSigningJobArn(line)
  if (arn) {
    // The ARN's form takes any job ID without a slash; a plain ID's rule holds here too.
    if (!JOB_ID.test(arn.jobId)) throw notAJob(line)
    return { ...job, jobId: arn.jobId, jobOwner: arn.owner, region: arn.region }
  }
  const [jobId = '', jobOwner, ...rest] = line.split(/\s+/)
  if (!JOB_ID.test(jobId) || rest.length > 0 || (jobOwner && !ACCOUNT_ID.test(jobOwner))) {
    throw notAJob(line)
  }
  return { ...job, jobId, jobOwner, region: undefined }
}

function notAJob(line: string): InputError {
  return new InputError(
    Input.JobIds,
    `'${line}' is not a job: give one a line, as '<jobId>', '<jobId> <jobOwner>' (the 12-digit account that owns the job, for a profile shared by another account) or the job's ARN (arn:aws:signer:<region>:<account>:/signing-jobs/<jobId>).`
  )
}

function reason(raw: string): string {
  const value = raw.trim()
  const { min, max } = LIMITS.reason
  if (!value) {
    throw new InputError(
      Input.Reason,
      "is required with mode 'revoke' and was not given: say why the signatures are revoked (Signer keeps it in each job's revocation record)."
    )
  }
  if (value.length < min || value.length > max) {
    throw new InputError(
      Input.Reason,
      `must be ${min} to ${max} characters (Signer's limit); got ${value.length}.`
    )
  }
  return value
}

/** A past instant, RFC 3339 with its offset: Signer refuses a revocation that starts later. */
function pastTime(value: string, now: Date): Date {
  const time = new Date(value)
  if (!DATE_TIME.test(value) || Number.isNaN(time.getTime())) {
    throw new InputError(
      Input.EffectiveTime,
      `must be a time with its offset, such as 2025-06-01T12:00:00Z; got '${value}'.`
    )
  }
  if (!isRealDateTime(value)) {
    throw new InputError(
      Input.EffectiveTime,
      `'${value}' names a day or time of day that does not exist (months have 28 to 31 days, hours run 00 to 23).`
    )
  }
  if (time.getTime() > now.getTime()) {
    throw new InputError(
      Input.EffectiveTime,
      `'${value}' is in the future: a profile version's revocation takes effect from a time in the past (Signer refuses a later one). Leave it empty for now.`
    )
  }
  return time
}
