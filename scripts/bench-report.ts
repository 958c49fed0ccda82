/** The tables and the targets of `npm run bench`, and the block of BENCHMARKS.md they go into. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import type { AwsCli, CliFigures } from './bench-aws-cli.js'
import { imageTable, judgeImages, type ImageScenarioResult } from './bench-images.js'
import type { ActionFigures, JobFigures } from './bench-measure.js'
import type { QuotaCellRuns, QuotaRun } from './bench-quota.js'
import {
  EIGHT_FILES,
  JOB_EXTRA_MS,
  ONE_FILE_3S,
  QUOTA,
  QUOTA_GRID,
  TARGET,
  oneWave,
  overPlatformLimit,
  quotaBoundMs,
  type Scenario
} from './bench-scenarios.js'
import {
  count,
  max,
  mean,
  median,
  medianP90,
  mib,
  millis,
  peakInWindow,
  percentile,
  seconds,
  table,
  times
} from './bench-stats.js'

export interface ScenarioResult {
  scenario: Scenario
  action: ActionFigures[]
  cli: CliFigures[]
}

/** One alternating pair of the cold-start comparison. */
export interface ColdStartPair {
  /** The action: spawn to its first request at either server, and spawn to exit. */
  actionFirstRequestMs: number
  actionExitMs: number
  /** The empty module: spawn to exit. */
  referenceExitMs: number
}

export interface BenchResults {
  scenarios: ScenarioResult[]
  images: ImageScenarioResult[]
  coldStart: ColdStartPair[] | undefined
  quota: QuotaRun[] | undefined
  quotaGrid: QuotaCellRuns[] | undefined
  aws: AwsCli | undefined
  /** Sections that broke off with an error, each as 'title: message'. */
  sectionErrors: string[]
}

type Verdict = 'MET' | 'MISSED' | 'NOT MEASURED'

interface TargetRow {
  target: string
  scenario: string
  measured: string
  verdict: Verdict
}

export interface Report {
  markdown: string
  missed: number
}

const percent = (share: number): string =>
  Number.isFinite(share) ? `${(share * 100).toFixed(1)}%` : 'n/a'

/** One line, no table breaks: service messages end up in cells. */
const cell = (text: string): string =>
  text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/\|/g, '\\|')
    .slice(0, 200)

const okRuns = (runs: ActionFigures[]): ActionFigures[] => runs.filter(run => run.ok)

/** Wall minus the run's longest job: what the action adds to the signing time. */
function overheadMs(run: ActionFigures): number {
  return run.wallMs - max(run.jobs.map(job => job.jobMs))
}

/** The run of median wall time, so that a breakdown's figures all come from one real run. */
function medianRun(runs: ActionFigures[]): ActionFigures | undefined {
  const sorted = okRuns(runs).sort((a, b) => a.wallMs - b.wallMs)
  return sorted[Math.floor((sorted.length - 1) / 2)]
}

const shortJob = (job: JobFigures): boolean => job.jobMs <= TARGET.lagShortJobMs

export function report(results: BenchResults): Report {
  const targets: TargetRow[] = []
  const judge = (target: string, scenario: string, measured: string, met?: boolean): void => {
    targets.push({
      target,
      scenario,
      measured,
      verdict: met === undefined ? 'NOT MEASURED' : met ? 'MET' : 'MISSED'
    })
  }
  const sections: string[] = []

  if (results.scenarios.length > 0) {
    sections.push(actionTable(results.scenarios), breakdownTable(results.scenarios))
    const cli = cliTable(results.scenarios, results.aws)
    if (cli) sections.push(cli)
    judgeScenarios(results.scenarios, judge)
  }
  if (results.images.length > 0) {
    sections.push(imageTable(results.images))
    judgeImages(results.images, judge)
  }
  if (results.coldStart) {
    sections.push(coldStartTable(results.coldStart))
    judgeColdStart(results.coldStart, judge)
  }
  if (results.quota) {
    sections.push(quotaTable(results.quota))
    judgeQuota(results.quota, judge)
  }
  if (results.quotaGrid) {
    sections.push(quotaGridTable(results.quotaGrid))
    judgeQuotaGrid(results.quotaGrid, judge)
  }

  if (results.sectionErrors.length) {
    sections.push(
      [
        'Sections that could not be measured:',
        '',
        ...results.sectionErrors.map(e => `- ${cell(e)}`)
      ].join('\n')
    )
  }
  sections.push(
    'Targets:',
    table(
      ['target', 'scenario', 'measured', 'verdict'],
      targets.map(row => [row.target, row.scenario, row.measured, row.verdict])
    )
  )
  return {
    markdown: sections.join('\n\n'),
    missed: targets.filter(row => row.verdict !== 'MET').length
  }
}

