import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import type { FileResult } from '../../../src/pipeline/sign-one-file.js'

const setOutput = jest.fn<(name: string, value: unknown) => void>()
const calls: unknown[][] = []

/** Records the chained summary calls in order. */
const summary = {
  addHeading: (...args: unknown[]) => (calls.push(['addHeading', ...args]), summary),
  addRaw: (...args: unknown[]) => (calls.push(['addRaw', ...args]), summary),
  addTable: (...args: unknown[]) => (calls.push(['addTable', ...args]), summary),
  addLink: (...args: unknown[]) => (calls.push(['addLink', ...args]), summary),
  addEOL: (...args: unknown[]) => (calls.push(['addEOL', ...args]), summary),
  write: async () => {
    calls.push(['write'])
    return summary
  }
}

jest.unstable_mockModule('@actions/core', () => ({ setOutput, summary }))

const { Output, setOutputs } = await import('../../../src/github/outputs.js')
const { writeSummary } = await import('../../../src/github/step-summary.js')

const SIGNED: FileResult = {
  path: 'build/a.zip',
  signedPath: 'signed/a.zip',
  status: 'signed',
  jobId: 'job-a',
  signatureExpiresAt: '2030-01-01T00:00:00.000Z',
  signedObject: 's3://signed-bucket/signed/job-a',
  sourceVersionId: 'v1',
  profileVersion: 'p1',
  sha256: 'f'.repeat(64),
  seconds: 12.3
}

const FAILED: FileResult = {
  path: 'build/b.zip',
  signedPath: '',
  status: 'failed',
  jobId: '',
  signatureExpiresAt: '',
  signedObject: '',
  sourceVersionId: '',
  profileVersion: '',
  sha256: '',
  seconds: 0.4,
  error: 'AccessDenied: no'
}

beforeEach(() => {
  setOutput.mockReset()
  calls.length = 0
})

describe('setOutputs', () => {
  it('sets the single-value outputs from the first file and results for all', () => {
    setOutputs([SIGNED, FAILED])
    expect(setOutput.mock.calls).toEqual([
      [Output.JobId, 'job-a'],
      [Output.SignatureExpiresAt, '2030-01-01T00:00:00.000Z'],
      [Output.SignedPath, 'signed/a.zip'],
      [Output.SignedObject, 's3://signed-bucket/signed/job-a'],
      [Output.Results, JSON.stringify([SIGNED, FAILED])]
    ])
  })

  it('sets only results when there are none', () => {
    setOutputs([])
    expect(setOutput.mock.calls).toEqual([['results', '[]']])
  })
})

describe('writeSummary', () => {
  it('writes a heading, a count and one row per file', async () => {
    await writeSummary([SIGNED, FAILED], undefined)
    expect(calls[0]).toEqual(['addHeading', 'AWS Signer', 3])
    expect(calls[1]).toEqual(['addRaw', '1 of 2 files signed.', true])
    const [, table] = calls[2] as [string, { data: string }[][]]
    expect(calls[2]?.[0]).toBe('addTable')
    expect(table).toHaveLength(3)
    expect(table[0]?.map(cell => cell.data)).toEqual([
      'File',
      'Job ID',
      'Signature expires',
      'Signed object',
      'Seconds',
      'Status'
    ])
    expect(table[1]).toEqual([
      'signed/a.zip',
      'job-a',
      '2030-01-01T00:00:00.000Z',
      's3://signed-bucket/signed/job-a',
      '12.3',
      '✅ signed'
    ])
    expect(table[2]).toEqual(['build/b.zip', '—', '—', '—', '0.4', '❌ AccessDenied: no'])
    expect(calls.map(call => call[0])).toEqual(['addHeading', 'addRaw', 'addTable', 'write'])
  })

  it('uses the singular for one file and links the artifact', async () => {
    await writeSummary([SIGNED], { name: 'signed-build', url: 'https://example/a/1' })
    expect(calls[1]).toEqual(['addRaw', '1 of 1 file signed.', true])
    expect(calls.slice(3)).toEqual([
      ['addLink', 'Artifact signed-build', 'https://example/a/1'],
      ['addEOL'],
      ['write']
    ])
  })
})
