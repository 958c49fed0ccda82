// Jest's globalTeardown: stops the moto_server each worker kept for its test files (their PIDs
// are in moto-worker-*.json, see motoServer() in __tests__/rig/moto.ts), then removes the run's
// temporary directory (see global-setup.mjs).
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

export default async function globalTeardown() {
  const directory = process.env.TEST_RUN_TEMP_DIR
  if (!directory) return
  try {
    const records = readdirSync(directory).filter(name => /^moto-worker-\d+\.json$/.test(name))
    await Promise.allSettled(
      records.map(name =>
        stopProcess(JSON.parse(readFileSync(path.join(directory, name), 'utf8')).pid)
      )
    )
  } finally {
    // Retries: on Windows a just-stopped server may still hold a file for a moment.
    rmSync(directory, { recursive: true, force: true, maxRetries: 5 })
  }
}

/** SIGTERM, then SIGKILL if it is still there after 3 s; resolves once it has gone (or 5 s). */
async function stopProcess(pid) {
  const alive = () => {
    try {
      process.kill(pid, 0)
      return true
    } catch {
      return false
    }
  }
  // Each signal may find it gone already.
  const signal = name => {
    try {
      process.kill(pid, name)
    } catch {
      // Exited meanwhile.
    }
  }
  if (!alive()) return
  signal('SIGTERM')
  for (let waited = 0; alive() && waited < 5000; waited += 50) {
    if (waited === 3000) signal('SIGKILL')
    await sleep(50)
  }
}
