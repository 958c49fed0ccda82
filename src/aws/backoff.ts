/** Back-off after throttling or a server error: 1 s doubling to 20 s, "full jitter" in the upper half. */
export const RETRY = { baseMs: 1000, maxMs: 20_000 } as const

export function retryDelayMs(failures: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RETRY.maxMs, RETRY.baseMs * 2 ** Math.max(0, failures - 1))
  return Math.round(ceiling / 2 + (ceiling / 2) * random())
}

/**
 * Back-off of a throttled registry request: full jitter, anywhere from 0 to 1 s doubling to
 * 20 s. The step's shared rate already spaces its requests; this only keeps retries from moving
 * in step. (The AWS clients' throttled requests wait for their turn at the rate alone.)
 */
export function throttledDelayMs(failures: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RETRY.maxMs, RETRY.baseMs * 2 ** Math.max(0, failures - 1))
  return Math.round(ceiling * random())
}
