import { singleLine } from '../safe-text.js'

/** Longest piece of an untrusted value that a message repeats. */
const SHOWN_CHARACTERS = 120

/**
 * A value from a service answer, fit to quote in a message: one line, every control character
 * escaped, cut to a readable length, in quotes.
 */
export function quoted(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))
  const shown = text.length > SHOWN_CHARACTERS ? `${text.slice(0, SHOWN_CHARACTERS)}…` : text
  return `'${singleLine(shown)}'`
}
