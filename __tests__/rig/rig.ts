import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  type S3Client
} from '@aws-sdk/client-s3'
import { motoClient, motoServer, type MotoServer } from './moto.js'
import { runAction, type ActionRun, type RunActionOptions } from './run-action.js'
import { startS3FaultProxy, type S3FaultProxy } from './s3-fault-proxy.js'
import {
  startSignerService,
  type LocalSigningJob,
  type SignerRequest,
  type SignerService
} from './signer-service.js'

const REGION = 'us-east-1'
export const SOURCE_BUCKET = 'release-unsigned'
export const DESTINATION_BUCKET = 'release-signed'
export const UNVERSIONED_BUCKET = 'plain-unversioned'
export const PROFILE = 'release_profile'

/** The servers a signing run talks to, with the buckets and profile a release engineer would have. */
export interface Rig {
  moto: MotoServer
  signer: SignerService
  /** In front of moto when asked for: the action's S3 traffic then passes through it. */
  proxy: S3FaultProxy | undefined
  s3: S3Client
  /** Environment for the action: the SDK's own endpoint variables, dummy credentials, Region. */
  env: Record<string, string>
  stop(): Promise<void>
}

export async function startRig(
  options: { jobDurationMs?: number; s3Proxy?: boolean } = {}
): Promise<Rig> {
  // The rig's own SDK clients run on this machine's Node 20; the action runs on node24.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
  const moto = await motoServer()
  const s3 = motoClient(moto.endpoint, { region: REGION })
  let signer: SignerService | undefined
  let proxy: S3FaultProxy | undefined
  const stop = async (): Promise<void> => {
    s3.destroy()
    await proxy?.stop()
    await signer?.stop()
    await moto.stop()
  }
  try {
    if (options.s3Proxy) proxy = await startS3FaultProxy(moto.endpoint)
    signer = await startSignerService({
      s3Endpoint: moto.endpoint,
      region: REGION,
      jobDurationMs: options.jobDurationMs
    })
    await createBucket(s3, SOURCE_BUCKET, true)
    await createBucket(s3, DESTINATION_BUCKET, false)
    await createBucket(s3, UNVERSIONED_BUCKET, false)
    signer.addProfile({ name: PROFILE, platformId: 'AWSLambda-SHA384-ECDSA' })
    return {
      moto,
      signer,
      proxy,
      s3,
      env: {
        AWS_ENDPOINT_URL_S3: proxy?.endpoint ?? moto.endpoint,
        AWS_ENDPOINT_URL_SIGNER: signer.endpoint,
        AWS_REGION: REGION,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test'
      },
      stop
    }
  } catch (error) {
    await stop()
    throw error
  }
}

/**
 * Runs the action as a release engineer's step would, with this rig's profile and buckets;
 * `inputs` and `env` add to or override them ('' unsets).
 */
export function runSigning(
  rig: Rig,
  workspace: string,
  inputs: Record<string, string>,
  options: Pick<RunActionOptions, 'env' | 'timeoutMs' | 'onSpawn' | 'hosts'> = {}
): Promise<ActionRun> {
  return runAction({
    workspace,
    inputs: {
      'profile-name': PROFILE,
      'source-bucket': SOURCE_BUCKET,
      'destination-bucket': DESTINATION_BUCKET,
      ...inputs
    },
    env: { ...rig.env, ...options.env },
    timeoutMs: options.timeoutMs,
    onSpawn: options.onSpawn,
    hosts: options.hosts
  })
}

async function createBucket(s3: S3Client, bucket: string, versioned: boolean): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }))
  if (versioned) {
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: bucket,
        VersioningConfiguration: { Status: 'Enabled' }
      })
    )
  }
}

/** The first DescribeSigningJob that saw the job ended: when the caller noticed it. */
export function noticingLook(rig: Rig, job: LocalSigningJob): SignerRequest | undefined {
  const completed = job.completedAtMs
  if (completed === undefined) return undefined
  return rig.signer.requests.find(
    request =>
      request.operation === 'DescribeSigningJob' &&
      request.jobId === job.jobId &&
      request.atMs >= completed
  )
}

export async function readObject(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
  return Buffer.from(
    await (answer.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()
  )
}

export async function objectVersions(s3: S3Client, bucket: string): Promise<number> {
  const answer = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }))
  return answer.Versions?.length ?? 0
}
