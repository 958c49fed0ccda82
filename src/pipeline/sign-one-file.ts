import type { AwsClients } from '../aws/clients.js'
import { downloadSignedObject, maxSignedBytes } from '../aws/download.js'
import { throwIfCancelled } from '../cancellation.js'
import { errorMessage } from '../errors.js'
import { warning } from '../github/log.js'
import type { ArtifactFile } from './find-files.js'
import { hashFile } from './hash-file.js'
import type { FileInputs } from '../github/inputs.js'
import { sourceObjectKey, traceMetadata } from './object-keys.js'
import type { RunContext } from '../github/run-context.js'
import { startSigningJob, type SigningRequest } from '../aws/start-signing-job.js'
import { checkPublisherValues, checkedSignedObject } from '../aws/check-signing-job.js'
import { jobRun } from '../aws/job-write-time.js'
import { uploadFile } from '../aws/upload.js'
import { JobFailedError, waitForSigningJob, type SigningJob } from '../aws/wait-for-job.js'
import { deleteUploadedVersion, type UploadedVersion } from '../aws/delete-unsigned.js'
import type { PreflightFindings } from '../aws/preflight.js'
import { profileVersionArn, signingJobArn } from '../aws/signer-arns.js'

/** What the run reports about one file; `results` holds one per file. */
export interface FileResult {
  path: string
  signedPath: string
  status: 'signed' | 'failed'
  jobId: string
  /** The account that owns the job: the profile's (RevokeSignature's jobOwner). */
  jobOwner: string
  signatureExpiresAt: string
  signedObject: string
  /** The signed object's version, when the destination bucket is versioned. */
  signedObjectVersionId: string
  sourceVersionId: string
  profileVersion: string
  /** What Lambda's CodeSigningConfig lists under AllowedPublishers. */
  profileVersionArn: string
  /** What Lambda reports as SigningJobArn for code signed by this job. */
  jobArn: string
  platformId: string
  /** SHA-256 of the file before signing. */
  unsignedSha256: string
  /** SHA-256 of the signed file. */
  sha256: string
  /** The signed file as an asset of the release named by release-tag. */
  releaseAssetUrl: string
  seconds: number
  /** Why the file failed, for the user. */
  error?: string
}

export interface SigningSetup {
  inputs: FileInputs
  context: RunContext
  clients: AwsClients
  /** The profile as preflight read it, when it could. */
  profile: Pick<PreflightFindings, 'profileVersion' | 'profileVersionArn'>
}

