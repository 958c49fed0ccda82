// Cold start of bundles, paired: spawn to the first TCP connection the action opens (the
// preflight's first AWS request), each bundle in turn, the order reversed every other round.
//
//   npm run -s build:scripts && node build/scripts/cold-start.js [--runs 21] [--node PATH] \
//     today=/tmp/today/dist/index.js new=dist/index.js [node=-e0]
//
// A listener on loopback stands in for S3 and Signer (AWS_ENDPOINT_URL_S3/_SIGNER): it accepts
// and closes each connection, and the child is killed at the first one. `-e0` runs `node -e 0`
// the same way (spawn to exit). Besides wall time it reads each child's CPU time and run-queue
// wait (/proc/<pid>/task/*/schedstat, Linux) at that instant: on a busy machine the CPU time
// moves less than the wall time.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'

interface Sample {
  wallMs: number
  cpuMs: number
  waitMs: number
}

const args = process.argv.slice(2)
const option = (name: string) => {
  const index = args.indexOf(name)
  return index < 0 ? undefined : args.splice(index, 2)[1]
}
const runs = Number(option('--runs') ?? 21)
const node = option('--node') ?? process.execPath
const targets = args.map(arg => {
  const [label, entry] = arg.split('=')
  if (!label || !entry) throw new Error(`expected label=path/to/index.js, got '${arg}'`)
  return { label, entry: entry === '-e0' ? entry : path.resolve(entry), samples: [] as Sample[] }
})

const workspace = mkdtempSync(path.join(tmpdir(), 'cold-start-'))
mkdirSync(path.join(workspace, 'build'))
writeFileSync(path.join(workspace, 'build', 'a.zip'), Buffer.alloc(1024, 7))

let onConnection: (() => void) | undefined
const server = createServer(socket => {
  socket.destroy()
  onConnection?.()
})
await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

// What the runner sets (__tests__/rig/run-action.ts), with action.yml's defaults as inputs.
const env: Record<string, string> = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: process.env.HOME ?? workspace,
  GITHUB_ACTIONS: 'true',
  GITHUB_WORKSPACE: workspace,
  GITHUB_OUTPUT: path.join(workspace, 'output'),
  GITHUB_STEP_SUMMARY: path.join(workspace, 'summary'),
  GITHUB_REPOSITORY: 'octo-org/octo-repo',
  GITHUB_RUN_ID: '1234',
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_JOB: 'sign',
  GITHUB_SHA: 'a'.repeat(40),
  GITHUB_REF: 'refs/heads/main',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_API_URL: 'https://api.github.com',
  RUNNER_TEMP: workspace,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_ENDPOINT_URL_S3: endpoint,
  AWS_ENDPOINT_URL_SIGNER: endpoint,
  'INPUT_PROFILE-NAME': 'release_profile',
  INPUT_PATH: 'build/a.zip',
  'INPUT_SOURCE-BUCKET': 'release-unsigned',
  'INPUT_SOURCE-PREFIX': 'unsigned/',
  'INPUT_DESTINATION-PREFIX': 'signed/',
  'INPUT_OUTPUT-DIR': 'signed',
  'INPUT_TIMEOUT-SECONDS': '600',
  'INPUT_MAX-CONCURRENCY': '4',
  INPUT_SUMMARY: 'true',
  'INPUT_UPLOAD-ARTIFACT': 'false'
}

/** CPU time and run-queue wait of every thread of a process so far, in ms (NaN off Linux). */
function schedstat(pid: number): { cpuMs: number; waitMs: number } {
  try {
    let cpu = 0
    let wait = 0
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const [onCpu, queued] = readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8')
        .split(' ')
        .map(Number)
      cpu += onCpu ?? 0
      wait += queued ?? 0
    }
    return { cpuMs: cpu / 1e6, waitMs: wait / 1e6 }
  } catch {
    return { cpuMs: NaN, waitMs: NaN }
  }
}

function once(entry: string): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const reference = entry === '-e0'
    const start = process.hrtime.bigint()
    const child = spawn(node, reference ? ['-e', '0'] : [entry], {
      env,
      cwd: workspace,
      stdio: 'ignore'
    })
    let done = false
    const finish = () => {
      if (done) return
      done = true
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6
      const cpu = reference ? { cpuMs: NaN, waitMs: NaN } : schedstat(child.pid as number)
      onConnection = undefined
      child.kill('SIGKILL')
      resolve({ wallMs, ...cpu })
    }
    if (reference) child.on('exit', finish)
    else {
      onConnection = finish
      child.on('exit', code => {
        if (!done) reject(new Error(`${entry} exited (${code}) before connecting`))
      })
    }
  })
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

for (const target of targets) await once(target.entry) // page cache
for (let round = 0; round < runs; round++) {
  for (const target of round % 2 ? [...targets].reverse() : targets) {
    target.samples.push(await once(target.entry))
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}
server.close()

const first = targets[0]
const base = first ? median(first.samples.map(s => s.wallMs)) : NaN
console.log(`node ${node} (${runs} runs each, alternating)`)
for (const { label, samples } of targets) {
  const wall = median(samples.map(s => s.wallMs))
  const cpu = median(samples.map(s => s.cpuMs))
  const wait = median(samples.map(s => s.waitMs))
  console.log(
    `${label.padEnd(10)} median ${wall.toFixed(1)} ms (${(wall / base).toFixed(3)} of ${first?.label})` +
      `  cpu ${cpu.toFixed(1)} ms  run-queue wait ${wait.toFixed(1)} ms`
  )
}
