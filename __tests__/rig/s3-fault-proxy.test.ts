import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
  type S3ClientConfig
} from '@aws-sdk/client-s3'
import { randomBytes } from 'node:crypto'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { motoClient, motoServer, type MotoServer } from './moto.js'
import { startS3FaultProxy, type S3FaultProxy } from './s3-fault-proxy.js'

const BUCKET = 'fault-proxy-test'

describe('S3 fault proxy in front of moto', () => {
  let moto: MotoServer
  let proxy: S3FaultProxy

  const s3 = (config: S3ClientConfig = {}): S3Client => motoClient(proxy.endpoint, config)
  const put = (client: S3Client, key: string, body: Uint8Array | string = 'x') =>
    client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }))
  const errorName = (promise: Promise<unknown>) =>
    promise.then(
      () => 'resolved',
      (error: Error) => error.name
    )
  /** The statuses logged from now on. */
  const statusesAfter = (mark: number) => proxy.requests.slice(mark).map(r => r.status)

  beforeAll(async () => {
    moto = await motoServer()
    proxy = await startS3FaultProxy(moto.endpoint)
    await s3().send(new CreateBucketCommand({ Bucket: BUCKET }))
  })

  afterEach(() => proxy.clearFaults())

  afterAll(async () => {
    await proxy?.stop()
    await moto?.stop()
  })

  it('passes normal traffic through unchanged', async () => {
    const client = s3()
    const body = randomBytes(3 * 1024 * 1024 + 17)
    await put(client, 'normal.bin', body)
    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'normal.bin' }))

    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true)
    expect(proxy.requests.at(-1)).toMatchObject({
      method: 'GET',
      path: expect.stringMatching(new RegExp(`^/${BUCKET}/normal\\.bin`)),
      status: 200
    })
    expect(proxy.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  it('answers SlowDown, which the SDK retries by default', async () => {
    const mark = proxy.requests.length
    proxy.failNext(2, 'slow-down')
    await put(s3(), 'slow.txt')

    expect(statusesAfter(mark)).toEqual([503, 503, 200])
  })

  it('surfaces SlowDown by name when retries are off', async () => {
    proxy.failNext(1, 'slow-down')
    expect(await errorName(put(s3({ maxAttempts: 1 }), 'slow.txt'))).toBe('SlowDown')
  })

  it('resets connections, which the SDK retries', async () => {
    const mark = proxy.requests.length
    proxy.failNext(1, 'reset')
    await put(s3(), 'reset.txt')

    expect(statusesAfter(mark)).toEqual(['reset', 200])
  })

  it('answers InternalError', async () => {
    proxy.failNext(1, 'internal-error')
    expect(await errorName(put(s3({ maxAttempts: 1 }), 'error.txt'))).toBe('InternalError')
  })

  it('applies a fault only to matching requests', async () => {
    const client = s3({ maxAttempts: 1 })
    await put(client, 'match.txt')
    proxy.failNext(1, 'internal-error', { method: 'put', path: /match\.txt/g })

    await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'match.txt' }))
    expect(await errorName(put(client, 'match.txt'))).toBe('InternalError')
    await put(client, 'match.txt')
  })

  it('hangs a request until the SDK times out, and its retry goes through', async () => {
    const mark = proxy.requests.length
    proxy.failNext(1, 'hang', { method: 'PUT' })
    await put(s3({ maxAttempts: 2, requestHandler: { socketTimeout: 2000 } }), 'hang.txt')

    expect(statusesAfter(mark)).toEqual(['hung', 200])
  })

  it('passes a delayed request on once its delay is over', async () => {
    const mark = proxy.requests.length
    proxy.failNext(1, 'delay', { method: 'PUT' }, { delayMs: 300 })
    const started = Date.now()
    await put(s3({ maxAttempts: 1 }), 'delayed.txt')

    expect(Date.now() - started).toBeGreaterThanOrEqual(300)
    expect(statusesAfter(mark)).toEqual([200])
  })

  it('answers other requests while one hangs, until its caller aborts', async () => {
    const client = s3({ maxAttempts: 1 })
    await put(client, 'held.txt')
    const mark = proxy.requests.length
    proxy.failNext(1, 'hang', { method: 'GET' })
    const abort = new AbortController()
    const held = errorName(
      client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'held.txt' }), {
        abortSignal: abort.signal
      })
    )
    await until(() => proxy.requests.length > mark)

    await put(client, 'meanwhile.txt')
    abort.abort()

    expect(await held).toBe('AbortError')
    expect(statusesAfter(mark)).toEqual(['hung', 200])
  })

  it('stops promptly while a request hangs', async () => {
    const own = await startS3FaultProxy(moto.endpoint)
    own.failNext(1, 'hang')
    const client = motoClient(own.endpoint, { maxAttempts: 1 })
    const held = errorName(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'x' })))
    await until(() => own.requests.length === 1)

    let timer: NodeJS.Timeout | undefined
    const stillOpen = new Promise(resolve => (timer = setTimeout(resolve, 5000, 'still open')))
    const outcome = await Promise.race([own.stop().then(() => 'stopped'), stillOpen])
    clearTimeout(timer)
    client.destroy()

    expect(outcome).toBe('stopped')
    expect(await held).not.toBe('resolved')
    expect(own.requests.map(r => r.status)).toEqual(['hung'])
  })
})

