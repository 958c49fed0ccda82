/**
 * What the image tests share: the rig's Signer with a Notation profile, a registry to sign in
 * (the real CNCF Distribution where it is installed, else the stand-in behaving as it does), the
 * action run as a step that signs images, and an independent reader of what it stored.
 */
import {
  dockerRegistryMissing,
  skopeoInspectRaw,
  skopeoMissing,
  startDockerRegistry
} from '../rig/docker-registry.js'
import { startRegistryStandIn } from '../rig/registry-stand-in.js'
import type { Rig } from '../rig/rig.js'
import { runAction, type ActionRun, type RunActionOptions } from '../rig/run-action.js'
import { workspaceWith } from './workspace.js'

export const CONTAINER_PROFILE = 'container_profile'
export const NOTATION_PLATFORM = 'Notation-OCI-SHA384-ECDSA'

export interface TestRegistry {
  endpoint: string
  host: string
  stop(): Promise<void>
}

const registryMissing = dockerRegistryMissing()
const skopeoAbsent = skopeoMissing()

/**
 * The real docker-registry (2.8: the referrers tag schema, If-Match ignored); where it is not
 * installed, the stand-in configured as 2.8 behaves, and one line on stderr says so and how to
 * install it. `file` names the test file in that line.
 */
export function startRealRegistry(file: string): Promise<TestRegistry> {
  // One line, outside jest's console decoration: what did not run, and how to get it.
  if (registryMissing) {
    process.stderr.write(
      `${file}: the real-registry leg did not run; signed in the stand-in (no referrers API) instead: ${registryMissing}\n`
    )
  } else if (skopeoAbsent) {
    process.stderr.write(`${file}: read back with fetch, not skopeo: ${skopeoAbsent}\n`)
  }
  return registryMissing
    ? startRegistryStandIn({ referrers: 'none', ignoreIfMatch: true })
    : startDockerRegistry()
}

/** The step's own environment: the rig's AWS endpoints, nothing of the registry. */
export function runImageSigning(
  rig: Rig,
  inputs: Record<string, string>,
  options: Pick<RunActionOptions, 'env' | 'timeoutMs' | 'onSpawn' | 'hosts'> = {}
): Promise<ActionRun> {
  return runAction({
    workspace: workspaceWith({}),
    inputs: { 'profile-name': CONTAINER_PROFILE, ...inputs },
    env: { ...rig.env, ...options.env },
    timeoutMs: options.timeoutMs,
    onSpawn: options.onSpawn,
    hosts: options.hosts
  })
}

/**
 * A manifest as the registry stores it, read by skopeo (`inspect --raw`), or by plain fetch
 * where skopeo is not installed.
 */
export async function readStored(
  registry: TestRegistry,
  repository: string,
  reference: string
): Promise<Buffer> {
  if (!skopeoAbsent) return skopeoInspectRaw(registry.host, repository, reference)
  const answer = await fetch(`${registry.endpoint}/v2/${repository}/manifests/${reference}`, {
    headers: {
      accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json'
    }
  })
  if (answer.status !== 200) throw new Error(`GET ${reference}: ${answer.status}`)
  return Buffer.from(await answer.arrayBuffer())
}

export interface StoredIndex {
  manifests: Array<{
    mediaType: string
    digest: string
    size: number
    artifactType?: string
    annotations?: Record<string, string>
  }>
}

export function parsed<T>(bytes: Buffer): T {
  return JSON.parse(bytes.toString('utf8')) as T
}
