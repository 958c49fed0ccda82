/**
 * Issue 8 §5 and issue 14 item 7 for `npm run bench`: the legs of one matrix run, started at once
 * in one account, against the local Signer with per-operation request quotas shared by every
 * caller; one scenario, or a grid of leg counts and quotas.
 */
import { randomInt } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import type { Rig } from '../__tests__/rig/rig.js'
import {
  checkOneDrawPerJob,
  drawJobLengths,
  isSignedCopy,
  jobsBetween,
  signerCallsBetween,
  spawnLikeRunner,
  writeRandomFile
} from './bench-measure.js'
import type { QuotaScenario } from './bench-scenarios.js'
import { peakInWindow } from './bench-stats.js'

export interface QuotaRun {
  files: number
  filesSigned: number
  jobsCreated: number
  legsFailed: number
  /** From the first leg's spawn to the last leg's exit. */
  totalMs: number
  /**
   * From the first leg's spawn: the first and the last job's creation (start-up, then the
   * StartSigningJob pace) and the last job's end seen by a DescribeSigningJob (the poll's lag).
   */
  firstJobMs: number
  lastJobMs: number
  lastNoticedMs: number
  /** Answers 429 to StartSigningJob and to DescribeSigningJob. */
  startThrottled: number
  describeThrottled: number
  /** Most DescribeSigningJob arrivals in any second, answered or not. */
  describePeakPerSecond: number
  /** The first error of each failed leg, on one line. */
  legErrors: string[]
  /** The machine's 1-minute load average when the legs were spawned. */
  loadAtStart: number
}

/** One cell of the grid: a scenario and its runs. */
export interface QuotaCellRuns {
  scenario: QuotaScenario
  runs: QuotaRun[]
}

export async function runQuotaOnce(rig: Rig, scenario: QuotaScenario): Promise<QuotaRun> {
  const workspaces = Array.from({ length: scenario.legs }, () =>
    mkdtempSync(path.join(tmpdir(), 'bench-leg-'))
  )
  try {
    const files = Array.from({ length: scenario.filesPerLeg }, (_, i) => ({
      name: `function-${i + 1}.zip`,
      bytes: scenario.fileBytes
    }))
    // Each leg builds its own bytes under the same names, as legs of a matrix do.
    for (const workspace of workspaces) {
      for (const file of files)
        writeRandomFile(path.join(workspace, 'build', file.name), file.bytes)
    }
    rig.signer.reset()
    const draws = drawJobLengths(rig.signer, scenario.jobMs, 0)
    // New Quota objects start full buckets.
    rig.signer.faults.quotas = {
      StartSigningJob: { perSecond: scenario.quotas.StartSigningJob },
      DescribeSigningJob: { perSecond: scenario.quotas.DescribeSigningJob }
    }
    // One run of one workflow: the legs share GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT and GITHUB_JOB.
    const runEnv = {
      GITHUB_RUN_ID: String(1_000_000_000 + randomInt(1_000_000_000)),
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_JOB: 'sign'
    }
    const loadAtStart = loadavg()[0] ?? 0
    const legs = await Promise.all(
      workspaces.map(workspace =>
        spawnLikeRunner(rig, workspace, {
          inputs: { path: 'build/*', 'max-concurrency': String(scenario.maxConcurrency) },
          env: runEnv,
          timeoutMs: scenario.legTimeoutMs
        })
      )
    )
    checkOneDrawPerJob(rig.signer, draws)
    const startMs = Math.min(...legs.map(leg => leg.spawnedAtMs))
    const endMs = Math.max(...legs.map(leg => leg.spawnedAtMs + leg.durationMs))
    const signed = workspaces.flatMap(workspace =>
      files.filter(file => isSignedCopy(path.join(workspace, 'signed', file.name), file.bytes))
    )
    const failed = legs.filter(leg => leg.exitCode !== 0 || leg.timedOut)
    const created = rig.signer.jobs.map(job => job.createdAtMs - startMs)
    const noticed = jobsBetween(rig, startMs, endMs).map(job => job.noticedAtMs - startMs)
    const throttled = (operation: string): number =>
      signerCallsBetween(rig, operation, startMs, endMs).filter(call => call.status === 429).length
    return {
      files: scenario.legs * files.length,
      filesSigned: signed.length,
      jobsCreated: rig.signer.jobs.length,
      legsFailed: failed.length,
      totalMs: endMs - startMs,
      firstJobMs: Math.min(...created),
      lastJobMs: Math.max(...created),
      lastNoticedMs: noticed.length === created.length ? Math.max(...noticed) : NaN,
      startThrottled: throttled('StartSigningJob'),
      describeThrottled: throttled('DescribeSigningJob'),
      describePeakPerSecond: peakInWindow(
        signerCallsBetween(rig, 'DescribeSigningJob', startMs, endMs).map(call => call.atMs),
        1000
      ),
      legErrors: failed.map(leg =>
        leg.timedOut
          ? `killed after ${scenario.legTimeoutMs / 1000} s`
          : (leg.errors[0] ?? leg.stderr.trim().split('\n').at(-1) ?? `exit ${leg.exitCode}`)
      ),
      loadAtStart
    }
  } finally {
    rig.signer.reset()
    for (const workspace of workspaces) rmSync(workspace, { recursive: true, force: true })
  }
}
