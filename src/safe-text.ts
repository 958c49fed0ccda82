/**
 * Text from outside — file names, service messages, inputs echoed back — made safe to print.
 * The runner splits the log into lines at CR and LF and acts on any line that starts with `::`
 * (`::set-output`, `::add-mask::`, `::stop-commands::`), and the step summary is HTML.
 */

// C0 controls, DEL, C1 controls, and the Unicode line and paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

export function hasControlCharacter(text: string): boolean {
  return new RegExp(CONTROL.source).test(text)
}

/** One line, every control character shown as an escape (`\n`, `\r`, `\t`, `\u001b`). */
export function singleLine(text: string): string {
  return text.replace(
    CONTROL,
    character => NAMED[character] ?? `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`
  )
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
