import type { Clock } from '../../src/clock.js'

/** Sleeping advances `now` at once; every sleep is recorded. Draws cycle through `randoms`. */
export class InstantClock implements Clock {
  readonly sleeps: number[] = []
  private draws = 0

  constructor(
    public time = 0,
    private readonly randoms: number[] = [0.5]
  ) {}

  now = (): number => this.time
  sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms)
    this.time += ms
  }
  random = (): number => this.randoms[this.draws++ % this.randoms.length] as number
}

/**
 * Virtual time for several waiters at once: a sleep ends when `run` advances time to it, and
 * time advances only when every waiter is asleep, to the earliest wake-up.
 */
export class VirtualClock implements Clock {
  readonly sleeps: number[] = []
  private timers: { at: number; wake: () => void }[] = []

  constructor(
    public time = 0,
    readonly random: () => number = () => 0.5
  ) {}

  now = (): number => this.time
  sleep = (ms: number): Promise<void> => {
    this.sleeps.push(ms)
    return new Promise(wake => this.timers.push({ at: this.time + ms, wake }))
  }

  async run<T>(work: Promise<T>[]): Promise<PromiseSettledResult<T>[]> {
    let settled = false
    const all = Promise.allSettled(work).finally(() => (settled = true))
    for (let step = 0; step < 1_000_000; step++) {
      await new Promise(resolve => setImmediate(resolve))
      if (settled) return all
      this.timers.sort((a, b) => a.at - b.at)
      const next = this.timers.shift()
      if (!next) throw new Error('every waiter is blocked on something other than the clock')
      this.time = Math.max(this.time, next.at)
      next.wake()
    }
    throw new Error('virtual time ran away')
  }
}

/** A repeatable stream of draws in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}
