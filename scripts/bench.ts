/**
 * `npm run bench`: starts moto and the local Signer service and, in one run, measures the action's
 * dist/index.js (run exactly as the Actions runner runs it) against scripts/aws-cli-sign.sh, which
 * does the same job with the AWS CLI. Prints the tables and one line per target, and writes them
 * into BENCHMARKS.md between the `bench:start` / `bench:end` markers.
 */
import { spawn, spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync
} from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import {
  DESTINATION_BUCKET,
  PROFILE,
  SOURCE_BUCKET,
  noticingLook,
  runSigning,
  startRig,
  type Rig
} from '../__tests__/rig/rig.js'
import { DEFAULT_ENTRY as ENTRY, REPO_ROOT as ROOT } from '../__tests__/rig/run-action.js'
import { readSignature, type LocalSigningJob } from '../__tests__/rig/signer-service.js'

// ---- Where things are ---------------------------------------------------------------------------

const CLI_SCRIPT = path.join(ROOT, 'scripts', 'aws-cli-sign.sh')
const BENCHMARKS_MD = path.join(ROOT, 'BENCHMARKS.md')
const MARK_START = '<!-- bench:start -->'
const MARK_END = '<!-- bench:end -->'

const MiB = 1024 * 1024
const COLD_START_RUNS = 9

/** For trying one scenario: BENCH_ONLY=512 runs the scenarios whose title holds '512'. */
const ONLY = process.env.BENCH_ONLY ?? ''

// ---- Targets (from the issue) -------------------------------------------------------------------

const TARGET = {
  overheadMs: 1000,
  lagShortMs: 500,
  lagShare: 0.1,
  describesPerSecond: 2,
  coldStartMs: 250,
  peakRssMiB: 250
} as const

/** A job's lag limit: 0.5 s, or a tenth of the job's length for jobs longer than 5 s. */
function lagLimitMs(jobMs: number): number {
  return Math.max(TARGET.lagShortMs, jobMs * TARGET.lagShare)
}

// ---- Small helpers ------------------------------------------------------------------------------

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

