import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'

/** The checkout holding action.yml, found from here whether run by jest or compiled to build/. */
function repositoryRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(directory, 'action.yml')) && dirname(directory) !== directory) {
    directory = dirname(directory)
  }
  return directory
}

export const REPO_ROOT = repositoryRoot()
export const DEFAULT_ENTRY = join(REPO_ROOT, 'dist', 'index.js')
const DEFAULT_ACTION_YML = join(REPO_ROOT, 'action.yml')

let actionNodePath: Promise<string> | undefined

/**
 * The node the runner would start: the major in .node-version, which action.yml's `runs.using`
 * names. The tests already run on it; bench and demo may not, and then get the copy that
 * scripts/project-node.mjs fetches once.
 */
export function actionNode(): Promise<string> {
  actionNodePath ??= import(
    pathToFileURL(join(REPO_ROOT, 'scripts', 'project-node.mjs')).href
  ).then((module: { projectNode(): string }) => module.projectNode())
  return actionNodePath
}

export interface RunActionOptions {
  /** By action.yml name, e.g. `{ 'profile-name': 'p', path: 'a.zip' }`. */
  inputs: Record<string, string>
  /** GITHUB_WORKSPACE, also the child's cwd. */
  workspace: string
  /**
   * Extra environment, applied last: it overrides the runner's variables and the inputs.
   * A value of '' removes the variable from the child's environment.
   */
  env?: Record<string, string>
  /** The child is killed (SIGKILL) after this long; default 120000. */
  timeoutMs?: number
  /** Default: <repo root>/dist/index.js. */
  entry?: string
  /** Where the input defaults come from; default: <repo root>/action.yml (none if it is missing). */
  actionYml?: string
  /** Called with the child once it is started: to signal it as the runner does on cancellation. */
  onSpawn?: (child: ChildProcess) => void
  /**
   * Host names the child reaches on this machine instead, e.g.
   * `{ '111122223333.dkr.ecr.us-east-1.amazonaws.com': '127.0.0.1:41234' }`: every connection
   * the child opens to such a name goes to that loopback address and port, as an /etc/hosts line
   * plus a port forward would send it. The name stays what TLS checks the certificate against
   * and what the Host header says.
   */
  hosts?: Record<string, string>
}

export interface ActionRun {
  /** null when the child was killed by a signal (see `timedOut`). */
  exitCode: number | null
  timedOut: boolean
  stdout: string
  stderr: string
  /** Date.now() at the spawn of the child, after the run files were written. */
  spawnedAtMs: number
  /** From the spawn to the child's exit. */
  durationMs: number
  /** Parsed from the GITHUB_OUTPUT file as the runner does. */
  outputs: Record<string, string>
  /** Contents of the GITHUB_STEP_SUMMARY file ('' if none). */
  summary: string
  /** Messages of `::error::` / `::warning::` workflow commands on stdout, decoded. */
  errors: string[]
  warnings: string[]
  /** Peak resident set of the child (getrusage maxrss); absent if it died without exiting. */
  peakRssKb?: number
  /**
   * What the step left in RUNNER_TEMP (results and checksums files), by absolute path, read
   * before the run's directory is removed.
   */
  runnerTemp: Record<string, Buffer>
}

/**
 * The variables of one run attempt of one job, new each call: steps given the same ones are two
 * steps of one job, or the legs of one matrix run, or a step run again in that attempt.
 */
export function sameRunAttempt(): Record<string, string> {
  return {
    GITHUB_RUN_ID: String(2_000_000_000 + Math.floor(Math.random() * 1_000_000)),
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'sign'
  }
}
/**
 * Runs the action like the GitHub Actions runner does: `node <entry>` in a clean environment
 * holding only PATH, HOME, the runner's variables, INPUT_* and `env`. Never throws for a
 * non-zero exit; throws only if the rig itself cannot do its job (e.g. a malformed GITHUB_OUTPUT,
 * which the runner would also reject).
 */
