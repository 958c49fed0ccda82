/**
 * A forward proxy, as a self-hosted runner's network may have one: an absolute-form HTTP request
 * is passed on, a CONNECT opens a tunnel (TLS stays end to end). Each destination, `host:port` as
 * the client named it, must be one of `routes`, which leads it to a loopback `host:port`; any
 * other is answered 502 Bad Gateway, as a proxy answers a name it cannot reach. So a test can
 * name its servers by addresses or names that the runner cannot reach itself: the step then gets
 * there through the proxy or not at all. `asked` lists every destination asked for, in order.
 */
import http from 'node:http'
import net from 'node:net'
import { closeServer, listenOnLoopback } from './net.js'

export interface ForwardProxy {
  /** http://127.0.0.1:PORT, for HTTP_PROXY and HTTPS_PROXY. */
  url: string
  /** 'GET http://host:port/path' or 'CONNECT host:port', as asked. */
  asked: string[]
  /** The requests of `asked` that came with `Expect: 100-continue`, as listed there. */
  askedToContinue: string[]
  stop(): Promise<void>
}

export async function startForwardProxy(routes: Record<string, string>): Promise<ForwardProxy> {
  const asked: string[] = []
  const askedToContinue: string[] = []
  const route = (destination: string) => {
    const target = routes[destination.toLowerCase()]
    if (!target) return undefined
    const [host, port] = target.split(':')
    return { host: host!, port: Number(port) }
  }
  const tunnels = new Set<net.Socket>()

  const server = http.createServer((request, response) => {
    asked.push(`${request.method} ${request.url}`)
    if (request.headers.expect?.toLowerCase() === '100-continue') {
      askedToContinue.push(`${request.method} ${request.url}`)
    }
    let url: URL
    try {
      url = new URL(request.url ?? '')
    } catch {
      response.writeHead(400).end('not an absolute-form request')
      return
    }
    const target = route(url.host)
    if (!target) {
      response.writeHead(502).end(`no route to ${url.host}`)
      return
    }
    // The server answered `Expect: 100-continue` itself; the body comes on at once.
    const headers = { ...request.headers }
    delete headers.expect
    delete headers['proxy-connection']
    const upstream = http.request(
      {
        ...target,
        method: request.method,
        path: `${url.pathname}${url.search}`,
        headers,
        agent: false
      },
      answer => {
        response.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(response)
      }
    )
    upstream.on('error', () => response.destroy())
    request.pipe(upstream)
  })

  server.on('connect', (request: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    asked.push(`CONNECT ${request.url}`)
    const target = route(request.url ?? '')
    if (!target) {
      client.end(`HTTP/1.1 502 Bad Gateway\r\n\r\n`)
      return
    }
    const upstream = net.connect(target.port, target.host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    for (const socket of [client, upstream]) {
      tunnels.add(socket)
      socket.on('close', () => tunnels.delete(socket))
      socket.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
    }
  })

  const url = await listenOnLoopback(server)
  return {
    url,
    asked,
    askedToContinue,
    async stop() {
      for (const socket of tunnels) socket.destroy()
      await closeServer(server)
    }
  }
}
