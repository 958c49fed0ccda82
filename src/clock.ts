/** Time and chance, injectable so that waits and back-offs can be tested without waiting. */
export interface Clock {
  now(): number
  sleep(ms: number): Promise<void>
  random(): number
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: ms => new Promise(resolve => setTimeout(resolve, ms)),
  random: Math.random
}
