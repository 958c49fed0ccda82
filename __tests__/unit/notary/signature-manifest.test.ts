import { createHash } from 'node:crypto'
import { describe, expect, it } from '@jest/globals'
import { ActionError } from '../../../src/errors.js'
import {
  Annotation,
  EMPTY_BLOB,
  EMPTY_DESCRIPTOR,
  MAX_SIGNATURE_MANIFEST_BYTES,
  readSignatureManifest,
  rfc3339Seconds,
  signatureManifest,
  type SignatureManifestInput
} from '../../../src/notary/signature-manifest.js'
import { thrownBy } from '../helpers.js'

const sha256 = (bytes: Uint8Array | string) =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`

const ENVELOPE = Buffer.from(
  '{"payload":"e30","protected":"e30","header":{"x5c":[]},"signature":"AA"}'
)
const SUBJECT = {
  mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
  digest: 'sha256:3c4c1f42a89e343c7b050c5e5d6f670a0e0b82e70e0e7d023f10092a04bbb5a7',
  size: 1778,
  annotations: { 'not.in': 'the subject' }
}
const THUMBPRINTS = [
  'dab5bb7bbd23b298fefe3de475e02ef049e36726db4aba6ca62ec4cdb174132d',
  '90a87d0543c3f094dbff9589b6649affe2f3d6e0f308799be2258461c686473f'
]
const INPUT: SignatureManifestInput = {
  subject: SUBJECT,
  envelope: ENVELOPE,
  thumbprints: THUMBPRINTS,
  signingTime: new Date('2023-12-06T01:20:03.456Z'),
  metadata: {
    'com.amazonaws.signer.signingJob':
      'arn:aws:signer:us-east-2:209640446841:/signing-jobs/e218ee67'
  }
}

describe('signatureManifest', () => {
  it('writes the manifest notation writes, byte for byte', () => {
    const { bytes } = signatureManifest(INPUT)
    expect(bytes.toString()).toBe(
      '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",' +
        '"artifactType":"application/vnd.cncf.notary.signature",' +
        '"config":{"mediaType":"application/vnd.oci.empty.v1+json",' +
        '"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},' +
        `"layers":[{"mediaType":"application/jose+json","digest":"${sha256(ENVELOPE)}","size":${ENVELOPE.length}}],` +
        `"subject":{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"${SUBJECT.digest}","size":1778},` +
        '"annotations":{"com.amazonaws.signer.signingJob":"arn:aws:signer:us-east-2:209640446841:/signing-jobs/e218ee67",' +
        `"io.cncf.notary.x509chain.thumbprint#S256":"[\\"${THUMBPRINTS[0]}\\",\\"${THUMBPRINTS[1]}\\"]",` +
        '"org.opencontainers.image.created":"2023-12-06T01:20:03Z"}}'
    )
  })

  it('describes the manifest with its digest, and with what a referrers index repeats', () => {
    const manifest = signatureManifest(INPUT)
    expect(manifest.descriptor).toEqual({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: sha256(manifest.bytes),
      size: manifest.bytes.length,
      artifactType: 'application/vnd.cncf.notary.signature',
      annotations: JSON.parse(manifest.bytes.toString()).annotations
    })
    expect(manifest.envelope).toEqual({
      mediaType: 'application/jose+json',
      digest: sha256(ENVELOPE),
      size: ENVELOPE.length
    })
  })

  it('gives the thumbprints as a JSON array string, in chain order', () => {
    const { annotations } = signatureManifest(INPUT).descriptor
    expect(JSON.parse(annotations?.[Annotation.thumbprints] ?? '')).toEqual(THUMBPRINTS)
  })

  it('is the same bytes for the same input, whatever order the metadata came in', () => {
    const metadata = { 'z.last': '1', 'a.first': '2' }
    const reordered = { 'a.first': '2', 'z.last': '1' }
    expect(signatureManifest({ ...INPUT, metadata }).bytes).toEqual(
      signatureManifest({ ...INPUT, metadata: reordered }).bytes
    )
    const keys = Object.keys(signatureManifest({ ...INPUT, metadata }).descriptor.annotations ?? {})
    expect(keys).toEqual([...keys].sort())
  })

  it('escapes <, > and & in metadata values as Go does', () => {
    const { bytes } = signatureManifest({ ...INPUT, metadata: { 'com.example.note': '<a&b>' } })
    expect(bytes.toString()).toContain('"com.example.note":"\\u003ca\\u0026b\\u003e"')
  })

  it('needs no metadata', () => {
    const { descriptor } = signatureManifest({ ...INPUT, metadata: undefined })
    expect(Object.keys(descriptor.annotations ?? {})).toEqual([
      Annotation.thumbprints,
      Annotation.created
    ])
  })

  it.each([
    [
      { 'io.cncf.notary.x509chain.thumbprint#S256': '[]' },
      'is one the signature manifest sets itself'
    ],
    [{ 'io.cncf.notary.anything': 'x' }, 'is one the signature manifest sets itself'],
    [{ 'org.opencontainers.image.created': 'x' }, 'is one the signature manifest sets itself'],
    [{ 'with space': 'x' }, 'is not printable ASCII'],
    [{ ['k'.repeat(257)]: 'x' }, 'is not printable ASCII'],
    [{ 'com.example.note': 'line\n::error::forged' }, 'without control or invisible characters'],
    [{ 'com.example.note': 'invoice\u202Epiz.exe' }, 'without control or invisible characters'],
    [{ 'com.example.note': 'app\u200B.zip' }, 'without control or invisible characters'],
    [{ 'com.example.note': 'x'.repeat(4097) }, 'at most 4096 characters'],
    [
      Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])),
      '33 entries, more than 32'
    ]
  ])('refuses metadata %#', (metadata, detail) => {
    const error = thrownBy(() => signatureManifest({ ...INPUT, metadata }), ActionError)
    expect(error.message).toMatch(/^SignPayload's metadata cannot become signature annotations: /)
    expect(error.message).toContain(detail)
    expect(error.message).not.toContain('\n')
  })

  it('refuses a manifest larger than verification reads: at most MAX_SIGNATURE_MANIFEST_BYTES', () => {
    const keys = Array.from({ length: 32 }, (_, i) => `com.example.k${String(i).padStart(2, '0')}`)
    // Metadata of `total` characters of values, spread over the 32 keys (at most 4096 each).
    const metadata = (total: number) =>
      Object.fromEntries(
        keys.map((key, i) => [key, 'x'.repeat(Math.floor(total / 32) + (i < total % 32 ? 1 : 0))])
      )
    const empty = signatureManifest({ ...INPUT, metadata: metadata(0) }).bytes.length
    const fill = MAX_SIGNATURE_MANIFEST_BYTES - empty

    expect(signatureManifest({ ...INPUT, metadata: metadata(fill) }).bytes).toHaveLength(
      MAX_SIGNATURE_MANIFEST_BYTES
    )
    for (const total of [fill + 1, 32 * 4096]) {
      const error = thrownBy(
        () => signatureManifest({ ...INPUT, metadata: metadata(total) }),
        ActionError
      )
      expect(error.message).toBe(
        `Cannot push the signature manifest: it is ${empty + total} bytes, more than the ${MAX_SIGNATURE_MANIFEST_BYTES} that verification reads (SignPayload's metadata makes most of it)`
      )
    }
  })

  it('refuses thumbprints that are not lowercase SHA-256 hex, or none', () => {
    for (const thumbprints of [[], [THUMBPRINTS[0]?.toUpperCase() ?? ''], ['abc']]) {
      expect(() => signatureManifest({ ...INPUT, thumbprints })).toThrow(
        'thumbprints must be lowercase hex SHA-256'
      )
    }
  })

  it('refuses a subject that is not a descriptor', () => {
    expect(() =>
      signatureManifest({ ...INPUT, subject: { ...SUBJECT, digest: 'sha256:abc' } })
    ).toThrow("Cannot build the signature manifest: the image's digest 'sha256:abc'")
  })
})

