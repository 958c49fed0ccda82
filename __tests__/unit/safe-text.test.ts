import { describe, expect, it } from '@jest/globals'
import {
  escapeHtml,
  hasControlCharacter,
  hasInvisibleCharacter,
  singleLine
} from '../../src/safe-text.js'

/** Characters that make a name display as another, and how they are shown. */
const INVISIBLE: Array<[string, string, string]> = [
  ['a right-to-left override', '\u202E', '\\u202e'],
  ['a left-to-right embedding', '\u202A', '\\u202a'],
  ['a pop directional formatting', '\u202C', '\\u202c'],
  ['a left-to-right isolate', '\u2066', '\\u2066'],
  ['a pop directional isolate', '\u2069', '\\u2069'],
  ['a right-to-left mark', '\u200F', '\\u200f'],
  ['a zero-width space', '\u200B', '\\u200b'],
  ['a zero-width non-joiner', '\u200C', '\\u200c'],
  ['a zero-width joiner', '\u200D', '\\u200d'],
  ['a word joiner', '\u2060', '\\u2060'],
  ['a byte order mark', '\uFEFF', '\\ufeff'],
  ['a soft hyphen', '\u00AD', '\\u00ad'],
  ['an Arabic letter mark', '\u061C', '\\u061c'],
  ['a Hangul filler', '\u3164', '\\u3164'],
  ['a variation selector', '\uFE0F', '\\ufe0f'],
  ['a tag latin capital A', '\u{E0041}', '\\u{e0041}']
]

describe('singleLine', () => {
  it('shows line breaks, tabs and other controls as escapes', () => {
    expect(singleLine('a\nb\rc\td\u001be\u007ff\u0085g\u2028h\u2029')).toBe(
      'a\\nb\\rc\\td\\u001be\\u007ff\\u0085g\\u2028h\\u2029'
    )
  })

  it.each(INVISIBLE)('shows %s as an escape', (_, character, shown) => {
    expect(singleLine(`app${character}.zip`)).toBe(`app${shown}.zip`)
  })

  it('shows a reversed name as the characters it holds, not as it would display', () => {
    expect(singleLine('invoice\u202Epiz.exe')).toBe('invoice\\u202epiz.exe')
  })

  it('keeps printable text of every script, and accents in either normal form', () => {
    const text = 'café cafe\u0301 Größe 日本語 😀 ❤ ✅ a b'
    expect(singleLine(text)).toBe(text)
  })
})

describe('hasControlCharacter and hasInvisibleCharacter', () => {
  it('tell the two kinds apart', () => {
    expect(hasControlCharacter('a\nb')).toBe(true)
    expect(hasInvisibleCharacter('a\nb')).toBe(false)
    for (const [, character] of INVISIBLE) {
      expect(hasInvisibleCharacter(`a${character}b`)).toBe(true)
      expect(hasControlCharacter(`a${character}b`)).toBe(false)
    }
  })

  it('find nothing in plain names, whatever the script', () => {
    for (const name of ['dist/app.zip', 'dist/café.zip', 'dist/日本語.zip', 'dist/😀.zip']) {
      expect([hasControlCharacter(name), hasInvisibleCharacter(name)]).toEqual([false, false])
    }
  })

  it('give the same answer when called again (no state kept between calls)', () => {
    expect([1, 2, 3].map(() => hasInvisibleCharacter('a\u202Eb'))).toEqual([true, true, true])
    expect([1, 2, 3].map(() => hasControlCharacter('a\nb'))).toEqual([true, true, true])
  })
})

describe('escapeHtml', () => {
  it('escapes markup and invisible characters alike', () => {
    expect(escapeHtml('<b>invoice\u202Epiz.exe</b>')).toBe(
      '&lt;b&gt;invoice\\u202epiz.exe&lt;/b&gt;'
    )
  })
})
