// Jest's globalSetup: every test's temporary files go into one directory that the run removes at
// its end (global-teardown.mjs), so the system's temp directory is left as it was found, even by
// a test that fails halfway. os.tmpdir() reads TMPDIR (TEMP, then TMP, on Windows); the test
// workers, started after this, and the servers they spawn inherit it.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

export default function redirectTempDir() {
  const directory = mkdtempSync(path.join(tmpdir(), 'aws-signer-action-tests-'))
  process.env.TEST_RUN_TEMP_DIR = directory
  for (const name of ['TMPDIR', 'TEMP', 'TMP']) process.env[name] = directory
}
