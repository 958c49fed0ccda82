import { ACCOUNT_ID, JOB_ID } from '../aws/signer-ids.js'
import { parseProfileVersionArn, parseSigningJobArn } from '../aws/signer-arns.js'
import { writeNotFollowing } from './checksums.js'
import type { RunContext } from './run-context.js'
import type { FileResult } from '../pipeline/sign-one-file.js'

/**
 * `<artifact-name>.signing.json`: what a signing step did, for a later step or workflow that
 * verifies or revokes it (`mode: verify`, `mode: revoke`). It travels with the signed files (in
 * the artifact, as a release asset), so it holds nothing of the machine that signed: no local
 * paths, only each file's name under output-dir, as the checksums file names it.
 */

/** Raised only by a change that a reader of version 1 would misread. */
export const SIGNING_RECORD_SCHEMA_VERSION = 1

export interface SigningRecord {
  schemaVersion: typeof SIGNING_RECORD_SCHEMA_VERSION
  /** The Region of the jobs: Signer answers about them there only. */
  region: string
  profileName: string
  /** The account that shared the profile (profile-owner), when it is another's. */
  profileOwner?: string
  /** The workflow run that signed. */
  run: { repository: string; runId: string; runAttempt: string; sha: string }
  results: SigningRecordEntry[]
}

/** One file, signed or not: a failed file may still have a job (a download that failed). */
export interface SigningRecordEntry {
  /** Path under output-dir, '/' separators: the name in the checksums file and the artifact. */
  name: string
  status: 'signed' | 'failed'
  jobId: string
  jobOwner: string
  jobArn: string
  profileVersion: string
  profileVersionArn: string
  platformId: string
  signatureExpiresAt: string
  /** Where Signer wrote the signed object; absent when no job succeeded. */
  signedObject?: { bucket: string; key: string; versionId?: string }
  /** The unsigned upload that the job signed. */
  sourceVersionId: string
  /** SHA-256 of the file before signing, and of the signed file. */
  unsignedSha256: string
  sha256: string
  releaseAssetUrl?: string
  error?: string
}

export interface RecordedStep {
  region: string
  profileName: string
  profileOwner: string | undefined
  context: RunContext
  /** Each result's name under output-dir, by its `path`. */
  names: ReadonlyMap<string, string>
}

/** The record's file name beside `<artifact-name>.sha256`, and its release asset's name. */
export function signingRecordName(artifactName: string): string {
  return `${artifactName}.signing.json`
}

export function signingRecordOf(results: FileResult[], step: RecordedStep): SigningRecord {
  const { repository, runId, runAttempt, sha } = step.context
  return {
    schemaVersion: SIGNING_RECORD_SCHEMA_VERSION,
    region: step.region,
    profileName: step.profileName,
    ...(step.profileOwner ? { profileOwner: step.profileOwner } : {}),
    run: { repository, runId, runAttempt, sha },
    results: results.map(result => entryOf(result, step.names.get(result.path) ?? ''))
  }
}

function entryOf(result: FileResult, name: string): SigningRecordEntry {
  const signedObject = parseS3Url(result.signedObject)
  return {
    name,
    status: result.status,
    jobId: result.jobId,
    jobOwner: result.jobOwner,
    jobArn: result.jobArn,
    profileVersion: result.profileVersion,
    profileVersionArn: result.profileVersionArn,
    platformId: result.platformId,
    signatureExpiresAt: result.signatureExpiresAt,
    ...(signedObject && {
      signedObject: {
        ...signedObject,
        ...(result.signedObjectVersionId ? { versionId: result.signedObjectVersionId } : {})
      }
    }),
    sourceVersionId: result.sourceVersionId,
    unsignedSha256: result.unsignedSha256,
    sha256: result.sha256,
    ...(result.releaseAssetUrl ? { releaseAssetUrl: result.releaseAssetUrl } : {}),
    ...(result.error ? { error: result.error } : {})
  }
}

/** `s3://bucket/key` → its parts; bucket names hold no '/'. */
function parseS3Url(url: string): { bucket: string; key: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/(.+)$/s.exec(url)
  return match ? { bucket: match[1] ?? '', key: match[2] ?? '' } : undefined
}

/** Writes the record as indented JSON, never through a symbolic link planted at `file`. */
export async function writeSigningRecord(file: string, record: SigningRecord): Promise<void> {
  await writeNotFollowing(file, `${JSON.stringify(record, null, 2)}\n`)
}

