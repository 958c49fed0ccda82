import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { SignerClient, StartSigningJobCommand } from '@aws-sdk/client-signer'
import { mockClient } from 'aws-sdk-client-mock'
import { ActionError } from '../../../src/errors.js'
import { clientRequestToken } from '../../../src/aws/request-token.js'
import { quoted } from '../../../src/notary/untrusted.js'
import { startSigningJob, type SigningRequest } from '../../../src/aws/start-signing-job.js'
import { rejectionOf, sdkError } from '../helpers.js'

const signerMock = mockClient(SignerClient)
let signer: SignerClient

const REQUEST: SigningRequest = {
  profileName: 'release_profile',
  profileOwner: '111122223333',
  source: { bucket: 'unsigned-bucket', key: 'unsigned/o-r/1-1/build/abc/f.zip', version: 'v-42' },
  destination: { bucket: 'signed-bucket', prefix: 'signed/' }
}

const failure = (promise: Promise<unknown>) => rejectionOf(promise, ActionError)

beforeEach(() => {
  signerMock.reset()
  signer = new SignerClient({ region: 'us-east-1' })
})

afterEach(() => {
  signer.destroy()
})

describe('startSigningJob', () => {
  it('returns the job id', async () => {
    signerMock.on(StartSigningJobCommand).resolves({ jobId: 'job-123' })
    expect(await startSigningJob(signer, REQUEST)).toBe('job-123')
  })

  it('sends the source version, destination, profile, profileOwner and token', async () => {
    signerMock.on(StartSigningJobCommand).resolves({ jobId: 'job-123' })
    await startSigningJob(signer, REQUEST)
    const sent = signerMock.commandCalls(StartSigningJobCommand)
    expect(sent).toHaveLength(1)
    expect(sent[0]?.args[0].input).toEqual({
      source: {
        s3: {
          bucketName: 'unsigned-bucket',
          key: 'unsigned/o-r/1-1/build/abc/f.zip',
          version: 'v-42'
        }
      },
      destination: { s3: { bucketName: 'signed-bucket', prefix: 'signed/' } },
      profileName: 'release_profile',
      profileOwner: '111122223333',
      clientRequestToken: clientRequestToken(REQUEST)
    })
  })

  it('leaves profileOwner out for a profile of the same account', async () => {
    signerMock.on(StartSigningJobCommand).resolves({ jobId: 'job-1' })
    const ownProfile = { ...REQUEST, profileOwner: undefined }
    await startSigningJob(signer, ownProfile)
    const input = signerMock.commandCalls(StartSigningJobCommand)[0]?.args[0].input
    expect(input?.profileOwner).toBeUndefined()
    expect(input?.clientRequestToken).toBe(clientRequestToken(ownProfile))
  })

  it('adds a permissions hint to AccessDenied, naming the sharing account', async () => {
    signerMock.on(StartSigningJobCommand).rejects(sdkError('AccessDeniedException', 403))
    const error = await failure(startSigningJob(signer, REQUEST))
    expect(error.message).toBe(
      "StartSigningJob for s3://unsigned-bucket/unsigned/o-r/1-1/build/abc/f.zip with profile 'release_profile' failed: " +
        'AccessDeniedException: AccessDeniedException message — the role needs signer:StartSigningJob on the profile ' +
        '(shared by account 111122223333 with AddProfilePermission), s3:GetObjectVersion on the source and s3:PutObject on the destination.'
    )
  })

  it('gives the hint without the sharing part for an own profile', async () => {
    signerMock.on(StartSigningJobCommand).rejects(sdkError('AccessDeniedException', 403))
    const error = await failure(startSigningJob(signer, { ...REQUEST, profileOwner: undefined }))
    expect(error.message).toContain('the role needs signer:StartSigningJob on the profile,')
    expect(error.message).not.toContain('AddProfilePermission')
  })

  it('gives no hint for other errors', async () => {
    signerMock.on(StartSigningJobCommand).rejects(sdkError('ValidationException', 400, 'bad key'))
    const error = await failure(startSigningJob(signer, REQUEST))
    expect(error.message).toBe(
      "StartSigningJob for s3://unsigned-bucket/unsigned/o-r/1-1/build/abc/f.zip with profile 'release_profile' failed: ValidationException: bad key"
    )
  })

  it('fails when the answer has no job id', async () => {
    signerMock.on(StartSigningJobCommand).resolves({})
    const error = await failure(startSigningJob(signer, REQUEST))
    expect(error.message).toBe(
      'StartSigningJob for s3://unsigned-bucket/unsigned/o-r/1-1/build/abc/f.zip answered without a jobId'
    )
  })

  // The job ID becomes the job-id output, which workflows interpolate into `run:` lines.
  it.each(['"; $(id) #\n::warning::x', 'job 1', 'job/1', 'a'.repeat(129)])(
    "refuses a jobId not of Signer's form, showing it escaped: %p",
    async jobId => {
      signerMock.on(StartSigningJobCommand).resolves({ jobId })
      const error = await failure(startSigningJob(signer, REQUEST))
      expect(error.message).toBe(
        `StartSigningJob for s3://unsigned-bucket/unsigned/o-r/1-1/build/abc/f.zip answered a jobId that is not a signing job ID: ${quoted(jobId)}. The answer is not trusted and the job is not waited for: check what answers for Signer between the runner and AWS (AWS_ENDPOINT_URL_SIGNER, a proxy).`
      )
      expect(error.message).not.toContain('\n')
    }
  )

  it("takes Signer's UUIDs", async () => {
    const jobId = 'e218ee67-5dd3-4dc4-8caf-224898b12493'
    signerMock.on(StartSigningJobCommand).resolves({ jobId })
    expect(await startSigningJob(signer, REQUEST)).toBe(jobId)
  })
})
