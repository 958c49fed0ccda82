import type { S3Client } from '@aws-sdk/client-s3'
import type { SignerClient } from '@aws-sdk/client-signer'
import { describeSigningJob, type DescribedJob } from '../aws/describe-signing-job.js'
import { writtenOutside, type WritingJob } from '../aws/job-write-time.js'
import { signedObjectSha256 } from '../aws/signed-object-hash.js'
import { profileVersionArn, signingJobArn } from '../aws/signer-arns.js'
import type { ProfileReading, ProfileRef } from '../aws/signing-profile.js'
import { errorMessage } from '../errors.js'
import type { RecordedFile } from '../github/recorded-files.js'
import { NOTATION_PLATFORM } from '../notary/payload.js'
import { trustingEntry } from '../notary/trusted-profiles.js'
import { quoted } from '../notary/untrusted.js'
import type { FoundFile } from './find-files.js'
import { hashFile } from './hash-file.js'

/** One local file to verify (findFilesToVerify). */
export type FileToVerify = FoundFile

/**
 * Which check a file failed: 'record' (no record names a signed file with its SHA-256),
 * 'sha256' (it differs from the file the record names by its name), 'job' (DescribeSigningJob
 * failed, or the job signed no file), 'status' (the job did not succeed), 'revoked' (the job, or
 * the profile version from before the job, is revoked), 'revocationStatus' (the profile's
 * revocation could not be read), 'trustedProfile', 'expired', 'signedObject' (the object the job
 * wrote in S3 is not this file, or could not be read).
 */
export type FileCheck =
  | 'record'
  | 'sha256'
  | 'job'
  | 'status'
  | 'revoked'
  | 'revocationStatus'
  | 'trustedProfile'
  | 'expired'
  | 'signedObject'

/** What the run reports about one file; `results` holds one per file. */
export interface FileVerification {
  path: string
  /** The file's SHA-256, lowercase hex. */
  sha256: string
  status: 'verified' | 'failed'
  /** The check that failed, and what failed (every value from outside escaped). */
  check?: FileCheck
  reason?: string
  /** How the record names the file it matched. */
  recordedAs: string
  jobId: string
  jobArn: string
  profileVersionArn: string
  /** The trusted-profiles entry that trusted the profile version. */
  trustedBy: string
  signatureExpiresAt: string
  /** `s3://bucket/key`, as the job names it. */
  signedObject: string
  /** How S3's SHA-256 was had: its full-object checksum, or the bytes read and hashed. */
  signedObjectHashedFrom: 'checksum' | 'content' | ''
  seconds: number
}

export interface FileVerifySetup {
  /** The signed files the record names. */
  recorded: readonly RecordedFile[]
  /** Profile ARNs (every version) and profile-version ARNs. */
  trustedProfiles: readonly string[]
  /** The Region of the jobs. */
  region: string
  signer: SignerClient
  s3: S3Client
  /** GetSigningProfile, once per profile for the step (revocation of a profile version). */
  profile: (ref: ProfileRef) => Promise<ProfileReading>
  budgetMs: number
  now?: () => Date
}

/** A check that failed: ends the file's verification. */
class CheckFailed extends Error {
  constructor(
    readonly check: FileCheck,
    readonly reason: string
  ) {
    super(reason)
  }
}

/**
 * Verifies one local file against the record: hash → the record that names that hash → its job
 * (DescribeSigningJob: succeeded, not revoked, a trusted profile version, not expired) → the
 * object the job wrote in S3 has the same SHA-256. Never throws.
 */
