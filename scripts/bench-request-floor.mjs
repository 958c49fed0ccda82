// The CPU a fresh Node process spends on the image step's five requests an image (the manifest
// HEAD, SignPayload, the envelope's POST and PUT, the signature manifest's PUT), with a bare
// node:http client against a local server that answers at once: no SDK, TLS, auth or checks.
// It bounds from below what 15 more images can cost the step (BENCHMARKS.md, Container images).
//
//   node scripts/bench-request-floor.mjs [runs]    (on the Node the action runs on: .node-version)
import { spawn } from 'node:child_process'
import { Buffer } from 'node:buffer'
import http from 'node:http'

const REQUESTS = [
  ['HEAD', '/v2/app/manifests/sha256:1', false],
  ['POST', '/signing-profiles/p/sign-payload', true],
  ['POST', '/v2/app/blobs/uploads/', false],
  ['PUT', '/v2/app/blobs/uploads/1?digest=sha256:2', true],
  ['PUT', '/v2/app/manifests/sha256:3', true]
]
const BODY = Buffer.alloc(3000, 1)

if (process.argv[2] === 'client') {
  const [port, images] = process.argv.slice(3).map(Number)
  const before = process.cpuUsage()
  const send = (method, path, withBody) =>
    new Promise((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port,
          method,
          path,
          headers: { 'content-length': withBody ? BODY.length : 0 }
        },
        answer => answer.resume().on('end', resolve)
      )
      request.on('error', reject)
      request.end(withBody ? BODY : undefined)
    })
  await Promise.all(
    Array.from({ length: images }, async () => {
      for (const [method, path, withBody] of REQUESTS) await send(method, path, withBody)
    })
  )
  const used = process.cpuUsage(before)
  console.log(((used.user + used.system) / 1000).toFixed(1))
  process.exit(0)
}

const runs = Number(process.argv[2] ?? 9)
const server = http.createServer((request, answer) => {
  request.resume().on('end', () => {
    answer.writeHead(request.method === 'POST' ? 202 : 201, { location: '/v2/app/blobs/uploads/1' })
    answer.end(request.method === 'HEAD' ? undefined : '{}')
  })
})
await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
const { port } = server.address()
// Spawned, not spawnSync: the server answers from this process.
const measure = images =>
  new Promise(resolve => {
    const child = spawn(process.execPath, [import.meta.filename, 'client', port, images])
    let out = ''
    child.stdout.on('data', chunk => (out += chunk))
    child.on('close', () => resolve(Number(out.trim())))
  })
const median = values => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const one = []
const sixteen = []
for (let run = 0; run < runs; run++) {
  one.push(await measure(1))
  sixteen.push(await measure(16))
}
server.close()
console.log(
  `Node ${process.version}, ${runs} runs each, median CPU of the client process (user + system):\n` +
    `  1 image (5 requests):     ${median(one).toFixed(1)} ms\n` +
    `  16 images (80 requests):  ${median(sixteen).toFixed(1)} ms\n` +
    `  the 15 more images:       ${(median(sixteen) - median(one)).toFixed(1)} ms, ${((median(sixteen) - median(one)) / 75).toFixed(2)} ms a request`
)
