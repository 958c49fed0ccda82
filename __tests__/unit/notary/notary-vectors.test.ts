import { createHash, X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from '@jest/globals'
import { NOTARY_X509, SIGNING_AUTHORITY, type EnvelopeCheck } from '../../../src/notary/envelope.js'
import {
  AWS_SIGNER_ROOT_SHA256,
  verifySignature,
  type SignatureVerdict,
  type VerifyOptions
} from '../../../src/notary/verify-signature.js'
import { changedJws, protectedHeaderOf, setProtectedHeader } from './envelope-changes.js'

/**
 * The Notary Project's own test envelopes (notaryproject/notation-go; source, commit and licence
 * in __tests__/fixtures/notary/README.md), verified with their roots pinned. Without their keys,
 * a tampered form cannot be signed again: each one below is refused by the check that looks at
 * what was changed, before the signature would also refuse it.
 */

function fixture(name: string): Buffer {
  return readFileSync(fileURLToPath(new URL(`../../fixtures/notary/${name}`, import.meta.url)))
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** The SHA-384 of a certificate's TBSCertificate, read by offsets (both lengths take two bytes). */
function sha384Tbs(der: Buffer): string {
  return createHash('sha384')
    .update(der.subarray(4, 8 + der.readUInt16BE(6)))
    .digest('hex')
}

function expectInvalid(verdict: SignatureVerdict, check: EnvelopeCheck, reason: string): void {
  if (verdict.verdict !== 'invalid') throw new Error(`expected '${check}' to fail, it passed`)
  expect({ check: verdict.check, reason: verdict.reason }).toEqual({
    check,
    reason: expect.stringContaining(reason)
  })
}

const NOW = new Date('2026-12-01T00:00:00Z')
/** The action takes the signing authority's scheme only; these vectors test both. */
const BOTH_SCHEMES = [SIGNING_AUTHORITY, NOTARY_X509] as const

describe('sa_valid_sig_env.json: the signing-authority scheme, PS384, a leaf and its root', () => {
  const VALID = fixture('sa_valid_sig_env.json')
  const NOTATION_TEST_ROOT = sha256(new X509Certificate(fixture('NotationTestRoot.pem')).raw)
  const SUBJECT = {
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    digest: 'sha256:60043cf45eaebc4c0867fea485a039b598f52fd09fd5b07b0b2d2f88fad9d74e',
    size: 528
  }
  const options = (changes: Partial<VerifyOptions> = {}): VerifyOptions => ({
    subject: SUBJECT,
    trustedRootSha256: [NOTATION_TEST_ROOT],
    trustedProfiles: 'skip',
    now: NOW,
    ...changes
  })
  // The hex SHA-384 of each certificate's TBSCertificate, computed apart from this code with
  // `openssl asn1parse` (offset 4, header 4, lengths 704 and 755) and `sha384sum`.
  const LEAF_TBS =
    '43c7b766c7d2f34f1f28e5467921bc920fd702d364e834566585203bd5df073a5f243bfff18b89e349de7a0710615409'
  const ROOT_TBS =
    '172ffe586a1c36e9303dd526dbf8475e839b2d8c5d832919fecb3154371c264942c6a463c8b016ca98d21e4df66ddff6'

  it('verifies with notation-go’s trust-store root pinned', () => {
    expect(NOTATION_TEST_ROOT).toBe(
      '86df80412a63eb55b5c7a4ad6a8c396ce3188c167c6226da1b5bbbee8443d644'
    )
    expect(verifySignature(VALID, options())).toEqual({
      verdict: 'valid',
      read: {
        thumbprints: [
          'e0d3d5b6361fb0f75a89d09b92f80a7ac5bce19c811c57d78ff1efa26e610a72',
          NOTATION_TEST_ROOT
        ],
        certificateHashes: [`${LEAF_TBS}${ROOT_TBS}`, `${ROOT_TBS}${ROOT_TBS}`],
        signingScheme: 'notary.x509.signingAuthority',
        signingTime: new Date('2020-11-09T07:00:00Z'),
        expiry: new Date('2120-11-09T07:00:00Z'),
        algorithm: 'PS384',
        profileVersionArn: undefined,
        jobArn: undefined,
        trustedBy: undefined,
        target: SUBJECT,
        authentic: true
      }
    })
  })

  it('fails the profile check unless it is skipped: no AWS profile signed it', () => {
    expectInvalid(
      verifySignature(
        VALID,
        options({
          trustedProfiles: [
            `arn:aws:signer:us-east-1:111122223333:/signing-profiles/release_profile`
          ]
        })
      ),
      'trustedProfile',
      'the envelope has no com.amazonaws.signer.signingProfileVersion'
    )
  })

  it('payload: signs another image than the one verified', () => {
    const other = { ...SUBJECT, digest: `sha256:${'0'.repeat(64)}` }
    expectInvalid(
      verifySignature(VALID, options({ subject: other })),
      'payload',
      `digest '${SUBJECT.digest}' (the image has '${other.digest}')`
    )
  })

  it('payload: changed to name another image', () => {
    const bytes = changedJws(VALID, jws => {
      const payload = JSON.parse(Buffer.from(jws.payload as string, 'base64url').toString())
      payload.targetArtifact.digest = `sha256:${'0'.repeat(64)}`
      jws.payload = Buffer.from(JSON.stringify(payload)).toString('base64url')
    })
    expectInvalid(
      verifySignature(
        bytes,
        options({ subject: { ...SUBJECT, digest: `sha256:${'0'.repeat(64)}` } })
      ),
      'signature',
      "the PS384 signature does not verify with the key of the first certificate ('C=US, ST=WA, L=Seattle, O=Notary, CN=Notation Test Root')"
    )
  })

  it('signature: one bit flipped', () => {
    const flipped = changedJws(VALID, jws => {
      const signature = Buffer.from(jws.signature as string, 'base64url')
      signature[100] = (signature[100] ?? 0) ^ 0x01
      jws.signature = signature.toString('base64url')
    })
    expectInvalid(verifySignature(flipped, options()), 'signature', 'does not verify')
  })

  it('base64url: the upstream invalid envelope, whose payload is padded', () => {
    expectInvalid(
      verifySignature(fixture('sa_invalid_sig_env.json'), options()),
      'base64url',
      'payload is not unpadded base64url'
    )
  })

  it('chain: the leaf alone, the root repeated, the order reversed', () => {
    const leafOnly = changedJws(VALID, jws => (jws.header.x5c = jws.header.x5c.slice(0, 1)))
    expectInvalid(
      verifySignature(leafOnly, options()),
      'chain',
      "the chain ends at certificate 0 ('C=US, ST=WA, L=Seattle, O=Notary, CN=Notation Test Root'), which is not a self-signed root"
    )
    const repeated = changedJws(VALID, jws => jws.header.x5c.push(jws.header.x5c[1] as string))
    expectInvalid(
      verifySignature(repeated, options()),
      'chain',
      "certificate 1 ('C=US, ST=WA, L=Seattle, O=Notary, CN=Notation Test Root') is self-signed, but only the last certificate may be"
    )
    const reversed = changedJws(VALID, jws => jws.header.x5c.reverse())
    expectInvalid(verifySignature(reversed, options()), 'signature', 'does not verify')
  })

  it('trustedRoot: only AWS’s root pinned', () => {
    expectInvalid(
      verifySignature(VALID, options({ trustedRootSha256: [AWS_SIGNER_ROOT_SHA256] })),
      'trustedRoot',
      `SHA-256 ${NOTATION_TEST_ROOT}, which is not a trusted root (trusted: ${AWS_SIGNER_ROOT_SHA256})`
    )
  })

  it('expired: the upstream expired envelope, and the valid one after its expiry', () => {
    expectInvalid(
      verifySignature(fixture('sa_expired_sig_env.json'), options()),
      'expired',
      'the signature expired at 2022-07-29T23:59:00.000Z (io.cncf.notary.expiry); it is now 2026-12-01T00:00:00.000Z'
    )
    expectInvalid(
      verifySignature(VALID, options({ now: new Date('2120-11-09T07:00:00Z') })),
      'expired',
      'the signature expired at 2120-11-09T07:00:00.000Z'
    )
  })

  it('expired: an expiry moved later is not signed', () => {
    const bytes = changedJws(VALID, jws =>
      setProtectedHeader(jws, {
        ...protectedHeaderOf(jws),
        'io.cncf.notary.expiry': '2220-11-09T07:00:00Z'
      })
    )
    expectInvalid(verifySignature(bytes, options()), 'signature', 'does not verify')
  })

  it('validity: an authentic signing time moved before the leaf is not signed', () => {
    const bytes = changedJws(VALID, jws =>
      setProtectedHeader(jws, {
        ...protectedHeaderOf(jws),
        'io.cncf.notary.authenticSigningTime': '2019-11-09T07:00:00Z'
      })
    )
    expectInvalid(verifySignature(bytes, options()), 'signature', 'does not verify')
  })

  it('crit: an unknown critical header added (RFC 7515 5.2 checks crit before the signature)', () => {
    const bytes = changedJws(VALID, jws => {
      const header = protectedHeaderOf(jws)
      setProtectedHeader(jws, {
        ...header,
        crit: [...(header.crit as string[]), 'io.example.mustUnderstand'],
        'io.example.mustUnderstand': 'yes'
      })
    })
    expectInvalid(
      verifySignature(bytes, options()),
      'crit',
      "crit names headers this action does not understand: 'io.example.mustUnderstand'"
    )
  })

  it('crit: the expiry no longer marked critical', () => {
    const bytes = changedJws(VALID, jws => {
      const header = protectedHeaderOf(jws)
      const crit = (header.crit as string[]).filter(name => name !== 'io.cncf.notary.expiry')
      setProtectedHeader(jws, { ...header, crit })
    })
    expectInvalid(
      verifySignature(bytes, options()),
      'crit',
      "crit does not name 'io.cncf.notary.expiry'"
    )
  })
})

describe('jws_signature.sig: the notary.x509 scheme, PS256, one self-signed certificate', () => {
  const ENVELOPE = fixture('jws_signature.sig')
  const MANIFEST = fixture('jws_signature.subject.json')
  // The certificate in x5c, which notation-go's test pins by loading it from the envelope.
  const ALPINE = '9f5f5aecee24b5cfdc7a91f6d5ac5c3a5348feb17c934d403f59ac251549ea0d'
  const subject = (manifest: Buffer) => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: `sha256:${sha256(manifest)}`,
    size: manifest.length
  })
  const options = (changes: Partial<VerifyOptions> = {}): VerifyOptions => ({
    subject: subject(MANIFEST),
    trustedRootSha256: [ALPINE],
    trustedProfiles: 'skip',
    now: NOW,
    signingSchemes: BOTH_SCHEMES,
    ...changes
  })

  it('verifies against the image manifest it signs, its certificate pinned', () => {
    const certificate = Buffer.from(
      (JSON.parse(ENVELOPE.toString()) as { header: { x5c: string[] } }).header.x5c[0] as string,
      'base64'
    )
    const verdict = verifySignature(ENVELOPE, options())
    expect(verdict).toEqual({
      verdict: 'valid',
      read: expect.objectContaining({
        thumbprints: [ALPINE],
        certificateHashes: [sha384Tbs(certificate).repeat(2)],
        signingScheme: 'notary.x509',
        signingTime: new Date('2023-03-14T08:10:02Z'),
        expiry: undefined,
        algorithm: 'PS256',
        target: {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: 'sha256:19dbd2e48e921426ee8ace4dc892edfb2ecdc1d1a72d5416c83670c30acecef0',
          size: 481
        }
      })
    })
  })

  it('validity: under notary.x509 the certificate must be valid now, whatever signingTime says', () => {
    expectInvalid(
      verifySignature(ENVELOPE, options({ now: new Date('2123-08-29T13:50:01Z') })),
      'validity',
      "certificate 0 ('C=US, ST=WA, L=Seattle, O=Notary, CN=alpine') is valid from 2000-08-29T13:50:00.000Z to 2123-08-29T13:50:00.000Z, not at 2123-08-29T13:50:01.000Z (now: under notary.x509 the signing time is not trusted)"
    )
  })

  it('payload: the manifest changed by one byte', () => {
    const changed = Buffer.from(MANIFEST)
    changed[changed.length - 2] = 0x20
    expectInvalid(
      verifySignature(ENVELOPE, options({ subject: subject(changed) })),
      'payload',
      "digest 'sha256:19dbd2e48e921426ee8ace4dc892edfb2ecdc1d1a72d5416c83670c30acecef0' (the image has"
    )
  })

  it('trustedRoot: another self-signed certificate pinned', () => {
    expectInvalid(
      verifySignature(ENVELOPE, options({ trustedRootSha256: [AWS_SIGNER_ROOT_SHA256] })),
      'trustedRoot',
      `the chain ends at certificate 0 ('C=US, ST=WA, L=Seattle, O=Notary, CN=alpine'), SHA-256 ${ALPINE}`
    )
  })

  it('crit: the signing scheme no longer marked critical', () => {
    const bytes = changedJws(ENVELOPE, jws =>
      setProtectedHeader(jws, { ...protectedHeaderOf(jws), crit: ['io.cncf.notary.signingTime'] })
    )
    expectInvalid(
      verifySignature(bytes, options()),
      'crit',
      "crit does not name 'io.cncf.notary.signingScheme'"
    )
  })
})