export async function verifyFile(
  file: FileToVerify,
  setup: FileVerifySetup,
  log: (line: string) => void
): Promise<FileVerification> {
  const started = Date.now()
  const result: FileVerification = {
    path: file.path,
    sha256: '',
    status: 'failed',
    recordedAs: '',
    jobId: '',
    jobArn: '',
    profileVersionArn: '',
    trustedBy: '',
    signatureExpiresAt: '',
    signedObject: '',
    signedObjectHashedFrom: '',
    seconds: 0
  }
  try {
    try {
      result.sha256 = (await hashFile(file.absolutePath)).sha256
    } catch (error) {
      throw new CheckFailed('sha256', `the file could not be read: ${errorMessage(error)}`)
    }
    const record = matchingRecord(file, result.sha256, setup.recorded)
    result.recordedAs = record.name
    result.jobId = record.jobId
    log(`SHA-256 ${result.sha256}: recorded as '${record.name}', signed by job ${record.jobId}`)

    const job = await askForJob(record, setup)
    // Signer's word only: the record is the user's file, and the owner decides the trusted ARN.
    const owner = job.jobOwner ?? ''
    result.jobArn = owner ? signingJobArn({ region: setup.region, owner, jobId: record.jobId }) : ''
    result.signatureExpiresAt = job.signatureExpiresAt?.toISOString() ?? ''
    checkStatus(job)
    checkJobRevocation(job)
    result.profileVersionArn = jobProfileVersionArn(job, owner, setup.region)
    result.trustedBy = checkTrusted(result.profileVersionArn, setup.trustedProfiles)
    await checkProfileRevocation(job, owner, setup)
    checkNotExpired(job, setup.now?.() ?? new Date())
    log(`job ${record.jobId}: Succeeded, not revoked, ${result.profileVersionArn}`)

    const signed = job.signedObject?.s3
    if (!signed?.bucketName || !signed.key) {
      throw new CheckFailed('job', `signing job ${record.jobId} names no signed object`)
    }
    result.signedObject = `s3://${signed.bucketName}/${signed.key}`
    const recorded = record.signedObject
    const sameObject = recorded?.bucket === signed.bucketName && recorded.key === signed.key
    let held
    try {
      held = await signedObjectSha256(
        setup.s3,
        {
          bucket: signed.bucketName,
          key: signed.key,
          versionId: sameObject ? recorded.versionId : undefined
        },
        { expectedSize: file.size, budgetMs: setup.budgetMs, writtenBy: writingJob(job) }
      )
    } catch (error) {
      throw new CheckFailed('signedObject', errorMessage(error))
    }
    const version = held.versionId ? ` (version ${held.versionId})` : ''
    if (held.from === 'writtenAt') {
      // The record names the version, and anyone who may write the bucket may add one.
      throw new CheckFailed(
        'signedObject',
        `the signed object ${result.signedObject}${version} ${writtenOutside(held.writtenAt, record.jobId, writingJob(job))}`
      )
    }
    if (held.from === 'size') {
      throw new CheckFailed(
        'signedObject',
        `the signed object ${result.signedObject} holds ${held.size} bytes; this file has ${file.size}`
      )
    }
    result.signedObjectHashedFrom = held.from
    if (held.sha256 !== result.sha256) {
      throw new CheckFailed(
        'signedObject',
        `the signed object ${result.signedObject}${version} has the SHA-256 ${held.sha256}; this file has ${result.sha256}`
      )
    }
    log(
      `${result.signedObject} has the same SHA-256 (${held.from === 'checksum' ? "S3's checksum" : 'read and hashed'})`
    )
    result.status = 'verified'
  } catch (error) {
    if (!(error instanceof CheckFailed)) throw error
    result.check = error.check
    result.reason = error.reason
  }
  result.seconds = Math.round((Date.now() - started) / 100) / 10
  return result
}

/**
 * The record of the signed file with this SHA-256 (by its name, when several); if none, the
 * failure says whether the record names a file of this name, which then differs.
 */
export function matchingRecord(
  file: Pick<FileToVerify, 'path' | 'relativePath'>,
  sha256: string,
  recorded: readonly RecordedFile[]
): RecordedFile {
  const exactName = (entry: RecordedFile) =>
    entry.name === file.relativePath || entry.name === file.path
  const sameName = (entry: RecordedFile) =>
    exactName(entry) || baseName(entry.name) === baseName(file.path)
  const byHash = recorded.filter(entry => entry.sha256 === sha256)
  const match = byHash.find(exactName) ?? byHash.find(sameName) ?? byHash[0]
  if (match) return match
  const named = recorded.find(exactName) ?? recorded.find(sameName)
  if (named) {
    throw new CheckFailed(
      'sha256',
      `it is not the file that was signed as '${named.name}' (job ${named.jobId}): that one's SHA-256 is ${named.sha256}, this file's ${sha256}`
    )
  }
  throw new CheckFailed(
    'record',
    `no signed file in signing-results has its SHA-256 ${sha256} (nor its name): it was not signed, or was signed by another step${stepFileHint(file.path)}`
  )
}

