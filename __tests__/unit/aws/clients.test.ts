import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { AbortMultipartUploadCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3'
import { DescribeSigningJobCommand, SignPayloadCommand } from '@aws-sdk/client-signer'
import { createClients, keepsHostPrefix, type AwsClients } from '../../../src/aws/clients.js'
import { isTransient } from '../../../src/errors.js'

/** A Signer endpoint that reads every request and never answers. */
let silent: Server
let host: string
let clients: AwsClients
const saved = { ...process.env }

beforeAll(async () => {
  silent = createServer(() => {})
  await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve))
  host = `127.0.0.1:${(silent.address() as AddressInfo).port}`
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SIGNER: `http://${host}`,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test'
  })
  // A budget of 60 s: the client's own silence limit (20 s) never comes first here.
  clients = createClients({ region: 'us-east-1', budgetMs: 60_000 })
})

afterAll(async () => {
  clients?.signerPoller.destroy()
  clients?.signer.destroy()
  clients?.s3.destroy()
  silent.closeAllConnections()
  await new Promise(resolve => silent.close(resolve))
  process.env = saved
})

const look = (signal: AbortSignal) =>
  clients.signerPoller
    .send(new DescribeSigningJobCommand({ jobId: 'job-1' }), { abortSignal: signal })
    .then(
      () => {
        throw new Error('the silent endpoint answered')
      },
      (error: unknown) => error as Error
    )

describe('the poller client, against an endpoint that never answers', () => {
  it("names DescribeSigningJob, the endpoint and the time when the caller's time bound cuts a look", async () => {
    const error = await look(AbortSignal.timeout(300))
    expect(error.name).toBe('TimeoutError')
    expect(error.message).toMatch(
      new RegExp(
        `^DescribeSigningJob got no answer from ${host.replace(/\./g, '\\.')} in 0\\.[3-9] s$`
      )
    )
    expect(isTransient(error)).toBe(true)
  })

  it('leaves an abort for another reason as the AbortError it is', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    const error = await look(controller.signal)
    expect(error.name).toBe('AbortError')
    expect(error.message).not.toContain('got no answer')
  })
})

describe('the signer client, its middleware resolved once a command type', () => {
  it('answers SignPayload calls sent together each with its own answer', async () => {
    // A Signer that answers each call with a job named after the profile it was asked for.
    const echo = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.once('end', () => {
        const { profileName } = JSON.parse(Buffer.concat(chunks).toString()) as {
          profileName: string
        }
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ jobId: `job-${profileName}`, jobOwner: '111122223333' }))
      })
    })
    await new Promise<void>(resolve => echo.listen(0, '127.0.0.1', resolve))
    const { port } = echo.address() as AddressInfo
    process.env.AWS_ENDPOINT_URL_SIGNER = `http://127.0.0.1:${port}`
    const { signer, signerPoller, s3 } = createClients({ region: 'us-east-1', budgetMs: 5000 })
    try {
      expect(signer.config.cacheMiddleware).toBe(true)
      const profiles = Array.from({ length: 8 }, (_, index) => `profile_${index}`)
      const answers = await Promise.all(
        profiles.map(profileName =>
          signer.send(
            new SignPayloadCommand({
              profileName,
              payload: Buffer.from('{}'),
              payloadFormat: 'application/vnd.cncf.notary.payload.v1+json'
            })
          )
        )
      )
      expect(answers.map(answer => answer.jobId)).toEqual(profiles.map(name => `job-${name}`))
    } finally {
      process.env.AWS_ENDPOINT_URL_SIGNER = `http://${host}`
      for (const client of [signer, signerPoller, s3]) client.destroy()
      echo.closeAllConnections()
      await new Promise(resolve => echo.close(resolve))
    }
  })
})

const ABORT = { Bucket: 'unsigned', Key: 'a.zip', UploadId: 'u-1' }

