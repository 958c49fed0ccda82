import { SignPayloadCommand, type SignerClient } from '@aws-sdk/client-signer'
import { ActionError, errorMessage, isAccessDenied } from '../errors.js'
import { PAYLOAD_FORMAT } from '../notary/payload.js'
import { quoted } from '../notary/untrusted.js'
import { singleLine } from '../safe-text.js'
import { ACCOUNT_ID, JOB_ID } from './signer-ids.js'

export interface PayloadSigningRequest {
  profileName: string
  /** The profile's account, for a profile another account shares. */
  profileOwner?: string
  /** The image the payload names, as the user wrote it: for messages only. */
  image: string
  /** The Notary payload (notaryPayload). */
  payload: Uint8Array
}

export interface SignedPayload {
  jobId: string
  jobOwner: string
  /** What AWS's plugin hands to notation as the signature manifest's annotations. */
  metadata: Record<string, string>
  /** The signature envelope (flattened JWS), still unchecked: see checkEnvelope. */
  envelope: Uint8Array
}

/**
 * One SignPayload call: Signer signs the Notary payload with the profile's key and answers with
 * the envelope. `signer` is the step's paced, retried client. SignPayload takes no request token:
 * a retry after an answer was lost makes a second job, whose envelope is as good as the first.
 */
export async function signPayload(
  signer: SignerClient,
  request: PayloadSigningRequest
): Promise<SignedPayload> {
  const context = `SignPayload for ${singleLine(request.image)} with profile '${request.profileName}'`
  let answer
  try {
    answer = await signer.send(
      new SignPayloadCommand({
        profileName: request.profileName,
        profileOwner: request.profileOwner,
        payload: request.payload,
        payloadFormat: PAYLOAD_FORMAT
      })
    )
  } catch (error) {
    const hint = isAccessDenied(error)
      ? ` — the role needs signer:SignPayload on the profile${request.profileOwner ? ` (shared by account ${request.profileOwner} with AddProfilePermission)` : ''}.`
      : ''
    throw new ActionError(`${context} failed: ${errorMessage(error)}${hint}`)
  }
  const { jobId, jobOwner, metadata, signature } = answer
  // Forms a well-behaved answer has; anything else is refused before it reaches a log or an ARN.
  const refuse = (detail: string) => new ActionError(`${context} answered ${detail}`)
  if (typeof jobId !== 'string' || !JOB_ID.test(jobId)) {
    throw refuse(`a jobId that is not a job id: ${quoted(jobId)}`)
  }
  if (typeof jobOwner !== 'string' || !ACCOUNT_ID.test(jobOwner)) {
    throw refuse(`a jobOwner that is not an account id: ${quoted(jobOwner)}`)
  }
  if (!(signature instanceof Uint8Array) || signature.length === 0) {
    throw refuse(`no signature envelope (job ${jobId})`)
  }
  return { jobId, jobOwner, metadata: { ...metadata }, envelope: signature }
}