/**
 * A signing step puts its record and checksums beside the signed files (artifact and release):
 * `path: signed/*` matches them too. They are not signed, so they fail; the hint says why.
 */
function stepFileHint(filePath: string): string {
  if (filePath.endsWith('.signing.json')) {
    return ". It looks like a signing record, which is not signed itself: leave it out of 'path' with a line such as '!**/*.signing.json'"
  }
  if (filePath.endsWith('.sha256')) {
    return ". If it is the checksums file a signing step wrote beside its record, which is not signed itself, leave it out of 'path' with a line such as '!**/*.sha256'"
  }
  return ''
}

async function askForJob(record: RecordedFile, setup: FileVerifySetup): Promise<DescribedJob> {
  try {
    return await describeSigningJob(setup.signer, record.jobId, setup.region)
  } catch (error) {
    throw new CheckFailed('job', errorMessage(error))
  }
}

function checkStatus(job: DescribedJob): void {
  if (job.platformId === NOTATION_PLATFORM) {
    throw new CheckFailed(
      'job',
      `signing job ${job.jobId} signed a container image payload (${NOTATION_PLATFORM}), not a file`
    )
  }
  if (job.status !== 'Succeeded') {
    throw new CheckFailed(
      'status',
      `signing job ${job.jobId} is ${quoted(job.status ?? 'of no status')}${job.statusReason ? ` (${quoted(job.statusReason)})` : ''}, not Succeeded`
    )
  }
}

function checkJobRevocation(job: DescribedJob): void {
  const record = job.revocationRecord
  if (!record) return
  throw new CheckFailed(
    'revoked',
    `signing job ${job.jobId} was revoked${record.revokedAt ? ` at ${record.revokedAt.toISOString()}` : ''}${record.revokedBy ? ` by ${quoted(record.revokedBy)}` : ''}${record.reason ? `: ${quoted(record.reason)}` : ''}`
  )
}

function jobProfileVersionArn(job: DescribedJob, owner: string, region: string): string {
  if (!job.profileName || !job.profileVersion || !owner) {
    throw new CheckFailed(
      'trustedProfile',
      `signing job ${job.jobId} names no profile version and owner, so no trusted profile can be said to have signed it`
    )
  }
  return profileVersionArn({ region, owner, name: job.profileName, version: job.profileVersion })
}

function checkTrusted(versionArn: string, trusted: readonly string[]): string {
  const entry = trustingEntry(versionArn, trusted)
  if (entry === undefined) {
    throw new CheckFailed(
      'trustedProfile',
      `signing profile version ${versionArn} is not among the trusted profiles (${trusted.join(', ')})`
    )
  }
  return entry
}

/**
 * A profile version revoked (RevokeSigningProfile) invalidates what it signed from the effective
 * time on. GetSigningProfile reports the revocation of its current version. The signature was
 * made while the job ran: taken at its end (else its start), a job that ran across the effective
 * time counts as revoked.
 */
async function checkProfileRevocation(
  job: DescribedJob,
  owner: string,
  setup: FileVerifySetup
): Promise<void> {
  let profile: ProfileReading
  try {
    profile = await setup.profile({ profileName: job.profileName ?? '', profileOwner: owner })
  } catch (error) {
    throw new CheckFailed('revocationStatus', errorMessage(error))
  }
  const from = profile.revokedFrom
  const signedBy = job.completedAt ?? job.createdAt
  if (!from || profile.profileVersion !== job.profileVersion || !signedBy) return
  if (signedBy >= from) {
    throw new CheckFailed(
      'revoked',
      `signing profile version ${job.profileVersion} of '${job.profileName}' is revoked for signatures from ${from.toISOString()}; job ${job.jobId} signed by ${signedBy.toISOString()}`
    )
  }
}

function checkNotExpired(job: DescribedJob, now: Date): void {
  const expiry = job.signatureExpiresAt
  if (expiry && now >= expiry) {
    throw new CheckFailed(
      'expired',
      `the signature of job ${job.jobId} expired at ${expiry.toISOString()}; it is now ${now.toISOString()}`
    )
  }
}

/** When the job ran, as Signer says; a succeeded job without times has nothing to match. */
function writingJob(job: DescribedJob): WritingJob {
  const invalid = new Date(NaN)
  return { createdAt: job.createdAt ?? invalid, completedAt: job.completedAt ?? invalid }
}

function baseName(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1)
}
