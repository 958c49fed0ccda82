import { describe, expect, it } from '@jest/globals'
import { mapBounded } from '../../../src/pipeline/map-bounded.js'

/** A promise and the function that settles it, for work that ends when the test says. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {}
  const promise = new Promise<void>(settle => (resolve = settle))
  return { promise, resolve }
}

describe('mapBounded', () => {
  it('keeps the order of the items, whatever order the work ends in', async () => {
    const gates = [deferred(), deferred(), deferred()]
    const mapped = mapBounded([0, 1, 2], 3, async index => {
      await gates[index]!.promise
      return `item ${index}`
    })
    gates[2]!.resolve()
    gates[0]!.resolve()
    gates[1]!.resolve()
    expect(await mapped).toEqual(['item 0', 'item 1', 'item 2'])
  })

  it('has at most the limit under way, and starts the next as soon as one ends', async () => {
    const gates = Array.from({ length: 5 }, deferred)
    const started: number[] = []
    const mapped = mapBounded([0, 1, 2, 3, 4], 2, async index => {
      started.push(index)
      await gates[index]!.promise
      return index
    })
    await Promise.resolve()
    expect(started).toEqual([0, 1])
    gates[1]!.resolve()
    await new Promise(resolve => setImmediate(resolve))
    expect(started).toEqual([0, 1, 2])
    gates.forEach(gate => gate.resolve())
    expect(await mapped).toEqual([0, 1, 2, 3, 4])
    expect(started).toEqual([0, 1, 2, 3, 4])
  })

  it('rejects with the first failure, and starts no item after it', async () => {
    const started: number[] = []
    const gate = deferred()
    const mapped = mapBounded([0, 1, 2, 3], 2, async index => {
      started.push(index)
      if (index === 0) throw new Error('item 0 failed')
      await gate.promise
      return index
    })
    await expect(mapped).rejects.toThrow('item 0 failed')
    gate.resolve()
    await new Promise(resolve => setImmediate(resolve))
    // Item 1 was under way and ran on; 2 and 3 never started.
    expect(started).toEqual([0, 1])
  })

  it('does the work of no item when there is none, and of each once when the limit is larger', async () => {
    expect(await mapBounded([], 4, async () => 1)).toEqual([])
    const seen: string[] = []
    expect(await mapBounded(['a', 'b'], 8, async item => (seen.push(item), item))).toEqual([
      'a',
      'b'
    ])
    expect(seen).toEqual(['a', 'b'])
  })
})
