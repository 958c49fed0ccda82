import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

/**
 * A workspace holding the given files, as a checkout after its build step would. It is made in the
 * test run's temporary directory, which the run removes at its end (__tests__/jest/).
 */
export function workspaceWith(files: Record<string, Buffer | string>): string {
  const workspace = mkdtempSync(path.join(tmpdir(), 'workspace-'))
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(workspace, name)), { recursive: true })
    writeFileSync(path.join(workspace, name), content)
  }
  return workspace
}

/** Every file under a directory, relative to it, `.partial` leftovers included. */
export function filesUnder(directory: string): string[] {
  if (!existsSync(directory)) return []
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter(entry => entry.isFile())
    .map(entry => path.relative(directory, path.join(entry.parentPath, entry.name)))
    .sort()
}

/** A small zip-shaped payload whose bytes differ by `seed`. */
export function zipBytes(seed: number, size = 4096): Buffer {
  return Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(size, seed)])
}
