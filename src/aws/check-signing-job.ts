import type { DescribeSigningJobCommandOutput } from '@aws-sdk/client-signer'
import { ActionError } from '../errors.js'
import type { SigningRequest } from './request-token.js'

/**
 * Cross-checks of a DescribeSigningJob answer against what the step asked for. The answer comes
 * over a path the step does not control (an endpoint variable, a proxy, a compromised host); one
 * that describes another job, object or profile would otherwise put another file's bytes, or
 * unsigned bytes, at this file's output path with exit code 0.
 */

export type JobAnswer = Pick<
  DescribeSigningJobCommandOutput,
  'jobId' | 'source' | 'profileName' | 'signedObject'
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
 * The signed object a Succeeded answer names, once it is where the request asked Signer to write:
 * in the destination bucket, under the destination prefix (S3 keys are literal strings, so a
 * plain string prefix), without dot segments, and not the unsigned source object. Throws
 * otherwise.
 */
export function checkedSignedObject(answer: JobAnswer, started: StartedJob): SignedObject {
  const problem = signedObjectProblem(answer, started.request)
  const signed = answer.signedObject?.s3
  if (problem || !signed?.bucketName || !signed.key) {
    throw new UntrustedAnswerError(
      `Signing job ${started.jobId} for ${started.label} succeeded but ${problem ?? 'names no signed object'}. ${NOT_TRUSTED}`
    )
  }
  return { bucket: signed.bucketName, key: signed.key }
}

/** Why the answer's signed object may not be downloaded, if it may not. */
export function signedObjectProblem(
  answer: JobAnswer,
  { source, destination }: SigningRequest
): string | undefined {
  const signed = answer.signedObject?.s3
  if (!signed?.bucketName || !signed.key) return 'names no signed object'
  const named = `names its signed object s3://${signed.bucketName}/${signed.key}`
  if (signed.bucketName !== destination.bucket) {
    return `${named}, which is not in destination-bucket '${destination.bucket}'`
  }
  if (!signed.key.startsWith(destination.prefix) || signed.key === destination.prefix) {
    return `${named}, which is not under destination-prefix '${destination.prefix}'`
  }
  // S3 reads keys literally, but a proxy that normalises URL paths would fetch another object
  // (path-style, even in another bucket); Signer writes none, as destination-prefix has none.
  if (signed.key.split('/').some(segment => segment === '.' || segment === '..')) {
    return `${named}, which has a '.' or '..' segment`
  }
  if (signed.bucketName === source.bucket && signed.key === source.key) {
    return `${named}, which is the unsigned source object itself`
  }
  return undefined
}

function differs(what: string, got: string | undefined, asked: string): string | undefined {
  if (got === asked) return undefined
  return got === undefined ? `no ${what} (expected '${asked}')` : `${what} '${got}', not '${asked}'`
}