describe('jwsExpiredWithTimestamp.sig: notary.x509 with a certificate valid for ten minutes', () => {
  const ENVELOPE = fixture('jwsExpiredWithTimestamp.sig')
  const options = (now: Date): VerifyOptions => ({
    subject: {
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      digest: 'sha256:c0669ef34cdc14332c0f1ab0c2c01acb91d96014b172f1a76f3a39e63d1f0bda',
      size: 528
    },
    trustedRootSha256: ['6381e2ac01a6d9396ad0c99cd7da2fa53206e0c26daba512420b95f4f0479137'],
    trustedProfiles: 'skip',
    now,
    signingSchemes: BOTH_SCHEMES
  })

  it('fails validity now: its timestamp countersignature is not verified here, so only now counts', () => {
    expectInvalid(
      verifySignature(ENVELOPE, options(NOW)),
      'validity',
      "certificate 0 ('C=US, ST=WA, L=Seattle, O=Notary, CN=testTSA') is valid from 2024-06-18T07:20:31.000Z to 2024-06-18T07:30:31.000Z, not at 2026-12-01T00:00:00.000Z (now:"
    )
  })

  it('verifies at a time within those ten minutes', () => {
    const verdict = verifySignature(ENVELOPE, options(new Date('2024-06-18T07:25:00Z')))
    expect(verdict.verdict === 'valid' && verdict.read.signingTime).toEqual(
      new Date('2024-06-18T07:21:38Z')
    )
  })
})
