import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { FileResult } from '../../../src/pipeline/sign-one-file.js'

export const SIGNED: FileResult = {
  path: 'build/a.zip',
  signedPath: 'signed/a.zip',
  status: 'signed',
  jobId: 'job-a',
  signatureExpiresAt: '2030-01-01T00:00:00.000Z',
  signedObject: 's3://signed-bucket/signed/job-a',
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
  signatureExpiresAt: '',
  signedObject: '',
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