export async function runAction(options: RunActionOptions): Promise<ActionRun> {
  const dir = await mkdtemp(join(tmpdir(), 'run-action-'))
  try {
    const files = await prepareRunDir(dir, options.hosts ?? {})
    const env = await buildEnv(options, files)
    const child = await runChild(options, env, files.preload)
    return {
      ...child,
      outputs: parseOutputFile(await readFile(files.output, 'utf8')),
      summary: await readIfPresent(files.summary),
      errors: workflowCommandMessages(child.stdout, 'error'),
      warnings: workflowCommandMessages(child.stdout, 'warning'),
      peakRssKb: parseRss(await readIfPresent(files.rss)),
      runnerTemp: await filesIn(files.runnerTemp)
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

interface RunFiles {
  output: string
  summary: string
  runnerTemp: string
  preload: string
  rss: string
}

async function prepareRunDir(dir: string, hosts: Record<string, string>): Promise<RunFiles> {
  const files: RunFiles = {
    output: join(dir, 'github_output'),
    summary: join(dir, 'step_summary'),
    runnerTemp: join(dir, 'runner_temp'),
    preload: join(dir, 'preload.cjs'),
    rss: join(dir, 'peak-rss')
  }
  // Like the runner, the command files exist (empty) before the step starts.
  await writeFile(files.output, '')
  await writeFile(files.summary, '')
  await mkdir(files.runnerTemp)
  // The child reports its own peak RSS on exit: Node has no getrusage(RUSAGE_CHILDREN).
  await writeFile(
    files.preload,
    `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(files.rss)}, ` +
      `String(process.resourceUsage().maxRSS)))\n` +
      hostsPreload(hosts)
  )
  return files
}

/**
 * Sends the child's connections to `hosts`' names to their loopback addresses and ports. An
 * /etc/hosts line (a patched dns.lookup) could not do it alone: an ECR registry is reached on
 * port 443, which a test server cannot take, and a name with a port is no longer an ECR name. So
 * the destination is rewritten where every socket connects (fetch's and the AWS SDK's, plain
 * or TLS), as a NAT rule would; TLS keeps the name for SNI and the certificate check.
 */
function hostsPreload(hosts: Record<string, string>): string {
  const targets = Object.fromEntries(
    Object.entries(hosts).map(([name, address]) => {
      const match = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}):(\d{1,5})$/.exec(address)
      if (!match) throw new Error(`hosts: '${address}' for ${name} is not 127.x.x.x:PORT`)
      return [name.toLowerCase(), { host: match[1], port: Number(match[2]) }]
    })
  )
  if (Object.keys(targets).length === 0) return ''
  // net.connect hands Socket#connect its normalized [options, callback]; tls.connect an object.
  return `{
  const targets = ${JSON.stringify(targets)}
  const net = require('node:net')
  const connect = net.Socket.prototype.connect
  net.Socket.prototype.connect = function (...args) {
    const options = Array.isArray(args[0]) ? args[0][0] : args[0]
    const target = options !== null && typeof options === 'object' && typeof options.host === 'string'
      ? targets[options.host.toLowerCase()]
      : undefined
    if (target) Object.assign(options, target)
    return connect.apply(this, args)
  }
}
`
}

async function buildEnv(options: RunActionOptions, files: RunFiles): Promise<NodeJS.ProcessEnv> {
  const defaults = await inputDefaults(options.actionYml ?? DEFAULT_ACTION_YML)
  const inputs = { ...defaults, ...options.inputs }
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    ...windowsEssentials(),
    ...runnerVariables(options.workspace, files),
    ...Object.fromEntries(Object.entries(inputs).map(([name, value]) => [inputVar(name), value]))
  }
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === '') delete env[name]
    else env[name] = value
  }
  return env
}

/** Windows processes need these: without SystemRoot, for one, a child cannot open a socket. */
export const WINDOWS_ESSENTIALS = ['SystemRoot', 'ComSpec', 'PATHEXT', 'TEMP', 'TMP', 'USERPROFILE']

function windowsEssentials(): Record<string, string> {
  if (process.platform !== 'win32') return {}
  return Object.fromEntries(
    WINDOWS_ESSENTIALS.flatMap(name => {
      const value = process.env[name]
      return value === undefined ? [] : [[name, value]]
    })
  )
}

function runnerVariables(workspace: string, files: RunFiles): Record<string, string> {
  return {
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_REPOSITORY: 'octo-org/octo-repo',
    GITHUB_RUN_ID: String(1_000_000_000 + Math.floor(Math.random() * 1_000_000_000)),
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'sign',
    GITHUB_SHA: randomBytes(20).toString('hex'),
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    RUNNER_TEMP: files.runnerTemp,
    RUNNER_OS: 'Linux'
  }
}