// ---- Tables -------------------------------------------------------------------------------------

function actionTable(results: ScenarioResult[]): string {
  const rows = results.map(({ scenario, action }) => {
    const ok = okRuns(action)
    const jobs = ok.flatMap(run => run.jobs)
    const lags = jobs.map(job => job.lagMs)
    const worst = jobs.reduce<JobFigures | undefined>(
      (a, job) => (!a || job.lagMs > a.lagMs ? job : a),
      undefined
    )
    const stepRates = ok.map(run => run.describeArrivalsMs.length / (run.wallMs / 1000))
    const stepPeaks = ok.map(run => peakInWindow(run.describeArrivalsMs, 1000))
    return [
      scenario.title,
      `${ok.length} of ${action.length}`,
      medianP90(
        ok.map(run => run.wallMs),
        seconds
      ),
      oneWave(scenario) ? medianP90(ok.map(overheadMs), seconds) : 'n/a (in waves)',
      medianP90(
        jobs.map(job => job.jobMs),
        seconds
      ),
      `${medianP90(lags, millis)} (${count(jobs.length, 'job')})`,
      worst ? `${millis(worst.lagMs)} (${seconds(worst.jobMs)} job)` : 'n/a',
      jobs.length ? mean(jobs.map(job => job.describes)).toFixed(1) : 'n/a',
      jobs.length ? `${max(jobs.map(job => job.describeRate)).toFixed(2)}/s` : 'n/a',
      ok.length ? `${median(stepRates).toFixed(1)}/s; ${max(stepPeaks)} in 1 s` : 'n/a',
      mib(max(ok.map(run => run.peakRssKb ?? NaN)))
    ]
  })
  return [
    `The action: median / p90 over the runs (nearest rank: with 5 runs the p90 is the slowest); each job lasts the scenario's length plus a random 0–${JOB_EXTRA_MS / 1000} s drawn per job; lag over every job of every run.`,
    '',
    table(
      [
        'scenario',
        'runs ok',
        'wall',
        'overhead over the signing time',
        'job length (service)',
        'lag per job',
        'worst lag',
        'Describe per job (mean)',
        'Describe per job (max rate)',
        'step’s Describe rate (mean; most in 1 s)',
        'peak RSS (max)'
      ],
      rows
    )
  ].join('\n')
}

function breakdownTable(results: ScenarioResult[]): string {
  const rows: string[][] = []
  // In waves, the last StartSigningJob belongs to a later wave: the columns would not add up.
  for (const { scenario, action } of results.filter(result => oneWave(result.scenario))) {
    const run = medianRun(action)
    if (!run) continue
    const cold = run.firstRequestMs ?? NaN
    const lastCreated = max(run.jobs.map(job => job.createdAtMs))
    const lastNoticed = max(run.jobs.map(job => job.noticedAtMs))
    rows.push([
      scenario.title,
      millis(cold),
      seconds(run.lastStartMs - run.spawnMs - cold),
      seconds(lastCreated - run.lastStartMs),
      seconds(max(run.jobs.map(job => job.jobMs))),
      seconds(max(run.jobs.map(job => job.lagMs))),
      seconds(run.spawnMs + run.wallMs - lastNoticed),
      seconds(run.wallMs)
    ])
  }
  return [
    'Where the action’s time goes, in the run of median wall time (with several files: until the last StartSigningJob arrived, the longest job, the worst lag, from the last job noticed to exit; scenarios whose files go in waves are left out):',
    '',
    table(
      [
        'scenario',
        'spawn to first request',
        'preflight, hash, upload',
        'StartSigningJob',
        'longest job',
        'worst lag',
        'download, outputs, exit',
        'wall'
      ],
      rows
    )
  ].join('\n')
}

