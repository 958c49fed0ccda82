import { readFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import {
  OUTPUT_LIMIT_BYTES,
  Output,
  firstThatFit,
  setImageOutputs,
  setOutputs
} from '../../../src/github/outputs.js'
import { parseOutputFile } from '../../rig/run-action.js'
import { FAILED, FAILED_IMAGE, SIGNED, SIGNED_IMAGE, manyResults, runnerFiles } from './fixtures.js'

let files: ReturnType<typeof runnerFiles>
let stdout: string[]

beforeEach(() => {
  files = runnerFiles()
  stdout = []
  jest.spyOn(process.stdout, 'write').mockImplementation(chunk => {
    stdout.push(String(chunk))
    return true
  })
})

afterEach(() => {
  jest.restoreAllMocks()
  files.remove()
})

const outputs = () => parseOutputFile(readFileSync(files.output, 'utf8'))

describe('setOutputs', () => {
  it('sets the single-value outputs from the first file, results for all, and the results file', async () => {
    await setOutputs([SIGNED, FAILED], '/runner/temp/checksums.sha256')
    const set = outputs()
    expect(set[Output.JobId]).toBe('job-a')
    expect(set[Output.SignatureExpiresAt]).toBe('2030-01-01T00:00:00.000Z')
    expect(set[Output.SignedPath]).toBe('signed/a.zip')
    expect(set[Output.SignedObject]).toBe('s3://signed-bucket/signed/job-a')
    expect(set[Output.ProfileVersionArn]).toBe(SIGNED.profileVersionArn)
    expect(set[Output.SigningJobArn]).toBe(SIGNED.jobArn)
    expect(set[Output.Checksums]).toBe('/runner/temp/checksums.sha256')
    expect(JSON.parse(set[Output.Results] ?? '')).toEqual([SIGNED, FAILED])
    const resultsFile = set[Output.ResultsFile] ?? ''
    expect(resultsFile.startsWith(files.runnerTemp)).toBe(true)
    expect(JSON.parse(readFileSync(resultsFile, 'utf8'))).toEqual([SIGNED, FAILED])
    expect(stdout.join('')).not.toContain('::warning::')
  })

  it('sets only results and the results file when there are none', async () => {
    await setOutputs([], '/runner/temp/checksums.sha256')
    expect(Object.keys(outputs()).sort()).toEqual([
      Output.Checksums,
      Output.Results,
      Output.ResultsFile
    ])
    expect(outputs()[Output.Results]).toBe('[]')
  })

  it('keeps results under 1 MB with the first files, warns, and keeps all in the file', async () => {
    const results = manyResults(5000)
    await setOutputs(results, '/runner/temp/checksums.sha256')
    const json = outputs()[Output.Results] ?? ''
    const kept = JSON.parse(json) as unknown[]
    expect(Buffer.byteLength(json)).toBeLessThanOrEqual(OUTPUT_LIMIT_BYTES)
    expect(kept.length).toBeGreaterThan(100)
    expect(kept).toEqual(results.slice(0, kept.length))
    const all = JSON.parse(readFileSync(outputs()[Output.ResultsFile] ?? '', 'utf8'))
    expect(all).toHaveLength(5000)
    expect(stdout.join('')).toContain(
      `::warning::The 'results' output holds the first ${kept.length} of 5000 files`
    )
  })
})

describe('setImageOutputs', () => {
  it('sets the image outputs from the first image, and results for all, without file outputs', async () => {
    await setImageOutputs([SIGNED_IMAGE, FAILED_IMAGE])
    const set = outputs()
    expect(set).toMatchObject({
      [Output.JobId]: 'job-i',
      [Output.SignatureExpiresAt]: '2030-01-01T00:00:00.000Z',
      [Output.ProfileVersionArn]: SIGNED_IMAGE.profileVersionArn,
      [Output.SigningJobArn]: SIGNED_IMAGE.jobArn,
      [Output.SignedImage]: SIGNED_IMAGE.signedImage,
      [Output.SignatureDigest]: SIGNED_IMAGE.signatureDigest
    })
    expect(set[Output.SignedPath]).toBeUndefined()
    expect(set[Output.Checksums]).toBeUndefined()
    expect(JSON.parse(set[Output.Results] ?? '')).toEqual([SIGNED_IMAGE, FAILED_IMAGE])
    expect(JSON.parse(readFileSync(set[Output.ResultsFile] ?? '', 'utf8'))).toEqual([
      SIGNED_IMAGE,
      FAILED_IMAGE
    ])
  })

  it('leaves the image outputs empty when the first image failed', async () => {
    await setImageOutputs([FAILED_IMAGE, SIGNED_IMAGE])
    expect(outputs()[Output.SignedImage]).toBe('')
    expect(outputs()[Output.SignatureDigest]).toBe('')
  })

  it('leaves them empty when the first image failed after it was resolved and signed', async () => {
    // Its envelope checked and its job known, but the push refused: nothing names it signed.
    const unpushed = { ...SIGNED_IMAGE, status: 'failed' as const, error: 'push refused' }
    await setImageOutputs([unpushed, SIGNED_IMAGE])
    for (const output of [
      Output.JobId,
      Output.SignatureExpiresAt,
      Output.ProfileVersionArn,
      Output.SigningJobArn,
      Output.SignedImage,
      Output.SignatureDigest
    ]) {
      expect(outputs()[output]).toBe('')
    }
  })
})

describe('firstThatFit', () => {
  it('keeps as many whole entries as fit, as a JSON array', () => {
    const results = manyResults(10)
    const one = Buffer.byteLength(JSON.stringify(results[0]))
    const { json, count } = firstThatFit(results, 2 + one * 3 + 2)
    expect(count).toBe(3)
    expect(JSON.parse(json)).toEqual(results.slice(0, 3))
    expect(firstThatFit(results, 1)).toEqual({ json: '[]', count: 0 })
    expect(firstThatFit(results, 1e9).count).toBe(10)
  })
})
