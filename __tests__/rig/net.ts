import { createServer } from 'node:net'

/** Asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Polls a URL until anything answers over HTTP, the deadline passes, or `gaveUp()` says stop. */
export async function waitForHttp(
  url: string,
  timeoutMs: number,
  gaveUp: () => boolean = () => false
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (gaveUp()) throw new Error(`the server process exited before answering ${url}`)
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) })
      return
    } catch {
      if (Date.now() > deadline) throw new Error(`no answer from ${url} within ${timeoutMs} ms`)
      await new Promise(resolve => setTimeout(resolve, 50))
    }
  }
}
