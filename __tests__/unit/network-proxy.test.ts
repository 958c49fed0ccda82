import type http from 'node:http'
import { describe, expect, it } from '@jest/globals'
import { proxyEnvironment, sdkAgents } from '../../src/network-proxy.js'

const LOOPBACK = 'localhost,127.0.0.0-127.255.255.255,::1'

describe('proxyEnvironment', () => {
  it('takes the proxy variables in either case, and nothing else of the environment', () => {
    expect(
      proxyEnvironment({
        HTTPS_PROXY: 'http://proxy.corp:3128',
        http_proxy: 'http://proxy.corp:3128',
        AWS_SECRET_ACCESS_KEY: 'not for the agent',
        PATH: '/usr/bin'
      })
    ).toEqual({
      HTTPS_PROXY: 'http://proxy.corp:3128',
      http_proxy: 'http://proxy.corp:3128',
      NO_PROXY: LOOPBACK,
      no_proxy: LOOPBACK
    })
  })

  it('takes a proxy named without a scheme as http://, as the AWS CLI does', () => {
    expect(proxyEnvironment({ HTTPS_PROXY: 'proxy.corp:3128' }).HTTPS_PROXY).toBe(
      'http://proxy.corp:3128'
    )
    expect(proxyEnvironment({ HTTPS_PROXY: 'https://proxy.corp' }).HTTPS_PROXY).toBe(
      'https://proxy.corp'
    )
  })

  it.each([
    ['a domain covers its subdomains', 'amazonaws.com', 'amazonaws.com,.amazonaws.com'],
    ['a leading dot stays as it is', '.corp', '.corp'],
    ['a wildcard stays', '*.example.com', '*.example.com'],
    ['a host with a port', 'registry.corp:5000', 'registry.corp:5000,.registry.corp:5000'],
    ['an IPv4 address', '10.1.2.3', '10.1.2.3'],
    ['an IPv4 CIDR becomes its range', '10.0.0.0/8', '10.0.0.0-10.255.255.255'],
    ['a CIDR not on its boundary', '192.168.1.77/24', '192.168.1.0-192.168.1.255'],
    ['a /32', '172.16.5.4/32', '172.16.5.4-172.16.5.4'],
    ['an IPv6 address stays', 'fd00::1', 'fd00::1']
  ])('reads NO_PROXY as the AWS CLI does: %s', (_what, given, read) => {
    expect(proxyEnvironment({ NO_PROXY: given }).NO_PROXY).toBe(`${read},${LOOPBACK}`)
  })

  it('adds loopback to the NO_PROXY that Node would read: no_proxy over NO_PROXY', () => {
    expect(proxyEnvironment({ NO_PROXY: '.internal', no_proxy: '.corp' }).no_proxy).toBe(
      `.corp,${LOOPBACK}`
    )
    expect(proxyEnvironment({ NO_PROXY: ' a.example , ,b.example' }).NO_PROXY).toBe(
      `a.example,.a.example,b.example,.b.example,${LOOPBACK}`
    )
  })

  it('leaves out empty values, as unset', () => {
    expect(proxyEnvironment({ HTTPS_PROXY: ' ', NO_PROXY: '' })).toEqual({
      NO_PROXY: LOOPBACK,
      no_proxy: LOOPBACK
    })
  })
})

describe('sdkAgents', () => {
  it('gives the SDK keep-alive agents of its own defaults, with the proxy and a tunnel timeout', () => {
    const { httpAgent, httpsAgent } = sdkAgents(10_000, { HTTPS_PROXY: 'proxy.corp:3128' })
    for (const made of [httpAgent, httpsAgent]) {
      // Node keeps these on the agent without declaring them.
      const agent = made as unknown as {
        keepAlive: boolean
        maxSockets: number
        options: http.AgentOptions
        destroy(): void
      }
      expect(agent.keepAlive).toBe(true)
      expect(agent.maxSockets).toBe(50)
      expect(agent.options.timeout).toBe(10_000)
      expect(agent.options.proxyEnv?.HTTPS_PROXY).toBe('http://proxy.corp:3128')
      agent.destroy()
    }
  })
})
