import { ActionError } from '../errors.js'
import { MediaType, SHA256_DIGEST, type Descriptor } from '../registry/descriptor.js'
import { goJson } from './go-json.js'
import { quoted } from './untrusted.js'

/** SignPayload's `payloadFormat` and the envelope's `cty`: the one type Signer accepts. */
export const PAYLOAD_FORMAT = MediaType.notaryPayload

/** The Signer platform whose profiles sign Notary payloads (container images). */
export const NOTATION_PLATFORM = 'Notation-OCI-SHA384-ECDSA'

/** SignPayload refuses a longer payload (API reference: length 1 to 4096). */
export const MAX_PAYLOAD_BYTES = 4096

/** What a Notary payload names: the signed manifest's type, digest and size. */
export type TargetArtifact = Pick<Descriptor, 'mediaType' | 'digest' | 'size'>

// RFC 6838 restricted names, `type/subtype`, as the OCI descriptor spec gives them (length is
// left to the payload limit, so that limit is the one that refuses an absurd type).
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$/

/**
 * The Notary payload that signs exactly `target`: `{"targetArtifact":{"mediaType","digest","size"}}`,
 * compact, in the key order notation-go writes. Annotations and artifactType are left out (the
 * action adds no user metadata), so the signature names nothing but the content.
 */
export function notaryPayload(target: Descriptor): Buffer {
  const problem = targetProblem(target)
  if (problem) throw new ActionError(`Cannot build the Notary payload: ${problem}`)
  const { mediaType, digest, size } = target
  const bytes = Buffer.from(goJson({ targetArtifact: { mediaType, digest, size } }), 'utf8')
  if (bytes.length > MAX_PAYLOAD_BYTES) {
    throw new ActionError(
      `The Notary payload for ${digest} is ${bytes.length} bytes; SignPayload takes at most ${MAX_PAYLOAD_BYTES}.`
    )
  }
  return bytes
}

/** What is wrong with a descriptor as a payload's target, or undefined when nothing is. */
export function targetProblem(target: TargetArtifact): string | undefined {
  if (typeof target.mediaType !== 'string' || !MEDIA_TYPE.test(target.mediaType)) {
    return `mediaType ${quoted(target.mediaType)} is not a media type (type/subtype)`
  }
  if (typeof target.digest !== 'string' || !SHA256_DIGEST.test(target.digest)) {
    return `digest ${quoted(target.digest)} is not sha256:<64 lowercase hex>`
  }
  if (!Number.isSafeInteger(target.size) || target.size < 0) {
    return `size ${quoted(target.size)} is not a whole number of bytes`
  }
  return undefined
}

/**
 * The target a payload names, read strictly: a JSON object with only `targetArtifact`, which holds
 * only `mediaType`, `digest` and `size`. Anything added (annotations, another member) is refused,
 * since the action sent none. Throws an Error saying what is malformed.
 */
export function readPayload(bytes: Uint8Array): TargetArtifact {
  return readTarget(bytes, [], 'it was not sent with')
}

/**
 * The target a signed payload names, read as a verifier reads another signer's payload: besides
 * `mediaType`, `digest` and `size`, `targetArtifact` may carry what the signature specification
 * allows notation to add, `annotations` (strings) and `artifactType`. Throws an Error saying what
 * is malformed.
 */
export function readSignedPayload(bytes: Uint8Array): TargetArtifact {
  return readTarget(bytes, ['annotations', 'artifactType'], 'a Notary payload does not have')
}

function readTarget(bytes: Uint8Array, optional: string[], unexpected: string): TargetArtifact {
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw new Error('the payload is not UTF-8 JSON')
  }
  const extra = (value: object, allowed: string[]) =>
    Object.keys(value).filter(key => !allowed.includes(key))
  if (!isObject(parsed)) throw new Error('the payload is not a JSON object')
  const outer = extra(parsed, ['targetArtifact'])
  if (outer.length > 0) throw new Error(`the payload has members ${unexpected}: ${list(outer)}`)
  const target = parsed.targetArtifact
  if (!isObject(target)) throw new Error('the payload has no targetArtifact object')
  const inner = extra(target, ['mediaType', 'digest', 'size', ...optional])
  if (inner.length > 0) {
    throw new Error(`the payload's targetArtifact has members ${unexpected}: ${list(inner)}`)
  }
  const { annotations, artifactType } = target
  if (
    annotations !== undefined &&
    !(isObject(annotations) && Object.values(annotations).every(v => typeof v === 'string'))
  ) {
    throw new Error("the payload's targetArtifact.annotations is not a map of strings")
  }
  if (artifactType !== undefined && typeof artifactType !== 'string') {
    throw new Error("the payload's targetArtifact.artifactType is not a string")
  }
  const read = target as unknown as TargetArtifact
  const problem = targetProblem(read)
  if (problem) throw new Error(`the payload's targetArtifact ${problem}`)
  return { mediaType: read.mediaType, digest: read.digest, size: read.size }
}

/**
 * The fields in which two targets differ, each as `name: signed … (sent …)`; `other` names the
 * second target in the message.
 */
export function targetDifferences(
  signed: TargetArtifact,
  sent: TargetArtifact,
  other = 'sent'
): string[] {
  return (['mediaType', 'digest', 'size'] as const)
    .filter(field => signed[field] !== sent[field])
    .map(field => `${field} ${quoted(signed[field])} (${other} ${quoted(sent[field])})`)
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function list(keys: string[]): string {
  return keys.map(key => quoted(key)).join(', ')
}
