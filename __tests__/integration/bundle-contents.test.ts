import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from '@jest/globals'

// What `npm run bundle` wrote (npm test bundles first). BUNDLE_DIR and BUNDLE_STATS check a
// bundle built elsewhere.
const DIST = path.resolve(process.env.BUNDLE_DIR ?? 'dist')
const STATS = path.resolve(process.env.BUNDLE_STATS ?? 'build/ncc-stats.json')

interface StatsModule {
  name?: string
  chunks?: (number | string)[]
  /** The modules webpack concatenated into this one. */
  modules?: StatsModule[]
}
interface Stats {
  chunks: { id: number | string; files: string[] }[]
  modules: StatsModule[]
}

const stats = JSON.parse(readFileSync(STATS, 'utf8')) as Stats
const mainChunk = stats.chunks.find(chunk => chunk.files.includes('index.js'))?.id

/** Every module of the bundle (concatenated ones too) and the chunks it is in. */
function modules(): { name: string; chunks: (number | string)[] }[] {
  const all: { name: string; chunks: (number | string)[] }[] = []
  const collect = (list: StatsModule[] | undefined, chunks: (number | string)[]) => {
    for (const module of list ?? []) {
      const own = module.chunks?.length ? module.chunks : chunks
      all.push({ name: module.name ?? '', chunks: own })
      collect(module.modules, own)
    }
  }
  collect(stats.modules, [])
  return all.filter(module => module.chunks.length > 0)
}

describe('the bundle keeps what the action never runs off its start', () => {
  it('has a main chunk', () => {
    expect(mainChunk).toBeDefined()
  })

  it("leaves @actions/core's OIDC client and its HTTP client out of the main chunk", () => {
    const started = modules().filter(module => module.chunks.includes(mainChunk as number))
    const unwanted =
      /node_modules\/(@actions\/core\/lib\/oidc-utils|@actions\/http-client|undici|tunnel)\//
    expect(started.filter(module => unwanted.test(module.name)).map(m => m.name)).toEqual([])
    expect(started.some(module => /@actions\/core\/lib\/core\.js/.test(module.name))).toBe(true)
  })

  it('imports the stand-in, dist/oidc-utils.js, which refuses to get a token', async () => {
    expect(readFileSync(path.join(DIST, 'index.js'), 'utf8')).toMatch(/from\s*"\.\/oidc-utils\.js"/)
    const file = path.join(DIST, 'oidc-utils.js')
    expect(existsSync(file)).toBe(true)
    const { OidcClient } = (await import(file)) as typeof import('../../src/shims/oidc-utils.js')
    await expect(OidcClient.getIDToken()).rejects.toThrow('not available')
  })

  it('takes the AWS SDK from its ES modules, so that webpack drops what is unused', () => {
    const sdk = modules().filter(module => /node_modules\/@(aws-sdk|smithy)\//.test(module.name))
    expect(sdk.length).toBeGreaterThan(100)
    expect(sdk.filter(module => module.name.includes('/dist-cjs/')).map(m => m.name)).toEqual([])
  })
})
