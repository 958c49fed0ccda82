import { describe, expect, it } from '@jest/globals'
import { chosenChallenge, parseChallenges } from '../../../src/registry/auth-challenge.js'

describe('parseChallenges', () => {
  it.each([
    [
      'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:acme/app:pull"',
      [
        {
          scheme: 'bearer',
          params: {
            realm: 'https://ghcr.io/token',
            service: 'ghcr.io',
            scope: 'repository:acme/app:pull'
          }
        }
      ]
    ],
    [
      'Basic realm="https://123456789012.dkr.ecr.us-east-1.amazonaws.com/",service="ecr.amazonaws.com"',
      [
        {
          scheme: 'basic',
          params: {
            realm: 'https://123456789012.dkr.ecr.us-east-1.amazonaws.com/',
            service: 'ecr.amazonaws.com'
          }
        }
      ]
    ],
    // Two challenges, spaces around '=', a token value, escapes in a quoted one, names in any case.
    [
      'Basic realm="r", BEARER Realm = "https://a/t" , service=svc,scope="x \\"y\\""',
      [
        { scheme: 'basic', params: { realm: 'r' } },
        { scheme: 'bearer', params: { realm: 'https://a/t', service: 'svc', scope: 'x "y"' } }
      ]
    ],
    [
      'Bearer realm="https://a/t",error="insufficient_scope"',
      [{ scheme: 'bearer', params: { realm: 'https://a/t', error: 'insufficient_scope' } }]
    ],
    ['', []],
    ['"garbage', []]
  ])('%s', (header, expected) => {
    expect(
      parseChallenges(header).map(c => ({ scheme: c.scheme, params: { ...c.params } }))
    ).toEqual(expected)
  })

  it('prefers Bearer with a realm, else Basic', () => {
    expect(chosenChallenge('Basic realm="r", Bearer realm="https://a/t"')?.scheme).toBe('bearer')
    expect(chosenChallenge('Bearer service="no realm", Basic realm="r"')?.scheme).toBe('basic')
    expect(chosenChallenge('Negotiate')).toBeUndefined()
    expect(chosenChallenge(null)).toBeUndefined()
  })

  it('keeps a parameter named like an object property as a plain value', () => {
    expect(parseChallenges('Bearer __proto__="x",realm="r"')[0]?.params.realm).toBe('r')
  })
})
