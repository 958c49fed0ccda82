/** A service error shaped as the AWS SDK shapes one: its name and the HTTP status. */
export function sdkError(
  name: string,
  httpStatusCode?: number,
  message = `${name} message`
): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode } })
}

/** What `run` throws, which must be a `type`; a call that returns fails the test. */
export function thrownBy<T extends Error>(
  run: () => unknown,
  type: abstract new (...args: never[]) => T
): T {
  try {
    run()
  } catch (error) {
    if (error instanceof type) return error
    throw new Error(`expected a ${type.name}, got ${String(error)}`, { cause: error })
  }
  throw new Error(`expected a ${type.name}, nothing was thrown`)
}

/** What `promise` rejects with, which must be a `type`; a promise that resolves fails the test. */
export async function rejectionOf<T extends Error>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => T
): Promise<T> {
  try {
    await promise
  } catch (error) {
    if (error instanceof type) return error
    throw new Error(`expected a ${type.name}, got ${String(error)}`, { cause: error })
  }
  throw new Error(`expected a ${type.name}, the promise resolved`)
}