function cliTable(results: ScenarioResult[], aws: AwsCli | undefined): string | undefined {
  const rows: string[][] = []
  for (const { scenario, action, cli } of results) {
    const ok = okRuns(action)
    const actionWall = median(ok.map(run => run.wallMs))
    for (const variant of cli) {
      const lags = variant.jobs.map(job => job.lagMs)
      rows.push([
        `${scenario.title}${variant.label ? `, ${variant.label}` : ''}`,
        ok.length ? seconds(actionWall) : 'FAILED',
        variant.ok ? seconds(variant.wallMs) : cell(variant.error ?? 'FAILED'),
        variant.ok && ok.length ? times(variant.wallMs / actionWall) : 'n/a',
        lags.length ? seconds(max(lags)) : 'n/a',
        variant.jobs.length ? mean(variant.jobs.map(job => job.describes)).toFixed(1) : 'n/a',
        mib(max(ok.map(run => run.peakRssKb ?? NaN))),
        variant.ok ? mib(variant.peakRssKb) : 'n/a'
      ])
    }
  }
  if (rows.length === 0) return undefined
  return [
    `Against the AWS CLI (${aws?.version ?? 'not found'}; one run per variant, its waiter looks at once, then every 20 s):`,
    '',
    table(
      [
        'scenario',
        'action wall (median)',
        'AWS CLI wall',
        'CLI ÷ action',
        'CLI worst lag',
        'CLI Describe per job',
        'action peak RSS',
        'CLI peak RSS (largest process)'
      ],
      rows
    )
  ].join('\n')
}

function coldStartTable(pairs: ColdStartPair[]): string {
  const row = (label: string, values: number[]): string[] => [
    label,
    millis(median(values)),
    millis(percentile(values, 90)),
    millis(Math.min(...values))
  ]
  const action = pairs.map(pair => pair.actionFirstRequestMs)
  const reference = pairs.map(pair => pair.referenceExitMs)
  return [
    `Cold start: ${pairs.length} pairs, alternating (action first, then the reference first), both spawned by the same runAction call with the same inputs and environment; the reference is an empty ES module (\`node -e 0\` as a file, in a directory of \`"type": "module"\` like dist/). The action's first request marks the end of its start-up; the reference makes none, so its figure runs to its exit:`,
    '',
    table(
      ['measure', 'median', 'p90', 'min'],
      [
        row('action: spawn to first request (1 KiB file, 0 s job)', action),
        row(
          'action: spawn to exit (the whole run)',
          pairs.map(pair => pair.actionExitMs)
        ),
        row('reference: spawn to exit', reference),
        [
          'ratio of the medians: action first request ÷ reference exit',
          times(median(action) / median(reference)),
          '',
          ''
        ]
      ]
    )
  ].join('\n')
}

