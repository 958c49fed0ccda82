import { spawn, type ChildProcess } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
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

/** Whether this test file holds its worker's kept server (module state is per test file). */
let keptServerHeld = false

/**
 * A moto_server for a test file, empty. Under jest, each worker keeps one for all the files it
 * runs (a Python start costs about a second of CPU, and ~45 files each started their own): the
 * first file starts it, later files reset it (POST /moto-api/reset), and the run's global
 * teardown stops it by the PID recorded in moto-worker-<id>.json. A second server in one file,
 * or any outside jest, is a new one; stopping a kept server only hands it back.
 */
export async function motoServer(): Promise<MotoServer> {
  const record = keptServerRecord()
  if (record === undefined || keptServerHeld) return startMoto()
  keptServerHeld = true
  const handBack = async (): Promise<void> => {
    keptServerHeld = false
  }
  try {
    const kept = await resetKeptServer(record)
    if (kept) return { endpoint: kept, stop: handBack }
    // One that did not answer the reset in time is stopped, not left behind unrecorded.
    await stopRecordedServer(record)
    const server = await startMoto(process.env, { keep: true })
    await writeFile(record, JSON.stringify({ pid: server.pid, endpoint: server.endpoint }))
    return { endpoint: server.endpoint, stop: handBack }
  } catch (error) {
    keptServerHeld = false
    throw error
  }
}

function keptServerRecord(): string | undefined {
  const directory = process.env.TEST_RUN_TEMP_DIR
  const worker = process.env.JEST_WORKER_ID
  return directory && worker ? join(directory, `moto-worker-${worker}.json`) : undefined
}

async function stopRecordedServer(record: string): Promise<void> {
  let pid: number
  try {
    pid = (JSON.parse(await readFile(record, 'utf8')) as { pid: number }).pid
  } catch {
    return
  }
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // Gone already.
  }
}

/** The kept server's endpoint once reset; undefined when there is none or it does not answer. */
async function resetKeptServer(record: string): Promise<string | undefined> {
  let endpoint: string
  try {
    endpoint = (JSON.parse(await readFile(record, 'utf8')) as { endpoint: string }).endpoint
  } catch {
    return undefined
  }
  try {
    const reset = await fetch(`${endpoint}/moto-api/reset`, {
      method: 'POST',
      signal: AbortSignal.timeout(5000)
    })
    return reset.ok ? endpoint : undefined
  } catch {
    return undefined
  }
}

/**
 * Starts moto_server on a free loopback port; fails with the install hint if it is missing.
 * `env` is the environment moto_server is looked up and run in.
 */
export async function startMoto(
  env: NodeJS.ProcessEnv = process.env,
  /** Kept by the jest worker for its later files (see motoServer). */
  options: { keep?: boolean } = {}
): Promise<MotoServer & { pid: number | undefined }> {
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
  if (options.keep) {
    // Outlives the test file: it must not hold the jest worker open at the end of the run.
    child.unref()
    ;(child.stderr as (NodeJS.ReadableStream & { unref?: () => void }) | null)?.unref?.()
  }
  return { endpoint, pid: child.pid, stop: () => stopChild(child) }
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
