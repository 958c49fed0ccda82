import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import {
  exchange,
  ExchangeCancelled,
  ExchangeError,
  type Exchange,
  type ExchangeBounds
} from '../../../src/registry/bounded-request.js'

/** What the test server received: method, path, headers and body of each request. */
interface Received {
  method: string
  path: string
  headers: IncomingMessage['headers']
  body: Buffer
  /** The connection it came on, numbered in order of arrival. */
  connection: number
}

type Handler = (request: IncomingMessage, response: ServerResponse, body: Buffer) => void

let server: Server
let origin: string
let received: Received[]
let handler: Handler
const sockets = new Map<Socket, number>()

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const body = Buffer.concat(chunks)
      received.push({
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body,
        connection: sockets.get(request.socket) ?? -1
      })
      handler(request, response, body)
    })
  })
  server.on('connection', socket => sockets.set(socket, sockets.size))
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise(resolve => server.close(resolve))
})

beforeEach(() => {
  received = []
  // Content-Length given, also for HEAD: without it node's server closes the connection.
  handler = (_, response) => response.writeHead(200, { 'content-length': '2' }).end('{}')
})

function request(path: string, changes: Partial<Exchange> = {}): Exchange {
  return { method: 'GET', url: new URL(path, origin), headers: {}, bodyLimit: 1024, ...changes }
}

function bounds(changes: Partial<ExchangeBounds> = {}): ExchangeBounds {
  return { silenceMs: 2000, deadline: Date.now() + 10_000, ...changes }
}

async function failure(promise: Promise<unknown>): Promise<ExchangeError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown
  )
  if (!(error instanceof ExchangeError)) throw new Error(`expected an ExchangeError: ${error}`)
  return error
}

