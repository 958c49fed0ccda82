import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { FileResult } from '../../../src/pipeline/sign-one-file.js'
import type { ImageResult } from '../../../src/pipeline/sign-one-image.js'

export const SIGNED: FileResult = {
  path: 'build/a.zip',
  signedPath: 'signed/a.zip',
  status: 'signed',
  jobId: 'job-a',
  jobOwner: '123456789012',
  signatureExpiresAt: '2030-01-01T00:00:00.000Z',
  signedObject: 's3://signed-bucket/signed/job-a',
  signedObjectVersionId: '',
  sourceVersionId: 'v1',
  profileVersion: 'p1',
  profileVersionArn: 'arn:aws:signer:us-east-1:123456789012:/signing-profiles/release_profile/p1',
  jobArn: 'arn:aws:signer:us-east-1:123456789012:/signing-jobs/job-a',
  platformId: 'AWSLambda-SHA384-ECDSA',
  unsignedSha256: 'e'.repeat(64),
  sha256: 'f'.repeat(64),
  releaseAssetUrl: '',
  seconds: 12.3
}

export const FAILED: FileResult = {
  path: 'build/b.zip',
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
  seconds: 0.4,
  error: 'AccessDenied: no'
}

const IMAGE_DIGEST = `sha256:${'1'.repeat(64)}`

export const SIGNED_IMAGE: ImageResult = {
  image: `ghcr.io/owner/app@${IMAGE_DIGEST}`,
  platform: '',
  signedImage: `ghcr.io/owner/app@${IMAGE_DIGEST}`,
  digest: IMAGE_DIGEST,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  status: 'signed',
  signatureDigest: `sha256:${'2'.repeat(64)}`,
  jobId: 'job-i',
  signatureExpiresAt: '2030-01-01T00:00:00.000Z',
  profileVersionArn: 'arn:aws:signer:us-east-1:123456789012:/signing-profiles/container_profile/v9',
  jobArn: 'arn:aws:signer:us-east-1:123456789012:/signing-jobs/job-i',
  referrers: 'api',
  seconds: 0.8
}

export const FAILED_IMAGE: ImageResult = {
  image: 'ghcr.io/owner/other:1.0',
  platform: '',
  signedImage: '',
  digest: '',
  mediaType: '',
  status: 'failed',
  signatureDigest: '',
  jobId: '',
  signatureExpiresAt: '',
  profileVersionArn: '',
  jobArn: '',
  referrers: '',
  seconds: 0.2,
  error: 'ghcr.io/owner/other: resolving 1.0 failed: 404 MANIFEST_UNKNOWN'
}

/** `count` signed results with distinct paths. */
export function manyResults(count: number): FileResult[] {
  return Array.from({ length: count }, (_, index) => ({
    ...SIGNED,
    path: `build/part-${index}.zip`,
    signedPath: `signed/part-${index}.zip`,
    jobId: `job-${index}`
  }))
}

/**
 * The runner's command files for one test: GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and RUNNER_TEMP
 * point into a fresh directory, which `remove()` deletes.
 */
export function runnerFiles(): {
  output: string
  summary: string
  runnerTemp: string
  remove(): void
} {
  const dir = mkdtempSync(path.join(tmpdir(), 'runner-files-'))
  const files = {
    output: path.join(dir, 'output'),
    summary: path.join(dir, 'summary'),
    runnerTemp: dir
  }
  writeFileSync(files.output, '')
  writeFileSync(files.summary, '')
  process.env.GITHUB_OUTPUT = files.output
  process.env.GITHUB_STEP_SUMMARY = files.summary
  process.env.RUNNER_TEMP = dir
  return { ...files, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
