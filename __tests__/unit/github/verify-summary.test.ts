import { readFileSync, writeFileSync } from 'node:fs'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import * as core from '@actions/core'
import {
  writeFileVerifySummary,
  writeImageVerifySummary
} from '../../../src/github/step-summary.js'
import type { FileVerification } from '../../../src/pipeline/verify-one-file.js'
import type { ImageVerification } from '../../../src/pipeline/verify-one-image.js'
import { runnerFiles } from './fixtures.js'

let files: ReturnType<typeof runnerFiles>
beforeAll(() => {
  files = runnerFiles()
})
beforeEach(() => {
  core.summary.emptyBuffer()
  writeFileSync(files.summary, '')
})
afterAll(() => files.remove())

const summary = () => readFileSync(files.summary, 'utf8')
const JOB_ARN = 'arn:aws:signer:us-east-1:111122223333:/signing-jobs/job-1'

const SIGNATURE = {
  signatureDigest: `sha256:${'5'.repeat(64)}`,
  listedBy: 'tag' as const,
  verdict: 'valid' as const,
  jobArn: JOB_ARN,
  profileVersionArn: 'arn:aws:signer:us-east-1:111122223333:/signing-profiles/p_1/abcdefghij',
  signedAt: '2026-01-01T00:00:00.000Z',
  expiresAt: '2027-01-01T00:00:00.000Z',
  trustedBy: 'arn:aws:signer:us-east-1:111122223333:/signing-profiles/p_1'
}
const VERIFIED: ImageVerification = {
  image: 'ghcr.io/o/app:v1',
  verifiedImage: `ghcr.io/o/app@sha256:${'a'.repeat(64)}`,
  digest: `sha256:${'a'.repeat(64)}`,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  status: 'verified',
  signatures: [
    SIGNATURE,
    {
      ...SIGNATURE,
      signatureDigest: `sha256:${'6'.repeat(64)}`,
      verdict: 'invalid',
      check: 'trustedProfile',
      reason: 'profile <b>x</b> is not trusted'
    }
  ],
  leftOut: 0,
  seconds: 1
}
const UNSIGNED: ImageVerification = {
  ...VERIFIED,
  image: 'ghcr.io/o/other@sha256:' + 'b'.repeat(64),
  status: 'failed',
  signatures: [],
  error: 'no Notary signature was found'
}

describe('writeImageVerifySummary', () => {
  it('counts the verified images and writes a row per signature, or one saying why there is none', async () => {
    await writeImageVerifySummary([VERIFIED, UNSIGNED])
    const html = summary()
    expect(html).toContain('1 of 2 images verified.')
    expect(html).toContain('<th>Listed by</th>')
    expect(html).toContain(`<td>${SIGNATURE.signatureDigest}</td><td>tag</td><td>job-1</td>`)
    expect(html).toContain('✅ valid')
    expect(html).toContain('❌ trustedProfile: profile &lt;b&gt;x&lt;/b&gt; is not trusted')
    expect(html).toContain('❌ no Notary signature was found')
    expect(html.match(/<tr>/g)).toHaveLength(4)
  })
})

describe('writeFileVerifySummary', () => {
  it('writes a row per file with the check that failed', async () => {
    const verified: FileVerification = {
      path: 'signed/a.zip',
      sha256: 'c'.repeat(64),
      status: 'verified',
      recordedAs: 'a.zip',
      jobId: 'job-1',
      jobArn: JOB_ARN,
      profileVersionArn: SIGNATURE.profileVersionArn,
      trustedBy: SIGNATURE.trustedBy,
      signatureExpiresAt: '2031-01-01T00:00:00.000Z',
      signedObject: 's3://b/k',
      signedObjectHashedFrom: 'content',
      seconds: 1
    }
    const modified: FileVerification = {
      ...verified,
      path: 'signed/b.zip',
      status: 'failed',
      check: 'sha256',
      reason: "it is not the file that was signed as 'b.zip'"
    }
    await writeFileVerifySummary([verified, modified])
    const html = summary()
    expect(html).toContain('1 of 2 files verified.')
    expect(html).toContain('✅ verified')
    expect(html).toContain('❌ sha256: it is not the file that was signed as &#39;b.zip&#39;')
  })
})
