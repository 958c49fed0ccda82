/**
 * The image scenarios of `npm run bench`: one run of a step that signs images (dist/index.js,
 * spawned as the runner spawns it), SignPayload's own round trip measured in the same run, and
 * their tables and targets.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { SignerClient, SignPayloadCommand } from '@aws-sdk/client-signer'
import type { Rig } from '../__tests__/rig/rig.js'
import { pushTestImage } from '../__tests__/rig/test-images.js'
import type { Descriptor } from '../src/registry/descriptor.js'
import {
  CONTAINER_PROFILE,
  imageResults,
  runImageStep,
  startLocalRegistry,
  type LocalRegistry,
  type RegistryKind
} from './image-rig.js'
import {
  ONE_IMAGE,
  SIXTEEN_IMAGES,
  TARGET,
  type ImageScenario,
  type ImageSection
} from './bench-scenarios.js'
import type { Judge } from './bench-report.js'
import { count, max, median, medianP90, mib, millis, seconds, table, times } from './bench-stats.js'

/** SignPayload calls the bench makes itself after each run, to time the service's round trip. */
const LATENCY_CALLS = 5

export interface ImageFigures {
  ok: boolean
  error?: string
  /** Spawn to exit. */
  wallMs: number
  /** Median round trip of the bench's own SignPayload calls right after the run. */
  signPayloadMs: number
  /** Spawn to the step's first request at the Signer (its preflight). */
  firstSignerRequestMs?: number
  /** Spawn to the arrival of the step's last SignPayload. */
  lastSignPayloadMs?: number
  /** How the registry listed the signatures (the results' `referrers`), distinct values. */
  referrers: string[]
  peakRssKb?: number
  /** The step's own CPU time, user and system (process.cpuUsage() at its exit). */
  actionCpuMs?: number
  /** Of it, the main thread's (process.threadCpuUsage() at its exit). */
  mainThreadCpuMs?: number
  /**
   * The bench process's CPU time while the step ran: the local Signer and the stand-in (not
   * docker-registry, a process of its own) answering the step.
   */
  benchCpuMs: number
  /** The machine's 1-minute load average when the step ended. */
  loadAverage: number
}

export interface ImageScenarioResult {
  scenario: ImageScenario
  /** Which registry it ran against, in words. */
  registry: string
  runs: ImageFigures[]
}

/** The registries the image scenarios sign in, each started once, when first asked for. */
export class BenchRegistries {
  private readonly started = new Map<RegistryKind, Promise<LocalRegistry>>()

  constructor(private readonly note: (line: string) => void) {}

  get(kind: RegistryKind): Promise<LocalRegistry> {
    let registry = this.started.get(kind)
    if (!registry) {
      registry = startLocalRegistry(kind, this.note)
      this.started.set(kind, registry)
    }
    return registry
  }

  async stop(): Promise<void> {
    const registries = await Promise.allSettled(this.started.values())
    for (const registry of registries) {
      if (registry.status === 'fulfilled') await registry.value.stop()
    }
  }
}

/** A warm client of the bench's own, for SignPayload's round trip without the step's start-up. */
export function latencyClient(rig: Rig): SignerClient {
  return new SignerClient({
    endpoint: rig.signer.endpoint,
    region: rig.env.AWS_REGION,
    credentials: {
      accessKeyId: rig.env.AWS_ACCESS_KEY_ID ?? 'test',
      secretAccessKey: rig.env.AWS_SECRET_ACCESS_KEY ?? 'test'
    }
  })
}

async function signPayloadRoundTrips(client: SignerClient, image: Descriptor): Promise<number[]> {
  const { mediaType, digest, size } = image
  const payload = Buffer.from(JSON.stringify({ targetArtifact: { mediaType, digest, size } }))
  const roundTrips: number[] = []
  for (let i = 0; i < LATENCY_CALLS; i++) {
    const started = performance.now()
    await client.send(
      new SignPayloadCommand({
        profileName: CONTAINER_PROFILE,
        payload,
        payloadFormat: 'application/vnd.cncf.notary.payload.v1+json'
      })
    )
    roundTrips.push(performance.now() - started)
  }
  return roundTrips
}

