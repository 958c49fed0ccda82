/**
 * A self-hosted runner that reaches AWS only through its network's proxy: S3 and Signer are
 * named by addresses of TEST-NET-1 (192.0.2.0/24, which no network routes), and only the proxy
 * knows the way to them. The step, with HTTP_PROXY or https_proxy set as a runner's environment
 * sets them, signs all the same; loopback endpoints never go through the proxy.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { startForwardProxy, type ForwardProxy } from '../rig/forward-proxy.js'
import { runSigning, startRig, type Rig } from '../rig/rig.js'
import { signedBytesOf } from '../rig/signer-service.js'
import { workspaceWith, zipBytes } from './workspace.js'

let rig: Rig
let proxy: ForwardProxy
/** The rig's S3 and Signer as a runner behind the proxy would name them. */
let unroutable: { s3: string; signer: string }

beforeAll(async () => {
  rig = await startRig()
  const s3 = new URL(rig.env.AWS_ENDPOINT_URL_S3 ?? '')
  const signer = new URL(rig.env.AWS_ENDPOINT_URL_SIGNER ?? '')
  unroutable = { s3: `192.0.2.10:${s3.port}`, signer: `192.0.2.11:${signer.port}` }
  proxy = await startForwardProxy({ [unroutable.s3]: s3.host, [unroutable.signer]: signer.host })
})
afterAll(async () => {
  await proxy?.stop()
  await rig?.stop()
})
beforeEach(() => {
  rig.signer.reset()
  rig.signer.jobDurationMs = 0
  proxy.asked.length = 0
})

/** A step that knows S3 and Signer only by unroutable addresses, and the proxy by `variable`. */
function behindProxy(variable: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_S3: `http://${unroutable.s3}`,
    AWS_ENDPOINT_URL_SIGNER: `http://${unroutable.signer}`,
    [variable]: proxy.url
  }
}

describe("signing through the runner's proxy", () => {
  it.each([
    ['HTTP_PROXY', 'HTTP_PROXY'],
    ['http_proxy, lower case as curl writes it', 'http_proxy']
  ])('reaches S3 and Signer only through it: %s', async (_how, variable) => {
    const zip = zipBytes(31)
    const workspace = workspaceWith({ 'dist/app.zip': zip })
    const run = await runSigning(
      rig,
      workspace,
      { path: 'dist/app.zip' },
      { env: behindProxy(variable) }
    )
    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    const job = rig.signer.jobs[0]!
    expect(
      readFileSync(path.join(workspace, 'signed/app.zip')).equals(signedBytesOf(zip, job.jobId))
    ).toBe(true)
    const destinations = new Set(proxy.asked.map(line => new URL(line.split(' ')[1]!).host))
    expect([...destinations].sort()).toEqual([unroutable.s3, unroutable.signer].sort())
    expect(proxy.asked).toContainEqual(
      expect.stringMatching(/^POST http:\/\/192\.0\.2\.11:\d+\/signing-jobs/)
    )
  })

  it('takes a file of 9 MiB through it: multipart parts, the 8 MiB one with Expect: 100-continue', async () => {
    const zip = Buffer.concat([zipBytes(34), Buffer.alloc(9 * 1024 * 1024, 7)])
    const workspace = workspaceWith({ 'dist/big.zip': zip })
    const run = await runSigning(
      rig,
      workspace,
      { path: 'dist/big.zip' },
      { env: behindProxy('HTTP_PROXY') }
    )
    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    const job = rig.signer.jobs[0]!
    expect(
      readFileSync(path.join(workspace, 'signed/big.zip')).equals(signedBytesOf(zip, job.jobId))
    ).toBe(true)
    const parts = proxy.asked.filter(line =>
      /^PUT http:\/\/192\.0\.2\.10:\d+\/.*partNumber=/.test(line)
    )
    expect(parts.length).toBeGreaterThanOrEqual(2)
    // The SDK sends a body of 2 MiB or more with Expect: 100-continue, on a one-off agent of its
    // own before the fix: the first, 8 MiB part came through the proxy all the same.
    expect(proxy.askedToContinue).toEqual(parts.filter(line => line.includes('partNumber=1&')))
  })

  it('connects directly to a host that NO_PROXY covers, and to loopback always', async () => {
    const zip = zipBytes(35)
    const workspace = workspaceWith({ 'dist/app.zip': zip })
    const signer = new URL(rig.env.AWS_ENDPOINT_URL_SIGNER ?? '')
    const run = await runSigning(
      rig,
      workspace,
      { path: 'dist/app.zip' },
      {
        // Signer under a name of the runner's own network (reached directly, as /etc/hosts and a
        // port forward would), which NO_PROXY covers by its domain, as the AWS CLI reads it; S3
        // stays at the rig's loopback address, which NO_PROXY does not list.
        env: {
          AWS_ENDPOINT_URL_SIGNER: `http://signer.corp.example:${signer.port}`,
          HTTP_PROXY: proxy.url,
          HTTPS_PROXY: proxy.url,
          NO_PROXY: 'corp.example'
        },
        hosts: { 'signer.corp.example': signer.host }
      }
    )
    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(proxy.asked).toEqual([])
  })

  it('fails naming the endpoint when the proxy cannot reach it', async () => {
    const workspace = workspaceWith({ 'dist/app.zip': zipBytes(33) })
    const run = await runSigning(
      rig,
      workspace,
      { path: 'dist/app.zip', 'timeout-seconds': '10' },
      { env: { AWS_ENDPOINT_URL_SIGNER: 'http://192.0.2.99:9', HTTP_PROXY: proxy.url } }
    )
    expect(run.exitCode).toBe(1)
    expect(run.errors.join('\n')).toMatch(
      /GetSigningProfile got HTTP 502 from 192\.0\.2\.99:9 with a body that is not the service's \(\d attempts\): something between the runner and AWS answered in its place\. If the runner uses a proxy \(HTTPS_PROXY, HTTP_PROXY\), check that it reaches 192\.0\.2\.99:9, or list the endpoint in NO_PROXY/
    )
    expect(proxy.asked).toContainEqual(expect.stringMatching(/^\w+ http:\/\/192\.0\.2\.99:9\//))
  })
})
