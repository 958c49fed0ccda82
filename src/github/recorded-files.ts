import { ACCOUNT_ID, JOB_ID } from '../aws/signer-ids.js'
import { isObject, optionalString, parseSigningResults } from './signing-record.js'

/**
 * The signed files that `signing-results` names, for `mode: verify`: a signing record
 * (`<artifact-name>.signing.json`, signing-record.ts: `{"schemaVersion": 1, "region",
 * "results": [...]}`, each entry named by its path under output-dir), or a signing step's own
 * `results` (an array, each entry with `signedPath`, `signedObject` as `s3://bucket/key` and
 * `signedObjectVersionId`). The file travels through artifacts and releases, so it is read as
 * untrusted: it only says which job to ask Signer about, which SHA-256 to expect and which
 * version of the signed object to read; Signer's and S3's answers decide.
 */

export interface RecordedFile {
  /** How the record names the file: its path under output-dir, or the signed path. */
  name: string
  jobId: string
  /** The job's account, when the record gives it. */
  jobOwner: string | undefined
  /** Lowercase hex SHA-256 of the signed file. */
  sha256: string
  /** Where Signer wrote it, as recorded; the job's own answer is what is used. */
  signedObject: { bucket: string; key: string; versionId: string | undefined } | undefined
}

export interface SigningResults {
  /** The Region the record says its jobs ran in. */
  region: string | undefined
  /** Signed files only: entries that failed, or name no job or hash, are left out. */
  files: RecordedFile[]
}

const SHA256_HEX = /^[0-9a-f]{64}$/i
const MAX_ENTRIES = 100_000

/** Reads the text of a `signing-results` file; throws an Error that says what is wrong with it. */
export function signedFilesOf(text: string): SigningResults {
  const { entries, record } = parseSigningResults(text, 'verify')
  const region = record ? optionalString(record, 'region', 'the record') || undefined : undefined
  if (entries.length > MAX_ENTRIES) throw new Error(`lists more than ${MAX_ENTRIES} files`)
  return { region, files: entries.flatMap((entry, index) => fileOf(entry, `results[${index}]`)) }
}

function fileOf(entry: unknown, where: string): RecordedFile[] {
  if (!isObject(entry)) throw new Error(`${where} is not an object`)
  const status = optionalString(entry, 'status', where)
  const jobId = optionalString(entry, 'jobId', where)
  const sha256 = optionalString(entry, 'sha256', where)
  if ((status && status !== 'signed') || !jobId || !sha256) return []
  if (!JOB_ID.test(jobId)) throw new Error(`${where}.jobId '${jobId}' is not a signing job ID`)
  if (!SHA256_HEX.test(sha256)) throw new Error(`${where}.sha256 is not a SHA-256 in hex`)
  const jobOwner = optionalString(entry, 'jobOwner', where) || ownerOfJobArn(entry, where)
  if (jobOwner && !ACCOUNT_ID.test(jobOwner)) {
    throw new Error(`${where}.jobOwner '${jobOwner}' is not a 12-digit account ID`)
  }
  const name =
    optionalString(entry, 'name', where) ||
    optionalString(entry, 'signedPath', where) ||
    optionalString(entry, 'path', where)
  if (!name) throw new Error(`${where} names no file ('name' or 'signedPath')`)
  return [
    {
      name,
      jobId,
      jobOwner: jobOwner || undefined,
      sha256: sha256.toLowerCase(),
      signedObject: signedObjectOf(entry, where)
    }
  ]
}

/**
 * `{bucket, key, versionId?}` as a record writes it, or `s3://bucket/key` as results do, with
 * the version beside it in `signedObjectVersionId`.
 */
function signedObjectOf(
  entry: Record<string, unknown>,
  entryWhere: string
): RecordedFile['signedObject'] {
  const value = entry.signedObject
  const where = `${entryWhere}.signedObject`
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value === 'string') {
    const match = /^s3:\/\/([^/]+)\/(.+)$/s.exec(value)
    if (!match) throw new Error(`${where} is not s3://bucket/key`)
    const versionId = optionalString(entry, 'signedObjectVersionId', entryWhere) || undefined
    return { bucket: match[1] ?? '', key: match[2] ?? '', versionId }
  }
  if (!isObject(value)) throw new Error(`${where} is neither s3://bucket/key nor an object`)
  const bucket = optionalString(value, 'bucket', where)
  const key = optionalString(value, 'key', where)
  if (!bucket || !key) throw new Error(`${where} has no bucket or key`)
  return { bucket, key, versionId: optionalString(value, 'versionId', where) || undefined }
}

function ownerOfJobArn(entry: Record<string, unknown>, where: string): string {
  const arn = optionalString(entry, 'jobArn', where)
  return /^arn:aws[a-z-]*:signer:[a-z0-9-]+:(\d{12}):\/signing-jobs\//.exec(arn)?.[1] ?? ''
}
