/** What `npm run bench` measures: its scenarios, how many runs each gets, and the targets. */
import type { RegistryKind } from './image-rig.js'

export const MiB = 1024 * 1024

/**
 * Runs per scenario: 5 by default, so that each figure has a median and a p90.
 * BENCH_RUNS=2 is for trying the bench out, and then BENCHMARKS.md is left alone.
 */
export const RUNS = Math.max(1, Number.parseInt(process.env.BENCH_RUNS ?? '', 10) || 5)

/** BENCH_ONLY=512 runs only the sections whose title holds '512' and leaves BENCHMARKS.md alone. */
export const ONLY = process.env.BENCH_ONLY ?? ''

/** BENCH_NO_CLI=1 skips the AWS CLI runs, which take about half of the bench. */
export const WITH_CLI = !process.env.BENCH_NO_CLI

export function selected(title: string): boolean {
  return !ONLY || title.includes(ONLY)
}

/** Each job lasts the scenario's length plus a random extra of up to this, drawn per job. */
export const JOB_EXTRA_MS = 500

export interface CliVariant {
  parallel: boolean
  label: string
  timeoutMs: number
}

export interface Scenario {
  title: string
  files: Array<{ name: string; bytes: number }>
  /** The shortest job: the local Signer keeps each job InProgress this long plus its extra. */
  jobMs: number
  maxConcurrency: number
  /** One run per variant: the CLI's figures are a comparison, not a target. */
  cli: CliVariant[]
  actionTimeoutMs: number
}

/** The rig's profile is on the Lambda platform, whose limit is 250 MB. */
const PLATFORM_LIMIT_BYTES = 250 * MiB

/** A file over the platform's limit: the bench denies GetSigningPlatform so that it is signed. */
export function overPlatformLimit(scenario: Pick<Scenario, 'files'>): boolean {
  return scenario.files.some(file => file.bytes > PLATFORM_LIMIT_BYTES)
}

/** All files in flight at once: wall minus the longest job is then the action's overhead. */
export function oneWave(scenario: Pick<Scenario, 'files' | 'maxConcurrency'>): boolean {
  return scenario.files.length <= scenario.maxConcurrency
}

const oneFile = (name: string, bytes: number): Scenario['files'] => [{ name, bytes }]
const manyFiles = (count: number): Scenario['files'] =>
  Array.from({ length: count }, (_, i) => ({ name: `function-${i + 1}.zip`, bytes: MiB }))
const sequentialCli = (timeoutMs: number): CliVariant[] => [
  { parallel: false, label: '', timeoutMs }
]

export const ONE_FILE_3S = '1 × 1 MiB, 3 s job'
export const EIGHT_FILES = '8 × 1 MiB, 3 s jobs, max-concurrency 8'

export const SCENARIOS: Scenario[] = [
  {
    title: ONE_FILE_3S,
    files: oneFile('function.zip', MiB),
    jobMs: 3000,
    maxConcurrency: 4,
    cli: sequentialCli(120_000),
    actionTimeoutMs: 120_000
  },
  {
    title: '1 × 1 MiB, 10 s job',
    files: oneFile('function.zip', MiB),
    jobMs: 10_000,
    maxConcurrency: 4,
    cli: sequentialCli(120_000),
    actionTimeoutMs: 120_000
  },
  {
    title: '1 × 1 MiB, 30 s job',
    files: oneFile('function.zip', MiB),
    jobMs: 30_000,
    maxConcurrency: 4,
    cli: sequentialCli(180_000),
    actionTimeoutMs: 180_000
  },
  {
    title: EIGHT_FILES,
    files: manyFiles(8),
    jobMs: 3000,
    maxConcurrency: 8,
    cli: [
      { parallel: false, label: 'CLI sequential', timeoutMs: 400_000 },
      { parallel: true, label: 'CLI in parallel (&, wait)', timeoutMs: 180_000 }
    ],
    actionTimeoutMs: 120_000
  },
  {
    // 64 CLI runs one after another would take 25 minutes, so the CLI sits this one out.
    title: '64 × 1 MiB, 3 s jobs, max-concurrency 32',
    files: manyFiles(64),
    jobMs: 3000,
    maxConcurrency: 32,
    cli: [],
    actionTimeoutMs: 180_000
  },
  {
    title: '1 × 512 MiB, 3 s job',
    files: oneFile('firmware.bin', 512 * MiB),
    jobMs: 3000,
    maxConcurrency: 4,
    cli: sequentialCli(300_000),
    actionTimeoutMs: 300_000
  }
]

export interface ImageScenario {
  title: string
  images: number
  maxConcurrency: number
  registry: RegistryKind
  /** How the results must say each signature is listed: by the referrers API or in the tag. */
  expectedListing: 'api' | 'tag'
  repository: string
  timeoutMs: number
}

export const ONE_IMAGE = '1 image'
export const SIXTEEN_IMAGES = '16 images in one step, max-concurrency 16'

const WITHOUT_API = 'registry without the referrers API'
const WITH_API = 'registry with the referrers API'

