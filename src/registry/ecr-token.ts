/**
 * ECR registries take a token from `ecr:GetAuthorizationToken`, made with the step's own AWS
 * credentials: no `docker login`. The ECR client is loaded only when an ECR image is signed.
 */
import { ActionError, errorMessage, isAccessDenied } from '../errors.js'
import {
  CONNECT_TIMEOUT_MS,
  MAX_ATTEMPTS,
  explainFailedRequests,
  silenceLimitMs,
  USER_AGENT
} from '../aws/clients.js'
import { RequestRate } from '../aws/request-rate.js'
import { PacedRetryStrategy } from '../aws/retry-strategy.js'
import { sdkAgents } from '../network-proxy.js'

export interface EcrRegistry {
  account: string
  region: string
  fips: boolean
  /** Named in the dual-stack form: its token comes from ECR's dual-stack API endpoint too. */
  dualStack: boolean
}

// `<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]`, and the dual-stack
// `<account>.dkr-ecr[-fips].<region>.on.aws` (`.on.amazonwebservices.com.cn` in China).
const ECR_HOST =
  /^(\d{12})\.(?:dkr\.ecr(-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?|dkr-ecr(-fips)?\.([a-z0-9-]+)\.on\.(?:aws|amazonwebservices\.com\.cn))$/

/** The account and Region of an ECR registry host (lower case, no port); undefined for others. */
export function parseEcrRegistry(host: string): EcrRegistry | undefined {
  const match = ECR_HOST.exec(host)
  if (!match) return undefined
  return {
    account: match[1]!,
    region: (match[3] ?? match[5])!,
    fips: Boolean(match[2] ?? match[4]),
    dualStack: match[5] !== undefined
  }
}

export interface EcrToken {
  username: string
  password: string
}

/**
 * Whether the step names its own ECR API endpoint (a VPC endpoint, say), which the SDK then takes
 * as it is: it refuses a custom endpoint together with useFipsEndpoint or useDualstackEndpoint,
 * so a FIPS or dual-stack registry's token comes from ECR's FIPS or dual-stack endpoint only when
 * no endpoint is named.
 */
export function namesOwnEcrEndpoint(env: NodeJS.ProcessEnv): boolean {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === 'true') return false
  return Boolean(env.AWS_ENDPOINT_URL_ECR || env.AWS_ENDPOINT_URL)
}

/**
 * Asks ECR for a registry token in the registry's Region, at the API endpoint of the registry's
 * form: a runner that reaches `dkr-ecr.<region>.on.aws` over IPv6 only reaches ECR's dual-stack
 * API (`ecr.<region>.api.aws`), not `api.ecr.<region>.amazonaws.com`. The token is base64 of
 * `AWS:<password>`, valid for 12 hours: longer than any step. AWS_ENDPOINT_URL_ECR is honoured
 * by the SDK itself.
 */
export async function ecrToken(registry: EcrRegistry, budgetMs: number): Promise<EcrToken> {
  const { ECRClient, GetAuthorizationTokenCommand } = await import('@aws-sdk/client-ecr')
  const ownEndpoint = namesOwnEcrEndpoint(process.env)
  // Given to the SDK as agents of the caller's, which client.destroy() leaves open.
  const agents = sdkAgents(CONNECT_TIMEOUT_MS)
  const client = new ECRClient({
    region: registry.region,
    // Left to the SDK otherwise: AWS_USE_FIPS_ENDPOINT and AWS_USE_DUALSTACK_ENDPOINT still apply.
    useFipsEndpoint: (registry.fips && !ownEndpoint) || undefined,
    useDualstackEndpoint: (registry.dualStack && !ownEndpoint) || undefined,
    customUserAgent: [USER_AGENT],
    requestHandler: {
      connectionTimeout: CONNECT_TIMEOUT_MS,
      socketTimeout: silenceLimitMs(budgetMs),
      ...agents
    },
    maxAttempts: MAX_ATTEMPTS,
    retryStrategy: new PacedRetryStrategy(new RequestRate(), {
      maxAttempts: MAX_ATTEMPTS,
      budgetMs
    })
  })
  explainFailedRequests(client, silenceLimitMs(budgetMs))
  try {
    const answer = await client.send(new GetAuthorizationTokenCommand({}))
    const token = answer.authorizationData?.[0]?.authorizationToken
    const decoded = token ? Buffer.from(token, 'base64').toString('utf8') : ''
    const colon = decoded.indexOf(':')
    if (colon <= 0) throw new Error('the answer held no token of the form AWS:<password>')
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
  } catch (error) {
    const hint = isAccessDenied(error)
      ? ' (the role needs ecr:GetAuthorizationToken, on resource "*")'
      : ''
    throw new ActionError(
      `Getting a registry token for the ECR registry of account ${registry.account} in ${registry.region} (ecr:GetAuthorizationToken) failed: ${errorMessage(error)}${hint}`
    )
  } finally {
    client.destroy()
    agents.httpAgent.destroy()
    agents.httpsAgent.destroy()
  }
}
