/**
 * The runner's proxy, for every request the action makes itself: AWS (S3, Signer, ECR) and
 * container registries. A self-hosted runner that reaches the internet only through a proxy says
 * so in HTTPS_PROXY, HTTP_PROXY and NO_PROXY (either case), as the AWS CLI and the toolkit's
 * HTTP client (releases, artifacts) read them; Node's own agents follow them when given them
 * (`proxyEnv`, Node 24.5 and later). Loopback addresses always connect directly: a registry on
 * this machine is plain HTTP, and its credentials must not cross a network to a proxy.
 */
import http from 'node:http'
import https from 'node:https'

/** NO_PROXY entries for loopback, in the forms Node matches (a range for 127.0.0.0/8). */
const LOOPBACK = ['localhost', '127.0.0.0-127.255.255.255', '::1']

const PROXY_VARIABLES = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy'] as const

/** The proxy variables of `env`, with loopback added to NO_PROXY (the one Node would read). */
export function proxyEnvironment(env: NodeJS.ProcessEnv = process.env): http.ProxyEnv {
  const proxies: http.ProxyEnv = {}
  for (const name of PROXY_VARIABLES) {
    const value = env[name]?.trim()
    if (value) proxies[name] = value
  }
  // Node reads no_proxy over NO_PROXY when both are set; either way, loopback joins it.
  const noProxy = [env.no_proxy?.trim() || env.NO_PROXY?.trim(), ...LOOPBACK]
    .filter(Boolean)
    .join(',')
  return { ...proxies, NO_PROXY: noProxy, no_proxy: noProxy }
}

/** Agent options for the AWS SDK's request handler: its defaults, plus the runner's proxy. */
export function sdkAgentOptions(env: NodeJS.ProcessEnv = process.env): {
  httpAgent: http.AgentOptions
  httpsAgent: https.AgentOptions
} {
  const proxyEnv = proxyEnvironment(env)
  return { httpAgent: { proxyEnv }, httpsAgent: { proxyEnv } }
}

let agents: { http: http.Agent; https: https.Agent } | undefined

/**
 * The registry client's agents, made once a step: keep-alive as Node's global agents are (idle
 * sockets do not hold the step open), with the runner's proxy.
 */
export function registryAgent(protocol: 'http:' | 'https:'): http.Agent {
  const options = { keepAlive: true, scheduling: 'lifo' as const, timeout: 5000 }
  agents ??= {
    http: new http.Agent({ ...options, proxyEnv: proxyEnvironment() }),
    https: new https.Agent({ ...options, proxyEnv: proxyEnvironment() })
  }
  return protocol === 'https:' ? agents.https : agents.http
}
