/**
 * `npm run local-rig`: starts the test rig (moto for S3, the local Signer service, the buckets and
 * a signing profile) for `npm run local-action`, and keeps it running until Ctrl-C. It makes a
 * sample zip in .rig/local-action/workspace and writes the rig's endpoints and dummy credentials
 * into .env (made from .env.example when there is none); the other lines of .env are left alone.
 * While it runs, it prints each signing job it starts and ends.
 */
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { DESTINATION_BUCKET, PROFILE, SOURCE_BUCKET, startRig } from '../__tests__/rig/rig.js'
import { REPO_ROOT } from '../__tests__/rig/run-action.js'

const JOB_DURATION_MS = 2000
const ENV_FILE = path.join(REPO_ROOT, '.env')
const ENV_EXAMPLE = path.join(REPO_ROOT, '.env.example')
// The paths .env.example names.
const LOCAL_DIR = path.join(REPO_ROOT, '.rig', 'local-action')
const WORKSPACE = path.join(LOCAL_DIR, 'workspace')
const SUMMARY = path.join(LOCAL_DIR, 'step-summary.md')

const rig = await startRig({ jobDurationMs: JOB_DURATION_MS })

mkdirSync(path.join(WORKSPACE, 'build'), { recursive: true })
// A real zip, as a Lambda build would produce.
execFileSync('python3', [
  '-c',
  'import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], "w") as z: z.writestr("index.mjs", "export const handler = async () => \\"hello\\"\\n")',
  path.join(WORKSPACE, 'build', 'function.zip')
])
// The runner creates the summary file before the step; a new rig starts a new one.
writeFileSync(SUMMARY, '')

if (!existsSync(ENV_FILE)) copyFileSync(ENV_EXAMPLE, ENV_FILE)
writeFileSync(ENV_FILE, withVariables(readFileSync(ENV_FILE, 'utf8'), rig.env))

console.log(`S3 (moto)   ${rig.moto.endpoint}
Signer      ${rig.signer.endpoint} (a job takes ${JOB_DURATION_MS / 1000} s)
Profile     ${PROFILE}; buckets ${SOURCE_BUCKET} (versioned) and ${DESTINATION_BUCKET}
Sample      ${path.relative(REPO_ROOT, path.join(WORKSPACE, 'build', 'function.zip'))}

Wrote to ${path.relative(REPO_ROOT, ENV_FILE)}:
${Object.entries(rig.env)
  .map(([name, value]) => `  ${name}=${value}`)
  .join('\n')}

In another terminal: npm run local-action
Signed files land in ${path.relative(REPO_ROOT, WORKSPACE)}/signed. Ctrl-C stops the servers.
`)

const reported = new Map<string, string>()
const watcher = setInterval(() => {
  for (const job of rig.signer.jobs) {
    if (reported.get(job.jobId) === job.status) continue
    reported.set(job.jobId, job.status)
    const source = `s3://${job.source.bucketName}/${job.source.key}`
    const ended = job.signedObject
      ? ` -> s3://${job.signedObject.bucketName}/${job.signedObject.key}`
      : job.statusReason
        ? ` (${job.statusReason})`
        : ''
    console.log(`job ${job.jobId} ${job.status}: ${source}${ended}`)
  }
}, 250)

let stopping = false
const stop = async (): Promise<void> => {
  if (stopping) return
  stopping = true
  clearInterval(watcher)
  console.log('\nStopping the servers.')
  await rig.stop()
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)

/** `text` with each variable set to its value: its line replaced, or one added at the end. */
function withVariables(text: string, variables: Record<string, string>): string {
  let result = text.endsWith('\n') || text === '' ? text : `${text}\n`
  for (const [name, value] of Object.entries(variables)) {
    const line = new RegExp(`^${name}=.*$`, 'm')
    result = line.test(result)
      ? result.replace(line, () => `${name}=${value}`)
      : `${result}${name}=${value}\n`
  }
  return result
}
