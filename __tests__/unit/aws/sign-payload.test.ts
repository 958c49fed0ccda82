import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { SignerClient, SignPayloadCommand } from '@aws-sdk/client-signer'
import { mockClient } from 'aws-sdk-client-mock'
import { signPayload, type PayloadSigningRequest } from '../../../src/aws/sign-payload.js'
import { ActionError } from '../../../src/errors.js'
import { rejectionOf, sdkError } from '../helpers.js'

const signerMock = mockClient(SignerClient)
let signer: SignerClient

const REQUEST: PayloadSigningRequest = {
  profileName: 'image_profile',
  profileOwner: '111122223333',
  image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/app@sha256:abab',
  payload: Buffer.from('{"targetArtifact":{}}')
}
const ENVELOPE = new Uint8Array(Buffer.from('{"payload":"…"}'))
const ANSWER = {
  jobId: 'e218ee67-5dd3-4dc4-8caf-224898b12493',
  jobOwner: '111122223333',
  metadata: { 'com.example.key': 'value' },
  signature: ENVELOPE
}
const CONTEXT = `SignPayload for ${REQUEST.image} with profile 'image_profile'`

const failure = (promise: Promise<unknown>) => rejectionOf(promise, ActionError)

beforeEach(() => {
  signerMock.reset()
  signer = new SignerClient({ region: 'us-east-1' })
})

afterEach(() => {
  signer.destroy()
})

describe('signPayload', () => {
  it('sends the profile, its owner, the payload and the Notary payload format', async () => {
    signerMock.on(SignPayloadCommand).resolves(ANSWER)
    await signPayload(signer, REQUEST)
    const sent = signerMock.commandCalls(SignPayloadCommand)
    expect(sent).toHaveLength(1)
    expect(sent[0]?.args[0].input).toEqual({
      profileName: 'image_profile',
      profileOwner: '111122223333',
      payload: REQUEST.payload,
      payloadFormat: 'application/vnd.cncf.notary.payload.v1+json'
    })
  })

  it('returns the job, its owner, the metadata and the envelope', async () => {
    signerMock.on(SignPayloadCommand).resolves(ANSWER)
    expect(await signPayload(signer, REQUEST)).toEqual({
      jobId: ANSWER.jobId,
      jobOwner: ANSWER.jobOwner,
      metadata: ANSWER.metadata,
      envelope: ENVELOPE
    })
  })

  it('returns empty metadata when the answer has none', async () => {
    signerMock.on(SignPayloadCommand).resolves({ ...ANSWER, metadata: undefined })
    expect((await signPayload(signer, REQUEST)).metadata).toEqual({})
  })

  it('adds a permissions hint to AccessDenied, naming the sharing account', async () => {
    signerMock.on(SignPayloadCommand).rejects(sdkError('AccessDeniedException', 403))
    const error = await failure(signPayload(signer, REQUEST))
    expect(error.message).toBe(
      `${CONTEXT} failed: AccessDeniedException: AccessDeniedException message — the role needs ` +
        'signer:SignPayload on the profile (shared by account 111122223333 with AddProfilePermission).'
    )
  })

  it('gives the hint without the sharing part for an own profile', async () => {
    signerMock.on(SignPayloadCommand).rejects(sdkError('AccessDeniedException', 403))
    const error = await failure(signPayload(signer, { ...REQUEST, profileOwner: undefined }))
    expect(error.message).toMatch(/the role needs signer:SignPayload on the profile\.$/)
  })

  it('gives no hint for other errors, and keeps their name', async () => {
    signerMock
      .on(SignPayloadCommand)
      .rejects(sdkError('ValidationException', 400, 'profile is for another platform'))
    const error = await failure(signPayload(signer, REQUEST))
    expect(error.message).toBe(
      `${CONTEXT} failed: ValidationException: profile is for another platform`
    )
  })

  it('shows a refused request signature as a credentials problem, not permissions', async () => {
    signerMock.on(SignPayloadCommand).rejects(sdkError('InvalidSignatureException', 403))
    const error = await failure(signPayload(signer, REQUEST))
    expect(error.message).toContain('check that the job')
    expect(error.message).not.toContain('signer:SignPayload')
  })

  it.each([
    [{ jobId: undefined }, 'answered a jobId that is not a job id: undefined'],
    [{ jobId: 'job\n::error::x' }, "answered a jobId that is not a job id: 'job\\n::error::x'"],
    [{ jobOwner: 'someone' }, "answered a jobOwner that is not an account id: 'someone'"],
    [{ signature: undefined }, `answered no signature envelope (job ${ANSWER.jobId})`],
    [{ signature: new Uint8Array() }, `answered no signature envelope (job ${ANSWER.jobId})`]
  ])('refuses an answer with %o', async (change, detail) => {
    signerMock.on(SignPayloadCommand).resolves({ ...ANSWER, ...change })
    const error = await failure(signPayload(signer, REQUEST))
    expect(error.message).toBe(`${CONTEXT} ${detail}`)
  })

  it('escapes control characters in the image it names', async () => {
    signerMock.on(SignPayloadCommand).rejects(sdkError('ValidationException', 400, 'no'))
    const error = await failure(signPayload(signer, { ...REQUEST, image: 'app\r::warning::x' }))
    expect(error.message).toContain('SignPayload for app\\r::warning::x with')
  })
})
