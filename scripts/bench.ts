/**
 * `npm run bench`: starts moto and the local Signer service and, in one run, measures the action's
 * dist/index.js, run exactly as the Actions runner runs it (the rig's runAction, on the Node of
 * .node-version, which action.yml declares), against scripts/aws-cli-sign.sh, which does the same job with the AWS CLI. Prints the tables and
 * the targets, and writes them into BENCHMARKS.md between the `bench:start` / `bench:end` markers.
 *
 *   bench-scenarios.ts  what is measured, and the targets
 *   bench-measure.ts    one run of the action or of the cold-start reference, and what the servers saw
 *   bench-aws-cli.ts    one run of the AWS CLI script
 *   bench-quota.ts      matrix legs at once under one account's Signer quotas, one scenario or a grid
 *   bench-images.ts     container images: one step signing 1 or 16, in a local registry
 *   bench-stats.ts      medians, percentiles, rates, tables
 *   bench-report.ts     the tables, the targets, BENCHMARKS.md
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { startRig, type Rig } from '../__tests__/rig/rig.js'
import {
  DEFAULT_ENTRY as ENTRY,
  REPO_ROOT as ROOT,
  actionNode
} from '../__tests__/rig/run-action.js'
import { findAwsCli, runCliOnce, type AwsCli, type CliFigures } from './bench-aws-cli.js'
import {
  actionInputs,
  runActionOnce,
  runReferenceOnce,
  writeRandomFile,
  writeReferenceEntry,
  type ActionFigures
} from './bench-measure.js'
import { runQuotaOnce, type QuotaCellRuns, type QuotaRun } from './bench-quota.js'
import {
  BenchRegistries,
  latencyClient,
  runImageSection,
  type ImageScenarioResult
} from './bench-images.js'
import { addContainerProfile } from './image-rig.js'
import {
  COLD_START_PAIRS,
  COLD_START_TITLE,
  IMAGE_SECTIONS,
  JOB_EXTRA_MS,
  ONLY,
  QUOTA,
  QUOTA_GRID,
  RUNS,
  SCENARIOS,
  WITH_CLI,
  quotaBoundMs,
  quotaGridCells,
  selected,
  type Scenario
} from './bench-scenarios.js'
import {
  report,
  writeBenchmarksMd,
  type ColdStartPair,
  type ScenarioResult
} from './bench-report.js'
import { count, seconds } from './bench-stats.js'

const BENCHMARKS_MD = path.join(ROOT, 'BENCHMARKS.md')

function log(line: string): void {
  process.stderr.write(`${line}\n`)
}

async function runScenario(
  rig: Rig,
  aws: AwsCli | undefined,
  scenario: Scenario
): Promise<ScenarioResult> {
  const workspace = mkdtempSync(path.join(tmpdir(), 'bench-ws-'))
  try {
    for (const file of scenario.files) {
      writeRandomFile(path.join(workspace, 'build', file.name), file.bytes)
    }
    const action: ActionFigures[] = []
    for (let i = 0; i < RUNS; i++) {
      const run = await runActionOnce(rig, workspace, scenario, JOB_EXTRA_MS)
      log(
        `  action run ${i + 1}/${RUNS}: ${run.ok ? `${seconds(run.wallMs)}` : `FAILED: ${run.error}`}`
      )
      action.push(run)
    }
    const cli: CliFigures[] = []
    for (const variant of WITH_CLI ? scenario.cli : []) {
      if (!aws) {
        cli.push({
          label: variant.label,
          ok: false,
          error: 'aws CLI not found',
          wallMs: NaN,
          jobs: []
        })
        continue
      }
      const run = await runCliOnce(rig, aws, workspace, scenario, variant, JOB_EXTRA_MS)
      log(
        `  AWS CLI${variant.label ? ` (${variant.label})` : ''}: ${run.ok ? seconds(run.wallMs) : `FAILED: ${run.error}`}`
      )
      cli.push(run)
    }
    return { scenario, action, cli }
  } finally {
    rmSync(workspace, { recursive: true, force: true })
  }
}

/**
 * The action on a 1 KiB file with 0 s jobs, and the reference, alternating which goes first, so
 * that a drift of the machine's speed weighs on both alike.
 */
