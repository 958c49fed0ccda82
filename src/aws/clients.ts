import { S3Client } from '@aws-sdk/client-s3'
import { SignerClient } from '@aws-sdk/client-signer'

export interface AwsClients {
  s3: S3Client
  /** For requests the SDK may retry itself: a retried StartSigningJob reuses its token. */
  signer: SignerClient
  /** For DescribeSigningJob: no SDK retries, the poller backs off across all jobs itself. */
  signerPoller: SignerClient
}

const USER_AGENT: [string, string] = ['aws-signer-action', '1']

/**
 * One place that builds the clients. Credentials come from the SDK's default chain (what
 * aws-actions/configure-aws-credentials exports); endpoints may be overridden by the SDK's own
 * AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_SIGNER.
 */
export function createClients(region: string): AwsClients {
  const common = { region, customUserAgent: [USER_AGENT] }
  return {
    s3: new S3Client({ ...common, maxAttempts: 5 }),
    signer: new SignerClient({ ...common, maxAttempts: 5 }),
    signerPoller: new SignerClient({ ...common, maxAttempts: 1 })
  }
}
