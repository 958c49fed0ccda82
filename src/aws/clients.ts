import { S3Client } from '@aws-sdk/client-s3'
import { SignerClient } from '@aws-sdk/client-signer'
import { explainForeignAnswer, explainNoAnswer } from '../errors.js'
import { sdkAgents } from '../network-proxy.js'
import { RequestRate } from './request-rate.js'
import { PacedRetryStrategy, type RetryPolicy } from './retry-strategy.js'

export interface AwsClients {
  s3: S3Client
  /**
   * StartSigningJob, SignPayload, preflight, GetRevocationStatus: retried by the SDK, paced by one
   * rate; a retried start reuses its token.
   */
  signer: SignerClient
  /** DescribeSigningJob: one attempt per look; the poller decides when to look again. */
  signerPoller: SignerClient
  /** The pace of DescribeSigningJob, shared by every job of the step. */
  describeRate: RequestRate
  /** What the S3 and Signer clients allow a request, for transfers that retry on their own. */
  retryPolicy: RetryPolicy
}

export interface ClientOptions {
  region: string
  /** How long a request may keep being retried (timeout-seconds). */
  budgetMs: number
  /** expected-bucket-owner: sent with every S3 request that names a bucket. */
  expectedBucketOwner?: string | undefined
  /** Where the endpoint variables are read (keepsHostPrefix). */
  env?: NodeJS.ProcessEnv
}

/** What every AWS client of the action sends and allows: the ECR client is built alike. */
export const USER_AGENT: [string, string] = ['aws-signer-action', '1']
export const MAX_ATTEMPTS = 5
export const CONNECT_TIMEOUT_MS = 10_000
/**
 * A connection silent this long has no answer coming: the attempt fails and is retried. A third
 * of the budget, so a hung attempt leaves room for retries, within 2 s and 30 s.
 */
export function silenceLimitMs(budgetMs: number): number {
  return Math.round(Math.min(30_000, Math.max(2000, budgetMs / 3)))
}

// AWS's own endpoint names, in every partition.
const AWS_ENDPOINT_HOST =
  /\.(amazonaws\.com|amazonaws\.com\.cn|api\.aws|c2s\.ic\.gov|sc2s\.sgov\.gov)$/i

/**
 * Whether Signer requests keep the host prefix the service model gives an operation: only
 * GetRevocationStatus has one, `data-`, so the SDK sends it to data-signer.<region>.amazonaws.com.
 * An endpoint from AWS_ENDPOINT_URL_SIGNER (or AWS_ENDPOINT_URL) that is not AWS's own (a local
 * Signer, a proxy) gets the request as given: prefixed, `data-127.0.0.1` resolves nowhere.
 */
export function keepsHostPrefix(env: NodeJS.ProcessEnv = process.env): boolean {
  if (/^true$/i.test(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? '')) return true
  const configured = env.AWS_ENDPOINT_URL_SIGNER || env.AWS_ENDPOINT_URL
  if (!configured) return true
  let host: string
  try {
    host = new URL(configured).hostname
  } catch {
    // The SDK refuses it itself, with its own message.
    return true
  }
  return AWS_ENDPOINT_HOST.test(host)
}

/**
 * One place that builds the clients. Credentials come from the SDK's default chain (what
 * aws-actions/configure-aws-credentials exports); endpoints may be overridden by the SDK's own
 * AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_SIGNER. Every request is bounded: a connection that
 * does not open, or an endpoint that stops answering, fails the attempt instead of hanging the
 * step until GitHub's 6-hour limit. Each client paces its requests with one rate for the step.
 */
export function createClients({
  region,
  budgetMs,
  expectedBucketOwner,
  env = process.env
}: ClientOptions): AwsClients {
  const silenceMs = silenceLimitMs(budgetMs)
  // Each client its own agents, as the SDK would make them.
  const common = () => ({
    region,
    customUserAgent: [USER_AGENT],
    requestHandler: {
      connectionTimeout: CONNECT_TIMEOUT_MS,
      socketTimeout: silenceMs,
      ...sdkAgents(CONNECT_TIMEOUT_MS, env)
    }
  })
  const retried = (maxAttempts: number, budget: number) => ({
    maxAttempts,
    retryStrategy: new PacedRetryStrategy(new RequestRate(), { maxAttempts, budgetMs: budget })
  })
  const signerCommon = () => ({ ...common(), disableHostPrefix: !keepsHostPrefix(env) })
  const clients = {
    s3: new S3Client({ ...common(), ...retried(MAX_ATTEMPTS, budgetMs) }),
    signer: new SignerClient({
      ...signerCommon(),
      ...retried(MAX_ATTEMPTS, budgetMs),
      // Its middleware is resolved once a command type, not at every call: about 1 ms of CPU less
      // for each image's SignPayload. Nothing changes the stack after the clients are built.
      cacheMiddleware: true
    }),
    signerPoller: new SignerClient({ ...signerCommon(), maxAttempts: 1 })
  }
  for (const client of Object.values(clients)) explainFailedRequests(client, silenceMs)
  if (expectedBucketOwner) carryExpectedBucketOwner(clients.s3, expectedBucketOwner)
  return {
    ...clients,
    describeRate: new RequestRate(),
    retryPolicy: { maxAttempts: MAX_ATTEMPTS, budgetMs }
  }
}

/**
 * Every S3 request carries ExpectedBucketOwner, also those that this code does not build itself,
 * such as the AbortMultipartUpload that lib-storage sends when a part fails. Commands without the
 * member (none that the action sends) ignore it.
 */
function carryExpectedBucketOwner(s3: S3Client, owner: string): void {
  s3.middlewareStack.add(
    next => async args => {
      if ((args.input as { ExpectedBucketOwner?: string }).ExpectedBucketOwner !== undefined) {
        return next(args)
      }
      return next({ ...args, input: { ...args.input, ExpectedBucketOwner: owner } })
    },
    { step: 'initialize', name: 'carryExpectedBucketOwner', priority: 'high' }
  )
}

/**
 * The final error of a request that got no answer, or an answer not from AWS, names its operation
 * and endpoint.
 */
export function explainFailedRequests(
  client: { middlewareStack: unknown },
  silenceMs: number
): void {
  ;(client.middlewareStack as S3Client['middlewareStack']).add(
    (next, context) => async args => {
      const started = Date.now()
      try {
        return await next(args)
      } catch (error) {
        // The signal the caller gave send(), which the SDK keeps in the context for middleware.
        const signal = context.__smithy_context?.abortSignal
        const reason = (signal && 'reason' in signal ? signal.reason : undefined) as
          { name?: unknown } | undefined
        // AbortSignal.timeout's reason: a DOMException named TimeoutError.
        const timedOut = reason?.name === 'TimeoutError'
        const request = {
          operation: context.commandName?.replace(/Command$/, '') ?? 'A request',
          endpoint: context.endpointV2?.url.host
        }
        throw explainForeignAnswer(
          explainNoAnswer(error, {
            ...request,
            silenceMs,
            connectMs: CONNECT_TIMEOUT_MS,
            cutAfterMs: timedOut ? Date.now() - started : undefined
          }),
          request
        )
      }
    },
    { step: 'initialize', name: 'explainFailedRequests' }
  )
}