/** The runner's (and @actions/core's) mapping: upper case, spaces to '_', hyphens kept. */
function inputVar(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

const defaultsCache = new Map<string, Promise<Record<string, string>>>()

/**
 * The `default` of each input declared in action.yml. PyYAML's BaseLoader keeps every scalar as
 * its literal text, as the runner does (`default: true` is 'true'). Expressions such as
 * `${{ github.token }}` are passed through unevaluated.
 */
async function inputDefaults(actionYml: string): Promise<Record<string, string>> {
  if (!existsSync(actionYml)) return {}
  let defaults = defaultsCache.get(actionYml)
  if (!defaults) {
    defaults = readInputDefaults(actionYml)
    defaultsCache.set(actionYml, defaults)
  }
  return defaults
}

/** setup-python and Windows name it `python`; Linux and macOS may have only `python3`. */
const PYTHONS = process.platform === 'win32' ? ['python', 'py'] : ['python3', 'python']

const READ_DEFAULTS_PY = `
import json, sys, yaml
doc = yaml.load(open(sys.argv[1], encoding='utf-8'), Loader=yaml.BaseLoader) or {}
inputs = doc.get('inputs') or {}
print(json.dumps({k: v['default'] for k, v in inputs.items() if isinstance(v, dict) and 'default' in v}))
`

async function readInputDefaults(actionYml: string): Promise<Record<string, string>> {
  let failure: unknown
  for (const python of PYTHONS) {
    try {
      const { stdout } = await promisify(execFile)(python, ['-c', READ_DEFAULTS_PY, actionYml])
      return JSON.parse(stdout) as Record<string, string>
    } catch (error) {
      failure = error
      // Only a missing command tries the next name; a Python that fails (no PyYAML) is the answer.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') break
    }
  }
  throw new Error(
    `could not read the input defaults of ${actionYml} (${PYTHONS.join(' or ')} with PyYAML): ${failure}`,
    { cause: failure }
  )
}

type ChildResult = Pick<
  ActionRun,
  'exitCode' | 'timedOut' | 'stdout' | 'stderr' | 'spawnedAtMs' | 'durationMs'
>

async function runChild(
  options: RunActionOptions,
  env: NodeJS.ProcessEnv,
  preload: string
): Promise<ChildResult> {
  const node = await actionNode()
  const started = Date.now()
  const child = spawn(node, ['--require', preload, options.entry ?? DEFAULT_ENTRY], {
    cwd: options.workspace,
    env,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  options.onSpawn?.(child)
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    child.kill('SIGKILL')
  }, options.timeoutMs ?? 120_000)
  try {
    // 'close' (not 'exit') so that all of stdout and stderr has been read.
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject)
      child.once('close', code => resolve(code))
    })
    return {
      exitCode,
      timedOut,
      stdout,
      stderr,
      spawnedAtMs: started,
      durationMs: Date.now() - started
    }
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Parses GITHUB_OUTPUT like the runner's file command: `name=value` lines and heredocs
 * `name<<DELIMITER` ... `DELIMITER`, whichever of `=` and `<<` comes first on the line wins.
 */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    if (line === '') continue
    const equals = line.indexOf('=')
    const heredoc = line.indexOf('<<')
    if (equals > 0 && (heredoc < 0 || equals < heredoc)) {
      outputs[line.slice(0, equals)] = line.slice(equals + 1)
    } else if (heredoc > 0 && line.length > heredoc + 2 && (equals < 0 || heredoc < equals)) {
      const delimiter = line.slice(heredoc + 2)
      const end = lines.indexOf(delimiter, i + 1)
      if (end < 0) throw new Error(`GITHUB_OUTPUT: no closing delimiter '${delimiter}'`)
      outputs[line.slice(0, heredoc)] = lines.slice(i + 1, end).join('\n')
      i = end
    } else {
      throw new Error(`GITHUB_OUTPUT: invalid line '${line}'`)
    }
  }
  return outputs
}

/** Messages of `::<command> props::message` lines, unescaped like the runner (%0D, %0A, then %25). */
export function workflowCommandMessages(stdout: string, command: string): string[] {
  const messages: string[] = []
  for (const rawLine of stdout.split(/\r?\n/)) {
    const line = rawLine.trimStart()
    if (!line.startsWith('::')) continue
    const end = line.indexOf('::', 2)
    if (end < 0 || line.slice(2, end).split(' ', 1)[0] !== command) continue
    messages.push(
      line
        .slice(end + 2)
        .replace(/%0D/g, '\r')
        .replace(/%0A/g, '\n')
        .replace(/%25/g, '%')
    )
  }
  return messages
}

async function filesIn(directory: string): Promise<Record<string, Buffer>> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true })
  const files = entries.filter(entry => entry.isFile())
  return Object.fromEntries(
    await Promise.all(
      files.map(async entry => {
        const file = join(entry.parentPath, entry.name)
        return [file, await readFile(file)] as const
      })
    )
  )
}

async function readIfPresent(path: string): Promise<string> {
  return existsSync(path) ? readFile(path, 'utf8') : ''
}

function parseRss(text: string): number | undefined {
  const kb = Number.parseInt(text, 10)
  return Number.isFinite(kb) ? kb : undefined
}
