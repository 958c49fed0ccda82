/**
 * What to undo if the runner cancels the step: it sends SIGINT, then SIGTERM a few seconds later,
 * then kills. Each stage registers its undo (a temporary file to remove, a multipart upload to
 * abort) while it has something to undo.
 */
const undos = new Set<() => Promise<void> | void>()

/** Registers `undo` until the returned function is called. */
export function onCancel(undo: () => Promise<void> | void): () => void {
  undos.add(undo)
  return () => undos.delete(undo)
}

/** Runs every registered undo, each given at most `withinMs`; never throws. */
export async function undoAll(withinMs: number): Promise<void> {
  const pending = [...undos].map(undo =>
    Promise.race([
      Promise.resolve()
        .then(undo)
        .catch(() => {}),
      new Promise<void>(resolve => setTimeout(resolve, withinMs).unref())
    ])
  )
  undos.clear()
  await Promise.all(pending)
}

/** On the runner's SIGINT or SIGTERM: undo what is under way, then end the step as failed. */
export function undoOnSignal(withinMs = 4000): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void undoAll(withinMs).finally(() => process.exit(1)))
  }
}