function quotaTable(runs: QuotaRun[]): string {
  const rows = runs.map((run, i) => [
    String(i + 1),
    `${run.filesSigned} of ${run.files}`,
    String(run.jobsCreated),
    `${run.legsFailed} of ${QUOTA.legs}`,
    seconds(run.totalMs),
    times(run.totalMs / quotaBoundMs(QUOTA)),
    String(run.startThrottled),
    String(run.describeThrottled),
    String(run.describePeakPerSecond)
  ])
  const errors = [...new Set(runs.flatMap(run => run.legErrors))]
  return [
    `${QUOTA.title}: ${QUOTA.legs} processes of dist/index.js at once (one run of one workflow: same GITHUB_RUN_ID and GITHUB_JOB), ${QUOTA.filesPerLeg} files each at max-concurrency ${QUOTA.maxConcurrency}, ${QUOTA.jobMs / 1000} s jobs; the local Signer allows StartSigningJob ${QUOTA.quotas.StartSigningJob}/s and DescribeSigningJob ${QUOTA.quotas.DescribeSigningJob}/s to all callers together (token buckets, burst = one second's worth). What the quota allows: ${QUOTA.legs * QUOTA.filesPerLeg} / ${QUOTA.quotas.StartSigningJob} s + one job = ${seconds(quotaBoundMs(QUOTA))}.`,
    '',
    table(
      [
        'run',
        'files signed',
        'jobs created',
        'legs failed',
        'total',
        'total ÷ allowed',
        'StartSigningJob 429s',
        'Describe 429s',
        'most Describe calls in 1 s'
      ],
      rows
    ),
    ...(errors.length
      ? ['', 'Errors of the failed legs:', '', ...errors.slice(0, 5).map(e => `- ${cell(e)}`)]
      : [])
  ].join('\n')
}

function quotaGridTable(cells: QuotaCellRuns[]): string {
  const first = cells[0]?.scenario
  if (!first) return ''
  const rows = cells.map(({ scenario, runs }) => {
    const bound = quotaBoundMs(scenario)
    const totals = runs.map(run => run.totalMs)
    const files = scenario.legs * scenario.filesPerLeg
    return [
      String(scenario.legs),
      `${scenario.quotas.StartSigningJob}/s`,
      String(files),
      seconds(bound),
      seconds(median(totals)),
      times(median(totals) / bound),
      totals.map(total => times(total / bound)).join(', '),
      seconds(median(runs.map(run => run.firstJobMs))),
      `${seconds(median(runs.map(run => run.lastJobMs)))} (${seconds((files / scenario.quotas.StartSigningJob) * 1000)})`,
      seconds(median(runs.map(run => run.lastNoticedMs))),
      String(median(runs.map(run => run.startThrottled))),
      String(median(runs.map(run => run.describeThrottled))),
      `${runs.filter(run => completeRun(run, files)).length} of ${runs.length}`,
      runs.map(run => run.loadAtStart.toFixed(1)).join(', ')
    ]
  })
  const errors = [...new Set(cells.flatMap(({ runs }) => runs.flatMap(run => run.legErrors)))]
  return [
    `${QUOTA_GRID.title}: in each cell, that many processes of dist/index.js at once (one run of one workflow), ${first.filesPerLeg} files of ${first.fileBytes / 1024} KiB each at max-concurrency ${first.maxConcurrency}, ${first.jobMs / 1000} s jobs; the local Signer allows StartSigningJob at the cell's rate and DescribeSigningJob ${first.quotas.DescribeSigningJob}/s to all callers together (token buckets, burst = one second's worth). ${QUOTA_GRID.runs} runs per cell. The quota-bound time is files / rate + one job; total is from the first leg's spawn to the last leg's exit. Where the time goes, medians from the first spawn: the first job created (start-up: Node, preflight, upload), the last job created (the StartSigningJob pace; files ÷ rate beside it), the last job's end seen by a DescribeSigningJob (one job later, plus the poll's lag under the DescribeSigningJob quota); after it come the download and the exit.`,
    '',
    table(
      [
        'legs',
        'StartSigningJob quota',
        'files',
        'quota-bound',
        'total (median)',
        'median ÷ bound',
        'each run ÷ bound',
        'first job created',
        'last job created (files ÷ rate)',
        'last end seen',
        'StartSigningJob 429s (median)',
        'Describe 429s (median)',
        'runs complete',
        'load average at each start'
      ],
      rows
    ),
    ...(errors.length
      ? ['', 'Errors of the failed legs:', '', ...errors.slice(0, 5).map(e => `- ${cell(e)}`)]
      : [])
  ].join('\n')
}

