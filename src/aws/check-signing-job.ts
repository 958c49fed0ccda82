import type { DescribeSigningJobCommandOutput } from '@aws-sdk/client-signer'
import { ActionError } from '../errors.js'
import { quoted } from '../notary/untrusted.js'
import type { SigningRequest } from './request-token.js'
import { ACCOUNT_ID, PLATFORM_ID, PROFILE_VERSION } from './signer-ids.js'

/**
 * Cross-checks of a DescribeSigningJob answer against what the step asked for. The answer comes
 * over a path the step does not control (an endpoint variable, a proxy, a compromised host); one
 * that describes another job, object or profile would otherwise put another file's bytes, or
 * unsigned bytes, at this file's output path with exit code 0.
 */

export type JobAnswer = Pick<
  DescribeSigningJobCommandOutput,
  'jobId' | 'source' | 'profileName' | 'signedObject' | 'jobOwner' | 'profileVersion' | 'platformId'
>

/** The job the step started, and the request that started it. */
export interface StartedJob {
  jobId: string
  request: SigningRequest
  /** Names the job's file in messages. */
  label: string
}

/** An answer that is not about the job the step started, or names a signed object elsewhere. */
export class UntrustedAnswerError extends ActionError {}

const NOT_TRUSTED =
  'The answer is not trusted and nothing was downloaded for this file: check what answers for ' +
  'Signer between the runner and AWS (AWS_ENDPOINT_URL_SIGNER, a proxy).'

/** Throws unless the answer describes the job the step started: its ID, source and profile. */
export function checkJobAnswer(answer: JobAnswer, started: StartedJob): void {
  const differences = answerDifferences(answer, started)
  if (differences.length === 0) return
  throw new UntrustedAnswerError(
    `DescribeSigningJob for signing job ${started.jobId} (${started.label}) answered about another job or object: ${differences.join('; ')}. ${NOT_TRUSTED}`
  )
}

/** Each way the answer is not about the job the step started; empty when it is. */
export function answerDifferences(answer: JobAnswer, { jobId, request }: StartedJob): string[] {
  const source = answer.source?.s3
  const profile = answer.profileName
  return [
    differs('jobId', answer.jobId, jobId),
    source ? undefined : 'no S3 source',
    source && differs('source bucket', source.bucketName, request.source.bucket),
    source && differs('source key', source.key, request.source.key),
    source && differs('source version', source.version, request.source.version),
    // Checked when given, without case: the answer may spell the name as Signer stored it.
    profile !== undefined && profile.toLowerCase() !== request.profileName.toLowerCase()
      ? differs('profileName', profile, request.profileName)
      : undefined
  ].filter((difference): difference is string => Boolean(difference))
}

export interface SignedObject {
  bucket: string
  key: string
}

/**
 * The signed object a Succeeded answer names, once it is where Signer writes this job's output:
 * in the destination bucket, at destination-prefix then the job's ID then nothing or an
 * extension (S3 keys are literal strings, so plain string tests), and not the unsigned source
 * object. Anywhere else under the prefix may be another job's output, written by this very step.
 * Throws otherwise.
 */
export function checkedSignedObject(answer: JobAnswer, started: StartedJob): SignedObject {
  const problem = signedObjectProblem(answer, started)
  const signed = answer.signedObject?.s3
  if (problem || !signed?.bucketName || !signed.key) {
    throw new UntrustedAnswerError(
      `Signing job ${started.jobId} for ${started.label} succeeded but ${problem ?? 'names no signed object'}. ${NOT_TRUSTED}`
    )
  }
  return { bucket: signed.bucketName, key: signed.key }
}

// What Signer puts after the job's ID: the source key's extension, if any (`.zip`, `.tar.gz`).
const EXTENSION = /^(\.[A-Za-z0-9_-]+)*$/

/** Why the answer's signed object may not be downloaded, if it may not. */
export function signedObjectProblem(
  answer: JobAnswer,
  { jobId, request: { source, destination } }: Pick<StartedJob, 'jobId' | 'request'>
): string | undefined {
  const signed = answer.signedObject?.s3
  if (!signed?.bucketName || !signed.key) return 'names no signed object'
  const named = `names its signed object s3://${signed.bucketName}/${signed.key}`
  if (signed.bucketName !== destination.bucket) {
    return `${named}, which is not in destination-bucket '${destination.bucket}'`
  }
  if (signed.bucketName === source.bucket && signed.key === source.key) {
    return `${named}, which is the unsigned source object itself`
  }
  if (!signed.key.startsWith(destination.prefix) || signed.key === destination.prefix) {
    return `${named}, which is not under destination-prefix '${destination.prefix}'`
  }
  // The job's ID, from StartSigningJob, is of JOB_ID's form: no '/', no '.', so no dot segment
  // either, which a path-normalising proxy would resolve to another object.
  const ownKey = `${destination.prefix}${jobId}`
  if (!signed.key.startsWith(ownKey) || !EXTENSION.test(signed.key.slice(ownKey.length))) {
    return `${named}, which is not this job's: destination-prefix '${destination.prefix}', then job ID ${jobId}, then nothing or an extension such as '.zip'`
  }
  return undefined
}

/**
 * Throws unless the values of a Succeeded answer that reach the outputs, the signing record and
 * the summary's `aws lambda` command are of Signer's forms, where the answer gives them.
 */
export function checkPublisherValues(answer: JobAnswer, started: StartedJob): void {
  const problems = [
    unlike('jobOwner', answer.jobOwner, ACCOUNT_ID, 'a 12-digit account ID'),
    unlike('profileVersion', answer.profileVersion, PROFILE_VERSION, '10 letters or digits'),
    unlike(
      'platformId',
      answer.platformId,
      PLATFORM_ID,
      'up to 128 letters, digits, dots, underscores or hyphens'
    )
  ].filter((problem): problem is string => Boolean(problem))
  if (problems.length === 0) return
  throw new UntrustedAnswerError(
    `Signing job ${started.jobId} for ${started.label} succeeded but answered ${problems.join('; ')}. ${NOT_TRUSTED}`
  )
}

function unlike(
  what: string,
  value: string | undefined,
  form: RegExp,
  formName: string
): string | undefined {
  if (value === undefined || form.test(value)) return undefined
  return `a ${what} that is not ${formName}: ${quoted(value)}`
}

function differs(what: string, got: string | undefined, asked: string): string | undefined {
  if (got === asked) return undefined
  return got === undefined ? `no ${what} (expected '${asked}')` : `${what} '${got}', not '${asked}'`
}
