import { ActionError } from './errors.js'
import * as log from './github/log.js'

export interface SigningTally {
  /** One message per item that failed to sign, naming it. */
  failed: string[]
  /** What failed after signing (a release, an artifact), each a message. */
  afterSigning: string[]
  /** How many items there were, signed or not. */
  total: number
  noun: 'file' | 'image' | 'job'
  /** What became of the signed items, for the closing message: "are in place and listed in 'results'". */
  kept: string
  /** What the step does to each item: 'sign' unless given; 'revoke' for jobs. */
  verb?: { present: string; past: string; gerund: string }
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
  verb = { present: 'sign', past: 'signed', gerund: 'signing' }
}: SigningTally): void {
  const failures = [...failed, ...afterSigning]
  const [first] = failures
  if (first === undefined) return
  if (failures.length === 1 && (total === 1 || failed.length === 0)) {
    throw new ActionError(first)
  }
  failures.forEach(failure => log.error(failure))
  const done = total - failed.length
  const keptNote = done > 0 ? `; the ${done} ${verb.past} ${noun}(s) ${kept}` : ''
  throw new ActionError(
    failed.length > 0
      ? `${failed.length} of ${total} ${noun}s failed to ${verb.present}${keptNote}.`
      : `Every ${noun} was ${verb.past}, but ${afterSigning.length} steps after ${verb.gerund} failed${keptNote}.`
  )
}