/**
 * One run: new images (so that no referrers tag exists yet, as after a build), one step that
 * signs them all, then SignPayload timed on its own.
 */
async function runImageOnce(
  rig: Rig,
  registry: LocalRegistry,
  client: SignerClient,
  cpuProbe: CpuProbe,
  scenario: ImageScenario,
  run: number
): Promise<ImageFigures> {
  const seed = `${Date.now()}-${run}`
  const images: Descriptor[] = []
  for (let i = 0; i < scenario.images; i++) {
    images.push(
      await pushTestImage(registry.endpoint, scenario.repository, { seed: `${seed}-${i}` })
    )
  }
  const references = images.map(image => `${registry.host}/${scenario.repository}@${image.digest}`)
  rig.signer.reset()
  const benchCpu = process.cpuUsage()
  const step = await runImageStep(
    rig,
    references,
    { 'max-concurrency': String(scenario.maxConcurrency) },
    { timeoutMs: scenario.timeoutMs, env: { NODE_OPTIONS: `--require ${cpuProbe.preload}` } }
  )
  const benchCpuMs = cpuMs(process.cpuUsage(benchCpu))
  const stepCpu = cpuProbe.read()
  const spawn = step.spawnedAtMs
  const requests = rig.signer.requests.filter(
    request => request.atMs >= spawn && request.atMs <= spawn + step.durationMs
  )
  const signPayloads = requests.filter(request => request.operation === 'SignPayload')
  const jobs = rig.signer.notary.jobs.length
  const results = imageResults(step)
  const referrers = [...new Set(results.map(result => result.referrers))]
  const problems = [
    step.timedOut ? `timed out after ${seconds(scenario.timeoutMs)}` : '',
    step.exitCode !== 0 ? `exit ${step.exitCode}: ${step.errors.join('; ') || step.stderr}` : '',
    results.filter(result => result.status === 'signed').length !== scenario.images
      ? `${results.filter(result => result.status === 'signed').length} of ${scenario.images} signed`
      : '',
    jobs !== scenario.images ? `${jobs} SignPayload jobs for ${scenario.images} images` : '',
    referrers.some(listing => listing !== scenario.expectedListing)
      ? `listed by ${referrers.join(', ')}, expected ${scenario.expectedListing}`
      : ''
  ].filter(Boolean)
  const roundTrips = await signPayloadRoundTrips(client, images[0] as Descriptor)
  // The log is in the order the answers went out: the first to arrive is the earliest.
  const firstRequest = requests.length
    ? Math.min(...requests.map(request => request.atMs))
    : undefined
  return {
    ok: problems.length === 0,
    ...(problems.length ? { error: problems.join('; ').slice(0, 300) } : {}),
    wallMs: step.durationMs,
    signPayloadMs: median(roundTrips),
    ...(firstRequest === undefined ? {} : { firstSignerRequestMs: firstRequest - spawn }),
    ...(signPayloads.length
      ? { lastSignPayloadMs: max(signPayloads.map(request => request.atMs)) - spawn }
      : {}),
    referrers,
    ...(step.peakRssKb === undefined ? {} : { peakRssKb: step.peakRssKb }),
    ...(stepCpu === undefined ? {} : { actionCpuMs: stepCpu.processMs }),
    ...(stepCpu?.mainThreadMs === undefined ? {} : { mainThreadCpuMs: stepCpu.mainThreadMs }),
    benchCpuMs,
    loadAverage: loadavg()[0] ?? NaN
  }
}

/**
 * A section's scenarios against the registry of its kind, one run of each in turn, the first
 * scenario first in even turns and last in odd ones.
 */