describe('S3 fault proxy: faults after the headers', () => {
  let moto: MotoServer
  let proxy: S3FaultProxy
  const body = randomBytes(64 * 1024)
  const half = body.length / 2

  // Checksums off: what arrives is what the proxy sent, unchecked.
  const client = (socketTimeout = 10_000) =>
    motoClient(proxy.endpoint, {
      maxAttempts: 1,
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { socketTimeout }
    })

  /** GetObject, then its body as far as it came, and how that ended. */
  async function download(socketTimeout?: number) {
    const answer = await client(socketTimeout).send(
      new GetObjectCommand({ Bucket: BUCKET, Key: 'object.bin' })
    )
    const chunks: Buffer[] = []
    const startedMs = Date.now()
    let ending = 'end'
    try {
      for await (const chunk of answer.Body as AsyncIterable<Buffer>) chunks.push(chunk)
    } catch (error) {
      ending = (error as Error).name === 'TimeoutError' ? 'timeout' : 'error'
    }
    return {
      status: answer.$metadata.httpStatusCode,
      declared: answer.ContentLength,
      received: Buffer.concat(chunks),
      ending,
      ms: Date.now() - startedMs
    }
  }

  beforeAll(async () => {
    moto = await motoServer()
    proxy = await startS3FaultProxy(moto.endpoint)
    await motoClient(proxy.endpoint).send(new CreateBucketCommand({ Bucket: BUCKET }))
    await motoClient(proxy.endpoint).send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'object.bin', Body: body })
    )
  })

  afterEach(() => proxy.clearFaults())

  afterAll(async () => {
    await proxy?.stop()
    await moto?.stop()
  })

  it("'stall' sends the headers and half the body, then nothing until the client gives up", async () => {
    proxy.failNext(1, 'stall', { method: 'GET' })
    const got = await download(1000)

    expect(got).toMatchObject({ status: 200, declared: body.length, ending: 'timeout' })
    expect(got.received.equals(body.subarray(0, half))).toBe(true)
    expect(got.ms).toBeGreaterThanOrEqual(900)
    expect(proxy.requests.at(-1)).toMatchObject({ method: 'GET', status: 200, fault: 'stall' })
  })

  it("'reset-mid-body' tears the connection down after half the body", async () => {
    proxy.failNext(1, 'reset-mid-body', { method: 'GET' })
    const got = await download()

    expect(got).toMatchObject({ status: 200, declared: body.length, ending: 'error' })
    expect(got.received.length).toBeLessThanOrEqual(half)
    expect(got.received.equals(body.subarray(0, got.received.length))).toBe(true)
  })

  it("'shorten' closes the connection after half the body that the content-length promised", async () => {
    proxy.failNext(1, 'shorten', { method: 'GET' })
    const got = await download()

    expect(got).toMatchObject({ status: 200, declared: body.length, ending: 'error' })
    expect(got.received.equals(body.subarray(0, half))).toBe(true)
  })

  it("'trickle' sends the whole body, one byte every intervalMs", async () => {
    await motoClient(proxy.endpoint).send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'small.bin', Body: 'twelve bytes' })
    )
    proxy.failNext(1, 'trickle', { method: 'GET' }, { intervalMs: 50 })
    const answer = await client().send(new GetObjectCommand({ Bucket: BUCKET, Key: 'small.bin' }))
    const startedMs = Date.now()
    const chunks: Buffer[] = []
    for await (const chunk of answer.Body as AsyncIterable<Buffer>) chunks.push(chunk)

    expect(chunks.map(chunk => chunk.length)).toEqual(new Array(12).fill(1))
    expect(Buffer.concat(chunks).toString()).toBe('twelve bytes')
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(11 * 50 - 20)
  })

  it("'inflate' follows the body with more bytes, counted in the content-length", async () => {
    proxy.failNext(1, 'inflate', { method: 'GET' }, { extraBytes: 300_000 })
    const got = await download()

    expect(got).toMatchObject({ status: 200, declared: body.length + 300_000, ending: 'end' })
    expect(got.received.subarray(0, body.length).equals(body)).toBe(true)
    expect(got.received.subarray(body.length).equals(Buffer.alloc(300_000))).toBe(true)
  })

  it("'inflate' without declareLength sends them chunked, with no content-length", async () => {
    proxy.failNext(1, 'inflate', { method: 'GET' }, { extraBytes: 300_000, declareLength: false })
    const got = await download()

    expect(got.declared).toBeUndefined()
    expect(got.received.length).toBe(body.length + 300_000)
  })
})

describe('S3 fault proxy streaming', () => {
  let sink: Server
  let proxy: S3FaultProxy
  let received = 0

  beforeAll(async () => {
    // Counts the body as it arrives, then answers with 16 MiB.
    sink = createServer((req, res) => {
      req.on('data', (chunk: Buffer) => (received += chunk.length))
      req.on('end', () => res.end(Buffer.alloc(16 * 1024 * 1024)))
    })
    await new Promise<void>(resolve => sink.listen(0, '127.0.0.1', resolve))
    proxy = await startS3FaultProxy(`http://127.0.0.1:${(sink.address() as AddressInfo).port}`)
  })

  afterAll(async () => {
    await proxy?.stop()
    await new Promise(resolve => sink?.close(resolve))
  })

  it('forwards a request body before the client has finished sending it', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 1)
    const upload = request(`${proxy.endpoint}/bucket/key`, { method: 'PUT' })
    const answered = new Promise<number>((resolve, reject) => {
      upload.on('error', reject)
      upload.on('response', res => {
        let length = 0
        res.on('data', (data: Buffer) => (length += data.length))
        res.on('end', () => resolve(length))
      })
    })
    upload.write(chunk)
    await until(() => received === chunk.length)
    upload.end(chunk)

    expect(await answered).toBe(16 * 1024 * 1024)
    expect(received).toBe(2 * chunk.length)
  })
})

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}
