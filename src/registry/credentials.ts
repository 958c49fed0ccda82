/**
 * Who the action is to a registry. ECR: a token from the step's AWS credentials. Others:
 * `registry-username`/`registry-password`, else the Docker config, else anonymous.
 */
import { ActionError, InputError } from '../errors.js'
import { mask } from '../github/log.js'
import { dockerConfigCredentials } from './docker-config.js'
import { ecrToken, parseEcrRegistry } from './ecr-token.js'
import type { ImageReference } from './image-reference.js'

export interface CredentialsSource {
  origin: 'ecr' | 'input' | 'docker-config' | 'none'
  /** For messages: where the credentials came from, never what they are. */
  description: string
}

export interface RegistryCredentials extends CredentialsSource {
  /** Sent as Basic, or to the token service of a Bearer challenge; none when anonymous. */
  basic: { username: string; password: string } | undefined
}

export interface CredentialsOptions {
  /** registry-username and registry-password; used for every registry that is not ECR. */
  username: string | undefined
  password: string | undefined
  /** The environment of DOCKER_CONFIG and HOME. */
  env?: NodeJS.ProcessEnv
  /** How long the ECR token request may keep being retried (timeout-seconds). */
  budgetMs: number
}

/** Credentials for `registry` (an ImageReference's `registry`); every secret is masked first. */
export async function registryCredentials(
  registry: string,
  options: CredentialsOptions
): Promise<RegistryCredentials> {
  const ecr = parseEcrRegistry(registry)
  if (ecr) {
    const token = await ecrToken(ecr, options.budgetMs)
    return basic('ecr', `a token from ecr:GetAuthorizationToken in ${ecr.region}`, token)
  }
  if (options.username && options.password) {
    return basic('input', 'registry-username and registry-password', {
      username: options.username,
      password: options.password
    })
  }
  const config = dockerConfigCredentials(registry, options.env)
  if (config.found === 'credentials') {
    return basic('docker-config', `the Docker config ${config.file}`, config)
  }
  if (config.found === 'unsupported') {
    throw new ActionError(
      `The Docker config ${config.file} keeps the credentials for ${registry} in ${config.what}, which this action does not run: pass registry-username and registry-password instead.`
    )
  }
  return { origin: 'none', description: 'no credentials', basic: undefined }
}

function basic(
  origin: CredentialsSource['origin'],
  description: string,
  { username, password }: { username: string; password: string }
): RegistryCredentials {
  mask(password)
  mask(Buffer.from(`${username}:${password}`).toString('base64'))
  return { origin, description, basic: { username, password } }
}

/**
 * registry-username and registry-password are one pair: sent to two registries, one registry's
 * password would reach the other. Refused when the images outside ECR span several registries.
 */
export function checkExplicitCredentialsScope(
  references: ImageReference[],
  usernameInput: string
): void {
  // Counted by the host the requests go to: docker.io and index.docker.io are one registry.
  const registries = new Set(
    references
      .filter(reference => !parseEcrRegistry(reference.registry))
      .map(reference => reference.apiHost)
  )
  if (registries.size > 1) {
    throw new InputError(
      usernameInput,
      `registry-username and registry-password would be sent to ${[...registries].join(', ')}: sign the images of one registry per step, or leave them empty and log in to each with docker/login-action.`
    )
  }
}
