import { singleLine } from '../safe-text.js'

/** Longest piece of an untrusted value that a message repeats. */
const SHOWN_CHARACTERS = 120

/**
 * A value from a service answer, fit to repeat in a message: a string in quotes, anything else as
 * JSON (so `'16724'` and `16724` stay apart), on one line with every control character escaped,
 * cut to a readable length.
 */
export function quoted(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))
  const shown = singleLine(
    text.length > SHOWN_CHARACTERS ? `${text.slice(0, SHOWN_CHARACTERS)}…` : text
  )
  return typeof value === 'string' ? `'${shown}'` : shown
}

/**
 * A certificate's subject or issuer as node gives it (one attribute a line, with control
 * characters and commas in values escaped), on one line with commas between attributes, quoted.
 */
export function quotedName(distinguishedName: string): string {
  return quoted(distinguishedName.replaceAll('\n', ', '))
}
