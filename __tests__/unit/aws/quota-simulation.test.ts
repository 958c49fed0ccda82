import { describe, expect, it } from '@jest/globals'
import { SIMULATION, simulateCell, type QuotaCell } from './quota-simulation.js'

/** The grid of issue 14 item 7, as `BENCH_ONLY=grid npm run bench` measures it. */
const GRID: QuotaCell[] = [1, 3, 10].flatMap(perSecond =>
  [2, 4, 8].map(legs => ({ legs, filesPerLeg: 4, perSecond }))
)
const SEEDS = Array.from({ length: 10 }, (_, i) => i + 1)
/** A loopback answer, and one from across the world on a busy runner. */
const ROUND_TRIPS_MS = [40, 300]

describe('matrix legs under one StartSigningJob quota (simulated)', () => {
  it.each(GRID)(
    '$legs legs × $filesPerLeg files at $perSecond/s finish within 1.5× the quota-bound time',
    async cell => {
      const files = cell.legs * cell.filesPerLeg
      const runs = SEEDS.flatMap(seed => ROUND_TRIPS_MS.map(roundTripMs => ({ seed, roundTripMs })))
      for (const { seed, roundTripMs } of runs) {
        const outcome = await simulateCell(cell, { ...SIMULATION, seed, roundTripMs })
        const run = `seed ${seed}, ${roundTripMs} ms: ${outcome.ratio.toFixed(2)}×, ${outcome.throttled} throttled`
        expect({ run, failed: outcome.failed }).toEqual({ run, failed: 0 })
        expect({ run, ratio: outcome.ratio <= 1.5 }).toEqual({ run, ratio: true })
        // A pace that retried at once would also keep the quota busy: each leg must still hold
        // back, to about 2 requests a second on average for as long as the quota takes.
        const throttledBound = (2 * cell.legs * files) / cell.perSecond
        expect({ run, paced: outcome.throttled <= throttledBound }).toEqual({ run, paced: true })
        // The bucket starts with a second's worth and the legs start within a second: more than
        // twice that many files must meet throttling, or the cell does not test the pace.
        if (files > 2 * cell.perSecond) expect(outcome.throttled).toBeGreaterThan(0)
      }
    }
  )
})