describe('the empty config', () => {
  it('is the digest and size of {}', () => {
    expect(EMPTY_DESCRIPTOR).toEqual({
      mediaType: 'application/vnd.oci.empty.v1+json',
      digest: sha256(EMPTY_BLOB),
      size: EMPTY_BLOB.length
    })
    expect(EMPTY_BLOB.toString()).toBe('{}')
  })
})

describe('rfc3339Seconds', () => {
  it('writes UTC without fractions', () => {
    expect(rfc3339Seconds(new Date('2026-03-01T11:00:00.999+01:00'))).toBe('2026-03-01T10:00:00Z')
  })

  it('refuses an invalid date', () => {
    expect(() => rfc3339Seconds(new Date(NaN))).toThrow('not a valid date')
  })
})

describe('readSignatureManifest', () => {
  const image = { mediaType: SUBJECT.mediaType, digest: SUBJECT.digest, size: SUBJECT.size }
  const written = () =>
    JSON.parse(signatureManifest(INPUT).bytes.toString()) as Record<string, unknown>
  const read = (manifest: unknown) =>
    readSignatureManifest(Buffer.from(JSON.stringify(manifest)), image)

  it('finds the envelope in the manifest signatureManifest writes', () => {
    expect(readSignatureManifest(signatureManifest(INPUT).bytes, image)).toEqual({
      envelope: {
        mediaType: 'application/jose+json',
        digest: sha256(ENVELOPE),
        size: ENVELOPE.length
      }
    })
  })

  it('takes a manifest without a mediaType member (optional in the image-spec)', () => {
    const manifest = written()
    delete manifest.mediaType
    expect(read(manifest)).toHaveProperty('envelope')
  })

  it.each<[string, (manifest: Record<string, unknown>) => unknown, string | RegExp]>([
    ['not JSON', () => '{', 'it is not UTF-8 JSON'],
    ['an array', () => [], 'it is not a JSON object'],
    ['schemaVersion 1', m => ({ ...m, schemaVersion: 1 }), 'its schemaVersion is not 2'],
    [
      'an image index',
      m => ({ ...m, mediaType: 'application/vnd.oci.image.index.v1+json' }),
      "its mediaType is 'application/vnd.oci.image.index.v1+json', not application/vnd.oci.image.manifest.v1+json"
    ],
    [
      'an SBOM',
      m => ({ ...m, artifactType: 'application/spdx+json' }),
      "its artifactType is 'application/spdx+json', not application/vnd.cncf.notary.signature"
    ],
    ['no subject', m => ({ ...m, subject: undefined }), /^its subject's mediaType undefined/],
    [
      'another subject',
      m => ({ ...m, subject: { ...image, digest: `sha256:${'7e'.repeat(32)}` } }),
      `its subject is another manifest: digest 'sha256:${'7e'.repeat(32)}' (the image has '${SUBJECT.digest}')`
    ],
    [
      'two layers',
      m => ({ ...m, layers: [1, 2] }),
      'it does not have exactly one layer (the signature envelope)'
    ],
    [
      'no layers',
      m => ({ ...m, layers: undefined }),
      'it does not have exactly one layer (the signature envelope)'
    ],
    [
      'a COSE envelope',
      m => ({ ...m, layers: [{ mediaType: 'application/cose', digest: sha256('x'), size: 1 }] }),
      "its envelope is of type 'application/cose'; this action verifies JWS envelopes (application/jose+json) only"
    ],
    [
      'an envelope digest that is not sha256',
      m => ({ ...m, layers: [{ mediaType: 'application/jose+json', digest: 'md5:00', size: 1 }] }),
      "its envelope's digest 'md5:00' is not sha256:<64 lowercase hex>"
    ],
    [
      'an envelope over 64 KiB',
      m => ({
        ...m,
        layers: [{ mediaType: 'application/jose+json', digest: sha256('x'), size: 65537 }]
      }),
      'its envelope is 65537 bytes, not from 1 to 65536'
    ]
  ])('says what is wrong with %s', (_case, change, problem) => {
    const changed = change(written())
    const bytes = Buffer.from(typeof changed === 'string' ? changed : JSON.stringify(changed))
    const reading = readSignatureManifest(bytes, image)
    expect(reading).toEqual({
      problem: typeof problem === 'string' ? problem : expect.stringMatching(problem)
    })
  })

  it('says so for bytes that are not UTF-8', () => {
    expect(readSignatureManifest(Buffer.from([0xff, 0xfe]), image)).toEqual({
      problem: 'it is not UTF-8 JSON'
    })
  })
})
