import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { promisify } from 'node:util'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { freePort, waitForHttp } from './net.js'

const run = promisify(execFile)

/**
 * The real CNCF Distribution registry (Debian's `docker-registry`, 2.8: no referrers API, so it
 * exercises the referrers tag schema) on a loopback port with a temporary store, and skopeo as
 * an independent reader of what the action wrote.
 */

export const REGISTRY_INSTALL_HINT =
  'install it with `apt-get install docker-registry skopeo` (CNCF Distribution 2.8 and skopeo 1.9 are known to work)'

export interface DockerRegistry {
  /** http://127.0.0.1:PORT */
  readonly endpoint: string
  /** 127.0.0.1:PORT, as an image reference names the registry. */
  readonly host: string
  stop(): Promise<void>
}

/** Why `command` cannot run here (with the install hint), or undefined when it can. */
function missing(command: string, args: string[], env: NodeJS.ProcessEnv): string | undefined {
  const probe = spawnSync(command, args, { encoding: 'utf8', env })
  if (!probe.error && probe.status === 0) return undefined
  return `${command} is not on PATH or does not run: ${REGISTRY_INSTALL_HINT}`
}

export function dockerRegistryMissing(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return missing('docker-registry', ['--version'], env)
}

export function skopeoMissing(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return missing('skopeo', ['--version'], env)
}

/**
 * Starts `docker-registry serve` on a free loopback port, storing into a new temporary
 * directory, with deletes enabled; fails with the install hint when it is missing.
 */
export async function startDockerRegistry(
  env: NodeJS.ProcessEnv = process.env
): Promise<DockerRegistry> {
  const reason = dockerRegistryMissing(env)
  if (reason) throw new Error(reason)
  const directory = mkdtempSync(path.join(tmpdir(), 'docker-registry-'))
  const port = await freePort()
  const config = path.join(directory, 'config.yml')
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${path.join(directory, 'store')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      `  secret: ${randomBytes(16).toString('hex')}`,
      ''
    ].join('\n')
  )
  // Only PATH: distribution reads REGISTRY_* variables as configuration.
  const child = spawn('docker-registry', ['serve', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { PATH: env.PATH }
  })
  let stderr = ''
  child.stderr?.on('data', chunk => (stderr = (stderr + String(chunk)).slice(-4000)))
  const endpoint = `http://127.0.0.1:${port}`
  const remove = () => rmSync(directory, { recursive: true, force: true })
  try {
    await waitForHttp(`${endpoint}/v2/`, 20_000, () => child.exitCode !== null)
  } catch (error) {
    child.kill('SIGKILL')
    remove()
    throw new Error(`docker-registry did not start on ${endpoint}: ${String(error)}\n${stderr}`, {
      cause: error
    })
  }
  return {
    endpoint,
    host: `127.0.0.1:${port}`,
    async stop() {
      await stopChild(child)
      remove()
    }
  }
}

/**
 * `skopeo inspect --raw` of `docker://HOST/REPOSITORY:TAG` (or `@DIGEST`) over plain HTTP. Not
 * spawnSync: the registry may be the stand-in, in this very process.
 */
export async function skopeoInspectRaw(
  host: string,
  repository: string,
  reference: string
): Promise<Buffer> {
  const separator = reference.startsWith('sha256:') ? '@' : ':'
  const image = `docker://${host}/${repository}${separator}${reference}`
  try {
    const { stdout } = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', image], {
      encoding: 'buffer',
      timeout: 30_000
    })
    return stdout
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '')
    throw new Error(`skopeo inspect --raw ${image} failed: ${stderr || String(error)}`, {
      cause: error
    })
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
  await exited
  clearTimeout(timer)
}
