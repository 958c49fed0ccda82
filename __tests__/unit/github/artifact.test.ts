import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeEach, describe, expect, it, jest } from '@jest/globals'
import type { RunContext } from '../../../src/github/run-context.js'
import type { SigningRecord } from '../../../src/github/signing-record.js'
import { SIGNED } from './fixtures.js'
import type { FileResult } from '../../../src/pipeline/sign-one-file.js'
import { rejectionOf } from '../helpers.js'

type UploadArtifact = (
  name: string,
  files: string[],
  rootDirectory: string,
  options: { retentionDays?: number }
) => Promise<{ id?: number; size?: number }>

const uploadArtifact = jest.fn<UploadArtifact>()

jest.unstable_mockModule('@actions/artifact', () => ({
  DefaultArtifactClient: class {
    uploadArtifact = uploadArtifact
  }
}))

const { defaultArtifactName, uploadSignedArtifact } =
  await import('../../../src/github/artifact.js')
const { ActionError } = await import('../../../src/errors.js')

const CONTEXT: RunContext = {
  repository: 'octo-org/widget',
  runId: '987654321',
  runAttempt: '1',
  job: 'build',
  sha: 'abc',
  serverUrl: 'https://github.com'
}

function result(signedPath: string, sha256: string): FileResult {
  return { ...SIGNED, path: signedPath.replace(/^signed\//, 'build/'), signedPath, sha256 }
}

const A = result('signed/a.zip', 'a'.repeat(64))
const B = result('signed/b.zip', 'b'.repeat(64))

describe('defaultArtifactName', () => {
  it('starts with signed-<job>- and ends with 12 hex characters', () => {
    expect(defaultArtifactName(CONTEXT, [A, B])).toMatch(/^signed-build-[0-9a-f]{12}$/)
    expect(defaultArtifactName({ ...CONTEXT, job: 'release' }, [A])).toMatch(
      /^signed-release-[0-9a-f]{12}$/
    )
  })

  it('is the same for the same input', () => {
    expect(defaultArtifactName({ ...CONTEXT }, [{ ...A }, { ...B }])).toBe(
      defaultArtifactName(CONTEXT, [A, B])
    )
  })

  it('differs when the signed files differ', () => {
    const names = [
      defaultArtifactName(CONTEXT, [A, B]),
      defaultArtifactName(CONTEXT, [A]),
      defaultArtifactName(CONTEXT, [B]),
      defaultArtifactName(CONTEXT, [A, { ...B, sha256: 'c'.repeat(64) }]),
      defaultArtifactName(CONTEXT, [A, { ...B, signedPath: 'signed/linux/b.zip' }])
    ]
    expect(new Set(names).size).toBe(names.length)
  })

  it('does not depend on fields other than the signed path and content', () => {
    expect(defaultArtifactName(CONTEXT, [{ ...A, jobId: 'other', seconds: 9 }])).toBe(
      defaultArtifactName(CONTEXT, [A])
    )
  })
})

describe('uploadSignedArtifact', () => {
  const workspace = mkdtempSync(path.join(tmpdir(), 'artifact-test-'))
  const outputDir = path.join(workspace, 'signed')
  mkdirSync(outputDir)
  const CHECKSUMS = `${'a'.repeat(64)}  a.zip\n${'b'.repeat(64)}  b.zip\n`
  const RECORD: SigningRecord = {
    schemaVersion: 1,
    region: 'us-east-1',
    profileName: 'release_profile',
    run: { repository: CONTEXT.repository, runId: CONTEXT.runId, runAttempt: '1', sha: 'abc' },
    results: []
  }
  const options = {
    name: 'signed-build',
    outputDir,
    workspace,
    retentionDays: undefined,
    context: CONTEXT,
    checksums: CHECKSUMS,
    signingRecord: RECORD
  }

  beforeEach(() => {
    uploadArtifact.mockReset()
  })

  afterAll(() => {
    rmSync(workspace, { recursive: true, force: true })
  })

  it('uploads the signed files from output-dir, with the checksums and the signing record', async () => {
    uploadArtifact.mockResolvedValue({ id: 4242, size: 10 })
    const name = defaultArtifactName(CONTEXT, [A, B])
    const uploaded = await uploadSignedArtifact([A, B], { ...options, name, retentionDays: 5 })
    expect(uploaded).toEqual({
      id: '4242',
      name,
      url: 'https://github.com/octo-org/widget/actions/runs/987654321/artifacts/4242'
    })
    const checksums = path.join(outputDir, `${name}.sha256`)
    const record = path.join(outputDir, `${name}.signing.json`)
    expect(uploadArtifact.mock.calls).toEqual([
      [
        name,
        [path.join(outputDir, 'a.zip'), path.join(outputDir, 'b.zip'), checksums, record],
        outputDir,
        { retentionDays: 5 }
      ]
    ])
    expect(readFileSync(checksums, 'utf8')).toBe(CHECKSUMS)
    expect(JSON.parse(readFileSync(record, 'utf8'))).toEqual(RECORD)
  })

  it.each(['.sha256', '.signing.json'])(
    'never replaces a signed file that bears the name of the artifact%s',
    async suffix => {
      const named = result(`signed/release${suffix}`, 'c'.repeat(64))
      writeFileSync(path.join(workspace, named.signedPath), 'signed bytes')
      await expect(
        uploadSignedArtifact([A, named], { ...options, name: 'release' })
      ).rejects.toThrow(
        `would replace the signed file signed/release${suffix}: give artifact-name a name that no signed file has.`
      )
      expect(readFileSync(path.join(workspace, named.signedPath), 'utf8')).toBe('signed bytes')
      expect(uploadArtifact).not.toHaveBeenCalled()
    }
  )

  it('never writes the checksums through a symbolic link planted at their path', async () => {
    const target = path.join(workspace, 'elsewhere.txt')
    writeFileSync(target, 'keep')
    symlinkSync(target, path.join(outputDir, 'planted.sha256'))
    await expect(uploadSignedArtifact([A], { ...options, name: 'planted' })).rejects.toThrow(
      /Uploading the signed files as artifact 'planted' failed: .*ELOOP/
    )
    expect(readFileSync(target, 'utf8')).toBe('keep')
    expect(uploadArtifact).not.toHaveBeenCalled()
  })

  it('uses the given name and no retention option when none is set', async () => {
    uploadArtifact.mockResolvedValue({ id: 1 })
    const uploaded = await uploadSignedArtifact([A], { ...options, name: 'signed-linux' })
    expect(uploaded.name).toBe('signed-linux')
    expect(uploadArtifact.mock.calls[0]?.[0]).toBe('signed-linux')
    expect(uploadArtifact.mock.calls[0]?.[3]).toEqual({})
  })

  it('explains a name conflict with the artifact-name input', async () => {
    uploadArtifact.mockRejectedValue(
      new Error(
        'Failed request: (409) Conflict: an artifact with this name already exists on the workflow run'
      )
    )
    const error = await rejectionOf(
      uploadSignedArtifact([A], { ...options, name: 'signed' }),
      ActionError
    )
    expect(error.message).toContain("An artifact named 'signed' already exists")
    expect(error.message).toContain("set the 'artifact-name' input")
  })

  it('reports other failures with the artifact name', async () => {
    uploadArtifact.mockRejectedValue(new Error('network down'))
    await expect(uploadSignedArtifact([A], { ...options, name: 'x' })).rejects.toThrow(
      "Uploading the signed files as artifact 'x' failed: network down"
    )
  })

  it('fails when the service returns no artifact id', async () => {
    uploadArtifact.mockResolvedValue({})
    await expect(uploadSignedArtifact([A], { ...options, name: 'x' })).rejects.toThrow(
      'the results service returned no artifact ID'
    )
  })
})
