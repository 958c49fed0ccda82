/**
 * Paths a pull request controls, through dist/index.js: symbolic links that would make a signed
 * copy land on the file it was signed from, and names that would display as other names. Each is
 * refused before any request, the files to sign left as they were.
 */
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { runSigning, startRig, type Rig } from '../rig/rig.js'
import type { ActionRun } from '../rig/run-action.js'
import { filesUnder, workspaceWith, zipBytes } from './workspace.js'

let rig: Rig

beforeAll(async () => {
  rig = await startRig({ s3Proxy: true })
})
afterAll(async () => {
  await rig?.stop()
})

/** Runs the action and checks it failed with one error and sent no S3 or Signer request. */
async function refused(workspace: string, inputs: Record<string, string>): Promise<ActionRun> {
  const s3Before = rig.proxy!.requests.length
  const signerBefore = rig.signer.requests.length

  const run = await runSigning(rig, workspace, inputs)

  expect(run.exitCode).toBe(1)
  expect(run.errors).toHaveLength(1)
  expect(rig.proxy!.requests.length).toBe(s3Before)
  expect(rig.signer.requests.length).toBe(signerBefore)
  return run
}

describe('a signed copy never lands on, or among, the files it was signed from', () => {
  it('refuses an output-dir that is a symbolic link to the folder of the files', async () => {
    const workspace = workspaceWith({ 'dist/app.zip': zipBytes(1) })
    symlinkSync('dist', path.join(workspace, 'out'))

    const run = await refused(workspace, { path: 'dist/*.zip', 'output-dir': 'out' })

    expect(run.errors[0]).toBe(
      "Input 'output-dir': 'dist/app.zip' lies inside output-dir 'out' once symbolic links are followed ('out' is a symbolic link to 'dist'), so its signed copy 'out/app.zip' would be written over it. Remove the link, or choose an output-dir that neither is nor leads into a folder of the files to sign."
    )
    expect(readFileSync(path.join(workspace, 'dist/app.zip'))).toEqual(zipBytes(1))
  })

  it('refuses files reached through a symbolic link into output-dir', async () => {
    const workspace = workspaceWith({ 'signed/app.zip': zipBytes(2) })
    symlinkSync('signed', path.join(workspace, 'build'))

    const run = await refused(workspace, { path: 'build/*.zip' })

    expect(run.errors[0]).toBe(
      "Input 'path': 'build/app.zip' lies inside output-dir 'signed' once symbolic links are followed ('build' is a symbolic link to 'signed'), so its signed copy 'signed/app.zip' would be written over it. Remove the link, or choose an output-dir that neither is nor leads into a folder of the files to sign."
    )
    expect(readFileSync(path.join(workspace, 'signed/app.zip'))).toEqual(zipBytes(2))
  })

  it('refuses an output-dir that leads into a parent folder of the files', async () => {
    const workspace = workspaceWith({ 'build/linux/app.zip': zipBytes(3) })
    symlinkSync('build', path.join(workspace, 'out'))

    const run = await refused(workspace, { path: 'build/linux/*.zip', 'output-dir': 'out' })

    expect(run.errors[0]).toBe(
      "Input 'output-dir': 'build/linux/app.zip' lies inside output-dir 'out' once symbolic links are followed ('out' is a symbolic link to 'build'), so signed copies would be written among the files to sign. Remove the link, or choose an output-dir that neither is nor leads into a folder of the files to sign."
    )
    expect(filesUnder(path.join(workspace, 'build'))).toEqual(['linux/app.zip'])
  })

  it('refuses a link below output-dir that leads onto a file to sign, naming the file', async () => {
    const workspace = workspaceWith({
      'dist/linux/app.zip': zipBytes(4),
      'dist/darwin/app.zip': zipBytes(5)
    })
    const signed = path.join(workspace, 'signed')
    mkdirSync(signed)
    symlinkSync('../dist/linux', path.join(signed, 'linux'))

    const run = await refused(workspace, { path: 'dist/**/*.zip' })

    expect(run.errors[0]).toBe(
      `Input 'output-dir': ${path.join(signed, 'linux')} is a symbolic link to ${path.join(workspace, 'dist/linux')}, outside the output directory ${signed}; the signed 'signed/linux/app.zip' would be written there, over 'dist/linux/app.zip', a file to sign. Remove the link: signed files are written only inside output-dir.`
    )
    expect(readFileSync(path.join(workspace, 'dist/linux/app.zip'))).toEqual(zipBytes(4))
  })

  it('says every match lies inside output-dir when output-dir is the folder of the files', async () => {
    const workspace = workspaceWith({ 'dist/app.zip': zipBytes(6), 'dist/lib.zip': zipBytes(7) })

    const run = await refused(workspace, { path: 'dist/*.zip', 'output-dir': 'dist' })

    expect(run.errors[0]).toBe(
      "Input 'output-dir': every file that 'dist/*.zip' matched (2 files) lies inside output-dir 'dist', where the signed copies are written; files there are never signed, so that a rerun does not sign its own signed copies. Choose an output-dir apart from the files to sign, such as 'signed', or check that an earlier step built the files outside it."
    )
    expect(filesUnder(path.join(workspace, 'dist'))).toEqual(['app.zip', 'lib.zip'])
  })

  it("still leaves out the previous run's signed copies when a rerun matches them", async () => {
    const workspace = workspaceWith({ 'build/app.zip': zipBytes(8) })
    rig.signer.reset()

    const first = await runSigning(rig, workspace, { path: '**/*.zip' })
    const second = await runSigning(rig, workspace, { path: '**/*.zip' })

    expect([first.errors, second.errors]).toEqual([[], []])
    expect(rig.signer.jobs).toHaveLength(2)
    expect(rig.signer.jobs.map(job => job.source.key.split('/').at(-1))).toEqual([
      'app.zip',
      'app.zip'
    ])
    expect(second.outputs['signed-path']).toBe('signed/app.zip')
    expect(readFileSync(path.join(workspace, 'build/app.zip'))).toEqual(zipBytes(8))
  })
})

describe('names that would display as other names are refused, shown escaped', () => {
  it.each([
    [
      'a right-to-left override',
      'dist/invoice\u202Epiz.exe',
      "'dist/invoice\\u202epiz.exe'",
      'dist/*'
    ],
    ['a zero-width space', 'dist/app\u200B.zip', "'dist/app\\u200b.zip'", 'dist/*.zip'],
    ['a byte order mark', 'dist/\uFEFFapp.zip', "'dist/\\ufeffapp.zip'", 'dist/*.zip'],
    ['a left-to-right isolate', 'dist/a\u2066pp.zip', "'dist/a\\u2066pp.zip'", 'dist/*.zip'],
    ['an invisible tag', 'dist/app\u{E0041}.zip', "'dist/app\\u{e0041}.zip'", 'dist/*.zip']
  ])('%s', async (_, name, shown, pattern) => {
    const workspace = workspaceWith({ [name]: zipBytes(9), 'dist/app.zip': zipBytes(10) })

    const run = await refused(workspace, { path: pattern })

    expect(run.errors[0]).toBe(
      `Input 'path': ${shown} has an invisible formatting character (a direction override, zero-width character or other) in the path, so the log, the summary and release assets would show it as another name. Rename it, or leave it out with a '!' pattern.`
    )
    expect(run.stdout).not.toMatch(/[\p{Cf}]/u)
    expect(filesUnder(path.join(workspace, 'signed'))).toEqual([])
  })
})
