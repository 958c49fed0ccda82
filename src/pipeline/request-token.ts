import { createHash } from 'node:crypto'
import type { RunContext } from '../github/run-context.js'

/**
 * The StartSigningJob idempotency token. The Signer model puts no length or pattern on it and the
 * SDK's own default is a UUID, so the token has that shape (36 characters of hex and hyphens):
 * the same repository, run attempt, job, profile and content always give the same token, and a
 * retried request returns the job the first one created.
 */
export function clientRequestToken(
  context: RunContext,
  profile: { name: string; owner: string | undefined },
  sha256: string
): string {
  const hex = createHash('sha256')
    .update(
      JSON.stringify([
        context.repository,
        context.runId,
        context.runAttempt,
        context.job,
        profile.owner ?? '',
        profile.name,
        sha256
      ])
    )
    .digest('hex')
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    hex.slice(12, 16),
    hex.slice(16, 20),
    hex.slice(20, 32)
  ].join('-')
}