/** Every file signed, one job each, no leg failed. */
function completeRun(run: QuotaRun, files: number): boolean {
  return run.filesSigned === files && run.jobsCreated === files && run.legsFailed === 0
}

// ---- Targets ------------------------------------------------------------------------------------

export type Judge = (target: string, scenario: string, measured: string, met?: boolean) => void

function judgeScenarios(results: ScenarioResult[], judge: Judge): void {
  const byTitle = new Map(results.map(result => [result.scenario.title, result]))
  const oneFile = byTitle.get(ONE_FILE_3S)
  if (oneFile) {
    const overheads = okRuns(oneFile.action).map(overheadMs)
    judge(
      `overhead over the signing time ≤ ${seconds(TARGET.overheadMs)} (median)`,
      ONE_FILE_3S,
      `${medianP90(overheads, seconds)} (median / p90 of ${overheads.length})`,
      overheads.length ? median(overheads) <= TARGET.overheadMs : undefined
    )
  }
  const eight = byTitle.get(EIGHT_FILES)
  if (eight && oneFile) {
    const eightWall = median(okRuns(eight.action).map(run => run.wallMs))
    const oneWall = median(okRuns(oneFile.action).map(run => run.wallMs))
    const ratio = eightWall / oneWall
    judge(
      `wall within ${TARGET.eightFilesRatio}× of one file (medians)`,
      `${EIGHT_FILES} vs ${ONE_FILE_3S}`,
      `${times(ratio)} (${seconds(eightWall)} vs ${seconds(oneWall)})`,
      Number.isFinite(ratio) ? ratio <= TARGET.eightFilesRatio : undefined
    )
  }
  for (const { scenario, action } of results) {
    const ok = okRuns(action)
    if (ok.length < action.length) {
      judge(
        'every run signs every file',
        scenario.title,
        `${action.length - ok.length} of ${action.length} runs failed: ${cell(action.find(run => !run.ok)?.error ?? '')}`,
        false
      )
    }
    const jobs = ok.flatMap(run => run.jobs)
    judgeLag(scenario.title, jobs, judge)
    if (jobs.length) {
      const busiest = jobs.reduce((a, job) => (job.describeRate > a.describeRate ? job : a))
      judge(
        `≤ ${TARGET.describesPerSecond} DescribeSigningJob calls per second per job`,
        scenario.title,
        `at most ${busiest.describeRate.toFixed(2)}/s (${busiest.describes} calls in ${seconds(busiest.noticedAtMs - busiest.createdAtMs)})`,
        busiest.describeRate <= TARGET.describesPerSecond
      )
    }
    if (overPlatformLimit(scenario)) {
      const rssKb = max(ok.map(run => run.peakRssKb ?? Infinity))
      judge(
        `peak RSS ≤ ${TARGET.peakRssMiB} MiB (largest of the runs)`,
        scenario.title,
        mib(rssKb),
        ok.length ? rssKb / 1024 <= TARGET.peakRssMiB : undefined
      )
    }
  }
}

/** Up to 10 s: worst lag ≤ 0.5 s. Beyond: worst ≤ 10% and mean ≤ 5% of the job's length. */
function judgeLag(title: string, jobs: JobFigures[], judge: Judge): void {
  const short = jobs.filter(shortJob)
  const long = jobs.filter(job => !shortJob(job))
  const upTo = `${TARGET.lagShortJobMs / 1000} s`
  if (short.length) {
    const worst = max(short.map(job => job.lagMs))
    judge(
      `lag ≤ ${millis(TARGET.lagShortMs)}, jobs up to ${upTo}`,
      title,
      `worst ${millis(worst)} of ${count(short.length, 'job')}`,
      worst <= TARGET.lagShortMs
    )
  }
  if (long.length) {
    const shares = long.map(job => job.lagMs / job.jobMs)
    judge(
      `lag ≤ ${percent(TARGET.lagWorstShare)} of the job (worst), jobs over ${upTo}`,
      title,
      `worst ${percent(max(shares))} of ${count(long.length, 'job')}`,
      max(shares) <= TARGET.lagWorstShare
    )
    judge(
      `lag ≤ ${percent(TARGET.lagMeanShare)} of the job (mean), jobs over ${upTo}`,
      title,
      `mean ${percent(mean(shares))} of ${count(long.length, 'job')}`,
      mean(shares) <= TARGET.lagMeanShare
    )
  }
}