export async function runImageSection(
  rig: Rig,
  registries: BenchRegistries,
  client: SignerClient,
  section: ImageSection,
  runs: number,
  log: (line: string) => void
): Promise<ImageScenarioResult[]> {
  const results: ImageScenarioResult[] = []
  for (const scenario of section.scenarios) {
    const registry = await registries.get(scenario.registry)
    results.push({ scenario, registry: registry.label, runs: [] })
  }
  log(`  in ${results[0]?.registry ?? '?'}`)
  const cpuProbe = new CpuProbe()
  try {
    for (let i = 0; i < runs; i++) {
      const turn = i % 2 === 0 ? results : [...results].reverse()
      for (const result of turn) {
        const registry = await registries.get(result.scenario.registry)
        const run = await runImageOnce(rig, registry, client, cpuProbe, result.scenario, i)
        log(
          `  run ${i + 1}/${runs}, ${count(result.scenario.images, 'image')}: ${run.ok ? `${seconds(run.wallMs)} (SignPayload ${millis(run.signPayloadMs)}, load ${run.loadAverage.toFixed(1)})` : `FAILED: ${run.error}`}`
        )
        result.runs.push(run)
      }
    }
  } finally {
    cpuProbe.remove()
  }
  return results
}

const cpuMs = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000

/** The step's CPU time as it reported it at exit. */
interface StepCpu {
  /** Every thread's: the main thread, libuv's pool (the ES384 checks), V8's helpers. */
  processMs: number
  /**
   * The main thread's alone (process.threadCpuUsage, Node 23.9 and later): the event loop every
   * image's requests and checks take turns on, so what a step of many images waits on.
   */
  mainThreadMs?: number
}

/**
 * A preload (NODE_OPTIONS --require) that writes the step's own CPU time on exit: the runner's
 * step has no getrusage of its children either, so the child reports itself, as runAction does
 * for its peak RSS.
 */
class CpuProbe {
  private readonly directory = mkdtempSync(path.join(tmpdir(), 'bench-cpu-'))
  private readonly file = path.join(this.directory, 'cpu.json')
  readonly preload = path.join(this.directory, 'cpu.cjs')

