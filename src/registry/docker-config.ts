/**
 * Registry credentials from the Docker config, as `docker login` (and docker/login-action)
 * leaves them: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`, under `auths`.
 */
import { readFileSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import path from 'node:path'
import { ActionError } from '../errors.js'
import { singleLine } from '../safe-text.js'

export type DockerConfigLookup =
  | { found: 'credentials'; username: string; password: string; file: string }
  /** Only a credential helper (credsStore, credHelpers) or an identity token holds them. */
  | { found: 'unsupported'; file: string; what: string }
  | { found: 'nothing' }

const CONFIG_LIMIT = 1024 * 1024
/** docker.io is stored under its old index URL; the other names mean the same registry. */
const DOCKER_HUB_KEYS = new Set(['index.docker.io', 'docker.io', 'registry-1.docker.io'])

export function dockerConfigPath(env: NodeJS.ProcessEnv): string {
  const directory = env.DOCKER_CONFIG || path.join(env.HOME || homedir(), '.docker')
  return path.join(directory, 'config.json')
}

/** docker's own key normalization: no scheme, nothing after the host, lower case. */
function hostOfKey(key: string): string {
  return key
    .replace(/^https?:\/\//i, '')
    .split('/')[0]!
    .toLowerCase()
}

function sameRegistry(key: string, registry: string): boolean {
  const host = hostOfKey(key)
  return host === registry || (DOCKER_HUB_KEYS.has(host) && DOCKER_HUB_KEYS.has(registry))
}

/** The credentials the Docker config holds for `registry` (host[:port], lower case). */
export function dockerConfigCredentials(
  registry: string,
  env: NodeJS.ProcessEnv = process.env
): DockerConfigLookup {
  const file = dockerConfigPath(env)
  const config = readConfig(file)
  if (!config) return { found: 'nothing' }
  const problem = (detail: string) =>
    new ActionError(
      `The Docker config ${file} ${detail}; fix it or pass registry-username and registry-password.`
    )

  const auths = isObject(config.auths) ? config.auths : {}
  const key = Object.keys(auths).find(name => sameRegistry(name, registry))
  const found = key === undefined ? undefined : auths[key]
  if (key !== undefined && !isObject(found)) {
    throw problem(`has an invalid 'auths' entry for ${registry}`)
  }
  const entry = found as Record<string, unknown> | undefined
  if (entry && typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon <= 0)
      throw problem(`has an 'auth' for ${registry} that is not base64 of user:password`)
    return {
      found: 'credentials',
      username: decoded.slice(0, colon),
      password: decoded.slice(colon + 1),
      file
    }
  }
  if (entry && typeof entry.username === 'string' && typeof entry.password === 'string') {
    return { found: 'credentials', username: entry.username, password: entry.password, file }
  }

  const helpers = isObject(config.credHelpers) ? config.credHelpers : {}
  const helperKey = Object.keys(helpers).find(name => sameRegistry(name, registry))
  if (helperKey !== undefined) {
    return {
      found: 'unsupported',
      file,
      what: `the credential helper '${printable(helpers[helperKey])}' (credHelpers)`
    }
  }
  if (entry && typeof entry.identitytoken === 'string') {
    return { found: 'unsupported', file, what: 'an identity token (identitytoken)' }
  }
  if (entry && typeof config.credsStore === 'string') {
    return {
      found: 'unsupported',
      file,
      what: `the credential store '${printable(config.credsStore)}' (credsStore)`
    }
  }
  return { found: 'nothing' }
}

function readConfig(file: string): Record<string, unknown> | undefined {
  let text: string
  try {
    if (statSync(file).size > CONFIG_LIMIT) {
      throw new ActionError(`The Docker config ${file} is larger than 1 MiB; refused.`)
    }
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if (error instanceof ActionError) throw error
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new ActionError(
      `The Docker config ${file} could not be read: ${singleLine(String(error))}.`
    )
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new ActionError(`The Docker config ${file} is not valid JSON; fix it or remove it.`)
  }
  if (!isObject(parsed)) throw new ActionError(`The Docker config ${file} is not a JSON object.`)
  return parsed
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function printable(value: unknown): string {
  return singleLine(String(value)).slice(0, 100)
}
