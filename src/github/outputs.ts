import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import * as core from '@actions/core'
import type { FileResult } from '../pipeline/sign-one-file.js'
import type { ImageResult } from '../pipeline/sign-one-image.js'
import type { RevocationResult } from '../pipeline/revoke-one-job.js'
import * as log from './log.js'

export enum Output {
  JobId = 'job-id',
  SignatureExpiresAt = 'signature-expires-at',
  SignedPath = 'signed-path',
  SignedObject = 'signed-object',
  ProfileVersionArn = 'profile-version-arn',
  SigningJobArn = 'signing-job-arn',
  Results = 'results',
  ResultsFile = 'results-file',
  Checksums = 'checksums',
  ArtifactId = 'artifact-id',
  ArtifactUrl = 'artifact-url',
  SignedImage = 'signed-image',
  SignatureDigest = 'signature-digest'
}

/** GitHub refuses a step output above 1 MB. */
export const OUTPUT_LIMIT_BYTES = 1_000_000

/**
 * The single-value outputs describe the first file; `results` describes every file that fits in
 * an output, and the file at `results-file` every file.
 */
export async function setOutputs(
  results: FileResult[],
  checksumsFile: string,
  env: NodeJS.ProcessEnv = process.env
): Promise<void> {
  const first = results[0]
  if (first) {
    core.setOutput(Output.JobId, first.jobId)
    core.setOutput(Output.SignatureExpiresAt, first.signatureExpiresAt)
    core.setOutput(Output.SignedPath, first.signedPath)
    core.setOutput(Output.SignedObject, first.signedObject)
    core.setOutput(Output.ProfileVersionArn, first.profileVersionArn)
    core.setOutput(Output.SigningJobArn, first.jobArn)
  }
  core.setOutput(Output.Checksums, checksumsFile)
  await setResults(results, 'files', env)
}

/**
 * For images, the single-value outputs describe the first image once it is signed; `results` and
 * `results-file` every manifest. A first image that failed after it was resolved (its signature
 * refused, or not pushed) leaves them empty: `signed-image` names only what was signed, since a
 * later step may deploy it.
 */
export async function setImageOutputs(
  results: ImageResult[],
  env: NodeJS.ProcessEnv = process.env
): Promise<void> {
  const first = results[0]
  if (first) {
    const signed = first.status === 'signed'
    const value = (text: string) => (signed ? text : '')
    core.setOutput(Output.JobId, value(first.jobId))
    core.setOutput(Output.SignatureExpiresAt, value(first.signatureExpiresAt))
    core.setOutput(Output.ProfileVersionArn, value(first.profileVersionArn))
    core.setOutput(Output.SigningJobArn, value(first.jobArn))
    core.setOutput(Output.SignedImage, value(first.signedImage))
    core.setOutput(Output.SignatureDigest, value(first.signatureDigest))
  }
  await setResults(results, 'images', env)
}

/** A verifying step sets `results` (each file or image with its verdict) and `results-file`. */
export async function setVerifyOutputs(
  results: object[],
  noun: 'files' | 'images',
  env: NodeJS.ProcessEnv = process.env
): Promise<void> {
  await setResults(results, noun, env)
}

/** With mode revoke: `results` and `results-file` list every job's outcome. */
export async function setRevocationOutputs(
  results: RevocationResult[],
  env: NodeJS.ProcessEnv = process.env
): Promise<void> {
  await setResults(results, 'jobs', env)
}

async function setResults(
  results: object[],
  noun: 'files' | 'images' | 'jobs',
  env: NodeJS.ProcessEnv
): Promise<void> {
  const resultsFile = await writeResultsFile(results, env)
  core.setOutput(Output.ResultsFile, resultsFile)
  const { json, count } = firstThatFit(results, OUTPUT_LIMIT_BYTES)
  if (count < results.length) {
    log.warning(
      `The '${Output.Results}' output holds the first ${count} of ${results.length} ${noun}: GitHub limits an output to 1 MB. Every one is in ${resultsFile} ('${Output.ResultsFile}').`
    )
  }
  core.setOutput(Output.Results, json)
}

export function setArtifactOutputs(artifact: { id: string; url: string }): void {
  core.setOutput(Output.ArtifactId, artifact.id)
  core.setOutput(Output.ArtifactUrl, artifact.url)
}

/** Under RUNNER_TEMP, which the runner empties after the job; a name of its own per step. */
async function writeResultsFile(results: object[], env: NodeJS.ProcessEnv): Promise<string> {
  const directory = env.RUNNER_TEMP || tmpdir()
  await mkdir(directory, { recursive: true })
  const file = path.join(directory, `aws-signer-results-${randomBytes(6).toString('hex')}.json`)
  await writeFile(file, JSON.stringify(results, null, 2))
  return file
}

/** The longest prefix of `results` whose JSON fits in `limit` bytes. */
export function firstThatFit(results: object[], limit: number): { json: string; count: number } {
  const whole = JSON.stringify(results)
  if (Buffer.byteLength(whole) <= limit) return { json: whole, count: results.length }
  let bytes = 2 // []
  let count = 0
  for (const result of results) {
    const entry = Buffer.byteLength(JSON.stringify(result)) + (count > 0 ? 1 : 0)
    if (bytes + entry > limit) break
    bytes += entry
    count++
  }
  return { json: JSON.stringify(results.slice(0, count)), count }
}
