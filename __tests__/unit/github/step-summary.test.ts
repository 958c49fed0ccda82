import { readFileSync, writeFileSync } from 'node:fs'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import * as core from '@actions/core'
import {
  SUMMARY_LIMIT_BYTES,
  writeImageSummary,
  writeSummary
} from '../../../src/github/step-summary.js'
import { FAILED, FAILED_IMAGE, SIGNED, SIGNED_IMAGE, manyResults, runnerFiles } from './fixtures.js'

let files: ReturnType<typeof runnerFiles>

// @actions/core keeps the summary file's path once it has read it: one file for all tests.
beforeAll(() => {
  files = runnerFiles()
})
beforeEach(() => {
  core.summary.emptyBuffer()
  writeFileSync(files.summary, '')
})
afterAll(() => {
  files.remove()
})

const summary = () => readFileSync(files.summary, 'utf8')

describe('writeSummary', () => {
  it('writes a heading, a count and one row per file', async () => {
    await writeSummary([SIGNED, FAILED], undefined)
    const html = summary()
    expect(html).toContain('<h3>AWS Signer</h3>')
    expect(html).toContain('1 of 2 files signed.')
    expect(html).toContain(
      '<tr><td>signed/a.zip</td><td>job-a</td><td>2030-01-01T00:00:00.000Z</td><td>s3://signed-bucket/signed/job-a</td><td>12.3</td><td>✅ signed</td></tr>'
    )
    expect(html).toContain(
      '<tr><td>build/b.zip</td><td>—</td><td>—</td><td>—</td><td>0.4</td><td>❌ AccessDenied: no</td></tr>'
    )
  })

  it('uses the singular for one file and links the artifact', async () => {
    await writeSummary([SIGNED], { name: 'signed-build', url: 'https://example/a/1' })
    expect(summary()).toContain('1 of 1 file signed.')
    expect(summary()).toContain('<a href="https://example/a/1">Artifact signed-build</a>')
  })

  it('shows markup in names and messages as text', async () => {
    const hostile = {
      ...FAILED,
      path: 'dist/<img src=x onerror=alert(1)>.zip',
      error: 'ValidationException: <script>alert("x")</script> & more'
    }
    await writeSummary([hostile], { name: 'a"><b>', url: 'https://example/"><i>' })
    const html = summary()
    expect(html).not.toMatch(/<img|<script|<b>|<i>/)
    expect(html).toContain('dist/&lt;img src=x onerror=alert(1)&gt;.zip')
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more')
  })

  it('stays under GitHub’s 1 MiB with many files, and says how many more there are', async () => {
    await writeSummary(manyResults(12_000), undefined)
    const html = summary()
    expect(Buffer.byteLength(html)).toBeLessThan(SUMMARY_LIMIT_BYTES)
    const rows = html.match(/<tr><td>/g)?.length ?? 0
    expect(rows).toBeGreaterThan(1000)
    expect(rows).toBeLessThan(12_000)
    expect(html).toContain(`… and ${12_000 - rows} more files`)
    expect(html).toContain('results-file')
  })

  it('gives a Lambda code signing config trusting each signing profile version once', async () => {
    const second = { ...SIGNED, profileVersionArn: `${SIGNED.profileVersionArn.slice(0, -2)}p2` }
    await writeSummary([SIGNED, { ...SIGNED, path: 'b' }, second, FAILED], undefined)
    const html = summary()
    expect(html).toContain('<h4>Lambda code signing</h4>')
    expect(html).toContain(
      [
        '      SigningProfileVersionArns:',
        `        - ${SIGNED.profileVersionArn}`,
        `        - ${second.profileVersionArn}`,
        '    CodeSigningPolicies:'
      ].join('\n')
    )
    expect(html).toContain(
      `--allowed-publishers SigningProfileVersionArns=${SIGNED.profileVersionArn},${second.profileVersionArn} \\`
    )
    expect(html.split(SIGNED.profileVersionArn)).toHaveLength(3)
  })

  it('gives no code signing config when nothing was signed', async () => {
    await writeSummary([FAILED], undefined)
    expect(summary()).not.toContain('Lambda code signing')
  })
})

describe('writeImageSummary', () => {
  const PLATFORM_IMAGE = {
    ...SIGNED_IMAGE,
    platform: 'linux/arm64',
    digest: `sha256:${'3'.repeat(64)}`,
    signedImage: `ghcr.io/owner/app@sha256:${'3'.repeat(64)}`,
    referrers: 'tag' as const
  }

  it('writes a row per manifest, a trust policy for the profile and a verify command per image', async () => {
    await writeImageSummary([SIGNED_IMAGE, PLATFORM_IMAGE, FAILED_IMAGE])
    const html = summary()
    expect(html).toContain('2 of 3 images signed.')
    expect(html).toContain(
      `<tr><td>${SIGNED_IMAGE.image}</td><td>${SIGNED_IMAGE.digest}</td><td>${SIGNED_IMAGE.signatureDigest}</td><td>referrers API</td><td>job-i</td><td>2030-01-01T00:00:00.000Z</td><td>0.8</td><td>✅ signed</td></tr>`
    )
    expect(html).toContain(`<td>${SIGNED_IMAGE.image} (linux/arm64)</td>`)
    expect(html).toContain('<td>tag</td>')
    expect(html).toContain(
      '<td>❌ ghcr.io/owner/other: resolving 1.0 failed: 404 MANIFEST_UNKNOWN</td>'
    )
    const policy = /<pre lang="json"><code>([\s\S]*?)<\/code><\/pre>/.exec(html)?.[1] ?? ''
    expect(JSON.parse(policy.replaceAll('&quot;', '"'))).toEqual({
      version: '1.0',
      trustPolicies: [
        {
          name: 'aws-signer-container_profile',
          registryScopes: ['ghcr.io/owner/app'],
          signatureVerification: { level: 'strict' },
          trustStores: ['signingAuthority:aws-signer-ts'],
          trustedIdentities: [
            'arn:aws:signer:us-east-1:123456789012:/signing-profiles/container_profile'
          ]
        }
      ]
    })
    expect(html).toContain(
      `notation policy import trustpolicy.json\nnotation verify ${SIGNED_IMAGE.signedImage}\nnotation verify ${PLATFORM_IMAGE.signedImage}</code>`
    )
  })

  it('quotes an IPv6 registry in the notation command, which a shell would take for a glob', async () => {
    const ipv6 = { ...SIGNED_IMAGE, signedImage: `[::1]:5000/owner/app@${SIGNED_IMAGE.digest}` }
    await writeImageSummary([ipv6])
    expect(summary()).toContain(`notation verify &#39;${ipv6.signedImage}&#39;</code>`)
  })

  it('writes no trust policy when nothing was signed', async () => {
    await writeImageSummary([FAILED_IMAGE])
    expect(summary()).toContain('0 of 1 image signed.')
    expect(summary()).not.toContain('trustpolicy.json')
  })

  it('shows a registry message with markup as text', async () => {
    await writeImageSummary([{ ...FAILED_IMAGE, error: 'DENIED: <img src=x onerror=alert(1)>' }])
    expect(summary()).not.toContain('<img')
    expect(summary()).toContain('DENIED: &lt;img src=x onerror=alert(1)&gt;')
  })
})
