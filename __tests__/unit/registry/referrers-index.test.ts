import { describe, expect, it } from '@jest/globals'
import {
  parseReferrersIndex,
  referrerDescriptor,
  referrersTag,
  serializeReferrersIndex
} from '../../../src/registry/referrers-index.js'

describe('referrers index', () => {
  const digest = `sha256:${'ab'.repeat(32)}`

  it('names the tag after the digest', () => {
    expect(referrersTag(digest)).toBe(`sha256-${'ab'.repeat(32)}`)
    expect(() => referrersTag('sha512:00')).toThrow()
  })

  it("takes the entry's artifactType from the manifest, else its config's type, and all annotations", () => {
    const manifest = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: 10 }
    const withType = Buffer.from(
      JSON.stringify({ artifactType: 'a/b', config: { mediaType: 'c/d' }, annotations: { k: 'v' } })
    )
    expect(referrerDescriptor(manifest, withType)).toEqual({
      ...manifest,
      artifactType: 'a/b',
      annotations: { k: 'v' }
    })
    expect(
      referrerDescriptor(manifest, Buffer.from(JSON.stringify({ config: { mediaType: 'c/d' } })))
    ).toEqual({ ...manifest, artifactType: 'c/d' })
  })

  it('reads an index and keeps unknown fields of its entries', () => {
    const entry = {
      mediaType: 'x',
      digest,
      size: 1,
      artifactType: 'a/b',
      platform: { os: 'linux' }
    }
    expect(parseReferrersIndex(serializeReferrersIndex([entry]))).toEqual([entry])
  })

  it.each([
    ['{', 'it is not JSON'],
    ['{"schemaVersion":1,"manifests":[]}', 'schemaVersion 2'],
    [
      '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","manifests":[]}',
      'its mediaType is not'
    ],
    ['{"schemaVersion":2}', 'it has no manifests list'],
    ['{"schemaVersion":2,"manifests":[1]}', 'something other than descriptors'],
    [
      `{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"${digest}","size":1,"platform":{"os":"linux","architecture":"amd64"}}]}`,
      "it is an image's index"
    ]
  ])('describes what is wrong with %s', (text, problem) => {
    expect(parseReferrersIndex(Buffer.from(text))).toContain(problem)
  })
})