async function coldStarts(rig: Rig, pairs: number): Promise<ColdStartPair[]> {
  const workspace = mkdtempSync(path.join(tmpdir(), 'bench-cold-'))
  try {
    const reference = writeReferenceEntry(path.join(workspace, 'reference'))
    const scenario = {
      files: [{ name: 'tiny.zip', bytes: 1024 }],
      maxConcurrency: 4,
      actionTimeoutMs: 60_000,
      jobMs: 0
    }
    writeRandomFile(path.join(workspace, 'build', 'tiny.zip'), 1024)
    const inputs = actionInputs(scenario)
    const action = async (): Promise<ActionFigures> => {
      const run = await runActionOnce(rig, workspace, scenario, 0)
      if (!run.ok || run.firstRequestMs === undefined) {
        throw new Error(`cold-start run failed: ${run.error ?? 'no request reached the servers'}`)
      }
      return run
    }
    // One unmeasured run of each: the page cache then holds both, as after the runner's download.
    await action()
    await runReferenceOnce(rig, workspace, reference, inputs)
    const results: ColdStartPair[] = []
    for (let i = 0; i < pairs; i++) {
      let run: ActionFigures
      let referenceExitMs: number
      if (i % 2 === 0) {
        run = await action()
        referenceExitMs = await runReferenceOnce(rig, workspace, reference, inputs)
      } else {
        referenceExitMs = await runReferenceOnce(rig, workspace, reference, inputs)
        run = await action()
      }
      results.push({
        actionFirstRequestMs: run.firstRequestMs as number,
        actionExitMs: run.wallMs,
        referenceExitMs
      })
    }
    return results
  } finally {
    rmSync(workspace, { recursive: true, force: true })
  }
}

function bundleDigest(): string {
  if (!existsSync(ENTRY)) return 'missing'
  return createHash('sha256').update(readFileSync(ENTRY)).digest('hex').slice(0, 12)
}

/** Which bundle was measured: its digest, and whether it is the committed one. */
function bundleIdentity(digest: string): string {
  const git = spawnSync('git', ['diff', '--quiet', 'HEAD', '--', 'dist/index.js'], { cwd: ROOT })
  const state = git.status === 0 ? 'as committed' : git.status === 1 ? 'not as committed' : ''
  return `dist/index.js sha256 ${digest}${state ? ` (${state})` : ''}`
}