/** A signing job to act on, as job-ids or a record names it. */
export interface RecordedJob {
  jobId: string
  /**
   * Given in job-ids, recorded, or read from its ARN. Revoke takes DescribeSigningJob's owner
   * instead whenever Signer describes the job, and profile-owner when nothing names one.
   */
  jobOwner: string | undefined
  /** Where it was named: the input, or the record's file. */
  source: string
  /** What it signed, when a record says: a file's name under output-dir, an image. */
  name: string | undefined
  /** Where the job ran, when known: Signer answers about it there only. */
  region: string | undefined
  profileName: string | undefined
  profileVersion: string | undefined
}

/**
 * A `signing-results` text: a step's results (an array) as they are, or a signing record's
 * `results` with the record, once its schemaVersion is one this code reads (`mode` is what to do
 * with the newer action that wrote a newer one). Throws a plain Error that says what is wrong.
 */
export function parseSigningResults(
  text: string,
  mode: 'verify' | 'revoke'
): { entries: unknown[]; record?: Record<string, unknown> } {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new Error(`is not JSON (${error instanceof Error ? error.message : String(error)})`, {
      cause: error
    })
  }
  if (Array.isArray(parsed)) return { entries: parsed }
  if (!isObject(parsed) || !('schemaVersion' in parsed)) {
    throw new Error(
      "is neither a signing record (an object with 'schemaVersion') nor a signing step's results (an array)"
    )
  }
  const { schemaVersion } = parsed
  if (schemaVersion !== SIGNING_RECORD_SCHEMA_VERSION) {
    throw new Error(
      typeof schemaVersion === 'number' && schemaVersion > SIGNING_RECORD_SCHEMA_VERSION
        ? `has schemaVersion ${schemaVersion}, which a newer version of the action wrote: ${mode} with that version`
        : `has schemaVersion ${JSON.stringify(schemaVersion)}; this action reads ${SIGNING_RECORD_SCHEMA_VERSION}`
    )
  }
  if (!Array.isArray(parsed.results)) throw new Error("has no 'results' array")
  return { entries: parsed.results, record: parsed }
}

/**
 * The jobs a record names: a `.signing.json` of any schema version this code reads, or the
 * `results` of a step (its `results-file`), files or images. Entries without a job (a file
 * that failed before its job started) are skipped. Throws a plain Error that says what is
 * wrong with the text; the caller names the input and the file.
 */
export function jobsOfSigningResults(text: string, source: string): RecordedJob[] {
  const { entries, record } = parseSigningResults(text, 'revoke')
  if (!record) return entries.flatMap((entry, index) => jobOf(entry, index, source))
  const region = optionalString(record, 'region', 'the record')
  const profileName = optionalString(record, 'profileName', 'the record')
  return entries.flatMap((entry, index) =>
    jobOf(entry, index, source).map(job => ({
      ...job,
      region: job.region ?? region,
      profileName: job.profileName ?? profileName
    }))
  )
}

function jobOf(entry: unknown, index: number, source: string): RecordedJob[] {
  const where = `results[${index}]`
  if (!isObject(entry)) throw new Error(`${where} is not an object`)
  const jobId = optionalString(entry, 'jobId', where)
  if (!jobId) return []
  if (!JOB_ID.test(jobId)) throw new Error(`${where}.jobId '${jobId}' is not a signing job ID`)
  const jobArn = optionalString(entry, 'jobArn', where)
  const fromArn = jobArn ? parseSigningJobArn(jobArn) : undefined
  if (jobArn && fromArn?.jobId !== jobId) {
    throw new Error(`${where}.jobArn '${jobArn}' is not the ARN of job ${jobId}`)
  }
  const versionArn = optionalString(entry, 'profileVersionArn', where)
  const version = versionArn ? parseProfileVersionArn(versionArn) : undefined
  const jobOwner = optionalString(entry, 'jobOwner', where) || fromArn?.owner
  if (jobOwner && !ACCOUNT_ID.test(jobOwner)) {
    throw new Error(`${where}.jobOwner '${jobOwner}' is not a 12-digit account ID`)
  }
  const name =
    optionalString(entry, 'name', where) ||
    optionalString(entry, 'signedImage', where) ||
    optionalString(entry, 'signedPath', where) ||
    optionalString(entry, 'path', where)
  return [
    {
      jobId,
      jobOwner: jobOwner || undefined,
      source,
      name: name || undefined,
      region: fromArn?.region ?? version?.region,
      profileName: version?.name,
      profileVersion: optionalString(entry, 'profileVersion', where) || version?.version
    }
  ]
}

/** A string member, '' when absent; anything else than a string is refused. */
export function optionalString(
  object: Record<string, unknown>,
  key: string,
  where: string
): string {
  const value = object[key]
  if (value === undefined || value === null) return ''
  if (typeof value !== 'string') throw new Error(`${where}.${key} is not a string`)
  return value
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
