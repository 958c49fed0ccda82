import { describe, expect, it } from '@jest/globals'
import { proxyEnvironment, sdkAgentOptions } from '../../src/network-proxy.js'

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

  it('adds loopback to the NO_PROXY that Node would read: no_proxy over NO_PROXY', () => {
    expect(proxyEnvironment({ NO_PROXY: '.internal', no_proxy: '.corp' }).no_proxy).toBe(
      `.corp,${LOOPBACK}`
    )
    expect(proxyEnvironment({ NO_PROXY: '.internal' }).NO_PROXY).toBe(`.internal,${LOOPBACK}`)
  })

  it('leaves out empty values, as unset', () => {
    expect(proxyEnvironment({ HTTPS_PROXY: ' ', NO_PROXY: '' })).toEqual({
      NO_PROXY: LOOPBACK,
      no_proxy: LOOPBACK
    })
  })
})

describe('sdkAgentOptions', () => {
  it('gives the SDK both agents the same proxy settings', () => {
    const options = sdkAgentOptions({ HTTPS_PROXY: 'http://proxy.corp:3128' })
    expect(options.httpAgent.proxyEnv).toEqual(options.httpsAgent.proxyEnv)
    expect(options.httpsAgent.proxyEnv?.HTTPS_PROXY).toBe('http://proxy.corp:3128')
  })
})
