import { describe, expect, it } from '@jest/globals'
import { ActionError } from '../../../src/errors.js'
import {
  MAX_PAYLOAD_BYTES,
  notaryPayload,
  PAYLOAD_FORMAT,
  readPayload,
  readSignedPayload,
  targetDifferences
} from '../../../src/notary/payload.js'
import { thrownBy } from '../helpers.js'

const IMAGE = {
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: 'sha256:73c803930ea3ba1e54bc25c2bdc53edd0284c62ed651fe7b00369da519a3c333',
  size: 16724
}

describe('notaryPayload', () => {
  it('writes the descriptor compact, in notation-go’s key order', () => {
    expect(notaryPayload(IMAGE).toString('utf8')).toBe(
      '{"targetArtifact":{"mediaType":"application/vnd.oci.image.manifest.v1+json",' +
        '"digest":"sha256:73c803930ea3ba1e54bc25c2bdc53edd0284c62ed651fe7b00369da519a3c333","size":16724}}'
    )
  })

  it('leaves out annotations and artifactType, whatever the descriptor carries', () => {
    const annotated = { ...IMAGE, artifactType: 'application/x.test', annotations: { a: 'b' } }
    expect(notaryPayload(annotated)).toEqual(notaryPayload(IMAGE))
  })

  it('escapes & as Go does (an RFC 6838 name may hold one)', () => {
    const payload = notaryPayload({ ...IMAGE, mediaType: 'application/x.a&b' })
    expect(payload.toString()).toContain('"mediaType":"application/x.a\\u0026b"')
    expect(readPayload(payload).mediaType).toBe('application/x.a&b')
  })

  it('names the payload type SignPayload accepts', () => {
    expect(PAYLOAD_FORMAT).toBe('application/vnd.cncf.notary.payload.v1+json')
  })

  it.each([
    [{ ...IMAGE, digest: IMAGE.digest.toUpperCase() }, 'digest'],
    [{ ...IMAGE, digest: `sha512:${'a'.repeat(128)}` }, 'digest'],
    [{ ...IMAGE, size: -1 }, 'size'],
    [{ ...IMAGE, size: 1.5 }, 'size'],
    [{ ...IMAGE, mediaType: 'manifest' }, 'mediaType'],
    [{ ...IMAGE, mediaType: 'application/x y' }, 'mediaType']
  ])('refuses a descriptor with a bad %#: %s', (target, field) => {
    const error = thrownBy(() => notaryPayload(target), ActionError)
    expect(error.message).toMatch(new RegExp(`^Cannot build the Notary payload: ${field} `))
  })

  it(`takes a payload of ${MAX_PAYLOAD_BYTES} bytes and refuses one byte more`, () => {
    const overhead = notaryPayload({ ...IMAGE, mediaType: 'application/x' }).length
    const fits = { ...IMAGE, mediaType: `application/x${'a'.repeat(MAX_PAYLOAD_BYTES - overhead)}` }
    expect(notaryPayload(fits)).toHaveLength(MAX_PAYLOAD_BYTES)
    const error = thrownBy(
      () => notaryPayload({ ...fits, mediaType: `${fits.mediaType}a` }),
      ActionError
    )
    expect(error.message).toBe(
      `The Notary payload for ${IMAGE.digest} is 4097 bytes; SignPayload takes at most 4096.`
    )
  })
})

describe('readPayload', () => {
  it('reads back the descriptor a payload names', () => {
    expect(readPayload(notaryPayload(IMAGE))).toEqual(IMAGE)
  })

  it.each([
    ['not json', 'the payload is not UTF-8 JSON'],
    ['[1]', 'the payload is not a JSON object'],
    ['{}', 'the payload has no targetArtifact object'],
    ['{"targetArtifact":{},"extra":1}', "the payload has members it was not sent with: 'extra'"],
    [
      `{"targetArtifact":${JSON.stringify({ ...IMAGE, urls: ['x'] })}}`,
      "the payload's targetArtifact has members it was not sent with: 'urls'"
    ],
    [
      `{"targetArtifact":${JSON.stringify({ ...IMAGE, size: '16724' })}}`,
      "the payload's targetArtifact size '16724' is not a whole number of bytes"
    ]
  ])('refuses %s', (text, message) => {
    expect(() => readPayload(Buffer.from(text))).toThrow(message)
  })
})

describe('readSignedPayload', () => {
  it('reads the descriptor with what notation may add: annotations and artifactType', () => {
    const annotated = {
      ...IMAGE,
      artifactType: 'application/vnd.oci.image.config.v1+json',
      annotations: { 'io.wabbit-networks.buildId': '123' }
    }
    const payload = Buffer.from(JSON.stringify({ targetArtifact: annotated }))
    expect(readSignedPayload(payload)).toEqual(IMAGE)
  })

  it.each([
    [{ ...IMAGE, annotations: { a: 1 } }, 'targetArtifact.annotations is not a map of strings'],
    [{ ...IMAGE, annotations: ['a'] }, 'targetArtifact.annotations is not a map of strings'],
    [{ ...IMAGE, artifactType: 7 }, 'targetArtifact.artifactType is not a string'],
    [{ ...IMAGE, urls: ['x'] }, "members a Notary payload does not have: 'urls'"],
    [{ ...IMAGE, digest: 'sha512:ab' }, "digest 'sha512:ab' is not sha256"]
  ])('refuses %j', (target, message) => {
    const payload = Buffer.from(JSON.stringify({ targetArtifact: target }))
    expect(() => readSignedPayload(payload)).toThrow(message)
  })
})

describe('targetDifferences', () => {
  it('names each field that differs, with both values', () => {
    expect(targetDifferences({ ...IMAGE, size: 1 }, IMAGE)).toEqual(['size 1 (sent 16724)'])
    expect(targetDifferences({ ...IMAGE, size: 1 }, IMAGE, 'the image has')).toEqual([
      'size 1 (the image has 16724)'
    ])
    expect(targetDifferences(IMAGE, IMAGE)).toEqual([])
  })
})
