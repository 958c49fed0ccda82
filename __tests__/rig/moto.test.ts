import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { MOTO_INSTALL_HINT, startMoto } from './moto.js'

describe('startMoto without a working moto_server', () => {
  let bin: string
  /** moto_server is looked up only in `bin`. */
  const env = () => ({ ...process.env, PATH: bin })

  beforeEach(() => {
    bin = mkdtempSync(path.join(tmpdir(), 'no-moto-'))
  })
  afterEach(() => rmSync(bin, { recursive: true, force: true }))

  it('fails with the install hint when moto_server is not on PATH', async () => {
    await expect(startMoto(env())).rejects.toThrow(MOTO_INSTALL_HINT)
  })

  it('fails with the install hint when moto_server cannot start (moto without [server])', async () => {
    const fake = path.join(bin, 'moto_server')
    writeFileSync(
      fake,
      '#!/bin/sh\necho "ModuleNotFoundError: No module named \'flask\'" >&2\nexit 1\n'
    )
    chmodSync(fake, 0o755)

    const failure = startMoto(env())
    await expect(failure).rejects.toThrow(MOTO_INSTALL_HINT)
    await expect(failure).rejects.toThrow("No module named 'flask'")
  })
})
