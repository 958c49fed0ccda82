import { execFileSync } from 'node:child_process'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { runSigning, startRig, type Rig } from '../rig/rig.js'
import { filesUnder, workspaceWith, zipBytes } from './workspace.js'

let rig: Rig
let workspace: string
const durations: number[] = []

beforeAll(async () => {
  rig = await startRig({ s3Proxy: true })
  workspace = workspaceWith({ 'build/app.zip': zipBytes(1), 'build/lib/lib.zip': zipBytes(2) })
  for (const directory of ['hostile', 'hostile-cr', 'special']) {
    mkdirSync(path.join(workspace, directory))
  }
  mkdirSync(path.join(workspace, 'build/empty-dir'))
  // Symlinks that leave the workspace: a file and a directory.
  symlinkSync('/etc/hostname', path.join(workspace, 'build/escape.zip'))
  symlinkSync('/tmp', path.join(workspace, 'out-link'))
  symlinkSync(path.join(workspace, 'nowhere'), path.join(workspace, 'dangling'))
  // Names that would forge workflow commands, a FIFO, and a link out of output-dir.
  writeFileSync(path.join(workspace, 'hostile', 'a\n::warning::forged.zip'), 'x')
  writeFileSync(path.join(workspace, 'hostile-cr', 'a\r::notice::forged.zip'), 'x')
  execFileSync('mkfifo', [path.join(workspace, 'special', 'pipe.zip')])
  mkdirSync(path.join(workspace, 'guarded'))
  symlinkSync('/tmp', path.join(workspace, 'guarded', 'lib'))
})
afterAll(async () => {
  console.log(
    `bad inputs: slowest failure ${Math.max(...durations)} ms of ${durations.length} runs`
  )
  await rig?.stop()
})

const VALID = { path: 'build/app.zip' }

/** [input, bad value, words the message must hold, other inputs] */
const BAD: Array<[string, string, string, Record<string, string>?]> = [
  ['profile-name', '', 'is required'],
  ['profile-name', 'release-profile', 'A-Z, a-z, 0-9 and _'],
  ['profile-name', 'x', '2 to 64 characters'],
  ['path', '', 'is required'],
  ['path', 'build/missing.zip', "no files matched 'build/missing.zip'"],
  ['path', 'build/empty-dir', 'is a directory'],
  ['path', '../secret.zip', 'points outside the workspace'],
  ['path', '/etc/hostname', 'points outside the workspace'],
  ['path', 'build/escape.zip', 'outside the workspace'],
  ['path', 'hostile/*.zip', "'hostile/a\\n::warning::forged.zip' has a control character"],
  ['path', 'hostile-cr/*.zip', "'hostile-cr/a\\r::notice::forged.zip' has a control character"],
  ['path', 'special/*.zip', "'special/pipe.zip' is not a regular file"],
  ['source-bucket', '', 'is required'],
  ['source-bucket', 'My_Bucket', 'is not a valid S3 bucket name'],
  ['source-bucket', 's3://release-unsigned', 'without s3://'],
  ['source-bucket', '192.168.1.1', 'is not a valid S3 bucket name'],
  ['destination-bucket', 'ab', 'is not a valid S3 bucket name'],
  ['source-prefix', '/unsigned/', "no leading '/'"],
  ['destination-prefix', 'signed/../other/', "'..' segments"],
  ['output-dir', '../signed', 'inside the workspace'],
  ['output-dir', '/tmp/signed', 'inside the workspace'],
  ['output-dir', 'out-link/signed', 'inside the workspace'],
  ['output-dir', 'build/app.zip', 'is a file, not a directory'],
  ['output-dir', 'dangling/signed', 'is a symbolic link to nothing'],
  [
    'output-dir',
    'build',
    "every file that 'build/app.zip' matched (1 file) lies inside output-dir"
  ],
  [
    'output-dir',
    'guarded',
    'lib is a symbolic link to /tmp',
    { path: 'build/app.zip\nbuild/lib/lib.zip' }
  ],
  ['profile-owner', '1234', 'a 12-digit AWS account ID'],
  ['expected-bucket-owner', '12345678901x', 'a 12-digit AWS account ID'],
  ['region', 'mars-north', "an AWS Region code such as 'us-east-1'"],
  ['timeout-seconds', 'ten', 'whole number of seconds from 1 to 21600'],
  ['timeout-seconds', '0', 'whole number of seconds from 1 to 21600'],
  ['timeout-seconds', '1.5', 'whole number of seconds from 1 to 21600'],
  ['timeout-seconds', '86400', 'whole number of seconds from 1 to 21600'],
  ['max-concurrency', 'many', 'whole number of files at once from 1 to 32'],
  ['max-concurrency', '0', 'whole number of files at once from 1 to 32'],
  ['max-concurrency', '33', 'whole number of files at once from 1 to 32'],
  ['retention-days', '-1', 'whole number of days from 1 to 400'],
  ['retention-days', '401', 'whole number of days from 1 to 400'],
  ['summary', 'yes', "must be 'true' or 'false'"],
  ['upload-artifact', '1', "must be 'true' or 'false'"],
  ['artifact-name', 'signed/linux', 'cannot hold'],
  ['sse-kms-key-id', 'my key', 'a KMS key ID, key ARN, alias name']
]

describe('every bad input fails before any request, naming the input', () => {
  it.each(BAD)('%s = %j', async (input, value, words, others = {}) => {
    const s3Before = rig.proxy!.requests.length
    const signerBefore = rig.signer.requests.length

    const run = await runSigning(rig, workspace, { ...VALID, ...others, [input]: value })
    durations.push(run.durationMs)

    expect(run.exitCode).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(new RegExp(`^Input '${input}': `))
    expect(run.errors[0]).toContain(words)
    expect(rig.proxy!.requests.length).toBe(s3Before)
    expect(rig.signer.requests.length).toBe(signerBefore)
    expect(filesUnder(path.join(workspace, 'signed'))).toEqual([])
  })

  it('fails when neither the input nor AWS_REGION nor AWS_DEFAULT_REGION gives a Region', async () => {
    const run = await runSigning(rig, workspace, VALID, {
      env: { AWS_REGION: '', AWS_DEFAULT_REGION: '' }
    })

    expect(run.errors).toEqual([
      "Input 'region': no AWS Region was given: set the input, or AWS_REGION (aws-actions/configure-aws-credentials sets it with `aws-region`)."
    ])
  })
})
