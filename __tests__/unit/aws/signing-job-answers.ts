import type { DescribeSigningJobCommandOutput } from '@aws-sdk/client-signer'
import type { SigningRequest } from '../../../src/aws/request-token.js'

/** The request a test's job was started with. */
export const REQUEST: SigningRequest = {
  profileName: 'release_profile',
  profileOwner: undefined,
  source: {
    bucket: 'release-unsigned',
    key: 'unsigned/o/r/1-1/sign/abc/dist/a.zip',
    version: 'v-1'
  },
  destination: { bucket: 'release-signed', prefix: 'signed/' }
}

/** What Signer answers about a job that `request` started: its ID, source, profile and output. */
export function answerAbout(
  jobId: string,
  request: SigningRequest = REQUEST
): DescribeSigningJobCommandOutput {
  return {
    $metadata: {},
    jobId,
    source: {
      s3: {
        bucketName: request.source.bucket,
        key: request.source.key,
        version: request.source.version
      }
    },
    profileName: request.profileName,
    signedObject: {
      s3: {
        bucketName: request.destination.bucket,
        key: `${request.destination.prefix}${jobId}.zip`
      }
    }
  }
}
