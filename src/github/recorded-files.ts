import { SIGNING_RECORD_SCHEMA_VERSION } from './signing-record.js'

/**
 * The signed files that `signing-results` names, for `mode: verify`: a signing record
 * (`<artifact-name>.signing.json`, signing-record.ts: `{"schemaVersion": 1, "region",
 * "results": [...]}`, each entry named by its path under output-dir), or a signing step's own
 * `results` (an array, each entry with `signedPath` and `signedObject` as `s3://bucket/key`). The
 * file travels through artifacts and releases, so it is read as untrusted: it only says which
 * job to ask Signer about and which SHA-256 to expect; Signer's and S3's answers decide.
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

const JOB_ID = /^[A-Za-z0-9_-]{1,128}$/
const SHA256_HEX = /^[0-9a-f]{64}$/i
const ACCOUNT_ID = /^\d{12}$/
const MAX_ENTRIES = 100_000

/** Reads the text of a `signing-results` file; throws an Error that says what is wrong with it. */
export function signedFilesOf(text: string): SigningResults {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new Error(`is not JSON (${error instanceof Error ? error.message : String(error)})`, {
      cause: error
    })
  }
  let entries: unknown[]
  let region: string | undefined
  if (Array.isArray(parsed)) {
    entries = parsed
  } else if (isObject(parsed) && 'schemaVersion' in parsed) {
    const { schemaVersion } = parsed
    if (schemaVersion !== SIGNING_RECORD_SCHEMA_VERSION) {
      throw new Error(
        typeof schemaVersion === 'number' && schemaVersion > SIGNING_RECORD_SCHEMA_VERSION
          ? `has schemaVersion ${schemaVersion}, which a newer version of the action wrote: verify with that version`
          : `has schemaVersion ${JSON.stringify(schemaVersion)}; this action reads ${SIGNING_RECORD_SCHEMA_VERSION}`
      )
    }
    if (!Array.isArray(parsed.results)) throw new Error("has no 'results' array")
    entries = parsed.results
    region = stringField(parsed, 'region', 'the record') || undefined
  } else {
    throw new Error(
      "is neither a signing record (an object with 'schemaVersion') nor a signing step's results (an array)"
    )
  }
  if (entries.length > MAX_ENTRIES) throw new Error(`lists more than ${MAX_ENTRIES} files`)
  return { region, files: entries.flatMap((entry, index) => fileOf(entry, `results[${index}]`)) }
}

function fileOf(entry: unknown, where: string): RecordedFile[] {
  if (!isObject(entry)) throw new Error(`${where} is not an object`)
  const status = stringField(entry, 'status', where)
  const jobId = stringField(entry, 'jobId', where)
  const sha256 = stringField(entry, 'sha256', where)
  if ((status && status !== 'signed') || !jobId || !sha256) return []
  if (!JOB_ID.test(jobId)) throw new Error(`${where}.jobId '${jobId}' is not a signing job ID`)
  if (!SHA256_HEX.test(sha256)) throw new Error(`${where}.sha256 is not a SHA-256 in hex`)
  const jobOwner = stringField(entry, 'jobOwner', where) || ownerOfJobArn(entry, where)
  if (jobOwner && !ACCOUNT_ID.test(jobOwner)) {
    throw new Error(`${where}.jobOwner '${jobOwner}' is not a 12-digit account ID`)
  }
  const name =
    stringField(entry, 'name', where) ||
    stringField(entry, 'signedPath', where) ||
    stringField(entry, 'path', where)
  if (!name) throw new Error(`${where} names no file ('name' or 'signedPath')`)
  return [
    {
      name,
      jobId,
      jobOwner: jobOwner || undefined,
      sha256: sha256.toLowerCase(),
      signedObject: signedObjectOf(entry.signedObject, `${where}.signedObject`)
    }
  ]
}

/** `{bucket, key, versionId?}` as a record writes it, or `s3://bucket/key` as results do. */
function signedObjectOf(value: unknown, where: string): RecordedFile['signedObject'] {
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value === 'string') {
    const match = /^s3:\/\/([^/]+)\/(.+)$/s.exec(value)
    if (!match) throw new Error(`${where} is not s3://bucket/key`)
    return { bucket: match[1] ?? '', key: match[2] ?? '', versionId: undefined }
  }
  if (!isObject(value)) throw new Error(`${where} is neither s3://bucket/key nor an object`)
  const bucket = stringField(value, 'bucket', where)
  const key = stringField(value, 'key', where)
  if (!bucket || !key) throw new Error(`${where} has no bucket or key`)
  return { bucket, key, versionId: stringField(value, 'versionId', where) || undefined }
}

function ownerOfJobArn(entry: Record<string, unknown>, where: string): string {
  const arn = stringField(entry, 'jobArn', where)
  return /^arn:aws[a-z-]*:signer:[a-z0-9-]+:(\d{12}):\/signing-jobs\//.exec(arn)?.[1] ?? ''
}

function stringField(object: Record<string, unknown>, key: string, where: string): string {
  const value = object[key]
  if (value === undefined || value === null) return ''
  if (typeof value !== 'string') throw new Error(`${where}.${key} is not a string`)
  return value
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
