import { GetRevocationStatusCommand, type SignerClient } from '@aws-sdk/client-signer'
import { ActionError, errorMessage, isAccessDenied } from '../errors.js'
import { quoted } from '../notary/untrusted.js'

/** What GetRevocationStatus is asked about one signature, as AWS's Notation plugin asks it. */
export interface RevocationQuery {
  /** The envelope's authentic signing time. */
  signatureTimestamp: Date
  platformId: string
  profileVersionArn: string
  jobArn: string
  /** verifySignature's `certificateHashes`: leaf first, each with its issuer's TBS hash. */
  certificateHashes: string[]
}

// The model's limits for an ARN; the entities answered are the ones sent, never longer.
const MAX_ENTITY_CHARACTERS = 2048
const MAX_ENTITIES = 64

/**
 * One GetRevocationStatus call: the entities of the query (profile version, job, certificates)
 * that Signer reports revoked; empty when none is. `signer` is the step's paced, retried client,
 * which sends it to the `data-` endpoint on AWS (clients.ts). Throws an ActionError that names the
 * job when the call fails: a signature whose revocation is unknown is not taken as valid.
 */
export async function revokedEntities(
  signer: SignerClient,
  query: RevocationQuery
): Promise<string[]> {
  const context = `GetRevocationStatus for job ${query.jobArn}`
  let answer
  try {
    answer = await signer.send(new GetRevocationStatusCommand(query))
  } catch (error) {
    const hint = isAccessDenied(error)
      ? ' — the role needs signer:GetRevocationStatus (IAM offers it on resource "*" only).'
      : ''
    throw new ActionError(`${context} failed: ${errorMessage(error)}${hint}`)
  }
  const entities: unknown = answer.revokedEntities ?? []
  if (
    !Array.isArray(entities) ||
    entities.length > MAX_ENTITIES ||
    !entities.every(entity => typeof entity === 'string' && entity.length <= MAX_ENTITY_CHARACTERS)
  ) {
    throw new ActionError(
      `${context} answered revokedEntities that are not a list of ARNs and hashes: ${quoted(entities)}`
    )
  }
  return entities as string[]
}