/** Takes one file through upload → start → wait → download; never throws, reports instead. */
export async function signFile(
  file: ArtifactFile,
  setup: SigningSetup,
  log: (line: string) => void
): Promise<FileResult> {
  const { inputs, context, clients } = setup
  const started = Date.now()
  const result: FileResult = {
    path: file.path,
    signedPath: '',
    status: 'failed',
    jobId: '',
    jobOwner: '',
    signatureExpiresAt: '',
    signedObject: '',
    signedObjectVersionId: '',
    sourceVersionId: '',
    profileVersion: '',
    profileVersionArn: '',
    jobArn: '',
    platformId: '',
    unsignedSha256: '',
    sha256: '',
    releaseAssetUrl: '',
    seconds: 0
  }
  let uploaded: UploadedVersion | undefined
  let jobEnded = false
  try {
    const found = await hashFile(file.absolutePath)
    const key = sourceObjectKey(inputs.sourcePrefix, context, found.sha256, file.relativePath)
    throwIfCancelled('uploading')
    // Refused, and deleted, unless exactly the bytes hashed here were uploaded.
    const upload = await uploadFile(clients.s3, {
      bucket: inputs.sourceBucket,
      key,
      filePath: file.absolutePath,
      found,
      metadata: { ...traceMetadata(context), 'unsigned-sha256': found.sha256 },
      expectedBucketOwner: inputs.expectedBucketOwner,
      sseKmsKeyId: inputs.sseKmsKeyId,
      budgetMs: inputs.timeoutSeconds * 1000
    })
    result.sourceVersionId = upload.versionId
    result.unsignedSha256 = upload.sha256
    uploaded = {
      bucket: inputs.sourceBucket,
      key,
      versionId: result.sourceVersionId,
      expectedBucketOwner: inputs.expectedBucketOwner
    }
    log(
      `uploaded ${upload.size} bytes to s3://${inputs.sourceBucket}/${key} (version ${result.sourceVersionId})`
    )

    const request: SigningRequest = {
      profileName: inputs.profileName,
      profileOwner: inputs.profileOwner,
      source: { bucket: inputs.sourceBucket, key, version: result.sourceVersionId },
      destination: { bucket: inputs.destinationBucket, prefix: inputs.destinationPrefix }
    }
    throwIfCancelled('StartSigningJob')
    const askedAt = new Date()
    result.jobId = await startSigningJob(clients.signer, request)
    log(`signing job ${result.jobId} started`)

    const job = await waitForSigningJob(clients.signerPoller, result.jobId, {
      timeoutMs: inputs.timeoutSeconds * 1000,
      request,
      rate: clients.describeRate,
      label: file.path,
      onStatus: progressLogger(log)
    })
    jobEnded = true
    const endSeenAt = new Date()
    // Signer decides the key of the signed object: read it, never guess it, but only this job's.
    const answered = { jobId: result.jobId, request, label: file.path }
    const signed = checkedSignedObject(job, answered)
    checkPublisherValues(job, answered)
    Object.assign(result, publisherIdentity(job, setup))
    result.signatureExpiresAt = job.signatureExpiresAt?.toISOString() ?? ''
    if (!job.signatureExpiresAt) {
      warning(
        `Signing job ${result.jobId} for ${file.path} succeeded without a signatureExpiresAt: its signature expiry is unknown and left empty in the outputs. See aws signer describe-signing-job --job-id ${result.jobId}`
      )
    }

    result.signedObject = `s3://${signed.bucket}/${signed.key}`
    throwIfCancelled('downloading')
    const download = await downloadSignedObject(
      clients.s3,
      {
        bucket: signed.bucket,
        key: signed.key,
        expectedBucketOwner: inputs.expectedBucketOwner
      },
      { path: file.outputPath, root: inputs.outputDir },
      {
        maxBytes: maxSignedBytes(upload.size),
        retry: clients.retryPolicy,
        writtenBy: { jobId: result.jobId, ...jobRun(job, { askedAt, endSeenAt }) }
      }
    )
    log(`downloaded ${result.signedObject} to ${file.signedPath} (${download.size} bytes)`)
    result.sha256 = download.sha256
    result.signedObjectVersionId = download.versionId ?? ''
    result.signedPath = file.signedPath
    result.status = 'signed'
  } catch (error) {
    if (error instanceof JobFailedError) jobEnded = true
    result.error = errorMessage(error)
  }
  // Only once the job has ended: a job still running (timed out) may yet read its source.
  if (inputs.deleteUnsigned && uploaded && jobEnded) await deleteUnsigned(clients, uploaded, log)
  result.seconds = Math.round((Date.now() - started) / 100) / 10
  return result
}

/** Who signed: what Lambda's CodeSigningConfig trusts and what it reports for signed code. */
function publisherIdentity(
  job: SigningJob,
  { inputs, profile }: SigningSetup
): Pick<FileResult, 'jobOwner' | 'profileVersion' | 'profileVersionArn' | 'jobArn' | 'platformId'> {
  const version = job.profileVersion ?? ''
  const owner = inputs.profileOwner ?? job.jobOwner
  // Preflight read the profile's current version; the job may have used another one since.
  const versionArn =
    profile.profileVersionArn && profile.profileVersion === version
      ? profile.profileVersionArn
      : owner && version
        ? profileVersionArn({ region: inputs.region, owner, name: inputs.profileName, version })
        : ''
  return {
    jobOwner: job.jobOwner ?? '',
    profileVersion: version,
    profileVersionArn: versionArn,
    jobArn:
      job.jobOwner && job.jobId
        ? signingJobArn({ region: inputs.region, owner: job.jobOwner, jobId: job.jobId })
        : '',
    platformId: job.platformId ?? ''
  }
}

async function deleteUnsigned(
  clients: AwsClients,
  version: UploadedVersion,
  log: (line: string) => void
): Promise<void> {
  const where = `s3://${version.bucket}/${version.key} (version ${version.versionId})`
  const problem = await deleteUploadedVersion(clients.s3, version)
  if (problem) warning(`Could not delete the unsigned upload ${where}: ${problem}`)
  else log(`deleted the unsigned upload ${where}`)
}

/** Logs a job's status when it changes, and every 10 s while it stays the same. */
function progressLogger(log: (line: string) => void): (status: string, elapsedMs: number) => void {
  let lastStatus = ''
  let lastLoggedMs = 0
  return (status, elapsedMs) => {
    if (status === lastStatus && elapsedMs - lastLoggedMs < 10_000) return
    log(`${status} after ${(elapsedMs / 1000).toFixed(1)} s`)
    lastStatus = status
    lastLoggedMs = elapsedMs
  }
}