describe('createClients: expected-bucket-owner', () => {
  /** A local S3 stand-in that answers every request 204 and keeps its headers. */
  let s3Server: Server
  let seen: IncomingHttpHeaders[] = []

  beforeAll(async () => {
    s3Server = createServer((req, res) => {
      seen.push(req.headers)
      req.resume()
      req.once('end', () => res.writeHead(204).end())
    })
    await new Promise<void>(resolve => s3Server.listen(0, '127.0.0.1', resolve))
    // The SDK's own variable, as the action is pointed at an endpoint; restored in afterAll.
    process.env.AWS_ENDPOINT_URL_S3 = `http://127.0.0.1:${(s3Server.address() as AddressInfo).port}`
  })
  beforeEach(() => {
    seen = []
  })
  afterAll(async () => {
    await new Promise(resolve => s3Server.close(resolve))
  })

  it('is sent with requests whose input leaves it out, such as lib-storage builds', async () => {
    const { s3 } = createClients({
      region: 'us-east-1',
      budgetMs: 5000,
      expectedBucketOwner: '111122223333'
    })
    await s3.send(new AbortMultipartUploadCommand(ABORT))
    await s3.send(new ListObjectVersionsCommand({ Bucket: 'unsigned' })).catch(() => {})
    s3.destroy()

    expect(seen.map(headers => headers['x-amz-expected-bucket-owner'])).toEqual([
      '111122223333',
      '111122223333'
    ])
  })

  it('leaves an owner that the input names', async () => {
    const { s3 } = createClients({
      region: 'us-east-1',
      budgetMs: 5000,
      expectedBucketOwner: '111122223333'
    })
    await s3.send(
      new AbortMultipartUploadCommand({ ...ABORT, ExpectedBucketOwner: '444455556666' })
    )
    s3.destroy()

    expect(seen[0]?.['x-amz-expected-bucket-owner']).toBe('444455556666')
  })

  it('sends none when expected-bucket-owner is not set', async () => {
    const { s3 } = createClients({ region: 'us-east-1', budgetMs: 5000 })
    await s3.send(new AbortMultipartUploadCommand(ABORT))
    s3.destroy()

    expect(seen).toHaveLength(1)
    expect(seen[0]?.['x-amz-expected-bucket-owner']).toBeUndefined()
  })
})

describe('keepsHostPrefix: GetRevocationStatus goes to data-signer on AWS, as given elsewhere', () => {
  it.each<[string, Record<string, string>, boolean]>([
    ['no endpoint variable', {}, true],
    ['a local Signer', { AWS_ENDPOINT_URL_SIGNER: 'http://127.0.0.1:4566' }, false],
    ['a proxy for every service', { AWS_ENDPOINT_URL: 'https://aws-proxy.internal' }, false],
    [
      "AWS's own endpoint, written out",
      { AWS_ENDPOINT_URL_SIGNER: 'https://signer.us-east-1.amazonaws.com' },
      true
    ],
    [
      'AWS in China',
      { AWS_ENDPOINT_URL_SIGNER: 'https://signer.cn-north-1.amazonaws.com.cn' },
      true
    ],
    [
      'endpoint variables ignored',
      {
        AWS_ENDPOINT_URL_SIGNER: 'http://127.0.0.1:4566',
        AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true'
      },
      true
    ],
    ['a value the SDK refuses itself', { AWS_ENDPOINT_URL_SIGNER: 'not a url' }, true]
  ])('%s', (_case, env, keeps) => {
    expect(keepsHostPrefix(env)).toBe(keeps)
  })

  it("is the Signer clients' disableHostPrefix", async () => {
    const local = createClients({
      region: 'us-east-1',
      budgetMs: 1000,
      env: { AWS_ENDPOINT_URL_SIGNER: 'http://127.0.0.1:4566' }
    })
    const aws = createClients({ region: 'us-east-1', budgetMs: 1000, env: {} })
    expect(local.signer.config.disableHostPrefix).toBe(true)
    expect(aws.signer.config.disableHostPrefix).toBe(false)
    for (const clients of [local, aws]) {
      clients.s3.destroy()
      clients.signer.destroy()
      clients.signerPoller.destroy()
    }
  })
})