function judgeColdStart(pairs: ColdStartPair[], judge: Judge): void {
  const action = pairs.map(pair => pair.actionFirstRequestMs)
  const reference = pairs.map(pair => pair.referenceExitMs)
  const ratio = median(action) / median(reference)
  judge(
    `cold start ≤ ${TARGET.coldStartRatio}× the reference (action spawn to first request ÷ reference spawn to exit, medians)`,
    'cold start',
    `${times(ratio)} (${millis(median(action))} ÷ ${millis(median(reference))}, ${pairs.length} pairs)`,
    ratio <= TARGET.coldStartRatio
  )
}

function judgeQuota(runs: QuotaRun[], judge: Judge): void {
  const files = QUOTA.legs * QUOTA.filesPerLeg
  const complete = runs.filter(
    run => run.filesSigned === files && run.jobsCreated === files && run.legsFailed === 0
  )
  judge(
    `all ${files} files signed, ${files} jobs, no leg failed (every run)`,
    QUOTA.title,
    `${complete.length} of ${runs.length} runs; signed ${runs.map(run => run.filesSigned).join(', ')}; jobs ${runs.map(run => run.jobsCreated).join(', ')}; legs failed ${runs.map(run => run.legsFailed).join(', ')}`,
    complete.length === runs.length
  )
  const ratios = runs.map(run => run.totalMs / quotaBoundMs(QUOTA))
  judge(
    `total ≤ ${TARGET.quotaRatio}× what the quota allows (median)`,
    QUOTA.title,
    `${medianP90(ratios, times)} (median / p90 of ${runs.length})`,
    median(ratios) <= TARGET.quotaRatio
  )
}

function judgeQuotaGrid(cells: QuotaCellRuns[], judge: Judge): void {
  const runs = cells.flatMap(({ scenario, runs }) =>
    runs.map(run => completeRun(run, scenario.legs * scenario.filesPerLeg))
  )
  judge(
    'all files signed, one job each, no leg failed (every run of every cell)',
    QUOTA_GRID.title,
    `${runs.filter(Boolean).length} of ${runs.length} runs`,
    runs.every(Boolean)
  )
  const ratios = cells.map(({ scenario, runs }) => ({
    scenario,
    ratio: median(runs.map(run => run.totalMs)) / quotaBoundMs(scenario)
  }))
  const worst = ratios.reduce((a, b) => (b.ratio > a.ratio ? b : a))
  const met = ratios.filter(({ ratio }) => ratio <= TARGET.gridRatio).length
  judge(
    `total ≤ ${TARGET.gridRatio}× the quota-bound time in every cell (median of ${QUOTA_GRID.runs})`,
    QUOTA_GRID.title,
    `${met} of ${ratios.length} cells; worst ${times(worst.ratio)} (${worst.scenario.title})`,
    met === ratios.length
  )
}

// ---- BENCHMARKS.md ------------------------------------------------------------------------------

const MARK_START = '<!-- bench:start -->'
const MARK_END = '<!-- bench:end -->'

/** Replaces what is between the markers (or appends them); the rest of the file is hand-written. */
export function writeBenchmarksMd(file: string, section: string): void {
  const block = `${MARK_START}\n\n${section}\n\n${MARK_END}`
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n'
  const start = current.indexOf(MARK_START)
  const end = current.indexOf(MARK_END)
  const next =
    start >= 0 && end > start
      ? current.slice(0, start) + block + current.slice(end + MARK_END.length)
      : `${current.trimEnd()}\n\n${block}\n`
  writeFileSync(file, next)
}