async function main(): Promise<number> {
  if (!existsSync(ENTRY)) {
    log(`${ENTRY} is missing: run \`npm run bundle\` first.`)
    return 1
  }
  const startedMs = Date.now()
  const digest = bundleDigest()
  const bundle = bundleIdentity(digest)
  const loadAtStart = loadavg()[0] ?? 0
  if (loadAtStart > 0.5 * cpus().length) {
    log(`The machine is busy (load average ${loadAtStart.toFixed(1)}): the figures will be noisy.`)
  }
  const aws = WITH_CLI ? findAwsCli() : undefined
  if (WITH_CLI && !aws) log('aws CLI not found: the CLI columns will say so.')

  log('Starting moto, the local Signer service and the S3 proxy…')
  const rig = await startRig({ s3Proxy: true })
  addContainerProfile(rig)
  const registries = new BenchRegistries(log)
  const signer = latencyClient(rig)
  const scenarios: ScenarioResult[] = []
  const images: ImageScenarioResult[] = []
  let coldStart: ColdStartPair[] | undefined
  let quota: QuotaRun[] | undefined
  let quotaGrid: QuotaCellRuns[] | undefined
  const sectionErrors: string[] = []
  // A section that breaks is reported as such; the others still are.
  const section = async (title: string, measure: () => Promise<void>): Promise<void> => {
    if (!selected(title)) return
    log(title)
    try {
      await measure()
    } catch (error) {
      const message = `${title}: ${error instanceof Error ? error.message : String(error)}`
      log(`  FAILED: ${message}`)
      sectionErrors.push(message)
    }
  }
  try {
    await section(COLD_START_TITLE, async () => {
      log(`  ${COLD_START_PAIRS} pairs of the action and the reference, alternating`)
      coldStart = await coldStarts(rig, COLD_START_PAIRS)
    })
    for (const scenario of SCENARIOS) {
      await section(scenario.title, async () => {
        scenarios.push(await runScenario(rig, aws, scenario))
      })
    }
    for (const imageSection of IMAGE_SECTIONS) {
      await section(imageSection.title, async () => {
        images.push(...(await runImageSection(rig, registries, signer, imageSection, RUNS, log)))
      })
    }
    await section(QUOTA.title, async () => {
      const runs: QuotaRun[] = []
      for (let i = 0; i < RUNS; i++) {
        const run = await runQuotaOnce(rig, QUOTA)
        log(
          `  run ${i + 1}/${RUNS}: ${run.filesSigned} of ${run.files} signed, ${run.jobsCreated} jobs, ` +
            `${run.legsFailed} legs failed, ${seconds(run.totalMs)}`
        )
        runs.push(run)
      }
      quota = runs
    })
    await section(QUOTA_GRID.title, async () => {
      const cells: QuotaCellRuns[] = []
      for (const scenario of quotaGridCells()) {
        const runs: QuotaRun[] = []
        for (let i = 0; i < QUOTA_GRID.runs; i++) {
          const run = await runQuotaOnce(rig, scenario)
          log(
            `  ${scenario.title}, run ${i + 1}/${QUOTA_GRID.runs}: ${run.filesSigned} of ${run.files} signed, ` +
              `${seconds(run.totalMs)} (${(run.totalMs / quotaBoundMs(scenario)).toFixed(2)}× the quota-bound ` +
              `${seconds(quotaBoundMs(scenario))}), ${run.startThrottled} StartSigningJob 429s, ` +
              `load ${run.loadAtStart.toFixed(1)}`
          )
          runs.push(run)
        }
        cells.push({ scenario, runs })
      }
      quotaGrid = cells
    })
  } finally {
    signer.destroy()
    await registries.stop()
    await rig.stop()
  }

  const nodeVersion = spawnSync(await actionNode(), ['--version'], {
    encoding: 'utf8'
  }).stdout.trim()
  const { markdown, missed } = report({
    scenarios,
    images,
    coldStart,
    quota,
    quotaGrid,
    aws,
    sectionErrors
  })
  const failures = scenarios.reduce(
    (sum, { action, cli }) =>
      sum + action.filter(run => !run.ok).length + cli.filter(run => !run.ok).length,
    sectionErrors.length +
      images.reduce((sum, { runs }) => sum + runs.filter(run => !run.ok).length, 0)
  )
  const machine =
    `${cpus().length} CPUs (nproc ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim() || '?'}), ` +
    `${cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${nodeVersion} for the action, ` +
    `${aws?.version ?? 'no AWS CLI'}`
  const header = [
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC with \`npm run bench\` ` +
      `(${seconds(Date.now() - startedMs)} in all, ${count(RUNS, 'run')} per scenario) on ${machine}; load ` +
      `average ${loadAtStart.toFixed(2)} at the start, ${(loadavg()[0] ?? 0).toFixed(2)} at the end. ` +
      `${bundle}${bundleDigest() === digest ? '' : ', REPLACED DURING THE RUN'}.`,
    'S3 is moto behind the rig’s S3 proxy, Signer the local service; both tools use the same endpoints.'
  ].join(' ')
  const block = `${header}\n\n${markdown}`
  console.log(block)
  if (ONLY || RUNS < 5 || !WITH_CLI) {
    log(`\nBENCH_ONLY, BENCH_RUNS < 5 or BENCH_NO_CLI is set: ${BENCHMARKS_MD} is left as it is.`)
  } else {
    writeBenchmarksMd(BENCHMARKS_MD, block)
    log(`\nWrote the figures into ${path.relative(process.cwd(), BENCHMARKS_MD)}.`)
  }
  if (failures > 0) log(`${failures} run(s) failed.`)
  if (missed > 0) log(`${missed} target(s) missed or not measured: see the table.`)
  return failures > 0 ? 1 : 0
}

process.exitCode = await main()
