import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { GetRevocationStatusCommand, SignerClient } from '@aws-sdk/client-signer'
import { mockClient } from 'aws-sdk-client-mock'
import { revokedEntities, type RevocationQuery } from '../../../src/aws/revocation-status.js'
import { ActionError } from '../../../src/errors.js'
import { rejectionOf, sdkError } from '../helpers.js'

const signerMock = mockClient(SignerClient)
let signer: SignerClient

const JOB_ARN =
  'arn:aws:signer:us-east-2:111122223333:/signing-jobs/e218ee67-5dd3-4dc4-8caf-224898b12493'
const QUERY: RevocationQuery = {
  signatureTimestamp: new Date('2026-03-01T10:00:00Z'),
  platformId: 'Notation-OCI-SHA384-ECDSA',
  profileVersionArn:
    'arn:aws:signer:us-east-2:111122223333:/signing-profiles/release_profile/awUPb84ibN',
  jobArn: JOB_ARN,
  certificateHashes: ['ab'.repeat(96), 'cd'.repeat(96)]
}

beforeEach(() => {
  signerMock.reset()
  signer = new SignerClient({ region: 'us-east-2' })
})
afterEach(() => signer.destroy())

describe('revokedEntities', () => {
  it('asks about the signature exactly as given', async () => {
    signerMock.on(GetRevocationStatusCommand).resolves({ revokedEntities: [] })
    await revokedEntities(signer, QUERY)
    expect(signerMock.commandCalls(GetRevocationStatusCommand)[0]?.args[0].input).toEqual(QUERY)
  })

  it('is empty when nothing is revoked, also when the answer leaves the list out', async () => {
    signerMock.on(GetRevocationStatusCommand).resolvesOnce({ revokedEntities: [] }).resolvesOnce({})
    expect(await revokedEntities(signer, QUERY)).toEqual([])
    expect(await revokedEntities(signer, QUERY)).toEqual([])
  })

  it('returns what Signer reports revoked', async () => {
    signerMock.on(GetRevocationStatusCommand).resolves({ revokedEntities: [JOB_ARN] })
    expect(await revokedEntities(signer, QUERY)).toEqual([JOB_ARN])
  })

  it('fails, naming the job, when the call fails: unknown is not valid', async () => {
    signerMock
      .on(GetRevocationStatusCommand)
      .rejects(sdkError('InternalServiceErrorException', 500))
    const error = await rejectionOf(revokedEntities(signer, QUERY), ActionError)
    expect(error.message).toBe(
      `GetRevocationStatus for job ${JOB_ARN} failed: InternalServiceErrorException: InternalServiceErrorException message`
    )
  })

  it('says which permission the role lacks', async () => {
    signerMock.on(GetRevocationStatusCommand).rejects(sdkError('AccessDeniedException', 403))
    const error = await rejectionOf(revokedEntities(signer, QUERY), ActionError)
    expect(error.message).toMatch(
      /the role needs signer:GetRevocationStatus \(IAM offers it on resource "\*" only\)\.$/
    )
  })

  it('refuses an answer that is not a list of strings', async () => {
    signerMock
      .on(GetRevocationStatusCommand)
      .resolves({ revokedEntities: [42] as unknown as string[] })
    const error = await rejectionOf(revokedEntities(signer, QUERY), ActionError)
    expect(error.message).toContain(
      'answered revokedEntities that are not a list of ARNs and hashes: [42]'
    )
  })
})
