import { createHash } from 'node:crypto'
import { Transform } from 'node:stream'

/**
 * What the local signer writes: the unsigned bytes, then a one-line signature block naming the
 * job, the profile version and the payload's sha256. Tests rebuild it with `signedBytesOf` and
 * find it with `readSignature`; no real cryptography is involved.
 */

/** Opens the signature block appended to every signed object. */
export const SIGNATURE_MARKER = 'LOCAL-AWS-SIGNER-SIGNATURE/1'

export interface SignatureStamp {
  jobId: string
  profileVersion: string
  /** sha256 (hex) of the unsigned bytes. */
  sha256: string
}

export interface FoundSignature extends SignatureStamp {
  /** Bytes before the signature block: the unsigned payload when given the whole object. */
  payloadLength: number
}

/** The block is far smaller than this, so the end of an object is enough to find it. */
export const SIGNATURE_TAIL_BYTES = 1024

// Lets a test rebuild the expected bytes from a job ID alone; entries are tiny, so none are evicted.
const profileVersionByJob = new Map<string, string>()

/** Called by the service for every job it creates, so `signedBytesOf` needs only the job ID. */
export function rememberProfileVersion(jobId: string, profileVersion: string): void {
  profileVersionByJob.set(jobId, profileVersion)
}

/**
 * What a signer service writes for `source` signed by job `jobId`. The profile version is looked
 * up among jobs created in this process unless given.
 */
export function signedBytesOf(
  source: Buffer,
  jobId: string,
  profileVersion = profileVersionOfJob(jobId)
): Buffer {
  const sha256 = createHash('sha256').update(source).digest('hex')
  return Buffer.concat([source, signatureBlock({ jobId, profileVersion, sha256 })])
}

function profileVersionOfJob(jobId: string): string {
  const profileVersion = profileVersionByJob.get(jobId)
  if (profileVersion === undefined) {
    throw new Error(`job ${jobId} was not created by a signer service in this process`)
  }
  return profileVersion
}

/** The signature block at the end of `bytes` (a whole object or just its tail), or null. */
export function readSignature(bytes: Uint8Array): FoundSignature | null {
  const tail = Buffer.from(bytes).subarray(-SIGNATURE_TAIL_BYTES)
  // latin1 maps each byte to one character, so string offsets are byte offsets.
  const text = tail.toString('latin1')
  const opening = `\n${SIGNATURE_MARKER} `
  const start = text.lastIndexOf(opening)
  if (start < 0 || !text.endsWith('\n')) return null
  const stamp = parseStamp(text.slice(start + opening.length, -1))
  return stamp && { ...stamp, payloadLength: bytes.length - tail.length + start }
}

/** Passes bytes through, then appends the signature block over everything that went through. */
export function appendSignature(signer: { jobId: string; profileVersion: string }): Transform {
  const hash = createHash('sha256')
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk)
      done(null, chunk)
    },
    flush(done) {
      done(null, signatureBlock({ ...signer, sha256: hash.digest('hex') }))
    }
  })
}

function signatureBlock(stamp: SignatureStamp): Buffer {
  const { jobId, profileVersion, sha256 } = stamp
  return Buffer.from(`\n${SIGNATURE_MARKER} ${JSON.stringify({ jobId, profileVersion, sha256 })}\n`)
}

function parseStamp(json: string): SignatureStamp | null {
  try {
    const { jobId, profileVersion, sha256 } = JSON.parse(json) as Record<string, unknown>
    if (typeof jobId !== 'string' || typeof profileVersion !== 'string') return null
    if (typeof sha256 !== 'string') return null
    return { jobId, profileVersion, sha256 }
  } catch {
    return null
  }
}
