import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createHash } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import {
  checksumLine,
  checksumsOf,
  writeChecksumsFile,
  writeNotFollowing
} from '../../../src/github/checksums.js'
import { SIGNED } from './fixtures.js'

let workspace: string

beforeEach(() => {
  workspace = mkdtempSync(path.join(tmpdir(), 'checksums-test-'))
})
afterEach(() => {
  rmSync(workspace, { recursive: true, force: true })
})

const sha256 = (content: string) => createHash('sha256').update(content).digest('hex')

describe('checksums of the signed files', () => {
  it('lists each signed file relative to output-dir, in the format sha256sum -c checks', () => {
    const outputDir = path.join(workspace, 'signed')
    const files = { 'a.zip': 'signed a', 'linux/b zip.zip': 'signed b', 'odd\\name.zip': 'c' }
    const signed = Object.entries(files).map(([name, content]) => {
      mkdirSync(path.dirname(path.join(outputDir, name)), { recursive: true })
      writeFileSync(path.join(outputDir, name), content)
      return { ...SIGNED, signedPath: `signed/${name}`, sha256: sha256(content) }
    })
    const text = checksumsOf(signed, outputDir, workspace)
    expect(text.split('\n')[0]).toBe(`${sha256('signed a')}  a.zip`)
    writeFileSync(path.join(outputDir, 'SHA256SUMS'), text)
    const checked = execFileSync('sha256sum', ['-c', 'SHA256SUMS'], {
      cwd: outputDir,
      encoding: 'utf8'
    })
    expect(checked.split('\n').filter(line => line.endsWith(': OK'))).toHaveLength(3)
  })

  it('fails sha256sum -c when a file changed', () => {
    const outputDir = path.join(workspace, 'signed')
    mkdirSync(outputDir)
    writeFileSync(path.join(outputDir, 'a.zip'), 'changed')
    writeFileSync(path.join(outputDir, 'SUMS'), checksumLine(sha256('original'), 'a.zip'))
    expect(() =>
      execFileSync('sha256sum', ['-c', 'SUMS'], { cwd: outputDir, stdio: 'ignore' })
    ).toThrow()
  })

  it('writes the file under RUNNER_TEMP, a new name each time', async () => {
    const first = await writeChecksumsFile('x  a\n', { RUNNER_TEMP: workspace })
    const second = await writeChecksumsFile('y  b\n', { RUNNER_TEMP: workspace })
    expect(path.dirname(first)).toBe(workspace)
    expect(first).not.toBe(second)
    expect(readFileSync(first, 'utf8')).toBe('x  a\n')
  })

  it('replaces a regular file but refuses to follow a symbolic link', async () => {
    const file = path.join(workspace, 'sums.sha256')
    writeFileSync(file, 'old')
    await writeNotFollowing(file, 'new')
    expect(readFileSync(file, 'utf8')).toBe('new')
    const target = path.join(workspace, 'target')
    writeFileSync(target, 'keep')
    symlinkSync(target, path.join(workspace, 'link.sha256'))
    await expect(writeNotFollowing(path.join(workspace, 'link.sha256'), 'x')).rejects.toThrow(
      /ELOOP/
    )
    expect(readFileSync(target, 'utf8')).toBe('keep')
  })

  it('refuses a symbolic link where the platform has no O_NOFOLLOW, as on Windows', async () => {
    const target = path.join(workspace, 'target-windows')
    writeFileSync(target, 'keep')
    symlinkSync(target, path.join(workspace, 'link-windows.sha256'))
    await expect(
      writeNotFollowing(path.join(workspace, 'link-windows.sha256'), 'x', null)
    ).rejects.toThrow(/ELOOP/)
    expect(readFileSync(target, 'utf8')).toBe('keep')
    const file = path.join(workspace, 'plain-windows.sha256')
    await writeNotFollowing(file, 'new', null)
    expect(readFileSync(file, 'utf8')).toBe('new')
  })
})
