import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  jest
} from '@jest/globals'
import { DefaultArtifactClient } from '@actions/artifact'
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NAME_CLASH_MESSAGE, startResultsService, type ResultsService } from './results-service.js'

describe('results service stand-in', () => {
  let service: ResultsService
  let dir: string
  let files: string[]
  let bigFile: string
  const savedEnv = { ...process.env }

  /** Points @actions/artifact (which reads process.env on each call) at the service. */
  const useEnv = (env: Record<string, string>) => Object.assign(process.env, env)
  const upload = (name: string, paths = files) =>
    new DefaultArtifactClient().uploadArtifact(name, paths, dir)
  /** The stored blob, written out so that unzip can read it. */
  const storedZip = async (index = 0) => {
    const zip = join(dir, 'stored.zip')
    await writeFile(zip, service.artifacts[index]?.bytes ?? '')
    return zip
  }

  beforeAll(async () => {
    service = await startResultsService()
    dir = await mkdtemp(join(tmpdir(), 'results-service-test-'))
    files = [join(dir, 'app.zip'), join(dir, 'app.zip.sig')]
    bigFile = join(dir, 'big.bin')
    await writeFile(join(dir, 'app.zip'), 'the artifact')
    await writeFile(join(dir, 'app.zip.sig'), Buffer.from([0, 1, 2, 255]))
    // Incompressible and over 8 MiB: several blocks, staged concurrently.
    await writeFile(bigFile, randomBytes(20 * 1024 * 1024))
  })

  beforeEach(() => {
    service.reset()
    useEnv(service.env())
    // @actions/core logs each step on stdout; keep the test output readable.
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true)
  })

  afterEach(() => {
    jest.restoreAllMocks()
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name]
    Object.assign(process.env, savedEnv)
  })

  afterAll(async () => {
    await service?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('stores what the real @actions/artifact uploads, as a zip of those files', async () => {
    const result = await upload('signed-files')

    expect(service.artifacts).toHaveLength(1)
    const [artifact] = service.artifacts
    const bytes = artifact?.bytes ?? Buffer.alloc(0)
    expect(artifact).toMatchObject({
      id: String(result.id),
      name: 'signed-files',
      finalized: true,
      size: bytes.length,
      hash: `sha256:${result.digest}`
    })
    expect(result.digest).toBe(createHash('sha256').update(bytes).digest('hex'))
    const zip = await storedZip()
    // Sorted: archiver (under @actions/artifact) stats files concurrently and adds each as its
    // stat comes back, so a loaded machine may store them in either order.
    const entries = execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).trim().split('\n')
    expect(entries.sort()).toEqual(['app.zip', 'app.zip.sig'])
    expect(execFileSync('unzip', ['-p', zip, 'app.zip'], { encoding: 'utf8' })).toBe('the artifact')
    expect(execFileSync('unzip', ['-p', zip, 'app.zip.sig'])).toEqual(Buffer.from([0, 1, 2, 255]))
  })

  it('assembles a blob of several blocks in block-list order', async () => {
    await upload('big', [bigFile])

    const stored = execFileSync('unzip', ['-p', await storedZip(), 'big.bin'], {
      maxBuffer: 64 * 1024 * 1024
    })
    expect(stored.equals(await readFile(bigFile))).toBe(true)
    expect(service.artifacts[0]?.bytes.length).toBeGreaterThan(16 * 1024 * 1024)
  })

  it('refuses a second artifact of the same name in a run, like the real service', async () => {
    await upload('twice')

    await expect(upload('twice')).rejects.toThrow(
      `Failed to CreateArtifact: Received non-retryable error: Failed request: (409) Conflict: ${NAME_CLASH_MESSAGE}`
    )
    useEnv(service.env('another-run', 'job'))
    await expect(upload('twice')).resolves.toMatchObject({ id: expect.any(Number) })
  })

  it('accepts a single-shot blob upload and checks the finalized size', async () => {
    const { ACTIONS_RUNTIME_TOKEN: token } = service.env('run', 'job')
    const twirp = async (method: string, body: object) => {
      const res = await fetch(
        `${service.url}/twirp/github.actions.results.api.v1.ArtifactService/${method}`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            workflow_run_backend_id: 'run',
            workflow_job_run_backend_id: 'job',
            name: 'raw',
            ...body
          })
        }
      )
      return { status: res.status, body: (await res.json()) as Record<string, unknown> }
    }
    const created = await twirp('CreateArtifact', { version: 7 })
    const put = await fetch(String(created.body.signed_upload_url), {
      method: 'PUT',
      headers: { 'x-ms-blob-type': 'BlockBlob' },
      body: 'abc'
    })

    expect(put.status).toBe(201)
    expect(await twirp('FinalizeArtifact', { size: '4' })).toMatchObject({
      status: 400,
      body: { code: 'invalid_argument' }
    })
    expect(await twirp('FinalizeArtifact', { size: '3' })).toEqual({
      status: 200,
      body: { ok: true, artifact_id: service.artifacts[0]?.id }
    })
    expect(service.artifacts[0]?.bytes.toString()).toBe('abc')
  })

  it('rejects an upload whose signature does not match', async () => {
    const res = await fetch(`${service.url}/upload/1000/artifact?sig=forged`, {
      method: 'PUT',
      headers: { 'x-ms-blob-type': 'BlockBlob' },
      body: 'x'
    })
    expect(res.status).toBe(403)
    expect(res.headers.get('x-ms-error-code')).toBe('AuthenticationFailed')
  })
})
