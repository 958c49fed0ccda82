/**
 * The runner's proxy, for every request the action makes itself: AWS (S3, Signer, ECR) and
 * container registries. A self-hosted runner that reaches the internet only through a proxy says
 * so in HTTPS_PROXY, HTTP_PROXY and NO_PROXY (either case); Node's own agents follow them when
 * given them (`proxyEnv`, Node 24.5 and later). They are read as the AWS CLI reads them, which
 * Node's matcher alone would not: a NO_PROXY domain covers its subdomains, an IPv4 CIDR its
 * range, and a proxy named without a scheme is an http:// one. Loopback addresses always connect
 * directly: a registry on this machine is plain HTTP, and its credentials must not cross a
 * network to a proxy.
 */
import http from 'node:http'
import https from 'node:https'

/** NO_PROXY entries for loopback, in the forms Node matches (a range for 127.0.0.0/8). */
const LOOPBACK = ['localhost', '127.0.0.0-127.255.255.255', '::1']

const PROXY_VARIABLES = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy'] as const

const IPV4_CIDR = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/
const DOMAIN = /^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.?(?::\d+)?$/i
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?$/

/** The proxy variables of `env`, as Node's agents take them, with loopback always direct. */
export function proxyEnvironment(env: NodeJS.ProcessEnv = process.env): http.ProxyEnv {
  const proxies: http.ProxyEnv = {}
  for (const name of PROXY_VARIABLES) {
    const value = env[name]?.trim()
    if (value) proxies[name] = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`
  }
  // Node reads no_proxy over NO_PROXY when both are set; either way, loopback joins it.
  const given = (env.no_proxy?.trim() || env.NO_PROXY?.trim() || '').split(',')
  const noProxy = [...given.flatMap(noProxyEntries), ...LOOPBACK].join(',')
  return { ...proxies, NO_PROXY: noProxy, no_proxy: noProxy }
}

/** One NO_PROXY entry in the forms Node's matcher takes for what the AWS CLI would match. */
function noProxyEntries(entry: string): string[] {
  const text = entry.trim()
  if (!text) return []
  const cidr = IPV4_CIDR.exec(text)
  if (cidr) return [ipv4Range(cidr[1]!, Number(cidr[2])) ?? text]
  // 'example.com' covers 'api.example.com' too, as for the AWS CLI and curl.
  if (DOMAIN.test(text) && !IPV4.test(text)) return [text, `.${text.replace(/^\./, '')}`]
  return [text]
}

function ipv4Range(address: string, bits: number): string | undefined {
  const octets = address.split('.').map(Number)
  if (bits > 32 || octets.some(octet => octet > 255)) return undefined
  const value = octets.reduce((sum, octet) => sum * 256 + octet, 0)
  const size = 2 ** (32 - bits)
  const first = value - (value % size)
  const text = (n: number) =>
    [24, 16, 8, 0].map(shift => Math.floor(n / 2 ** shift) % 256).join('.')
  return `${text(first)}-${text(first + size - 1)}`
}

/**
 * Agents for the AWS SDK's request handler, as it makes its own (keep-alive, 50 sockets a host),
 * with the runner's proxy. Given as agents, not options, so that the SDK also takes them for a
 * request with `Expect: 100-continue` (S3 bodies of 2 MiB or more), for which it would otherwise
 * make a one-off agent of its own, without the proxy. `connectMs` also bounds reaching the target
 * through the proxy (Node's tunnel timeout), which the SDK's connection timeout does not end.
 */
export function sdkAgents(
  connectMs: number,
  env: NodeJS.ProcessEnv = process.env
): { httpAgent: http.Agent; httpsAgent: https.Agent } {
  const options = {
    keepAlive: true,
    maxSockets: 50,
    timeout: connectMs,
    proxyEnv: proxyEnvironment(env)
  }
  return { httpAgent: new http.Agent(options), httpsAgent: new https.Agent(options) }
}

let agents: { http: http.Agent; https: https.Agent } | undefined

/**
 * The registry client's agents, made once a step: keep-alive as Node's global agents are (idle
 * sockets do not hold the step open), with the runner's proxy; `connectMs` bounds a tunnel.
 */
export function registryAgent(protocol: 'http:' | 'https:', connectMs: number): http.Agent {
  const options = {
    keepAlive: true,
    scheduling: 'lifo' as const,
    timeout: connectMs,
    proxyEnv: proxyEnvironment()
  }
  agents ??= { http: new http.Agent(options), https: new https.Agent(options) }
  return protocol === 'https:' ? agents.https : agents.http
}
