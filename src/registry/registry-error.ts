/**
 * Errors a registry operation ends with: they name the registry, the repository and the
 * operation, keep the registry's own error codes, and say what to do.
 */
import { ActionError } from '../errors.js'
import { singleLine } from '../safe-text.js'
import type { FailureKind } from './bounded-request.js'
import type { CredentialsSource } from './credentials.js'

/** One entry of the distribution API's `{"errors": [...]}` body. */
export interface RegistryErrorEntry {
  code: string
  message: string
  /** `detail` when it is a plain string (MANIFEST_BLOB_UNKNOWN names the digest there). */
  detail: string | undefined
}

export interface OperationContext {
  registry: string
  repository: string
  /** What was being done, as a phrase: 'pushing the signature manifest'. */
  operation: string
  /** What the step needs of the repository: a refusal's hint asks for that. Default: push. */
  access?: RegistryAccess
}

/** Signing pushes (and pulls); verifying only pulls. */
export type RegistryAccess = 'pull' | 'push'

export class RegistryError extends ActionError {
  constructor(
    message: string,
    readonly kind: FailureKind,
    readonly status: number | undefined = undefined,
    readonly errors: RegistryErrorEntry[] = []
  ) {
    super(message)
  }

  hasCode(code: string): boolean {
    return this.errors.some(entry => entry.code === code)
  }
}

/** The error entries of an answer's body; nothing when it is not the distribution error shape. */
export function registryErrors(body: Buffer): RegistryErrorEntry[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(body.toString('utf8'))
  } catch {
    return []
  }
  const list = (parsed as { errors?: unknown }).errors
  if (!Array.isArray(list)) return []
  return list.slice(0, 5).flatMap(entry => {
    const { code, message, detail } = (entry ?? {}) as Record<string, unknown>
    if (typeof code !== 'string') return []
    return [
      {
        code: code.slice(0, 100),
        message: typeof message === 'string' ? message.slice(0, 300) : '',
        detail: typeof detail === 'string' ? detail.slice(0, 300) : undefined
      }
    ]
  })
}

function where({ registry, repository }: OperationContext): string {
  return `${registry}/${repository}`
}

/** The error for a registry's answer with an unexpected status. */
export function answerError(
  context: OperationContext,
  status: number,
  body: Buffer,
  credentials: CredentialsSource,
  challengeError?: string
): RegistryError {
  const errors = registryErrors(body)
  const said = errors.length
    ? errors.map(e => `${e.code}${e.message ? `: ${e.message}` : ''}`).join('; ')
    : body.toString('utf8').trim().slice(0, 200)
  const kind: FailureKind = status === 429 ? 'throttled' : status >= 500 ? 'transient' : 'final'
  const hint = statusHint(context, status, credentials, challengeError)
  const message = `${context.operation} in ${where(context)} failed: HTTP ${status}${said ? ` (${singleLine(said)})` : ''}${hint ? ` — ${hint}` : ''}`
  return new RegistryError(capitalize(message), kind, status, errors)
}

/** The error for an exchange that ended without an answer, keeping whether to retry. */
export function exchangeFailure(
  context: OperationContext,
  error: { message: string; kind: FailureKind }
): RegistryError {
  return new RegistryError(
    capitalize(`${context.operation} in ${where(context)} failed: ${singleLine(error.message)}`),
    error.kind
  )
}

/**
 * A 401 from another origin than the registry's (where a redirect or an upload location led): its
 * challenge is not answered, since that would send the registry's credentials there.
 */
export function foreignChallengeError(context: OperationContext, answeredBy: URL): RegistryError {
  return new RegistryError(
    capitalize(
      `${context.operation} in ${where(context)} failed: ${singleLine(answeredBy.host)}, where the registry ${context.registry} sent the request, answered HTTP 401 and asked for credentials; they are only ever sent to the registry itself.`
    ),
    'final',
    401
  )
}

/** A registry answer that breaks the protocol or our checks (wrong digest, wrong type). */
export function protocolError(context: OperationContext, problem: string): RegistryError {
  return new RegistryError(
    capitalize(`${context.operation} in ${where(context)} failed: ${singleLine(problem)}`),
    'final'
  )
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

function statusHint(
  context: OperationContext,
  status: number,
  credentials: CredentialsSource,
  challengeError: string | undefined
): string {
  if (status === 401 && challengeError !== 'insufficient_scope') {
    return refusedCredentialsHint(context.registry, credentials)
  }
  if (status === 401 || status === 403) return permissionHint(context, credentials)
  if (status === 405 && credentials.origin === 'ecr') {
    return 'ECR refuses some operations on some manifests, such as a signature whose subject is an image index (aws/containers-roadmap#2783): sign the digest of each platform image instead'
  }
  if (status === 404) {
    return `check that the repository exists in ${context.registry} and that the credentials (${credentials.description}) may read it`
  }
  return ''
}

/** 401: the registry did not accept who we said we are (or we said nothing). */
export function refusedCredentialsHint(registry: string, credentials: CredentialsSource): string {
  switch (credentials.origin) {
    case 'ecr':
      return `the registry refused the token from ecr:GetAuthorizationToken: the step's AWS credentials must belong to an account that may use this registry (check the account and Region in '${registry}')`
    case 'input':
      return `the registry refused registry-username and registry-password: check them (for GHCR: github.actor and a GITHUB_TOKEN, or a personal access token with write:packages)`
    case 'docker-config':
      return `the registry refused the credentials for ${registry} in ${credentials.description}: log in again (docker/login-action) or pass registry-username and registry-password`
    case 'none':
      return `no credentials were found for ${registry}: pass registry-username and registry-password, or log in first with docker/login-action (ECR registries need neither: the step's AWS credentials are used)`
  }
}

/** 403, or 401 for insufficient scope: known, but not allowed to do this. */
function permissionHint(context: OperationContext, credentials: CredentialsSource): string {
  if (context.access === 'pull') {
    const needs =
      credentials.origin === 'ecr'
        ? 'the role needs ecr:BatchGetImage and ecr:GetDownloadUrlForLayer on the repository'
        : 'they need read access to the repository (GHCR: `permissions: packages: read` in the workflow)'
    return `the credentials (${credentials.description}) may not read ${context.repository}: ${needs}`
  }
  const ecr =
    'the role needs ecr:BatchGetImage, ecr:BatchCheckLayerAvailability, ecr:InitiateLayerUpload, ecr:UploadLayerPart, ecr:CompleteLayerUpload and ecr:PutImage on the repository (and ecr:BatchDeleteImage to tidy the referrers tag)'
  const other =
    'they need push access to the repository (GHCR: `permissions: packages: write` in the workflow, and the package must give this repository write access)'
  return `the credentials (${credentials.description}) may not do this in ${context.repository}: ${credentials.origin === 'ecr' ? ecr : other}`
}