const max = (values: number[]): number => (values.length ? Math.max(...values) : NaN)
const mean = (values: number[]): number =>
  values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`
const millis = (ms: number): string => `${Math.round(ms)} ms`
const mib = (kb: number | undefined): string =>
  kb === undefined ? 'n/a' : `${(kb / 1024).toFixed(0)} MiB`

/** A Markdown table with padded columns, as Prettier formats it. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) =>
    Math.max(3, cell.length, ...rows.map(r => r[i]?.length ?? 0))
  )
  const line = (cells: string[]): string =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i] as number)).join(' | ')} |`
  return [line(header), line(widths.map(w => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

function writeRandomFile(file: string, bytes: number): void {
  mkdirSync(path.dirname(file), { recursive: true })
  if (bytes <= MiB) {
    writeFileSync(file, randomBytes(bytes))
    return
  }
  // Random-ish but fast: one random MiB, repeated.
  const block = randomBytes(MiB)
  const fd = openSync(file, 'w')
  try {
    for (let written = 0; written < bytes; written += MiB) {
      writeSync(fd, block, 0, Math.min(MiB, bytes - written))
    }
  } finally {
    closeSync(fd)
  }
}

/** True if `file` is `unsignedBytes` long plus the local Signer's signature block. */
function isSignedCopy(file: string, unsignedBytes: number): boolean {
  if (!existsSync(file)) return false
  const size = statSync(file).size
  const tailBytes = Math.min(size, 1024)
  const tail = Buffer.alloc(tailBytes)
  const fd = openSync(file, 'r')
  try {
    readSync(fd, tail, 0, tailBytes, size - tailBytes)
  } finally {
    closeSync(fd)
  }
  const found = readSignature(tail)
  return found !== null && found.payloadLength + (size - tailBytes) === unsignedBytes
}

// ---- The AWS CLI --------------------------------------------------------------------------------

/** The real `aws` executable: a pyenv shim would add ~0.15 s to every call that is not the CLI's. */
function findAwsCli(): { bin: string; version: string } | undefined {
  const viaPyenv = spawnSync('pyenv', ['which', 'aws'], { encoding: 'utf8' })
  const candidate =
    viaPyenv.status === 0 && viaPyenv.stdout.trim()
      ? viaPyenv.stdout.trim()
      : spawnSync('sh', ['-c', 'command -v aws'], { encoding: 'utf8' }).stdout.trim()
  if (!candidate) return undefined
  const version = spawnSync(candidate, ['--version'], { encoding: 'utf8' })
  if (version.status !== 0) return undefined
  return {
    bin: candidate,
    version: `${version.stdout}${version.stderr}`.trim().split(' ')[0] ?? ''
  }
}

const TIME_BIN = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined

interface CliRun {
  exitCode: number | null
  timedOut: boolean
  startedMs: number
  durationMs: number
  /** Largest single process of the run (GNU time's maxrss of the waited-for children). */
  peakRssKb?: number
  stderr: string
}

async function runCli(options: {
  awsBin: string
  workspace: string
  files: string[]
  parallel: boolean
  env: Record<string, string>
  outputDir: string
  timeoutMs: number
}): Promise<CliRun> {
  const home = mkdtempSync(path.join(tmpdir(), 'bench-cli-home-'))
  const rssFile = path.join(home, 'time-v')
  const script = ['bash', CLI_SCRIPT, ...(options.parallel ? ['--parallel'] : []), ...options.files]
  const [command, ...args] = TIME_BIN ? [TIME_BIN, '-v', '-o', rssFile, ...script] : script
  const env = {
    PATH: `${path.dirname(options.awsBin)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: home,
    // No stray configuration or credentials from the machine.
    AWS_CONFIG_FILE: path.join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'credentials'),
    AWS_ACCESS_KEY_ID: options.env.AWS_ACCESS_KEY_ID ?? 'test',
    AWS_SECRET_ACCESS_KEY: options.env.AWS_SECRET_ACCESS_KEY ?? 'test',
    AWS_DEFAULT_REGION: options.env.AWS_REGION ?? 'us-east-1',
    AWS_ENDPOINT_URL_S3: options.env.AWS_ENDPOINT_URL_S3 ?? '',
    AWS_ENDPOINT_URL_SIGNER: options.env.AWS_ENDPOINT_URL_SIGNER ?? '',
    PROFILE_NAME: PROFILE,
    SOURCE_BUCKET,
    DESTINATION_BUCKET,
    OUTPUT_DIR: options.outputDir
  }
  const startedMs = Date.now()
  // Its own process group, so that a timeout stops the script and every aws process it started.
  const child = spawn(command as string, args, {
    cwd: options.workspace,
    env,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe']
  })
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    if (child.pid) process.kill(-child.pid, 'SIGKILL')
  }, options.timeoutMs)
  try {
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject)
      child.once('close', code => resolve(code))
    })
    const durationMs = Date.now() - startedMs
    const rss = existsSync(rssFile)
      ? /Maximum resident set size \(kbytes\): (\d+)/.exec(readFileSync(rssFile, 'utf8'))?.[1]
      : undefined
    return {
      exitCode,
      timedOut,
      startedMs,
      durationMs,
      peakRssKb: rss === undefined ? undefined : Number(rss),
      stderr
    }
  } finally {
    clearTimeout(timer)
    rmSync(home, { recursive: true, force: true })
  }
}

// ---- What the local servers saw -----------------------------------------------------------------

interface JobFigures {
  jobId: string
  /** completedAtMs − createdAtMs: the signing delay plus the service's own work. */
  jobMs: number
  /** From the job's completion to the first DescribeSigningJob that saw it. */
  lagMs: number
  describes: number
  /** Describe calls per second of waiting, creation to noticing. */
  describeRate: number
  createdAtMs: number
  noticedAtMs: number
}

function jobFigures(rig: Rig, job: LocalSigningJob): JobFigures | undefined {
  const completed = job.completedAtMs
  const noticed = noticingLook(rig, job)
  if (completed === undefined || !noticed) return undefined
  return {
    jobId: job.jobId,
    jobMs: completed - job.createdAtMs,
    lagMs: noticed.atMs - completed,
    describes: job.describeCount,
    describeRate: job.describeCount / Math.max(0.001, (noticed.atMs - job.createdAtMs) / 1000),
    createdAtMs: job.createdAtMs,
    noticedAtMs: noticed.atMs
  }
}

function jobsBetween(rig: Rig, fromMs: number, toMs: number): JobFigures[] {
  return rig.signer.jobs
    .filter(job => job.createdAtMs >= fromMs && job.createdAtMs <= toMs)
    .map(job => jobFigures(rig, job))
    .filter((figures): figures is JobFigures => figures !== undefined)
}

/** The first request from the run that reached either server (S3 through the proxy, or Signer). */
function firstRequestMs(rig: Rig, fromMs: number): number | undefined {
  const times = [...(rig.proxy?.requests ?? []), ...rig.signer.requests]
    .map(request => request.atMs)
    .filter(atMs => atMs >= fromMs)
  return times.length > 0 ? Math.min(...times) : undefined
}

// ---- Scenarios ----------------------------------------------------------------------------------

interface Scenario {
  title: string
  files: Array<{ name: string; bytes: number }>
  /** The local Signer keeps each job InProgress this long, then signs. */
  delayMs: number
  actionRuns: number
  maxConcurrency: number
  cli: Array<{ parallel: boolean; label: string; timeoutMs: number }>
  actionTimeoutMs: number
}

/** The rig's profile is on the Lambda platform, whose limit is 250 MB. */
const PLATFORM_LIMIT_BYTES = 250 * MiB

/**
 * A file over the platform's limit: the action may not read the limit (see BENCHMARKS.md), and
 * the 1 s overhead target does not apply, the run being bound by its transfers.
 */
function overPlatformLimit(scenario: Pick<Scenario, 'files'>): boolean {
  return scenario.files.some(file => file.bytes > PLATFORM_LIMIT_BYTES)
}

const SCENARIOS: Scenario[] = [
  {
    title: '1 × 1 MiB, 3 s signing',
    files: [{ name: 'function.zip', bytes: MiB }],
    delayMs: 3000,
    actionRuns: 3,
    maxConcurrency: 4,
    cli: [{ parallel: false, label: '', timeoutMs: 120_000 }],
    actionTimeoutMs: 120_000
  },
  {
    title: '1 × 1 MiB, 30 s signing',
    files: [{ name: 'function.zip', bytes: MiB }],
    delayMs: 30_000,
    actionRuns: 1,
    maxConcurrency: 4,
    cli: [{ parallel: false, label: '', timeoutMs: 180_000 }],
    actionTimeoutMs: 180_000
  },
  {
    title: '8 × 1 MiB, 3 s signing',
    files: Array.from({ length: 8 }, (_, i) => ({ name: `function-${i + 1}.zip`, bytes: MiB })),
    delayMs: 3000,
    actionRuns: 1,
    maxConcurrency: 8,
    cli: [
      { parallel: false, label: 'CLI sequential', timeoutMs: 400_000 },
      { parallel: true, label: 'CLI in parallel (&, wait)', timeoutMs: 180_000 }
    ],
    actionTimeoutMs: 120_000
  },
  {
    title: '1 × 512 MiB, 3 s signing',
    files: [{ name: 'firmware.bin', bytes: 512 * MiB }],
    delayMs: 3000,
    actionRuns: 1,
    maxConcurrency: 4,
    cli: [{ parallel: false, label: '', timeoutMs: 300_000 }],
    actionTimeoutMs: 300_000
  }
]

interface ActionFigures {
  ok: boolean
  /** Arrival of the last StartSigningJob at the Signer. */
  lastStartMs: number
  error?: string
  wallMs: number
  coldStartMs?: number
  peakRssKb?: number
  jobs: JobFigures[]
  spawnMs: number
}

interface CliFigures {
  label: string
  ok: boolean
  error?: string
  wallMs: number
  peakRssKb?: number
  jobs: JobFigures[]
}

interface ScenarioResult {
  scenario: Scenario
  action: ActionFigures[]
  cli: CliFigures[]
}

// ---- Running --------------------------------------------------------------------------------------

interface Bench {
  /** With the S3 proxy, which timestamps every request; both tools go through it. */
  rig: Rig
  aws?: { bin: string; version: string }
}

async function runActionOnce(
  bench: Bench,
  workspace: string,
  scenario: Pick<Scenario, 'files' | 'maxConcurrency' | 'actionTimeoutMs'>
): Promise<ActionFigures> {
  const { rig } = bench
  rmSync(path.join(workspace, 'signed'), { recursive: true, force: true })
  rig.signer.reset()
  if (overPlatformLimit(scenario)) rig.signer.faults.deny.add('GetSigningPlatform')
  const run = await runSigning(
    rig,
    workspace,
    {
      path: scenario.files.length === 1 ? `build/${scenario.files[0]?.name}` : 'build/*',
      'max-concurrency': String(scenario.maxConcurrency)
    },
    { timeoutMs: scenario.actionTimeoutMs }
  )
  const spawnMs = run.spawnedAtMs
  const endMs = spawnMs + run.durationMs
  const first = firstRequestMs(rig, spawnMs)
  const { ok, error } = outcome(
    { ...run, detail: run.errors.join('; ') || run.stderr },
    scenario.files,
    path.join(workspace, 'signed'),
    scenario.actionTimeoutMs
  )
  const starts = rig.signer.requests.filter(
    request => request.operation === 'StartSigningJob' && request.atMs >= spawnMs
  )
  return {
    ok,
    lastStartMs: max(starts.map(request => request.atMs)),
    error,
    wallMs: run.durationMs,
    coldStartMs: first === undefined ? undefined : first - spawnMs,
    peakRssKb: run.peakRssKb,
    jobs: jobsBetween(rig, spawnMs, endMs),
    spawnMs
  }
}

/** A run succeeded when the tool exited 0 and every file came back as the local Signer's copy. */
function outcome(
  run: { exitCode: number | null; timedOut: boolean; detail: string },
  files: Scenario['files'],
  outputDir: string,
  timeoutMs: number
): { ok: boolean; error?: string } {
  const unsigned = files.filter(file => !isSignedCopy(path.join(outputDir, file.name), file.bytes))
  if (run.exitCode === 0 && unsigned.length === 0) return { ok: true }
  if (run.timedOut) return { ok: false, error: `timed out after ${seconds(timeoutMs)}` }
  const missing = unsigned.length ? `no signed copy of ${unsigned.map(f => f.name).join(', ')}` : ''
  const detail = run.detail.trim().slice(-300)
  return {
    ok: false,
    error: `exit ${run.exitCode}: ${[detail, missing].filter(Boolean).join('; ')}`
  }
}

async function runScenario(bench: Bench, scenario: Scenario): Promise<ScenarioResult> {
  const workspace = mkdtempSync(path.join(tmpdir(), 'bench-ws-'))
  try {
    for (const file of scenario.files) {
      writeRandomFile(path.join(workspace, 'build', file.name), file.bytes)
    }
    bench.rig.signer.jobDurationMs = scenario.delayMs
    const action: ActionFigures[] = []
    for (let i = 0; i < scenario.actionRuns; i++) {
      log(`  action run ${i + 1}/${scenario.actionRuns}`)
      const figures = await runActionOnce(bench, workspace, scenario)
      if (!figures.ok) log(`    FAILED: ${figures.error}`)
      action.push(figures)
    }
    const cli: CliFigures[] = []
    for (const variant of scenario.cli) {
      if (!bench.aws) {
        cli.push({
          label: variant.label,
          ok: false,
          error: 'aws CLI not found',
          wallMs: NaN,
          jobs: []
        })
        continue
      }
      log(`  AWS CLI${variant.label ? ` (${variant.label})` : ''}`)
      const outputDir = variant.parallel ? 'cli-signed-parallel' : 'cli-signed'
      bench.rig.signer.reset()
      const run = await runCli({
        awsBin: bench.aws.bin,
        workspace,
        files: scenario.files.map(file => `build/${file.name}`),
        parallel: variant.parallel,
        env: bench.rig.env,
        outputDir,
        timeoutMs: variant.timeoutMs
      })
      const { ok, error } = outcome(
        { ...run, detail: run.stderr },
        scenario.files,
        path.join(workspace, outputDir),
        variant.timeoutMs
      )
      if (error) log(`    FAILED: ${error}`)
      cli.push({
        label: variant.label,
        ok,
        error,
        wallMs: run.durationMs,
        peakRssKb: run.peakRssKb,
        jobs: jobsBetween(bench.rig, run.startedMs, run.startedMs + run.durationMs)
      })
    }
    return { scenario, action, cli }
  } finally {
    rmSync(workspace, { recursive: true, force: true })
  }
}

/** `node -e 0`, spawn to exit: what any Node action pays before its first line runs. */
function nodeBaselineMs(times: number): number {
  const samples: number[] = []
  for (let i = 0; i < times; i++) {
    const started = process.hrtime.bigint()
    spawnSync(process.execPath, ['-e', '0'], { stdio: 'ignore' })
    samples.push(Number(process.hrtime.bigint() - started) / 1e6)
  }
  return median(samples)
}

async function coldStarts(bench: Bench, times: number): Promise<number[]> {
  const workspace = mkdtempSync(path.join(tmpdir(), 'bench-cold-'))
  try {
    const scenario = {
      files: [{ name: 'tiny.zip', bytes: 1024 }],
      maxConcurrency: 4,
      actionTimeoutMs: 60_000
    }
    writeRandomFile(path.join(workspace, 'build', 'tiny.zip'), 1024)
    bench.rig.signer.jobDurationMs = 0
    // One unmeasured run: the page cache holds dist/ afterwards, as after the runner's download.
    await runActionOnce(bench, workspace, scenario)
    const samples: number[] = []
    for (let i = 0; i < times; i++) {
      const run = await runActionOnce(bench, workspace, scenario)
      if (!run.ok) throw new Error(`cold-start run failed: ${run.error}`)
      if (run.coldStartMs !== undefined) samples.push(run.coldStartMs)
    }
    return samples
  } finally {
    rmSync(workspace, { recursive: true, force: true })
  }
}

// ---- Reporting ----------------------------------------------------------------------------------

const SAME = '(same)'

/** The median run by wall time, so that each row's figures come from one real run. */
function typicalRun(runs: ActionFigures[]): ActionFigures | undefined {
  const ok = runs.filter(run => run.ok)
  if (ok.length === 0) return undefined
  const sorted = [...ok].sort((a, b) => a.wallMs - b.wallMs)
  return sorted[Math.floor((sorted.length - 1) / 2)]
}

function report(
  results: ScenarioResult[],
  cold: number[],
  nodeMs: number,
  aws: Bench['aws']
): { markdown: string; allMet: boolean; failures: number } {
  const comparison: string[][] = []
  const breakdown: string[][] = []
  const cliDetail: string[][] = []
  const targets: string[] = []
  let allMet = true
  let failures = 0
  const verdict = (met: boolean, text: string): void => {
    allMet &&= met
    targets.push(`- ${met ? 'MET' : 'MISSED'}: ${text}`)
  }

  for (const { scenario, action, cli } of results) {
    failures += action.filter(run => !run.ok).length + cli.filter(run => !run.ok).length
    const run = typicalRun(action)
    const repeated = scenario.actionRuns > 1 ? ` (median of ${scenario.actionRuns})` : ''
    const overheadMs = run ? run.wallMs - scenario.delayMs : NaN
    const lags = run?.jobs.map(job => job.lagMs) ?? []
    const describes = run?.jobs.map(job => job.describes) ?? []
    const rates = run?.jobs.map(job => job.describeRate) ?? []
    cli.forEach((variant, index) => {
      const ratio = run && variant.ok ? `${(variant.wallMs / run.wallMs).toFixed(1)}×` : 'n/a'
      const first = index === 0
      const label = variant.label ? `, ${variant.label}` : ''
      comparison.push([
        `${scenario.title}${label}`,
        first ? (run ? seconds(run.wallMs) + repeated : 'FAILED') : SAME,
        variant.ok ? seconds(variant.wallMs) : (variant.error ?? 'FAILED'),
        ratio,
        first ? (run ? seconds(overheadMs) : 'n/a') : SAME,
        first ? (lags.length ? millis(max(lags)) : 'n/a') : SAME,
        first ? (run?.coldStartMs !== undefined ? millis(run.coldStartMs) : 'n/a') : SAME,
        first
          ? describes.length
            ? `${mean(describes).toFixed(1)} (${max(rates).toFixed(2)}/s)`
            : 'n/a'
          : SAME,
        first ? mib(run?.peakRssKb) : SAME,
        variant.ok ? mib(variant.peakRssKb) : 'n/a'
      ])
      const cliLags = variant.jobs.map(job => job.lagMs)
      cliDetail.push([
        `${scenario.title}${label}`,
        variant.ok ? seconds(variant.wallMs) : (variant.error ?? 'FAILED'),
        cliLags.length ? seconds(max(cliLags)) : 'n/a',
        variant.jobs.length ? mean(variant.jobs.map(job => job.describes)).toFixed(1) : 'n/a',
        variant.ok ? mib(variant.peakRssKb) : 'n/a'
      ])
    })
    if (run) {
      const cold = run.coldStartMs ?? NaN
      const lastCreated = max(run.jobs.map(job => job.createdAtMs))
      const lastNoticed = max(run.jobs.map(job => job.noticedAtMs))
      breakdown.push([
        scenario.title,
        millis(cold),
        seconds(run.lastStartMs - run.spawnMs - cold),
        seconds(lastCreated - run.lastStartMs),
        seconds(max(run.jobs.map(job => job.jobMs))),
        seconds(max(lags)),
        seconds(run.spawnMs + run.wallMs - lastNoticed),
        seconds(run.wallMs)
      ])
    }

    // Targets.
    if (!run) {
      verdict(false, `${scenario.title}: the action failed (${action[0]?.error ?? 'no run'})`)
      continue
    }
    if (!overPlatformLimit(scenario)) {
      const overheads = action.filter(r => r.ok).map(r => r.wallMs - scenario.delayMs)
      verdict(
        median(overheads) <= TARGET.overheadMs,
        `overhead ≤ ${seconds(TARGET.overheadMs)} over the signing delay, ${scenario.title}: ` +
          `${seconds(median(overheads))}${repeated}`
      )
    } else {
      const jobMs = max(run.jobs.map(job => job.jobMs))
      targets.push(
        `- n/a: overhead, ${scenario.title}: ${seconds(overheadMs)} over the signing delay, ` +
          `${seconds(run.wallMs - jobMs)} over the job's own ${seconds(jobMs)} ` +
          '(the 1 s target is for the 1 MiB scenarios; see the breakdown)'
      )
    }
    const allJobs = action.filter(r => r.ok).flatMap(r => r.jobs)
    const worst = allJobs.reduce<JobFigures | undefined>(
      (a, job) =>
        !a || job.lagMs / lagLimitMs(job.jobMs) > a.lagMs / lagLimitMs(a.jobMs) ? job : a,
      undefined
    )
    if (worst) {
      verdict(
        worst.lagMs <= lagLimitMs(worst.jobMs),
        `lag ≤ ${millis(lagLimitMs(worst.jobMs))} (0.5 s, or a tenth of a longer job), ` +
          `${scenario.title}: worst ${millis(worst.lagMs)} for a ${seconds(worst.jobMs)} job ` +
          `(${allJobs.length} job${allJobs.length === 1 ? '' : 's'})`
      )
      const busiest = allJobs.reduce((a, job) => (job.describeRate > a.describeRate ? job : a))
      verdict(
        busiest.describeRate <= TARGET.describesPerSecond,
        `≤ ${TARGET.describesPerSecond} Describe calls per second per job, ${scenario.title}: ` +
          `at most ${busiest.describeRate.toFixed(2)}/s (${busiest.describes} calls in ` +
          `${seconds(busiest.noticedAtMs - busiest.createdAtMs)} from the job's creation to its noticing)`
      )
    }
    if (overPlatformLimit(scenario)) {
      const rssMiB = (run.peakRssKb ?? Infinity) / 1024
      verdict(
        rssMiB <= TARGET.peakRssMiB,
        `peak RSS ≤ ${TARGET.peakRssMiB} MiB, ${scenario.title}: ${mib(run.peakRssKb)}`
      )
    }
  }
  const coldMedian = cold.length ? median(cold) : NaN
  verdict(
    coldMedian <= TARGET.coldStartMs,
    `cold start ≤ ${TARGET.coldStartMs} ms (spawn to first request): median ${millis(coldMedian)} ` +
      `of ${cold.length} runs (${cold.map(millis).join(', ')}); \`node -e 0\` takes ${millis(nodeMs)}`
  )

  const markdown = [
    table(
      [
        'scenario',
        'action wall',
        'AWS CLI wall',
        'CLI ÷ action',
        'action overhead over signing delay',
        'lag (max)',
        'cold start',
        'Describe per job (max rate)',
        'action peak RSS',
        'CLI peak RSS'
      ],
      comparison
    ),
    '',
    'Where the action’s time goes, in the run of the row above (with 8 files: until the last StartSigningJob arrived, the longest job, the worst lag, from the last job noticed to exit):',
    '',
    table(
      [
        'scenario',
        'cold start',
        'preflight, hash, upload',
        'StartSigningJob',
        'signing job (delay + service work)',
        'lag',
        'download, outputs, exit',
        'wall'
      ],
      breakdown
    ),
    '',
    `The AWS CLI (${aws?.version ?? 'not found'}) on its own: its waiter looks at once, then every 20 s.`,
    '',
    table(
      ['scenario', 'wall', 'lag (max)', 'Describe per job', 'peak RSS (largest process)'],
      cliDetail
    ),
    '',
    'Targets:',
    '',
    ...targets
  ].join('\n')
  return { markdown, allMet, failures }
}

function writeBenchmarksMd(section: string): void {
  const block = `${MARK_START}\n\n${section}\n\n${MARK_END}`
  const current = existsSync(BENCHMARKS_MD) ? readFileSync(BENCHMARKS_MD, 'utf8') : '# Benchmarks\n'
  const start = current.indexOf(MARK_START)
  const end = current.indexOf(MARK_END)
  const next =
    start >= 0 && end > start
      ? current.slice(0, start) + block + current.slice(end + MARK_END.length)
      : `${current.trimEnd()}\n\n${block}\n`
  writeFileSync(BENCHMARKS_MD, next)
}

/** Which bundle was measured: its digest, and whether it is the committed one. */
function bundleIdentity(): string {
  const digest = createHash('sha256').update(readFileSync(ENTRY)).digest('hex').slice(0, 12)
  const git = spawnSync('git', ['diff', '--quiet', 'HEAD', '--', 'dist/index.js'], { cwd: ROOT })
  const state = git.status === 0 ? 'as committed' : git.status === 1 ? 'not as committed' : ''
  return `dist/index.js sha256 ${digest}${state ? ` (${state})` : ''}`
}

function log(line: string): void {
  process.stderr.write(`${line}\n`)
}

// ---- Main ---------------------------------------------------------------------------------------

async function main(): Promise<number> {
  if (!existsSync(ENTRY)) {
    log(`${ENTRY} is missing: run \`npm run bundle\` first.`)
    return 1
  }
  const startedMs = Date.now()
  const loadAtStart = loadavg()[0] ?? 0
  if (loadAtStart > 0.5 * cpus().length) {
    log(`The machine is busy (load average ${loadAtStart.toFixed(1)}): the figures will be noisy.`)
  }
  const aws = findAwsCli()
  if (!aws) log('aws CLI not found: the CLI columns will say so.')
  const nodeMs = nodeBaselineMs(5)

  log('Starting moto, the local Signer service and the S3 proxy…')
  const rig = await startRig({ s3Proxy: true })
  const bench: Bench = { rig, aws }
  const results: ScenarioResult[] = []
  const cold: number[] = []
  try {
    log(`Cold start: 1 warm-up and ${COLD_START_RUNS} runs of a 1 KiB file, no signing delay`)
    cold.push(...(await coldStarts(bench, COLD_START_RUNS)))
    for (const scenario of SCENARIOS.filter(s => !ONLY || s.title.includes(ONLY))) {
      log(`${scenario.title}`)
      results.push(await runScenario(bench, scenario))
    }
  } finally {
    await rig.stop()
  }

  const { markdown, allMet, failures } = report(results, cold, nodeMs, aws)
  const totalMs = Date.now() - startedMs
  const machine =
    `${cpus().length} CPUs (nproc ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim() || '?'}), ` +
    `${cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}, ${aws?.version ?? 'no AWS CLI'}`
  const header = [
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC with \`npm run bench\` ` +
      `(${seconds(totalMs)} in all) on ${machine}; load average ${loadAtStart.toFixed(2)} at the ` +
      `start, ${(loadavg()[0] ?? 0).toFixed(2)} at the end. ${bundleIdentity()}.`,
    'S3 is moto behind the rig’s S3 proxy, Signer the local service; both tools use the same endpoints.'
  ].join(' ')
  const section = `${header}\n\n${markdown}`
  console.log(section)
  if (ONLY) {
    log(`\nBENCH_ONLY is set: ${BENCHMARKS_MD} is left as it is.`)
  } else {
    writeBenchmarksMd(section)
    log(`\nWrote the figures into ${path.relative(process.cwd(), BENCHMARKS_MD)}.`)
  }
  if (failures > 0) log(`${failures} run(s) failed.`)
  if (!allMet) log('Some targets were missed: see BENCHMARKS.md.')
  return failures > 0 ? 1 : 0
}

process.exitCode = await main()
