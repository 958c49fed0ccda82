import type { RunContext } from '../github/run-context.js'

/** S3's limit on key length, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024

/**
 * Key of an unsigned upload: unique per run attempt and content, so parallel matrix legs never
 * overwrite each other, and readable enough to trace back to the run.
 */
export function sourceObjectKey(
  prefix: string,
  context: RunContext,
  sha256: string,
  relativePath: string
): string {
  const key = [
    prefix.replace(/\/*$/, ''),
    safeKeySegment(context.repository.replace('/', '-')),
    `${safeKeySegment(context.runId)}-${safeKeySegment(context.runAttempt)}`,
    safeKeySegment(context.job),
    sha256.slice(0, 16),
    ...relativePath.split(/[\\/]+/).map(safeKeySegment)
  ]
    .filter(Boolean)
    .join('/')
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) {
    throw new Error(
      `The object key for '${relativePath}' would be longer than S3's ${MAX_KEY_BYTES} bytes: shorten 'source-prefix' or the file's path.`
    )
  }
  return key
}

/** Keeps characters S3 documents as safe; anything else (control characters, `..`) becomes '_'. */
export function safeKeySegment(segment: string): string {
  const safe = segment.replace(/[^A-Za-z0-9!_.*'()-]/g, '_')
  return safe === '.' || safe === '..' ? safe.replace(/\./g, '_') : safe
}

/** Object metadata that traces an upload back to the run that made it. */
export function traceMetadata(context: RunContext): Record<string, string> {
  return {
    'github-repository': context.repository,
    'github-run-id': context.runId,
    'github-run-attempt': context.runAttempt,
    'github-job': context.job,
    'github-sha': context.sha
  }
}
