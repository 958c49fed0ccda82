import { stepCancelled } from '../cancellation.js'
import * as log from '../github/log.js'
import { mapBounded } from './map-bounded.js'

/** How to sign one item (a file, an image) and read how it went. */
export interface ItemSigning<Item, Result> {
  /** How the log names the item. */
  name(item: Item): string
  /** Signs the item; never throws, reports in its result instead. `log` takes its lines. */
  sign(item: Item, log: (line: string) => void): Promise<Result>
  /** Whether the item ended signed, and if not, why. */
  outcome(result: Result): { signed: boolean; error?: string | undefined }
  /** How the log says it: 'Signing', 'signed' unless given (revoking goes through here too). */
  words?: { doing: string; done: string }
}

/**
 * Lets items flow through their stages with at most `maxConcurrency` in flight: one item's wait
 * never holds back another's, and one item's failure never abandons the others. Results keep
 * the order of `items`. Once the runner cancels the step no item starts, and this rejects.
 */
export async function signAll<Item, Result>(
  items: Item[],
  signing: ItemSigning<Item, Result>,
  maxConcurrency: number
): Promise<Result[]> {
  const signedFlags: boolean[] = []
  const live = items.length === 1
  const { doing, done: doneWord } = signing.words ?? { doing: 'Signing', done: 'signed' }
  let done = 0

  return mapBounded(items, maxConcurrency, async (item, index) => {
    // Rejecting stops mapBounded from taking up any further item.
    stepCancelled.throwIfAborted()
    const name = signing.name(item)
    const started = Date.now()
    // Groups cannot interleave in the log: one item logs live, several log a group each when done.
    const lines: string[] = []
    if (live) log.startGroup(`${doing} ${name}`)
    const result = await signing.sign(item, line => (live ? log.info(line) : lines.push(line)))
    const { signed, error } = signing.outcome(result)
    signedFlags[index] = signed
    done++
    if (live) {
      log.endGroup()
    } else {
      const seconds = Math.round((Date.now() - started) / 100) / 10
      log.startGroup(`${signed ? capitalized(doneWord) : 'Failed'} ${name} (${seconds} s)`)
      lines.forEach(line => log.info(line))
      if (error) log.info(error)
      log.endGroup()
    }
    const signedCount = signedFlags.filter(Boolean).length
    log.info(
      `${signedCount}/${items.length} ${doneWord}${done > signedCount ? `, ${done - signedCount} failed` : ''}`
    )
    return result
  })
}

function capitalized(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1)
}
