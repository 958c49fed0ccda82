/**
 * `npm run docs` writes the README's figures from constants of src/, which it reads from the
 * TypeScript source without running it (scripts/docs-constants.mjs). These tests hold what it
 * reads to what the code has, and check that it refuses what it cannot read rather than guess.
 */
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from '@jest/globals'
import { RETRY } from '../../src/aws/backoff.js'
import { POLL } from '../../src/aws/poll-schedule.js'
import { RATE } from '../../src/aws/request-rate.js'
import { DEFAULTS, LIMITS } from '../../src/github/inputs.js'
import { OUTPUT_LIMIT_BYTES } from '../../src/github/outputs.js'
import { SUMMARY_LIMIT_BYTES } from '../../src/github/step-summary.js'
import { MAX_SIGNATURE_MANIFEST_BYTES } from '../../src/notary/signature-manifest.js'
import { EFFECTIVE_TIME_MARGIN_MS } from '../../src/revoke-signatures.js'

interface DocsConstants {
  constantsIn: (text: string, file?: string) => (name: string) => unknown
  constantOf: (file: string, name: string) => unknown
}

const { constantsIn, constantOf } = (await import(
  new URL('../../scripts/docs-constants.mjs', import.meta.url).href
)) as DocsConstants

const source = (file: string) => fileURLToPath(new URL(`../../src/${file}`, import.meta.url))

describe('the constants npm run docs reads from src/', () => {
  it.each([
    ['aws/poll-schedule.ts', 'POLL', POLL],
    ['aws/request-rate.ts', 'RATE', RATE],
    ['aws/backoff.ts', 'RETRY', RETRY],
    ['github/input-names.ts', 'DEFAULTS', DEFAULTS],
    ['github/input-names.ts', 'LIMITS', LIMITS],
    ['github/outputs.ts', 'OUTPUT_LIMIT_BYTES', OUTPUT_LIMIT_BYTES],
    ['github/step-summary.ts', 'SUMMARY_LIMIT_BYTES', SUMMARY_LIMIT_BYTES],
    ['revoke-signatures.ts', 'EFFECTIVE_TIME_MARGIN_MS', EFFECTIVE_TIME_MARGIN_MS],
    ['notary/signature-manifest.ts', 'MAX_SIGNATURE_MANIFEST_BYTES', MAX_SIGNATURE_MANIFEST_BYTES]
  ])('reads %s %s as the code has it', (file, name, value) => {
    expect(constantOf(source(file), name)).toEqual(value)
  })

  it('reads the plain forms constants are written in, exported or not', () => {
    const read = constantsIn(`
      const PART = 8 * 1024 * 1024
      export const LIMIT_MS = 10_000
      export const PACE = {
        share: 1 / 10,
        half: (LIMIT_MS / 2) as number,
        nested: { negative: -PART, power: 2 ** 3, floor: Infinity },
        list: ['a', \`b\`, true, false]
      } as const
      const DERIVED = PACE.nested.power * 100 satisfies number
    `)
    expect(read('PART')).toBe(8388608)
    expect(read('LIMIT_MS')).toBe(10000)
    expect(read('PACE')).toEqual({
      share: 0.1,
      half: 5000,
      nested: { negative: -8388608, power: 8, floor: Infinity },
      list: ['a', 'b', true, false]
    })
    expect(read('DERIVED')).toBe(800)
  })

  it('refuses what it cannot read without running the code, naming the file and line', () => {
    const read = constantsIn(
      [
        "import { IMPORTED } from './elsewhere.js'",
        'const CALLED = Math.min(1, 2)',
        'const FROM_IMPORT = IMPORTED * 2',
        'let CHANGING = 1',
        'const SELF = { a: SELF_TOO }',
        'const SELF_TOO = SELF.a',
        "const TEXT = 'a' * 2"
      ].join('\n'),
      'constants.ts'
    )
    expect(() => read('CALLED')).toThrow('constants.ts:2: not a plain value: Math.min(1, 2)')
    expect(() => read('FROM_IMPORT')).toThrow('constants.ts:3: no top-level const IMPORTED')
    expect(() => read('CHANGING')).toThrow('constants.ts has no top-level const CHANGING')
    expect(() => read('SELF')).toThrow('defined in terms of itself')
    expect(() => read('TEXT')).toThrow("constants.ts:7: not a number: 'a'")
  })
})
