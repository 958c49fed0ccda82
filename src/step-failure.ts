import { ActionError } from './errors.js'
import * as log from './github/log.js'

export interface SigningTally {
  /** One message per item that failed to sign, naming it. */
  failed: string[]
  /** What failed after signing (a release, an artifact), each a message. */
  afterSigning: string[]
  /** How many items there were, signed or not. */
  total: number
  noun: 'file' | 'image'
  /** What became of the signed items, for the closing message: "are in place and listed in 'results'". */
  kept: string
  /** What the step did to each item; default sign. */
  verb?: 'sign' | 'verify'
}

/**
 * Fails the step if anything failed. A lone failure (of the only item, or of one step after
 * signing) is the step's message; otherwise each failure is an error annotation and the step's
 * message counts them.
 */
export function failIfAny({
  failed,
  afterSigning,
  total,
  noun,
  kept,
  verb = 'sign'
}: SigningTally): void {
  const failures = [...failed, ...afterSigning]
  const [first] = failures
  if (first === undefined) return
  if (failures.length === 1 && (total === 1 || failed.length === 0)) {
    throw new ActionError(first)
  }
  failures.forEach(failure => log.error(failure))
  const signed = total - failed.length
  const done = verb === 'verify' ? 'verified' : 'signed'
  const keptNote = signed > 0 ? `; the ${signed} ${done} ${noun}(s) ${kept}` : ''
  throw new ActionError(
    failed.length > 0
      ? `${failed.length} of ${total} ${noun}s failed to ${verb}${keptNote}.`
      : `Every ${noun} was signed, but ${afterSigning.length} steps after signing failed${keptNote}.`
  )
}