  constructor() {
    writeFileSync(
      this.preload,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(this.file)}, ` +
        `JSON.stringify({ process: process.cpuUsage(), mainThread: process.threadCpuUsage?.() })))\n`
    )
  }

  /** The last step's CPU time, read once. */
  read(): StepCpu | undefined {
    if (!existsSync(this.file)) return undefined
    const usage = JSON.parse(readFileSync(this.file, 'utf8')) as {
      process: NodeJS.CpuUsage
      mainThread?: NodeJS.CpuUsage
    }
    rmSync(this.file)
    return {
      processMs: cpuMs(usage.process),
      ...(usage.mainThread ? { mainThreadMs: cpuMs(usage.mainThread) } : {})
    }
  }

  remove(): void {
    rmSync(this.directory, { recursive: true, force: true })
  }
}

// ---- Tables and targets -------------------------------------------------------------------------

const okRuns = (runs: ImageFigures[]): ImageFigures[] => runs.filter(run => run.ok)
const overheadMs = (run: ImageFigures): number => run.wallMs - run.signPayloadMs
const loadOf = (run: ImageFigures): number => run.loadAverage
const min = (values: number[]): number => (values.length ? Math.min(...values) : NaN)

export function imageTable(results: ImageScenarioResult[]): string {
  const rows = results.map(({ scenario, registry, runs }) => {
    const ok = okRuns(runs)
    const medianOf = (pick: (run: ImageFigures) => number | undefined): string =>
      millis(median(ok.map(pick).filter((ms): ms is number => ms !== undefined)))
    return [
      scenario.title,
      registry,
      `${ok.length} of ${runs.length}`,
      medianP90(
        ok.map(run => run.wallMs),
        seconds
      ),
      medianOf(run => run.signPayloadMs),
      medianP90(ok.map(overheadMs), seconds),
      medianOf(run => run.firstSignerRequestMs),
      medianOf(run => run.lastSignPayloadMs),
      medianOf(run =>
        run.lastSignPayloadMs === undefined ? undefined : run.wallMs - run.lastSignPayloadMs
      ),
      [...new Set(ok.flatMap(run => run.referrers))].join(', ') || 'n/a',
      medianOf(run => run.actionCpuMs),
      medianOf(run => run.mainThreadCpuMs),
      medianOf(run => run.benchCpuMs),
      mib(max(ok.map(run => run.peakRssKb ?? NaN))),
      runs.length
        ? `${min(runs.map(loadOf)).toFixed(1)}–${max(runs.map(loadOf)).toFixed(1)}`
        : 'n/a'
    ]
  })
  return [
    `Container images: each run pushes new images (a config and a layer of a few bytes, an OCI manifest) and runs one step that signs them all by digest, the 1-image and 16-image steps in turns (alternating which goes first); SignPayload latency is the median round trip of ${count(LATENCY_CALLS, 'SignPayload call')} the bench makes with its own warm SDK client right after the step, against the same local Signer. The step's CPU is what it reports of itself at exit, every thread's and then its main thread's alone (the event loop every image takes turns on); the bench process's is that of the local Signer and the stand-in (not docker-registry's, a process of its own) while the step ran, on the same CPUs. Median / p90 over the runs; the columns from "spawn to" on are medians.`,
    '',
    table(
      [
        'scenario',
        'registry',
        'runs ok',
        'wall',
        'SignPayload latency',
        'wall − SignPayload latency',
        'spawn to first Signer request',
        'spawn to last SignPayload',
        'last SignPayload to exit',
        'listed by',
        'step’s CPU (user + system)',
        'of it, its main thread’s',
        'bench process’s CPU meanwhile',
        'peak RSS (max)',
        'load average (1 min) at the runs’ ends'
      ],
      rows
    )
  ].join('\n')
}

export function judgeImages(results: ImageScenarioResult[], judge: Judge): void {
  for (const result of results) {
    const failed = result.runs.filter(run => !run.ok)
    if (failed.length) {
      judge(
        'every run signs every image',
        result.scenario.title,
        `${failed.length} of ${result.runs.length} runs failed: ${failed[0]?.error ?? ''}`,
        false
      )
    }
  }
  const kinds = [...new Set(results.map(result => result.scenario.registry))]
  for (const kind of kinds) {
    const one = results.find(r => r.scenario.registry === kind && r.scenario.images === 1)
    const sixteen = results.find(r => r.scenario.registry === kind && r.scenario.images === 16)
    if (one) {
      const overheads = okRuns(one.runs).map(overheadMs)
      judge(
        `one image signed within ${seconds(TARGET.imageOverheadMs)} of the SignPayload latency (median of wall − latency)`,
        `${ONE_IMAGE}, ${one.registry}`,
        `${medianP90(overheads, seconds)} (median / p90 of ${overheads.length})`,
        overheads.length ? median(overheads) <= TARGET.imageOverheadMs : undefined
      )
    }
    if (one && sixteen) {
      const oneWall = median(okRuns(one.runs).map(run => run.wallMs))
      const sixteenWall = median(okRuns(sixteen.runs).map(run => run.wallMs))
      const ratio = sixteenWall / oneWall
      judge(
        `16 images within ${TARGET.sixteenImagesRatio}× of one (medians of wall)`,
        `${SIXTEEN_IMAGES} vs ${ONE_IMAGE}, ${one.registry}`,
        `${times(ratio)} (${seconds(sixteenWall)} vs ${seconds(oneWall)})`,
        Number.isFinite(ratio) ? ratio <= TARGET.sixteenImagesRatio : undefined
      )
    }
  }
}
