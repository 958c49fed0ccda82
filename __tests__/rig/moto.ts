import { spawn, type ChildProcess } from 'node:child_process'
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3'
import { freePort, waitForHttp } from './net.js'

export const MOTO_INSTALL_HINT =
  'moto_server is not on PATH or cannot start. The integration tests need a real S3 server: ' +
  'install it with `pip install "moto[server]"` (moto 5.2 is known to work).'

/** moto's default account: it owns every bucket created in it. */
export const MOTO_ACCOUNT = '123456789012'

export interface MotoServer {
  /** http://127.0.0.1:PORT — an IP, so the SDK uses path-style addressing by itself. */
  readonly endpoint: string
  stop(): Promise<void>
}

/**
 * Starts moto_server on a free loopback port; fails with the install hint if it is missing.
 * `env` is the environment moto_server is looked up and run in.
 */
export async function startMoto(env: NodeJS.ProcessEnv = process.env): Promise<MotoServer> {
  const port = await freePort()
  // Started at once, without a `moto_server --help` probe first (a Python start per rig): a
  // missing moto_server fails to spawn, and `pip install moto` without [server] installs one that
  // exits at once (no flask); either way it ends before answering.
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env
  })
  let spawnError: Error | undefined
  child.once('error', error => (spawnError = error))
  const closed = new Promise(resolve => child.once('close', resolve))
  let stderr = ''
  child.stderr?.on('data', chunk => (stderr = (stderr + String(chunk)).slice(-4000)))
  const ended = () => spawnError !== undefined || child.exitCode !== null
  const endpoint = `http://127.0.0.1:${port}`
  try {
    await waitForHttp(endpoint, 30_000, ended)
  } catch (error) {
    if (ended()) {
      // All of stderr, which says why it could not start.
      if (!spawnError) await closed
      throw new Error(`${MOTO_INSTALL_HINT}\n${spawnError?.message ?? stderr}`.trim(), {
        cause: error
      })
    }
    child.kill('SIGKILL')
    throw new Error(`moto_server did not start on ${endpoint}: ${String(error)}\n${stderr}`, {
      cause: error
    })
  }
  return { endpoint, stop: () => stopChild(child) }
}

/** An S3 client for the rig's own setup and checks (moto, or the proxy in front of it). */
export function motoClient(endpoint: string, config: S3ClientConfig = {}): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    ...config
  })
}

/** Stops a child by its PID and waits until it has exited. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
  await exited
  clearTimeout(timer)
}
