import { createHash } from 'node:crypto'

/** Everything a StartSigningJob request asks for; the token is derived from all of it. */
export interface SigningRequest {
  profileName: string
  profileOwner: string | undefined
  source: { bucket: string; key: string; version: string }
  destination: { bucket: string; prefix: string }
}

/**
 * The StartSigningJob idempotency token: a digest of the whole request. Signer answers a reused
 * token with the first call's job, and AWS services commonly refuse a reused token whose
 * parameters differ; a token that is a function of the request is right under both. A retry of
 * the same request (same object version, destination and profile) reuses it and gets the job
 * the first attempt created; any other request — other bytes, another path, a second upload of
 * the same file, another destination — gets its own. The Signer model puts no length or pattern
 * on the token and the SDK's own default is a UUID, so it has that shape.
 */
export function clientRequestToken(request: SigningRequest): string {
  const hex = createHash('sha256')
    .update(
      JSON.stringify([
        request.source.bucket,
        request.source.key,
        request.source.version,
        request.destination.bucket,
        request.destination.prefix,
        request.profileName,
        request.profileOwner ?? ''
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