/**
 * Issue 15: one image, and 16 in one step, in the real registry (docker-registry 2.8, which has
 * no referrers API, so the referrers tag is kept) and in the stand-in with the referrers API.
 * One image keeps the default max-concurrency (4); the 16 go at once, as the 8 files do. A
 * section per registry runs its two scenarios in turns, alternating which goes first, so that a
 * change in the machine's load weighs on both sides of the ratio alike.
 */
export interface ImageSection {
  title: string
  scenarios: ImageScenario[]
}

export const IMAGE_SECTIONS: ImageSection[] = (['tag-schema', 'referrers-api'] as const).map(
  registry => ({
    title: `images, 1 and 16 in turns, ${registry === 'referrers-api' ? WITH_API : WITHOUT_API}`,
    scenarios: [imageScenario(1, registry), imageScenario(16, registry)]
  })
)

function imageScenario(images: 1 | 16, registry: RegistryKind): ImageScenario {
  const api = registry === 'referrers-api'
  return {
    title: `${images === 1 ? ONE_IMAGE : SIXTEEN_IMAGES}, ${api ? WITH_API : WITHOUT_API}`,
    images,
    maxConcurrency: images === 1 ? 4 : 16,
    registry,
    expectedListing: api ? 'api' : 'tag',
    repository: 'bench/app',
    timeoutMs: 120_000
  }
}

export const COLD_START_TITLE = 'cold start'
/** Pairs of one action run and one reference run, alternating. */
export const COLD_START_PAIRS = 15

/** Matrix legs of one run, started at once in one account, under Signer's request quotas. */
export interface QuotaScenario {
  title: string
  legs: number
  filesPerLeg: number
  fileBytes: number
  maxConcurrency: number
  /** Every job's length: no random extra, as the bound below counts one job's length. */
  jobMs: number
  /** Requests per second, per operation, shared by every caller. */
  quotas: { StartSigningJob: number; DescribeSigningJob: number }
  legTimeoutMs: number
}

/** Issue 8 §5: six legs of 8 files under StartSigningJob 3/s. */
export const QUOTA: QuotaScenario = {
  title: "6 legs × 8 × 1 MiB under one account's quota",
  legs: 6,
  filesPerLeg: 8,
  fileBytes: MiB,
  maxConcurrency: 8,
  jobMs: 3000,
  quotas: { StartSigningJob: 3, DescribeSigningJob: 10 },
  legTimeoutMs: 300_000
}

/** What the quota lets through at best: every StartSigningJob at its rate, then one job's length. */
export function quotaBoundMs(scenario: QuotaScenario): number {
  const files = scenario.legs * scenario.filesPerLeg
  return (files / scenario.quotas.StartSigningJob) * 1000 + scenario.jobMs
}

/**
 * Issue 14 item 7: how close legs come to the quota-bound time, over a grid of leg counts and
 * StartSigningJob quotas; 4 small files a leg, so that the pace, not the bytes, sets the time.
 * Its title holds 'grid' and not 'quota', so that BENCH_ONLY=quota still runs the six legs alone.
 */
export const QUOTA_GRID = {
  title: 'grid of legs × StartSigningJob rates (2, 4, 8 legs × 4 × 64 KiB; 1, 3, 10/s)',
  legs: [2, 4, 8],
  startPerSecond: [1, 3, 10],
  /** Runs per cell: 3 × 9 cells take about 5 minutes. */
  runs: 3
} as const

export function quotaGridCells(): QuotaScenario[] {
  return QUOTA_GRID.startPerSecond.flatMap(perSecond =>
    QUOTA_GRID.legs.map(legs => ({
      title: `${legs} legs at ${perSecond}/s`,
      legs,
      filesPerLeg: 4,
      fileBytes: 64 * 1024,
      maxConcurrency: 4,
      jobMs: 3000,
      quotas: { StartSigningJob: perSecond, DescribeSigningJob: 10 },
      legTimeoutMs: 180_000
    }))
  )
}

export const TARGET = {
  /** Median overhead over the signing time, one 1 MiB file, 3 s job. */
  overheadMs: 500,
  /** Median wall of 8 files at max-concurrency 8 over that of one file. */
  eightFilesRatio: 1.15,
  peakRssMiB: 250,
  /** Jobs up to this long: worst lag at most lagShortMs; longer: the shares below. */
  lagShortJobMs: 10_000,
  lagShortMs: 500,
  lagWorstShare: 0.1,
  lagMeanShare: 0.05,
  describesPerSecond: 2,
  /**
   * Action spawn-to-first-request over the reference's spawn-to-exit, medians. Issue 11 measured
   * 5.8-6.5× on Node 24 and asks for a start 25% faster: 0.75 × 5.8.
   */
  coldStartRatio: 4.35,
  /** Quota scenario: total time over what the quota allows. */
  quotaRatio: 2,
  /** Issue 15: one image's wall minus SignPayload's round trip, median. */
  imageOverheadMs: 500,
  /** Issue 15: median wall of 16 images in one step over that of one image. */
  sixteenImagesRatio: 1.3,
  /** Quota grid: in every cell, the median total over the quota-bound time (issue 14 item 7). */
  gridRatio: 1.5
} as const
