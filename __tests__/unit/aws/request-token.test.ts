import { describe, expect, it } from '@jest/globals'
import { clientRequestToken, type SigningRequest } from '../../../src/aws/request-token.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

const REQUEST: SigningRequest = {
  profileName: 'release_profile',
  profileOwner: undefined,
  source: { bucket: 'unsigned', key: 'unsigned/o-r/1-1/build/abc/linux/app.zip', version: 'v1' },
  destination: { bucket: 'signed', prefix: 'signed/' }
}

describe('clientRequestToken', () => {
  it('is UUID-shaped: 36 characters of lowercase hex and hyphens', () => {
    expect(clientRequestToken(REQUEST)).toMatch(UUID)
  })

  it('is the same for the same request, so a retry gets the job the first attempt created', () => {
    expect(clientRequestToken(structuredClone(REQUEST))).toBe(clientRequestToken(REQUEST))
  })

  it('changes with every part of the request', () => {
    const variants: SigningRequest[] = [
      { ...REQUEST, source: { ...REQUEST.source, bucket: 'other' } },
      // Identical bytes at another path: another key.
      {
        ...REQUEST,
        source: { ...REQUEST.source, key: 'unsigned/o-r/1-1/build/abc/darwin/app.zip' }
      },
      // The same file uploaded again by a second step: another version.
      { ...REQUEST, source: { ...REQUEST.source, version: 'v2' } },
      { ...REQUEST, destination: { ...REQUEST.destination, bucket: 'elsewhere' } },
      { ...REQUEST, destination: { ...REQUEST.destination, prefix: 'signed-again/' } },
      { ...REQUEST, profileName: 'other_profile' },
      { ...REQUEST, profileOwner: '111122223333' }
    ]
    const tokens = variants.map(clientRequestToken)
    expect(new Set([clientRequestToken(REQUEST), ...tokens]).size).toBe(variants.length + 1)
    for (const token of tokens) expect(token).toMatch(UUID)
  })

  it('does not confuse requests whose fields concatenate alike', () => {
    const a = { ...REQUEST, destination: { bucket: 'ab', prefix: 'c/' } }
    const b = { ...REQUEST, destination: { bucket: 'a', prefix: 'bc/' } }
    expect(clientRequestToken(a)).not.toBe(clientRequestToken(b))
  })
})
