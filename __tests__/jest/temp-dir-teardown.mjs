// Jest's globalTeardown: removes the run's temporary directory (see temp-dir-setup.mjs).
import { rmSync } from 'node:fs'

export default function removeTempDir() {
  const directory = process.env.TEST_RUN_TEMP_DIR
  // Retries: on Windows a just-stopped server may still hold a file for a moment.
  if (directory) rmSync(directory, { recursive: true, force: true, maxRetries: 5 })
}