describe('exchange', () => {
  it('sends the method, headers and body, and reads the status, headers and body', async () => {
    handler = (_, response) => {
      response.setHeader('docker-content-digest', 'sha256:ab')
      response.setHeader('www-authenticate', ['Bearer realm="a"', 'Basic realm="b"'])
      response.writeHead(201).end('stored')
    }
    const answer = await exchange(
      request('/v2/app/blobs/uploads/1?digest=sha256:ab', {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream' },
        body: Buffer.from('blob bytes')
      }),
      bounds()
    )
    expect(answer.status).toBe(201)
    expect(answer.body.toString()).toBe('stored')
    expect(answer.headers.get('Docker-Content-Digest')).toBe('sha256:ab')
    // Repeated headers read as fetch reads them.
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="a", Basic realm="b"')
    expect(answer.headers.get('etag')).toBeNull()
    expect(answer.url.pathname).toBe('/v2/app/blobs/uploads/1')
    expect(received).toEqual([
      expect.objectContaining({
        method: 'PUT',
        path: '/v2/app/blobs/uploads/1?digest=sha256:ab',
        body: Buffer.from('blob bytes'),
        headers: expect.objectContaining({
          'content-type': 'application/octet-stream',
          'content-length': '10',
          'user-agent': 'aws-signer-action/1'
        })
      })
    ])
  })

  it('says an empty POST has no body, and reads no body for HEAD', async () => {
    handler = (request, response) => {
      if (request.method === 'POST') response.writeHead(202).end()
      else response.writeHead(200, { 'content-length': '1778' }).end()
    }
    await exchange(request('/v2/app/blobs/uploads/', { method: 'POST' }), bounds())
    const head = await exchange(request('/v2/app/manifests/v1', { method: 'HEAD' }), bounds())
    expect(received[0]?.headers['content-length']).toBe('0')
    expect(head).toEqual(expect.objectContaining({ status: 200, body: Buffer.alloc(0) }))
    expect(head.headers.get('content-length')).toBe('1778')
  })

  it('keeps the connection for the next requests', async () => {
    await exchange(request('/a', { method: 'HEAD' }), bounds())
    await exchange(request('/b'), bounds())
    await exchange(request('/c', { method: 'PUT', body: Buffer.from('x') }), bounds())
    const [first, ...others] = received.map(entry => entry.connection)
    expect(others).toEqual([first, first])
  })

  it('follows a GET’s redirect, keeping Authorization only on the same origin', async () => {
    handler = (request, response) => {
      if (request.url === '/blob') response.writeHead(307, { location: '/stored' }).end()
      else if (request.url === '/stored') {
        response.writeHead(307, { location: `http://localhost:${new URL(origin).port}/far` }).end()
      } else response.end('the blob')
    }
    const answer = await exchange(
      request('/blob', { headers: { authorization: 'Bearer t' } }),
      bounds()
    )
    expect(answer.body.toString()).toBe('the blob')
    expect(answer.url.href).toBe(`http://localhost:${new URL(origin).port}/far`)
    expect(received.map(entry => [entry.path, entry.headers.authorization])).toEqual([
      ['/blob', 'Bearer t'],
      ['/stored', 'Bearer t'],
      ['/far', undefined]
    ])
  })

  it('keeps the connection of a redirect on the same origin for the request it leads to', async () => {
    handler = (request, response) => {
      if (request.url === '/blob') {
        response.writeHead(307, { location: '/stored', 'content-length': '9' }).end('elsewhere')
      } else response.writeHead(200, { 'content-length': '8' }).end('the blob')
    }
    const answer = await exchange(request('/blob'), bounds())
    await exchange(request('/blob'), bounds())
    expect(answer.body.toString()).toBe('the blob')
    const [first, ...others] = received.map(entry => entry.connection)
    expect(others).toEqual([first, first, first])
  })

  it('does not follow a PUT’s redirect, nor more than five', async () => {
    handler = (_, response) => response.writeHead(307, { location: '/again' }).end()
    const put = await exchange(request('/m', { method: 'PUT', body: Buffer.from('x') }), bounds())
    expect(put.status).toBe(307)
    const error = await failure(exchange(request('/m'), bounds()))
    expect(error.message).toMatch(/redirected more than 5 times/)
    expect(error.kind).toBe('final')
  })

  it('refuses a body over the limit, declared or not, and cuts an error’s body', async () => {
    handler = (request, response) => {
      if (request.url === '/declared') response.end(Buffer.alloc(2000))
      else if (request.url === '/chunked') {
        response.write(Buffer.alloc(800))
        response.end(Buffer.alloc(800))
      } else response.writeHead(500).end(Buffer.alloc(20_000, 'e'))
    }
    for (const path of ['/declared', '/chunked']) {
      const error = await failure(exchange(request(path), bounds()))
      expect(error.message).toMatch(/sent an answer larger than 1024 bytes; refused/)
      expect(error.kind).toBe('final')
    }
    const answer = await exchange(request('/error'), bounds())
    expect(answer.status).toBe(500)
    expect(answer.body.length).toBe(16 * 1024)
  })

  it('gives up on a silent answer as a transient failure', async () => {
    handler = () => {}
    const error = await failure(exchange(request('/silent'), bounds({ silenceMs: 200 })))
    expect(error.message).toMatch(/^got no answer from 127\.0\.0\.1:\d+ in 0\.2 s$/)
    expect(error.kind).toBe('transient')
  })

  it('gives up at the deadline, and on cancellation', async () => {
    handler = () => {}
    const late = await failure(exchange(request('/late'), bounds({ deadline: Date.now() + 200 })))
    expect(late.message).toMatch(/^ran out of time waiting for 127\.0\.0\.1:\d+$/)
    expect(late.kind).toBe('final')
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    const cancelled = await failure(
      exchange(request('/cancelled'), bounds({ signal: controller.signal }))
    )
    expect(cancelled).toBeInstanceOf(ExchangeCancelled)
  })

  it('does not send a request whose deadline has passed, even on a connection kept open', async () => {
    await exchange(request('/open'), bounds())
    received = []
    const late = await failure(
      exchange(
        request('/late', { method: 'PUT', body: Buffer.from('x') }),
        bounds({ deadline: Date.now() - 1 })
      )
    )
    expect(late.message).toMatch(/^ran out of time waiting for 127\.0\.0\.1:\d+$/)
    expect(late.kind).toBe('final')
    await new Promise(resolve => setTimeout(resolve, 100))
    expect(received).toEqual([])
  })

  it('names a connection reset or refused as transient', async () => {
    handler = request => request.socket.destroy()
    const reset = await failure(exchange(request('/reset'), bounds()))
    expect(reset.message).toMatch(/^could not reach 127\.0\.0\.1:\d+: ECONNRESET /)
    expect(reset.kind).toBe('transient')

    const closed = createServer()
    await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise(resolve => closed.close(resolve))
    const refused = await failure(
      exchange({ ...request('/'), url: new URL(`http://127.0.0.1:${port}/`) }, bounds())
    )
    expect(refused.message).toMatch(/^could not reach 127\.0\.0\.1:\d+: connect ECONNREFUSED/)
    expect(refused.kind).toBe('transient')
  })

  it('names a body broken off as transient', async () => {
    handler = (_, response) => {
      response.writeHead(200, { 'content-length': '1000' })
      response.write(Buffer.alloc(10))
      setTimeout(() => response.socket?.destroy(), 50)
    }
    const error = await failure(exchange(request('/broken'), bounds()))
    expect(error.kind).toBe('transient')
  })
})
