/**
 * Text from outside — file names, service messages, inputs echoed back — made safe to print.
 * The runner splits the log into lines at CR and LF and acts on any line that starts with `::`
 * (`::set-output`, `::add-mask::`, `::stop-commands::`), the step summary is HTML, and some
 * characters make a name display as another.
 */

// C0 controls, DEL, C1 controls, and the Unicode line and paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u
// Characters that change how the text around them displays, or display as nothing: Unicode's
// format characters (Cf: direction overrides and isolates U+202A-E and U+2066-9, zero-width
// space and joiners U+200B-D, the byte order mark U+FEFF, tags) and the other default-ignorable
// code points (variation selectors, Hangul fillers). With them 'invoice\u202Epiz.exe' shows as
// "invoiceexe.zip", and 'app\u200B.zip' as "app.zip".
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/u
const ESCAPED = new RegExp(`${CONTROL.source}|${INVISIBLE.source}`, 'gu')
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

export function hasControlCharacter(text: string): boolean {
  return CONTROL.test(text)
}

export function hasInvisibleCharacter(text: string): boolean {
  return INVISIBLE.test(text)
}

/**
 * One line, every control and invisible character shown as an escape (`\n`, `\r`, `\t`,
 * `\u001b`, `\u202e`, `\u{e0041}`), so that the text reads as what it is.
 */
export function singleLine(text: string): string {
  return text.replace(ESCAPED, character => NAMED[character] ?? codePointEscape(character))
}

function codePointEscape(character: string): string {
  const hex = (character.codePointAt(0) ?? 0).toString(16)
  return hex.length <= 4 ? `\\u${hex.padStart(4, '0')}` : `\\u{${hex}}`
}

const HTML: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;'
}

/** For the step summary: shown as text, never read as markup. */
export function escapeHtml(text: string): string {
  return singleLine(text).replace(/[&<>"']/g, character => HTML[character] ?? character)
}
