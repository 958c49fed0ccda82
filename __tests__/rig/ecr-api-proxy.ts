import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse
} from 'node:http'
import { createServer as createTlsServer } from 'node:https'
import { closeServer, listenOnLoopback, readBody } from './net.js'

/**
 * A loopback front for moto's ECR API: it passes each call to moto and logs who made it, read
 * from the SigV4 Authorization header (moto checks no signature), and where it was sent; `denyNext`
 * answers calls as ECR does a caller without ecr:GetAuthorizationToken instead. The step reaches
 * it at `endpoint` through AWS_ENDPOINT_URL_ECR or, with `tls`, at `tlsPort` under the name of
 * the ECR endpoint the SDK picks itself (runAction's `hosts`).
 */

export interface EcrCall {
  /** From X-Amz-Target: `GetAuthorizationToken`. */
  operation: string
  /** The Host header: the endpoint the SDK called, e.g. `api.ecr.eu-west-1.amazonaws.com`. */
  host: string | undefined
  /** The credential scope the SDK signed with: the caller's access key, and the Region and service it signed for. */
  accessKeyId: string | undefined
  region: string | undefined
  service: string | undefined
  /** The X-Amz-Security-Token it sent: a role session's token. */
  sessionToken: string | undefined
  status: number
}

export interface EcrApiProxy {
  /** http://127.0.0.1:PORT */
  readonly endpoint: string
  /** The HTTPS port, with `tls`. */
  readonly tlsPort: number | undefined
  readonly calls: EcrCall[]
  /** The next `count` calls get 400 AccessDeniedException, as IAM refuses them at ECR. */
  denyNext(count: number): void
  stop(): Promise<void>
}

// `AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/ecr/aws4_request, SignedHeaders=…`
const CREDENTIAL = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/

export async function startEcrApiProxy(
  motoEndpoint: string,
  tls?: { certPem: string; keyPem: string }
): Promise<EcrApiProxy> {
  const target = new URL(motoEndpoint)
  const calls: EcrCall[] = []
  let denials = 0

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req)
    const call = caller(req)
    if (denials > 0) {
      denials--
      calls.push({ ...call, status: 400 })
      send(res, 400, { 'x-amzn-errortype': 'AccessDeniedException' }, deniedAnswer(call))
      return
    }
    try {
      const answer = await forward(target, req, body)
      calls.push({ ...call, status: answer.status })
      send(res, answer.status, { 'content-type': answer.contentType }, answer.body)
    } catch (error) {
      calls.push({ ...call, status: 502 })
      send(res, 502, { 'content-type': 'text/plain' }, Buffer.from(`proxy: ${String(error)}`))
    }
  }
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    req.on('error', () => {})
    res.on('error', () => {})
    void handle(req, res).catch(() => res.destroy())
  }
  const server = createServer(onRequest)
  const endpoint = await listenOnLoopback(server)
  const tlsServer = tls
    ? createTlsServer({ cert: tls.certPem, key: tls.keyPem }, onRequest)
    : undefined
  const tlsPort = tlsServer ? Number(new URL(await listenOnLoopback(tlsServer)).port) : undefined
  return {
    endpoint,
    tlsPort,
    calls,
    denyNext(count) {
      denials += count
    },
    stop: async () => {
      await Promise.all([closeServer(server), tlsServer && closeServer(tlsServer)])
    }
  }
}

function caller(req: IncomingMessage): Omit<EcrCall, 'status'> {
  const [, accessKeyId, region, service] = CREDENTIAL.exec(req.headers.authorization ?? '') ?? []
  const sessionToken = req.headers['x-amz-security-token']
  return {
    operation: String(req.headers['x-amz-target'] ?? '').replace(/^.*\./, ''),
    host: req.headers.host,
    accessKeyId,
    region,
    service,
    sessionToken: typeof sessionToken === 'string' ? sessionToken : undefined
  }
}

/** ECR's answer to a caller whose identity policies do not allow the call. */
function deniedAnswer(call: Omit<EcrCall, 'status'>): Buffer {
  return Buffer.from(
    JSON.stringify({
      __type: 'AccessDeniedException',
      message: `User: arn:aws:sts::123456789012:assumed-role/release/${call.accessKeyId} is not authorized to perform: ecr:${call.operation} on resource: * because no identity-based policy allows the ecr:${call.operation} action`
    })
  )
}

function send(
  res: ServerResponse,
  status: number,
  headers: OutgoingHttpHeaders,
  body: Buffer
): void {
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    ...headers,
    'content-length': body.length
  })
  res.end(body)
}

/** The call as sent (Host included, as signed), to moto; its answer read whole. */
function forward(
  target: URL,
  req: IncomingMessage,
  body: Buffer
): Promise<{ status: number; contentType: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const upstream = httpRequest(
      {
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, connection: 'close' }
      },
      answer => {
        void readBody(answer).then(
          bytes =>
            resolve({
              status: answer.statusCode ?? 502,
              contentType: answer.headers['content-type'] ?? 'application/x-amz-json-1.1',
              body: bytes
            }),
          reject
        )
      }
    )
    upstream.on('error', reject)
    upstream.end(body)
  })
}
