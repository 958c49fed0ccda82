import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'

const DIST = path.resolve('dist')
const CHECK_BUNDLE = path.resolve('scripts/check-bundle.mjs')

describe('dist/ starts without the OIDC client', () => {
  it('imports the stand-in, dist/oidc-utils.js, which refuses to get a token', async () => {
    expect(readFileSync(path.join(DIST, 'index.js'), 'utf8')).toMatch(/from\s*"\.\/oidc-utils\.js"/)
    const file = path.join(DIST, 'oidc-utils.js')
    expect(existsSync(file)).toBe(true)
    const { OidcClient } = (await import(file)) as typeof import('../../src/shims/oidc-utils.js')
    await expect(OidcClient.getIDToken()).rejects.toThrow('not available')
  })
})

// `npm run bundle` runs scripts/check-bundle.mjs on ncc's stats of the bundle it made: these
// feed it stats of good and bad shapes.
describe("the bundle's shape check", () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'check-bundle-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  const sdkModules = (build: string) =>
    Array.from({ length: 120 }, (_, i) => ({
      name: `./node_modules/@aws-sdk/client-s3/${build}/commands/Command${i}.js`
    }))
  /** A main chunk (0) and a lazily loaded one (1), as ncc's stats list them. */
  const stats = (main: { name: string }[], lazy: { name: string }[] = []) => ({
    chunks: [
      { id: 0, files: ['index.js'] },
      { id: 1, files: ['1.index.js'] }
    ],
    modules: [
      { name: './src/index.ts + 300 modules', chunks: [0], modules: main },
      { name: './node_modules/@actions/core/lib/oidc-utils.js', chunks: [1], modules: lazy }
    ]
  })
  const core = { name: './node_modules/@actions/core/lib/core.js' }

  async function check(statsJson: unknown): Promise<{ code: number; stderr: string }> {
    const file = path.join(dir, `stats-${Math.random().toString(36).slice(2)}.json`)
    await writeFile(file, JSON.stringify(statsJson))
    try {
      await promisify(execFile)(process.execPath, [CHECK_BUNDLE, file])
      return { code: 0, stderr: '' }
    } catch (error) {
      const { code, stderr } = error as { code: number; stderr: string }
      return { code, stderr }
    }
  }

  it('passes the shape the bundle has: the OIDC client lazily, the SDK from dist-es', async () => {
    const undici = { name: './node_modules/undici/lib/fetch/index.js' }
    expect(await check(stats([core, ...sdkModules('dist-es')], [undici]))).toEqual({
      code: 0,
      stderr: ''
    })
  })

  it.each([
    ['undici', './node_modules/undici/lib/fetch/index.js'],
    ['@actions/http-client', './node_modules/@actions/http-client/lib/index.js'],
    ['tunnel', './node_modules/tunnel/lib/tunnel.js'],
    ['the OIDC client', './node_modules/@actions/core/lib/oidc-utils.js']
  ])('fails when %s is in the main chunk', async (_, name) => {
    const result = await check(stats([core, { name }, ...sdkModules('dist-es')]))
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`the main chunk holds ${name}`)
  })

  it("fails when the AWS SDK's CommonJS build is bundled", async () => {
    const result = await check(stats([core, ...sdkModules('dist-cjs')]))
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("the AWS SDK's CommonJS build is bundled")
  })

  it('fails when the main chunk lacks @actions/core or no chunk holds index.js', async () => {
    expect((await check(stats(sdkModules('dist-es')))).stderr).toContain(
      'the main chunk does not hold @actions/core'
    )
    expect((await check({ chunks: [], modules: [] })).stderr).toContain('no chunk holds index.js')
  })
})
