import * as core from '@actions/core'
import { singleLine } from '../safe-text.js'

/**
 * The action's only way to the log. Every line goes out single-line with control characters
 * escaped, so no file name or service message can end a line and start a workflow command.
 */

/** A line whose text begins with `::` would still be read as a command: keep it from starting so. */
function plain(text: string): string {
  return singleLine(text).replace(/^(\s*):/, '$1\\:')
}

export function info(text: string): void {
  core.info(plain(text))
}

export function warning(text: string): void {
  core.warning(singleLine(text))
}

export function error(text: string): void {
  core.error(singleLine(text))
}

export function startGroup(name: string): void {
  core.startGroup(singleLine(name))
}

export function endGroup(): void {
  core.endGroup()
}

export async function group<T>(name: string, run: () => Promise<T>): Promise<T> {
  return core.group(singleLine(name), run)
}

/**
 * Masks a secret (a password, a token, a Basic header's value) in everything the runner logs
 * from here on, before it can be logged by accident.
 */
export function mask(secret: string): void {
  if (secret !== '') core.setSecret(secret)
}

export function setFailed(message: string): void {
  core.setFailed(singleLine(message))
}
