/**
 * Measuring one run for `npm run bench`: the action (or the cold-start reference) spawned as the
 * Actions runner spawns it, and what the local servers saw of that run.
 */
import { randomBytes } from 'node:crypto'
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync
} from 'node:fs'
import path from 'node:path'
import {
  DESTINATION_BUCKET,
  PROFILE,
  SOURCE_BUCKET,
  noticingLook,
  type Rig
} from '../__tests__/rig/rig.js'
import { runAction, type ActionRun } from '../__tests__/rig/run-action.js'
import {
  readSignature,
  type LocalSigningJob,
  type SignerService
} from '../__tests__/rig/signer-service.js'
import { MiB, overPlatformLimit, type Scenario } from './bench-scenarios.js'
import { max, seconds } from './bench-stats.js'

// ---- Files ------------------------------------------------------------------------------------

export function writeRandomFile(file: string, bytes: number): void {
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
export function isSignedCopy(file: string, unsignedBytes: number): boolean {
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

/** A run succeeded when the tool exited 0 and every file came back as the local Signer's copy. */
export function outcome(
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

// ---- Job lengths --------------------------------------------------------------------------------

/**
 * Gives each job created from now on its own length: `baseMs` plus a random 0 to `extraMs`, so
 * that job ends fall at random phases of the action's polling. The local Signer reads
 * `jobDurationMs` once per job it creates (to schedule the job's end), so a getter draws once per
 * job. Returns the draws; `checkOneDrawPerJob` tells when the service stops reading it that way.
 */
export function drawJobLengths(signer: SignerService, baseMs: number, extraMs: number): number[] {
  const draws: number[] = []
  Object.defineProperty(signer, 'jobDurationMs', {
    configurable: true,
    enumerable: true,
    get: () => {
      const ms = Math.round(baseMs + Math.random() * extraMs)
      draws.push(ms)
      return ms
    },
    set: () => {
      throw new Error('the bench draws jobDurationMs per job: use drawJobLengths')
    }
  })
  return draws
}

export function checkOneDrawPerJob(signer: SignerService, draws: number[]): void {
  if (draws.length !== signer.jobs.length) {
    throw new Error(
      `the local Signer read jobDurationMs ${draws.length} times for ${signer.jobs.length} jobs: ` +
        'the bench can no longer give each job its own length (see drawJobLengths)'
    )
  }
}

// ---- What the local servers saw -----------------------------------------------------------------

export interface JobFigures {
  /** completedAtMs − createdAtMs: the job's length plus the service's own work. */
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
    jobMs: completed - job.createdAtMs,
    lagMs: noticed.atMs - completed,
    describes: job.describeCount,
    describeRate: job.describeCount / Math.max(0.001, (noticed.atMs - job.createdAtMs) / 1000),
    createdAtMs: job.createdAtMs,
    noticedAtMs: noticed.atMs
  }
}

export function jobsBetween(rig: Rig, fromMs: number, toMs: number): JobFigures[] {
  return rig.signer.jobs
    .filter(job => job.createdAtMs >= fromMs && job.createdAtMs <= toMs)
    .map(job => jobFigures(rig, job))
    .filter((figures): figures is JobFigures => figures !== undefined)
}

/** Arrivals of one operation at the Signer, answered or not, in [fromMs, toMs]. */
export function signerCallsBetween(
  rig: Rig,
  operation: string,
  fromMs: number,
  toMs: number
): Array<{ atMs: number; status: number }> {
  return rig.signer.requests.filter(
    request => request.operation === operation && request.atMs >= fromMs && request.atMs <= toMs
  )
}

/** The first request from the run that reached either server (S3 through the proxy, or Signer). */
function firstRequestMs(rig: Rig, fromMs: number): number | undefined {
  const arrivals = [...(rig.proxy?.requests ?? []), ...rig.signer.requests]
    .map(request => request.atMs)
    .filter(atMs => atMs >= fromMs)
  return arrivals.length > 0 ? Math.min(...arrivals) : undefined
}

// ---- Spawning -----------------------------------------------------------------------------------

/**
 * The one spawn call for the action and for the cold-start reference: the rig's runAction with
 * the inputs and environment of the rig's runSigning, and the entry file to run.
 */
export function spawnLikeRunner(
  rig: Rig,
  workspace: string,
  options: {
    inputs: Record<string, string>
    env?: Record<string, string>
    timeoutMs: number
    entry?: string
  }
): Promise<ActionRun> {
  return runAction({
    workspace,
    inputs: {
      'profile-name': PROFILE,
      'source-bucket': SOURCE_BUCKET,
      'destination-bucket': DESTINATION_BUCKET,
      ...options.inputs
    },
    env: { ...rig.env, ...options.env },
    timeoutMs: options.timeoutMs,
    ...(options.entry ? { entry: options.entry } : {})
  })
}

export interface ActionFigures {
  ok: boolean
  error?: string
  spawnMs: number
  /** Spawn to exit. */
  wallMs: number
  /** Spawn to the first request reaching either server. */
  firstRequestMs?: number
  peakRssKb?: number
  jobs: JobFigures[]
  /** Arrival of the last StartSigningJob at the Signer. */
  lastStartMs: number
  /** Arrivals of every DescribeSigningJob of the run, throttled ones included. */
  describeArrivalsMs: number[]
}

/** The inputs of a scenario's step, besides the rig's profile and buckets. */
export function actionInputs(
  scenario: Pick<Scenario, 'files' | 'maxConcurrency'>
): Record<string, string> {
  return {
    path: scenario.files.length === 1 ? `build/${scenario.files[0]?.name}` : 'build/*',
    'max-concurrency': String(scenario.maxConcurrency)
  }
}

/** One run of dist/index.js; each job lasts the scenario's length plus a random extra. */
export async function runActionOnce(
  rig: Rig,
  workspace: string,
  scenario: Pick<Scenario, 'files' | 'maxConcurrency' | 'actionTimeoutMs' | 'jobMs'>,
  jobExtraMs: number
): Promise<ActionFigures> {
  rmSync(path.join(workspace, 'signed'), { recursive: true, force: true })
  rig.signer.reset()
  const draws = drawJobLengths(rig.signer, scenario.jobMs, jobExtraMs)
  // Over the platform's limit: the action warns and skips its size check (see BENCHMARKS.md).
  if (overPlatformLimit(scenario)) rig.signer.faults.deny.add('GetSigningPlatform')
  const run = await spawnLikeRunner(rig, workspace, {
    inputs: actionInputs(scenario),
    timeoutMs: scenario.actionTimeoutMs
  })
  checkOneDrawPerJob(rig.signer, draws)
  const spawnMs = run.spawnedAtMs
  const endMs = spawnMs + run.durationMs
  const first = firstRequestMs(rig, spawnMs)
  const { ok, error } = outcome(
    { ...run, detail: run.errors.join('; ') || run.stderr },
    scenario.files,
    path.join(workspace, 'signed'),
    scenario.actionTimeoutMs
  )
  const starts = signerCallsBetween(rig, 'StartSigningJob', spawnMs, endMs)
  return {
    ok,
    ...(error ? { error } : {}),
    spawnMs,
    wallMs: run.durationMs,
    ...(first === undefined ? {} : { firstRequestMs: first - spawnMs }),
    ...(run.peakRssKb === undefined ? {} : { peakRssKb: run.peakRssKb }),
    jobs: jobsBetween(rig, spawnMs, endMs),
    lastStartMs: max(starts.map(request => request.atMs)),
    describeArrivalsMs: signerCallsBetween(rig, 'DescribeSigningJob', spawnMs, endMs).map(
      request => request.atMs
    )
  }
}

/**
 * An empty ES module next to a package.json of `"type": "module"`, as dist/ has: what `node -e 0`
 * is, as a file (runAction runs a file), and what any JavaScript action pays before its first line.
 */
export function writeReferenceEntry(directory: string): string {
  mkdirSync(directory, { recursive: true })
  writeFileSync(path.join(directory, 'package.json'), '{ "type": "module" }\n')
  const entry = path.join(directory, 'index.js')
  writeFileSync(entry, '')
  return entry
}

/** Spawn to exit of the reference, spawned by the same call, with the same inputs and env. */
export async function runReferenceOnce(
  rig: Rig,
  workspace: string,
  entry: string,
  inputs: Record<string, string>
): Promise<number> {
  const run = await spawnLikeRunner(rig, workspace, { inputs, timeoutMs: 30_000, entry })
  if (run.exitCode !== 0) throw new Error(`the reference exited ${run.exitCode}: ${run.stderr}`)
  return run.durationMs
}
