/**
 * Matrix legs of one run that share one account's Signer quota (issue 14 item 7): each leg's
 * throttled requests wait their turn in a shared pace instead of backing off on their own.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { runSigning, startRig, type Rig } from '../rig/rig.js'
import { sameRunAttempt, type ActionRun } from '../rig/run-action.js'
import { workspaceWith, zipBytes } from './workspace.js'

let rig: Rig

beforeAll(async () => {
  rig = await startRig()
})
afterAll(async () => {
  await rig?.stop()
})
beforeEach(() => {
  rig.signer.reset()
})

const startRequests = () =>
  rig.signer.requests.filter(request => request.operation === 'StartSigningJob')

describe('legs of a matrix that share one account’s quota', () => {
  /** Legs started at once, as one run of a matrix; its time against what the quota allows. */
  async function legsUnderQuota(cell: {
    legs: number
    filesPerLeg: number
    jobMs: number
    startPerSecond: number
  }): Promise<{ ratio: number; runs: ActionRun[] }> {
    rig.signer.jobDurationMs = cell.jobMs
    rig.signer.faults.quotas = {
      StartSigningJob: { perSecond: cell.startPerSecond },
      DescribeSigningJob: { perSecond: 10 }
    }
    const env = sameRunAttempt()
    const workspaces = Array.from({ length: cell.legs }, (_, leg) =>
      workspaceWith(
        Object.fromEntries(
          Array.from({ length: cell.filesPerLeg }, (_, file) => [
            `build/leg${leg}-${file}.zip`,
            zipBytes(leg * 16 + file)
          ])
        )
      )
    )

    const started = Date.now()
    const runs = await Promise.all(
      workspaces.map(workspace =>
        runSigning(
          rig,
          workspace,
          { path: 'build/*.zip', 'max-concurrency': String(cell.filesPerLeg) },
          { env }
        )
      )
    )
    const seconds = (Date.now() - started) / 1000

    const files = cell.legs * cell.filesPerLeg
    const allowed = files / cell.startPerSecond + cell.jobMs / 1000
    const throttled = rig.signer.requests.filter(request => request.status === 429).length
    // The pace alone: from the first StartSigningJob to the last job made, against the quota's
    // own (its bucket lets the first request through at once).
    const firstStart = Math.min(...startRequests().map(request => request.atMs))
    const lastJob = Math.max(...rig.signer.jobs.map(job => job.createdAtMs))
    const pace = (lastJob - firstStart) / 1000 / ((files - 1) / cell.startPerSecond)
    console.log(
      `quota: ${files} files in ${seconds.toFixed(1)} s, the quota allows ${allowed.toFixed(1)} s (${(seconds / allowed).toFixed(2)}x); the jobs made at ${pace.toFixed(2)}x the quota's pace; ${throttled} requests throttled`
    )
    expect(runs.map(run => run.errors)).toEqual(runs.map(() => []))
    expect(runs.map(run => run.exitCode)).toEqual(runs.map(() => 0))
    expect(rig.signer.jobs).toHaveLength(files)
    expect(new Set(rig.signer.jobs.map(job => job.source.key)).size).toBe(files)
    expect(throttled).toBeGreaterThan(0)
    return { ratio: seconds / allowed, runs }
  }

  it('sign every file, one job each, close to the pace the quota allows', async () => {
    const { ratio } = await legsUnderQuota({
      legs: 4,
      filesPerLeg: 6,
      jobMs: 2000,
      startPerSecond: 3
    })
    expect(ratio).toBeLessThanOrEqual(2)
  })

  it('three legs of 6 files under StartSigningJob 1/s finish close to what the quota allows', async () => {
    // Issue 14: three legs of 4 files took 27-30 s where the quota allows 12 s, each throttled
    // request backing off on its own while the legs' shared pace left the quota idle (2.2x here
    // with that bundle). Six files a leg, so that the legs' start-up weighs less against the
    // bound. At 1/s the rig's bucket holds one token, and one that comes back while no leg's
    // request is on its way is lost: the pace itself is about 1.25x (quota-simulation.ts holds it
    // to 1.5x; BENCHMARKS.md measures 1.1-1.4x), and other test files on the CPU add start-up.
    const { ratio } = await legsUnderQuota({
      legs: 3,
      filesPerLeg: 6,
      jobMs: 1000,
      startPerSecond: 1
    })
    expect(ratio).toBeLessThanOrEqual(1.6)
  }, 60_000)
})
