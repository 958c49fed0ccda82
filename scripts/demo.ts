/**
 * `npm run demo`: starts moto and the local Signer service, signs a sample zip with dist/index.js
 * exactly as the Actions runner would run it, prints the outputs and the step summary, and stops
 * the servers. `npm run demo -- --image` signs a container image instead (demo-image.ts).
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import {
  DESTINATION_BUCKET,
  PROFILE,
  SOURCE_BUCKET,
  noticingLook,
  runSigning,
  startRig
} from '../__tests__/rig/rig.js'
import { demoImage } from './demo-image.js'

const SIGNING_DELAY_MS = 3000

const USAGE = 'npm run demo [-- --image]'

async function demoFile(): Promise<number> {
  const started = Date.now()
  const rig = await startRig({ jobDurationMs: SIGNING_DELAY_MS })
  const workspace = mkdtempSync(path.join(tmpdir(), 'signer-demo-'))
  try {
    mkdirSync(path.join(workspace, 'build'))
    // A real zip, as a Lambda build would produce.
    execFileSync('python3', [
      '-c',
      'import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], "w") as z: z.writestr("index.mjs", "export const handler = async () => \\"hello\\"\\n")',
      path.join(workspace, 'build', 'function.zip')
    ])
    const artifact = 'build/function.zip'
    console.log(
      `Servers up: S3 (moto) ${rig.moto.endpoint}, Signer ${rig.signer.endpoint}; signing takes ${SIGNING_DELAY_MS / 1000} s.`
    )
    console.log(
      `Running dist/index.js with profile-name=${PROFILE}, path=${artifact}, source-bucket=${SOURCE_BUCKET}, destination-bucket=${DESTINATION_BUCKET}\n`
    )

    const run = await runSigning(rig, workspace, { path: artifact })

    // The runner hides ::debug:: lines unless debug logging is on; so does the demo.
    console.log(
      run.stdout
        .split('\n')
        .filter(line => !line.startsWith('::debug::'))
        .join('\n')
        .trimEnd()
    )
    console.log('\nOutputs (GITHUB_OUTPUT):')
    for (const [name, value] of Object.entries(run.outputs)) console.log(`  ${name} = ${value}`)
    console.log('\nStep summary (GITHUB_STEP_SUMMARY):')
    console.log(run.summary.trimEnd())

    const job = rig.signer.jobs[0]
    const noticed = job && noticingLook(rig, job)
    console.log('\nTimings:')
    console.log(
      `  action wall time: ${(run.durationMs / 1000).toFixed(2)} s (signing delay ${SIGNING_DELAY_MS / 1000} s)`
    )
    if (job?.completedAtMs && noticed) {
      console.log(
        `  job ended ${((job.completedAtMs - job.createdAtMs) / 1000).toFixed(2)} s after it started; the action noticed ${noticed.atMs - job.completedAtMs} ms later`
      )
      console.log(`  DescribeSigningJob calls: ${job.describeCount}`)
    }
    console.log(
      `  demo wall time (servers included): ${((Date.now() - started) / 1000).toFixed(2)} s`
    )
    return run.exitCode ?? 1
  } finally {
    rmSync(workspace, { recursive: true, force: true })
    await rig.stop()
  }
}

const args = process.argv.slice(2)
if (args.some(arg => arg !== '--image')) {
  console.error(`Unknown argument ${args.find(arg => arg !== '--image')}. Usage: ${USAGE}`)
  process.exitCode = 2
} else {
  process.exitCode = await (args.includes('--image') ? demoImage() : demoFile())
}
