import { ActionError } from './errors.js'

type Undo = () => Promise<void> | void

/**
 * What to do if the runner cancels the step: it sends SIGINT, then SIGTERM a few seconds later,
 * then kills. Each stage registers its undo (a temporary file to remove, a multipart upload to
 * abort) while it has something to undo, and no stage starts once `signal` has aborted.
 */
export class StepCancellation {
  private readonly undos = new Set<Undo>()
  private readonly controller = new AbortController()
  /** Undos registered after cancellation began, each run at once. */
  private readonly late: Promise<void>[] = []
  private undoing: Promise<void> | undefined
  /** Resolves when the undos' time is up; set as cancellation begins. */
  private timeUp: Promise<void> = Promise.resolve()

  /** Aborts, with an ActionError, when the runner cancels the step. */
  get signal(): AbortSignal {
    return this.controller.signal
  }

  /**
   * Registers `undo` until the returned function is called. Once cancellation has begun, `undo`
   * runs at once instead, and `undoAll` waits for it too: a stage under way then must not leave
   * behind what it was registering.
   */
  onCancel(undo: Undo): () => void {
    if (this.signal.aborted) {
      this.late.push(this.bounded(undo))
      return () => {}
    }
    this.undos.add(undo)
    return () => this.undos.delete(undo)
  }

  /**
   * Stops every stage from starting, then runs the registered undos, and those registered
   * meanwhile, all done or given up `withinMs` after the first call; never throws. A second call
   * (the runner's SIGTERM) waits for the same undos.
   */
  undoAll(withinMs: number): Promise<void> {
    this.undoing ??= this.runUndos(withinMs)
    return this.undoing
  }

  /** Throws once the step is cancelled, saying that `next` was not started. */
  throwIfCancelled(next: string): void {
    if (this.signal.aborted) {
      throw new ActionError(`The runner cancelled the step before ${next}.`)
    }
  }

  private async runUndos(withinMs: number): Promise<void> {
    this.timeUp = new Promise(resolve => setTimeout(resolve, withinMs).unref())
    this.controller.abort(new ActionError('The runner cancelled the step.'))
    const pending = [...this.undos].map(undo => this.bounded(undo))
    this.undos.clear()
    await Promise.all(pending)
    while (this.late.length > 0) await Promise.all(this.late.splice(0))
  }

  /** Starts `undo` now (before onCancel returns, if late) and waits for it until time is up. */
  private bounded(undo: Undo): Promise<void> {
    const running = new Promise<void>(resolve => resolve(undo())).catch(() => {})
    return Promise.race([running, this.timeUp])
  }
}

/** The step's cancellation, as the runner's signals start it. */
const step = new StepCancellation()

/** Aborts when the runner cancels the step: no new stage starts after it. */
export const stepCancelled: AbortSignal = step.signal

/** Registers `undo` until the returned function is called (at once if already cancelled). */
export function onCancel(undo: Undo): () => void {
  return step.onCancel(undo)
}

/** Throws once the runner has cancelled the step: `next` (a stage about to start) does not start. */
export function throwIfCancelled(next: string): void {
  step.throwIfCancelled(next)
}

/** Runs every undo, each done or given up `withinMs` after cancellation began; never throws. */
export function undoAll(withinMs: number): Promise<void> {
  return step.undoAll(withinMs)
}

/** On the runner's SIGINT or SIGTERM: undo what is under way, then end the step as failed. */
export function undoOnSignal(withinMs = 4000): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void undoAll(withinMs).finally(() => process.exit(1)))
  }
}
