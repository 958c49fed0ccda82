/**
 * What `npm run demo -- --image` and the bench's image scenarios share: the rig's Signer with a
 * Notation profile, a registry on loopback to sign in, and the action run as a step that signs
 * images.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { dockerRegistryMissing, startDockerRegistry } from '../__tests__/rig/docker-registry.js'
import { startRegistryStandIn, type RegistryRequest } from '../__tests__/rig/registry-stand-in.js'
import type { Rig } from '../__tests__/rig/rig.js'
import { runAction, type ActionRun } from '../__tests__/rig/run-action.js'
import { NOTATION_PLATFORM } from '../__tests__/rig/signer-payload.js'

export const CONTAINER_PROFILE = 'container_profile'

/** Adds the profile that signs images to a started rig (its own profile is for files). */
export function addContainerProfile(rig: Rig): void {
  rig.signer.addProfile({ name: CONTAINER_PROFILE, platformId: NOTATION_PLATFORM })
}

/**
 * 'tag-schema': a registry without the referrers API, so the signature is listed in the
 * referrers tag: the real docker-registry (CNCF Distribution 2.8) when it is installed, else the
 * stand-in behaving as 2.8 does. 'referrers-api': the stand-in with the OCI referrers API.
 */
export type RegistryKind = 'tag-schema' | 'referrers-api'

export interface LocalRegistry {
  /** http://127.0.0.1:PORT */
  endpoint: string
  /** 127.0.0.1:PORT, as an image reference names the registry. */
  host: string
  /** Which registry this is, in words, for what the demo and the bench print. */
  label: string
  /** True for the real docker-registry. */
  real: boolean
  /** The stand-in's log of requests; the real registry's access log is off. */
  requests: RegistryRequest[] | undefined
  stop(): Promise<void>
}

/** Starts a registry of that kind; `note` gets one line when the real one is not installed. */
export async function startLocalRegistry(
  kind: RegistryKind,
  note: (line: string) => void
): Promise<LocalRegistry> {
  if (kind === 'tag-schema') {
    const missing = dockerRegistryMissing()
    if (!missing) {
      const registry = await startDockerRegistry()
      return { ...registry, label: dockerRegistryVersion(), real: true, requests: undefined }
    }
    note(`The real registry is not used: ${missing}. The stand-in behaves as 2.8 does instead.`)
    const standIn = await startRegistryStandIn({ referrers: 'none', ignoreIfMatch: true })
    return {
      endpoint: standIn.endpoint,
      host: standIn.host,
      label:
        'the rig’s registry stand-in, as Distribution 2.8 (no referrers API, If-Match ignored)',
      real: false,
      requests: standIn.requests,
      stop: () => standIn.stop()
    }
  }
  const standIn = await startRegistryStandIn({ referrers: 'api' })
  return {
    endpoint: standIn.endpoint,
    host: standIn.host,
    label: 'the rig’s registry stand-in, with the referrers API',
    real: false,
    requests: standIn.requests,
    stop: () => standIn.stop()
  }
}

function dockerRegistryVersion(): string {
  // "docker-registry github.com/docker/distribution 2.8.2+ds1"
  const words = spawnSync('docker-registry', ['--version'], { encoding: 'utf8' }).stdout.split(' ')
  return `docker-registry ${words.at(-1)?.trim() || '(version unknown)'} (CNCF Distribution, no referrers API)`
}

/**
 * Runs dist/index.js as a step whose only inputs are the profile, the images and any `inputs`
 * given, in an empty workspace, with the rig's AWS endpoints and nothing of the registry.
 */
export async function runImageStep(
  rig: Rig,
  images: string[],
  inputs: Record<string, string> = {},
  options: { timeoutMs?: number; env?: Record<string, string> } = {}
): Promise<ActionRun> {
  const workspace = mkdtempSync(path.join(tmpdir(), 'image-step-'))
  // An empty Docker config: a login on this machine must not change what is measured or shown.
  const dockerConfig = mkdtempSync(path.join(tmpdir(), 'image-step-docker-'))
  try {
    return await runAction({
      workspace,
      inputs: { 'profile-name': CONTAINER_PROFILE, image: images.join('\n'), ...inputs },
      env: { ...rig.env, DOCKER_CONFIG: dockerConfig, ...options.env },
      timeoutMs: options.timeoutMs ?? 120_000
    })
  } finally {
    rmSync(workspace, { recursive: true, force: true })
    rmSync(dockerConfig, { recursive: true, force: true })
  }
}

/** One entry of the `results` output for an image, as far as the demo and bench read it. */
export interface ImageResultEntry {
  signedImage: string
  status: string
  signatureDigest: string
  referrers: string
  error?: string
}

export function imageResults(run: ActionRun): ImageResultEntry[] {
  try {
    const parsed = JSON.parse(run.outputs.results ?? '[]') as unknown
    return Array.isArray(parsed) ? (parsed as ImageResultEntry[]) : []
  } catch {
    return []
  }
}
