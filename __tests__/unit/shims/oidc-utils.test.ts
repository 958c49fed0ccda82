import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from '@jest/globals'
import * as shim from '../../../src/shims/oidc-utils.js'

// @actions/core's own files (its "exports" names only "."); the tests run from the repository.
const coreLib = path.resolve('node_modules/@actions/core/lib')

/** The names @actions/core's core.js imports from its OIDC module. */
function importedFromOidcModule(): string[] {
  const source = readFileSync(path.join(coreLib, 'core.js'), 'utf8')
  const imports = [...source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'\.\/oidc-utils\.js'/g)]
  return imports.flatMap(match => (match[1] ?? '').split(',').map(name => name.trim()))
}

describe('the stand-in for @actions/core lib/oidc-utils.js', () => {
  it('exports every name core.js imports from it', () => {
    const names = importedFromOidcModule()
    expect(names).toEqual(['OidcClient'])
    for (const name of names) expect(shim).toHaveProperty(name)
  })

  it('has the method core.getIDToken calls', () => {
    const source = readFileSync(path.join(coreLib, 'core.js'), 'utf8')
    const calls = new Set([...source.matchAll(/OidcClient\.(\w+)/g)].map(match => match[1]))
    expect([...calls]).toEqual(['getIDToken'])
    expect(typeof shim.OidcClient.getIDToken).toBe('function')
  })

  it('refuses to get a token, saying why', async () => {
    await expect(shim.OidcClient.getIDToken('sts.amazonaws.com')).rejects.toThrow(
      "core.getIDToken() is not available in this action's bundle"
    )
  })
})
