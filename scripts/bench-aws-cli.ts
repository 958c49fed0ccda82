/** The AWS CLI side of `npm run bench`: scripts/aws-cli-sign.sh, run once per variant. */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { DESTINATION_BUCKET, PROFILE, SOURCE_BUCKET, type Rig } from '../__tests__/rig/rig.js'
import { REPO_ROOT } from '../__tests__/rig/run-action.js'
import {
  checkOneDrawPerJob,
  drawJobLengths,
  jobsBetween,
  outcome,
  type JobFigures
} from './bench-measure.js'
import type { CliVariant, Scenario } from './bench-scenarios.js'

const CLI_SCRIPT = path.join(REPO_ROOT, 'scripts', 'aws-cli-sign.sh')
const TIME_BIN = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined

export interface AwsCli {
  bin: string
  version: string
}

/** The real `aws` executable: a pyenv shim would add ~0.15 s to every call that is not the CLI's. */
export function findAwsCli(): AwsCli | undefined {
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

export interface CliFigures {
  label: string
  ok: boolean
  error?: string
  wallMs: number
  /** Largest single process of the run (GNU time's maxrss of the waited-for children). */
  peakRssKb?: number
  jobs: JobFigures[]
}

/** One run of the script on the scenario's files, with the same job lengths as the action's. */
export async function runCliOnce(
  rig: Rig,
  aws: AwsCli,
  workspace: string,
  scenario: Pick<Scenario, 'files' | 'jobMs'>,
  variant: CliVariant,
  jobExtraMs: number
): Promise<CliFigures> {
  const outputDir = variant.parallel ? 'cli-signed-parallel' : 'cli-signed'
  rmSync(path.join(workspace, outputDir), { recursive: true, force: true })
  rig.signer.reset()
  const draws = drawJobLengths(rig.signer, scenario.jobMs, jobExtraMs)
  const run = await runScript({
    awsBin: aws.bin,
    workspace,
    files: scenario.files.map(file => `build/${file.name}`),
    parallel: variant.parallel,
    env: rig.env,
    outputDir,
    timeoutMs: variant.timeoutMs
  })
  checkOneDrawPerJob(rig.signer, draws)
  const { ok, error } = outcome(
    { ...run, detail: run.stderr },
    scenario.files,
    path.join(workspace, outputDir),
    variant.timeoutMs
  )
  return {
    label: variant.label,
    ok,
    ...(error ? { error } : {}),
    wallMs: run.durationMs,
    ...(run.peakRssKb === undefined ? {} : { peakRssKb: run.peakRssKb }),
    jobs: jobsBetween(rig, run.startedMs, run.startedMs + run.durationMs)
  }
}

interface ScriptRun {
  exitCode: number | null
  timedOut: boolean
  startedMs: number
  durationMs: number
  peakRssKb?: number
  stderr: string
}

async function runScript(options: {
  awsBin: string
  workspace: string
  files: string[]
  parallel: boolean
  env: Record<string, string>
  outputDir: string
  timeoutMs: number
}): Promise<ScriptRun> {
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
      ...(rss === undefined ? {} : { peakRssKb: Number(rss) }),
      stderr
    }
  } finally {
    clearTimeout(timer)
    rmSync(home, { recursive: true, force: true })
  }
}
