import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { freePort, waitForHttp } from './net.js'

export const MOTO_INSTALL_HINT =
  'moto_server was not found on PATH. The integration tests need a real S3 server: ' +
  'install it with `pip install "moto[server]"` (moto 5.2 is known to work).'

export interface MotoServer {
  /** http://127.0.0.1:PORT — an IP, so the SDK uses path-style addressing by itself. */
  readonly endpoint: string
  readonly pid: number
  stop(): Promise<void>
}

/** Starts moto_server on a free loopback port; fails with the install hint if it is missing. */
export async function startMoto(): Promise<MotoServer> {
  if (spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).error) {
    throw new Error(MOTO_INSTALL_HINT)
  }
  const port = await freePort()
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe']
  })
  let stderr = ''
  child.stderr?.on('data', chunk => (stderr = (stderr + String(chunk)).slice(-4000)))
  const endpoint = `http://127.0.0.1:${port}`
  try {
    await waitForHttp(endpoint, 30_000, () => child.exitCode !== null)
  } catch (error) {
    child.kill('SIGKILL')
    throw new Error(`moto_server did not start on ${endpoint}: ${String(error)}\n${stderr}`, {
      cause: error
    })
  }
  return { endpoint, pid: child.pid ?? -1, stop: () => stopChild(child) }
}

/** Stops a child by its PID and waits until it has exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
  await exited
  clearTimeout(timer)
}
