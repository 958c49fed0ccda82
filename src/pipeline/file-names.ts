import path from 'node:path'
import { InputError } from '../errors.js'
import { Input } from '../github/inputs.js'
import { hasControlCharacter, hasInvisibleCharacter, singleLine } from '../safe-text.js'
import { toPosix } from './paths.js'

/**
 * Names the log, the summary, the checksums file and release assets could not show truthfully
 * are refused before any request, shown escaped.
 */
export function refuseUnsafeNames(files: string[], workspace: string): void {
  const names = files.map(file => toPosix(path.relative(workspace, file)))
  // A line break could end a log line and start a workflow command (`::set-output`).
  refuse(
    names.filter(hasControlCharacter),
    'a control character (a line break, tab or other) in the path, which could forge workflow commands in the log'
  )
  // A direction override or zero-width character makes one name display as another.
  refuse(
    names.filter(hasInvisibleCharacter),
    'an invisible formatting character (a direction override, zero-width character or other) in the path, so the log, the summary and release assets would show it as another name'
  )
}

function refuse(names: string[], what: string): void {
  if (names.length === 0) return
  const one = names.length === 1
  throw new InputError(
    Input.Path,
    `${names.map(name => `'${singleLine(name)}'`).join(', ')} ${one ? 'has' : 'have'} ${what}. Rename ${one ? 'it' : 'them'}, or leave ${one ? 'it' : 'them'} out with a '!' pattern.`
  )
}
