import { describe, expect, it } from '@jest/globals'
import {
  safeKeySegment,
  sourceObjectKey,
  traceMetadata
} from '../../../src/pipeline/object-keys.js'
import type { RunContext } from '../../../src/github/run-context.js'

const SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90'
const OTHER_SHA = 'ffb2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90'

const CONTEXT: RunContext = {
  repository: 'octo-org/widget',
  runId: '987654321',
  runAttempt: '1',
  job: 'build',
  sha: '0123456789abcdef0123456789abcdef01234567',
  serverUrl: 'https://github.com'
}

describe('sourceObjectKey', () => {
  it('lays the key out as prefix/repository/run-attempt/job/sha16/relative path', () => {
    expect(sourceObjectKey('unsigned/', CONTEXT, SHA, 'lambda/function.zip')).toBe(
      'unsigned/octo-org-widget/987654321-1/build/a1b2c3d4e5f60718/lambda/function.zip'
    )
  })

  it('joins the prefix with exactly one slash, and drops an empty prefix', () => {
    const tail = 'octo-org-widget/987654321-1/build/a1b2c3d4e5f60718/f.zip'
    expect(sourceObjectKey('in', CONTEXT, SHA, 'f.zip')).toBe(`in/${tail}`)
    expect(sourceObjectKey('in///', CONTEXT, SHA, 'f.zip')).toBe(`in/${tail}`)
    expect(sourceObjectKey('ci/in/', CONTEXT, SHA, 'f.zip')).toBe(`ci/in/${tail}`)
    expect(sourceObjectKey('', CONTEXT, SHA, 'f.zip')).toBe(tail)
  })

  it('splits the relative path on either separator', () => {
    expect(sourceObjectKey('p/', CONTEXT, SHA, 'a\\b/c.zip').endsWith('/a/b/c.zip')).toBe(true)
  })

  it('differs by run attempt, run id, job, repository and content', () => {
    const base = sourceObjectKey('p/', CONTEXT, SHA, 'f.zip')
    const variants = [
      sourceObjectKey('p/', { ...CONTEXT, runAttempt: '2' }, SHA, 'f.zip'),
      sourceObjectKey('p/', { ...CONTEXT, runId: '987654322' }, SHA, 'f.zip'),
      sourceObjectKey('p/', { ...CONTEXT, job: 'build-arm' }, SHA, 'f.zip'),
      sourceObjectKey('p/', { ...CONTEXT, repository: 'octo-org/gadget' }, SHA, 'f.zip'),
      sourceObjectKey('p/', CONTEXT, OTHER_SHA, 'f.zip'),
      sourceObjectKey('p/', CONTEXT, SHA, 'g.zip')
    ]
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1)
  })

  it('is the same for the same run, job, content and path', () => {
    expect(sourceObjectKey('p/', { ...CONTEXT }, SHA, 'f.zip')).toBe(
      sourceObjectKey('p/', CONTEXT, SHA, 'f.zip')
    )
  })

  it('makes every segment from the run context and path safe', () => {
    const key = sourceObjectKey(
      'p/',
      { ...CONTEXT, repository: 'o/r r', runId: '1\n2', runAttempt: '..', job: 'my job/x' },
      SHA,
      '../caf\u00e9 menu/\u0007bell.zip'
    )
    expect(key).toBe('p/o-r_r/1_2-__/my_job_x/a1b2c3d4e5f60718/__/caf__menu/_bell.zip')
    expect(key.split('/')).not.toContain('..')
    // eslint-disable-next-line no-control-regex
    expect(key).not.toMatch(/[\u0000-\u001f\u007f ]/)
  })

  it("refuses a key longer than S3's 1024 bytes", () => {
    // The path's own segment follows one more '/'.
    const room = 1024 - sourceObjectKey('p/', CONTEXT, SHA, '').length - 1
    const longest = sourceObjectKey('p/', CONTEXT, SHA, 'x'.repeat(room))
    expect(Buffer.byteLength(longest)).toBe(1024)
    expect(() => sourceObjectKey('p/', CONTEXT, SHA, 'x'.repeat(room + 1))).toThrow(
      /^The object key for 'x+' would be longer than S3's 1024 bytes: shorten 'source-prefix' or the file's path\.$/
    )
  })

  it('counts the key length in UTF-8 bytes, not characters', () => {
    const prefix = `${'\u00e9'.repeat(10)}/` // 10 characters of 2 bytes each
    const head = sourceObjectKey(prefix, CONTEXT, SHA, '')
    const byChars = 'x'.repeat(1024 - head.length - 1)
    expect(() => sourceObjectKey(prefix, CONTEXT, SHA, byChars)).toThrow(/1024 bytes/)
    const byBytes = 'x'.repeat(1024 - Buffer.byteLength(head) - 1)
    expect(Buffer.byteLength(sourceObjectKey(prefix, CONTEXT, SHA, byBytes))).toBe(1024)
  })
})

describe('safeKeySegment', () => {
  it.each([
    ['plain-Name_1.zip', 'plain-Name_1.zip'],
    ["keep!*'()", "keep!*'()"],
    ['with space', 'with_space'],
    ['tab\there', 'tab_here'],
    ['nul\u0000x', 'nul_x'],
    ['del\u007f', 'del_'],
    ['..', '__'],
    ['.', '_'],
    ['...', '...'],
    ['a..b', 'a..b'],
    ['caf\u00e9', 'caf_'],
    ['\u{1F600}', '__'],
    ['a/b\\c', 'a_b_c'],
    ['100%&$', '100___']
  ])('%j becomes %j', (segment, expected) => {
    expect(safeKeySegment(segment)).toBe(expected)
  })
})

describe('traceMetadata', () => {
  it('names the repository, run, attempt, job and commit', () => {
    expect(traceMetadata(CONTEXT)).toEqual({
      'github-repository': 'octo-org/widget',
      'github-run-id': '987654321',
      'github-run-attempt': '1',
      'github-job': 'build',
      'github-sha': '0123456789abcdef0123456789abcdef01234567'
    })
  })
})
