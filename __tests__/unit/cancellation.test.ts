import { describe, expect, it, jest } from '@jest/globals'
import { StepCancellation } from '../../src/cancellation.js'
import { ActionError } from '../../src/errors.js'
import { thrownBy } from './helpers.js'

/** A promise and the function that settles it, for an undo that ends when the test says. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {}
  const promise = new Promise<void>(settle => (resolve = settle))
  return { promise, resolve }
}

/** Whether `promise` has settled once pending callbacks have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false
  void promise.then(() => (done = true))
  await new Promise(resolve => setImmediate(resolve))
  return done
}

describe('StepCancellation', () => {
  it('runs the undos still registered, and aborts its signal first', async () => {
    const step = new StepCancellation()
    const ran: string[] = []
    step.onCancel(() => void ran.push(`kept, signal aborted: ${step.signal.aborted}`))
    const forget = step.onCancel(() => void ran.push('forgotten'))
    forget()

    await step.undoAll(1000)

    expect(ran).toEqual(['kept, signal aborted: true'])
    expect(step.signal.reason).toEqual(new ActionError('The runner cancelled the step.'))
  })

  it('runs an undo registered after cancellation began at once, and waits for it', async () => {
    const step = new StepCancellation()
    const first = deferred()
    step.onCancel(() => first.promise)
    const undoing = step.undoAll(1000)
    const late = deferred()
    let lateStarted = false

    step.onCancel(() => ((lateStarted = true), late.promise))

    expect(lateStarted).toBe(true)
    first.resolve()
    expect(await settled(undoing)).toBe(false)
    late.resolve()
    expect(await settled(undoing)).toBe(true)
  })

  it('gives up on undos that do not end within the time from the first signal, late ones too', async () => {
    // A late undo gets what is left of the first signal's time, not a time of its own.
    jest.useFakeTimers({ doNotFake: ['setImmediate'] })
    try {
      const step = new StepCancellation()
      step.onCancel(() => new Promise<void>(() => {}))
      const undoing = step.undoAll(200)
      await jest.advanceTimersByTimeAsync(100)
      step.onCancel(() => new Promise<void>(() => {}))

      await jest.advanceTimersByTimeAsync(99)
      expect(await settled(undoing)).toBe(false)
      await jest.advanceTimersByTimeAsync(1)
      expect(await settled(undoing)).toBe(true)
    } finally {
      jest.useRealTimers()
    }
  })

  it('waits for the same undos when a second signal comes', async () => {
    const step = new StepCancellation()
    const slow = deferred()
    step.onCancel(() => slow.promise)
    const first = step.undoAll(1000)
    const second = step.undoAll(1000)

    expect(await settled(second)).toBe(false)
    slow.resolve()
    await Promise.all([first, second])
  })

  it('never throws for an undo that throws or rejects', async () => {
    const step = new StepCancellation()
    step.onCancel(() => {
      throw new Error('sync')
    })
    step.onCancel(() => Promise.reject(new Error('async')))
    await step.undoAll(1000)
    expect(() =>
      step.onCancel(() => {
        throw new Error('late')
      })
    ).not.toThrow()
  })

  it('says which stage did not start once cancelled, and nothing before', async () => {
    const step = new StepCancellation()
    step.throwIfCancelled('uploading')
    await step.undoAll(1000)

    expect(thrownBy(() => step.throwIfCancelled('StartSigningJob'), ActionError).message).toBe(
      'The runner cancelled the step before StartSigningJob.'
    )
  })
})
