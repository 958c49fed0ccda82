import 'reflect-metadata'
import { webcrypto } from 'node:crypto'
import { beforeAll, describe, expect, it } from '@jest/globals'
import * as x509 from '@peculiar/x509'
import {
  checkEnvelope,
  EnvelopeError,
  MAX_ENVELOPE_BYTES,
  parseEnvelope,
  type EnvelopeCheck,
  type SentPayload
} from '../../../src/notary/envelope.js'
import { notaryPayload } from '../../../src/notary/payload.js'
import { createCertificateChain, type CertificateChain } from '../../rig/certificate-chain.js'
import { draftEnvelope, writeEnvelope, type EnvelopeDraft } from '../../rig/signer-payload.js'
import { rejectionOf } from '../helpers.js'
import { afterSigning, withHeader, type JwsJson } from './envelope-changes.js'

const IMAGE = {
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${'3c'.repeat(32)}`,
  size: 1778
}
const OTHER_IMAGE = { ...IMAGE, digest: `sha256:${'7e'.repeat(32)}` }
const JOB_ID = 'e218ee67-5dd3-4dc4-8caf-224898b12493'
const PROFILE_VERSION_ARN =
  'arn:aws:signer:us-east-2:111122223333:/signing-profiles/release_profile/awUPb84ibN'
const JOB_ARN = `arn:aws:signer:us-east-2:111122223333:/signing-jobs/${JOB_ID}`
const SIGNED_AT = new Date('2026-03-01T10:00:00Z')
const EXPIRES_AT = new Date('2029-03-01T10:00:00Z')
const SENT: SentPayload = {
  target: IMAGE,
  profileName: 'release_profile',
  region: 'us-east-2',
  jobId: JOB_ID,
  jobOwner: '111122223333'
}
const NOW = new Date('2026-03-01T10:00:05Z')

let chain: CertificateChain
let otherChain: CertificateChain

beforeAll(async () => {
  ;[chain, otherChain] = await Promise.all([
    createCertificateChain({ region: 'us-east-2' }),
    createCertificateChain({ region: 'us-east-2' })
  ])
})

function draft(): EnvelopeDraft {
  return draftEnvelope({
    chain,
    payload: notaryPayload(IMAGE),
    signedAt: SIGNED_AT,
    expiresAt: EXPIRES_AT,
    profileVersionArn: PROFILE_VERSION_ARN,
    jobArn: JOB_ARN
  })
}

/** AWS's envelope, changed before signing (so it is signed as changed) or after. */
function envelope(change: (draft: EnvelopeDraft) => EnvelopeDraft | Buffer = d => d): Buffer {
  const changed = change(draft())
  return Buffer.isBuffer(changed) ? changed : writeEnvelope(changed)
}

function refusal(
  bytes: Uint8Array,
  sent: SentPayload = SENT,
  now: Date = NOW
): Promise<EnvelopeError> {
  return rejectionOf(checkEnvelope(bytes, sent, now), EnvelopeError)
}

async function expectRefused(
  bytes: Uint8Array,
  check: EnvelopeCheck,
  detail: string | RegExp
): Promise<void> {
  const error = await await refusal(bytes)
  expect(error.check).toBe(check)
  expect(error.message).toContain(`failed its '${check}' check`)
  if (typeof detail === 'string') expect(error.message).toContain(detail)
  else expect(error.message).toMatch(detail)
}

describe('checkEnvelope accepts AWS’s envelope', () => {
  it('and returns the signing time, expiry, ARNs, chain and thumbprints', async () => {
    const checked = await checkEnvelope(envelope(), SENT, NOW)
    expect(checked).toEqual({
      signingTime: SIGNED_AT,
      expiry: EXPIRES_AT,
      profileVersionArn: PROFILE_VERSION_ARN,
      jobArn: JOB_ARN,
      critical: [
        'io.cncf.notary.signingScheme',
        'io.cncf.notary.authenticSigningTime',
        'io.cncf.notary.expiry',
        'io.cncf.notary.verificationPlugin',
        'com.amazonaws.signer.signingProfileVersion',
        'com.amazonaws.signer.signingJob'
      ],
      certificates: chain.certificates,
      thumbprints: [
        chain.leaf.sha256,
        chain.regional.sha256,
        chain.intermediate.sha256,
        chain.root.sha256
      ]
    })
  })

  it('with the profile owner named, when it is the ARN’s account', async () => {
    await expect(
      checkEnvelope(envelope(), { ...SENT, profileOwner: '111122223333' }, NOW)
    ).resolves.toBeDefined()
  })

  it('without an expiry, which is optional in the Notary Project', async () => {
    const bytes = envelope(d => {
      const changed = withHeader({ 'io.cncf.notary.expiry': undefined })(d)
      const crit = (changed.protectedHeader.crit as string[]).filter(
        h => h !== 'io.cncf.notary.expiry'
      )
      return withHeader({ crit })(changed)
    })
    expect((await checkEnvelope(bytes, SENT, NOW)).expiry).toBeUndefined()
  })

  it('with a payload AWS re-encoded (same descriptor, other spacing and order)', async () => {
    const reencoded = Buffer.from(
      JSON.stringify(
        { targetArtifact: { size: IMAGE.size, digest: IMAGE.digest, mediaType: IMAGE.mediaType } },
        null,
        2
      )
    )
    await expect(
      checkEnvelope(
        envelope(d => ({ ...d, payload: reencoded })),
        SENT,
        NOW
      )
    ).resolves.toBeDefined()
  })

  it('with signing times that carry fractions or an offset', async () => {
    const bytes = envelope(
      withHeader({ 'io.cncf.notary.authenticSigningTime': '2026-03-01T11:00:00.250+01:00' })
    )
    expect((await checkEnvelope(bytes, SENT, NOW)).signingTime).toEqual(
      new Date('2026-03-01T10:00:00.250Z')
    )
  })
})

describe('checkEnvelope refuses a tampered envelope, naming the check', () => {
  it('payload swapped for another descriptor', async () => {
    const bytes = envelope(d => ({ ...d, payload: notaryPayload(OTHER_IMAGE) }))
    await expectRefused(
      bytes,
      'payload',
      `it signs another descriptor: digest '${OTHER_IMAGE.digest}' (sent '${IMAGE.digest}')`
    )
  })

  it('payload with the size changed', async () => {
    const bytes = envelope(d => ({ ...d, payload: notaryPayload({ ...IMAGE, size: 1779 }) }))
    await expectRefused(bytes, 'payload', 'size 1779 (sent 1778)')
  })

  it('payload with annotations added', async () => {
    const added = Buffer.from(
      JSON.stringify({ targetArtifact: { ...IMAGE, annotations: { 'io.example.x': '1' } } })
    )
    await expectRefused(
      envelope(d => ({ ...d, payload: added })),
      'payload',
      "members it was not sent with: 'annotations'"
    )
  })

  it('payload that is not JSON', async () => {
    await expectRefused(
      envelope(d => ({ ...d, payload: Buffer.from('not json') })),
      'payload',
      'not UTF-8 JSON'
    )
  })

  it('signature with one bit flipped', async () => {
    const bytes = envelope(
      afterSigning(jws => {
        const signature = Buffer.from(jws.signature as string, 'base64url')
        signature[10] = (signature[10] ?? 0) ^ 0x01
        jws.signature = signature.toString('base64url')
      })
    )
    await expectRefused(
      bytes,
      'signature',
      "does not verify with the key of the first certificate ('CN=AWS Signer"
    )
  })

  it('payload changed after signing', async () => {
    const bytes = envelope(
      afterSigning(jws => (jws.payload = notaryPayload(OTHER_IMAGE).toString('base64url')))
    )
    await expectRefused(bytes, 'signature', 'does not verify')
  })

  it('certificate chain reordered, so the first certificate is the root', async () => {
    const bytes = envelope(afterSigning(jws => jws.header.x5c.reverse()))
    await expectRefused(
      bytes,
      'signature',
      "first certificate ('CN=AWS Signer Code Signing Root CA G1"
    )
  })

  it('certificate chain replaced by another chain', async () => {
    const bytes = envelope(d => ({ ...d, certificates: otherChain.certificates }))
    await expectRefused(bytes, 'signature', 'does not verify')
  })

  it('signed by another key than the first certificate’s', async () => {
    await expectRefused(
      envelope(d => ({ ...d, signingKey: otherChain.signingKey })),
      'signature',
      'does not verify'
    )
  })

  it('signature of the wrong length', async () => {
    const bytes = envelope(
      afterSigning(jws => (jws.signature = Buffer.alloc(64, 1).toString('base64url')))
    )
    await expectRefused(bytes, 'signature', 'does not verify')
  })

  it('alg changed (and signed as changed)', async () => {
    await expectRefused(
      envelope(withHeader({ alg: 'ES256' })),
      'alg',
      "alg is 'ES256', expected 'ES384'"
    )
  })

  it('alg none', async () => {
    await expectRefused(envelope(withHeader({ alg: 'none' })), 'alg', "alg is 'none'")
  })

  it('a first certificate whose key is not P-384', async () => {
    const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify'
    ])
    const p256 = await x509.X509CertificateGenerator.createSelfSigned({
      name: 'CN=P-256 signer',
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' }
    })
    const bytes = envelope(d => ({
      ...d,
      certificates: [Buffer.from(p256.rawData), ...d.certificates.slice(1)]
    }))
    await expectRefused(bytes, 'alg', 'ES384 needs a P-384 key, but the first certificate')
  })

  it('authenticSigningTime missing', async () => {
    const bytes = envelope(d => {
      const changed = withHeader({ 'io.cncf.notary.authenticSigningTime': undefined })(d)
      const crit = (changed.protectedHeader.crit as string[]).filter(
        h => h !== 'io.cncf.notary.authenticSigningTime'
      )
      return withHeader({ crit })(changed)
    })
    await expectRefused(
      bytes,
      'authenticSigningTime',
      'io.cncf.notary.authenticSigningTime is missing'
    )
  })

  it.each(['1 March 2026', '2026-02-30T10:00:00Z', '2026-03-01T24:00:00Z'])(
    'authenticSigningTime that is not an RFC 3339 date-time that exists (%s)',
    async time => {
      const bytes = envelope(withHeader({ 'io.cncf.notary.authenticSigningTime': time }))
      await expectRefused(bytes, 'authenticSigningTime', `is '${time}', not an RFC 3339 date-time`)
    }
  )

  it('a plain signingTime beside the signing-authority scheme', async () => {
    const bytes = envelope(withHeader({ 'io.cncf.notary.signingTime': '2026-03-01T10:00:00Z' }))
    await expectRefused(bytes, 'signingScheme', 'io.cncf.notary.signingTime is present')
  })

  it('the notary.x509 scheme', async () => {
    const bytes = envelope(withHeader({ 'io.cncf.notary.signingScheme': 'notary.x509' }))
    await expectRefused(
      bytes,
      'signingScheme',
      "is 'notary.x509', expected 'notary.x509.signingAuthority'"
    )
  })

  it('another content type', async () => {
    await expectRefused(
      envelope(withHeader({ cty: 'application/json' })),
      'cty',
      "cty is 'application/json'"
    )
  })

  it('an expiry that is not a date', async () => {
    await expectRefused(
      envelope(withHeader({ 'io.cncf.notary.expiry': 42 })),
      'expiry',
      'io.cncf.notary.expiry is 42,'
    )
  })

  it('crit naming a header that is absent', async () => {
    const bytes = envelope(d =>
      withHeader({ crit: [...(d.protectedHeader.crit as string[]), 'com.example.absent'] })(d)
    )
    await expectRefused(bytes, 'crit', "crit names headers that are absent: 'com.example.absent'")
  })

  it('crit without the expiry that is present', async () => {
    const bytes = envelope(d =>
      withHeader({
        crit: (d.protectedHeader.crit as string[]).filter(h => h !== 'io.cncf.notary.expiry')
      })(d)
    )
    await expectRefused(bytes, 'crit', "crit does not name 'io.cncf.notary.expiry'")
  })

  it('crit naming a registered header', async () => {
    const bytes = envelope(d =>
      withHeader({ crit: [...(d.protectedHeader.crit as string[]), 'alg'] })(d)
    )
    await expectRefused(bytes, 'crit', "crit names registered headers 'alg'")
  })

  it('crit naming a header twice', async () => {
    const bytes = envelope(d =>
      withHeader({ crit: [...(d.protectedHeader.crit as string[]), 'io.cncf.notary.expiry'] })(d)
    )
    await expectRefused(bytes, 'crit', "crit names 'io.cncf.notary.expiry' more than once")
  })

  it('crit missing or not a list', async () => {
    await expectRefused(envelope(withHeader({ crit: undefined })), 'crit', 'crit is')
    await expectRefused(
      envelope(withHeader({ crit: 'io.cncf.notary.expiry' })),
      'crit',
      'expected a list of header names'
    )
  })

  it('the profile version ARN of another profile', async () => {
    const other = PROFILE_VERSION_ARN.replace('release_profile', 'other_profile')
    const bytes = envelope(withHeader({ 'com.amazonaws.signer.signingProfileVersion': other }))
    await expectRefused(
      bytes,
      'signingProfileVersion',
      "names profile 'other_profile', not 'release_profile'"
    )
  })

  it('the profile version ARN of another account than the named owner', async () => {
    const error = await refusal(envelope(), { ...SENT, profileOwner: '444455556666' })
    expect(error.check).toBe('signingProfileVersion')
    expect(error.message).toContain("a profile of account '111122223333', not '444455556666'")
  })

  it('a profile ARN without its version, or none at all', async () => {
    const unversioned = PROFILE_VERSION_ARN.replace(/\/awUPb84ibN$/, '')
    await expectRefused(
      envelope(withHeader({ 'com.amazonaws.signer.signingProfileVersion': unversioned })),
      'signingProfileVersion',
      'not an AWS Signer ARN of that kind'
    )
    const bytes = envelope(d => {
      const changed = withHeader({ 'com.amazonaws.signer.signingProfileVersion': undefined })(d)
      const crit = (changed.protectedHeader.crit as string[]).filter(
        h => h !== 'com.amazonaws.signer.signingProfileVersion'
      )
      return withHeader({ crit })(changed)
    })
    await expectRefused(
      bytes,
      'signingProfileVersion',
      'com.amazonaws.signer.signingProfileVersion is missing'
    )
  })

  it('the job ARN of another job', async () => {
    const other = JOB_ARN.replace(JOB_ID, '00000000-0000-0000-0000-000000000000')
    const bytes = envelope(withHeader({ 'com.amazonaws.signer.signingJob': other }))
    await expectRefused(
      bytes,
      'signingJob',
      `names job '00000000-0000-0000-0000-000000000000', but SignPayload answered job '${JOB_ID}'`
    )
  })

  it.each([
    [
      'another account’s profile of the same name',
      'arn:aws:signer:us-east-2:999999999999:/signing-profiles/release_profile/awUPb84ibN',
      "names a profile of account '999999999999', not '111122223333' (SignPayload's jobOwner)"
    ],
    [
      'a profile of the same name in another Region',
      'arn:aws:signer:eu-west-1:111122223333:/signing-profiles/release_profile/awUPb84ibN',
      'names eu-west-1 (partition aws), but the step signs in us-east-2 (partition aws)'
    ],
    [
      'a profile of the same name in another partition',
      'arn:aws-cn:signer:us-east-2:111122223333:/signing-profiles/release_profile/awUPb84ibN',
      'names us-east-2 (partition aws-cn), but the step signs in us-east-2 (partition aws)'
    ]
  ])('the profile version ARN of %s', async (_, arn, detail) => {
    const bytes = envelope(withHeader({ 'com.amazonaws.signer.signingProfileVersion': arn }))
    await expectRefused(bytes, 'signingProfileVersion', detail)
  })

  it.each([
    [
      'another account than SignPayload’s jobOwner',
      JOB_ARN.replace('111122223333', '999999999999'),
      "names a job of account '999999999999', but SignPayload answered jobOwner '111122223333'"
    ],
    [
      'another Region',
      JOB_ARN.replace('us-east-2', 'eu-west-1'),
      'names eu-west-1 (partition aws), but the step signs in us-east-2 (partition aws)'
    ]
  ])('the job ARN of %s', async (_, arn, detail) => {
    const bytes = envelope(withHeader({ 'com.amazonaws.signer.signingJob': arn }))
    await expectRefused(bytes, 'signingJob', detail)
  })

  it('ARNs of the right account in another step’s Region and partition', async () => {
    const error = await refusal(envelope(), { ...SENT, region: 'cn-north-1' })
    expect(error.check).toBe('signingJob')
    expect(error.message).toContain('but the step signs in cn-north-1 (partition aws-cn)')
  })

  it('the profile of the jobOwner when another profile owner was named', async () => {
    const error = await refusal(envelope(), {
      ...SENT,
      profileOwner: '444455556666',
      jobOwner: '111122223333'
    })
    expect(error.message).toContain(
      "a profile of account '111122223333', not '444455556666' (the profile owner)"
    )
  })

  it('a critical header verification does not understand', async () => {
    const bytes = envelope(d =>
      withHeader({
        'com.example.policy': 'strict',
        'io.cncf.notary.verificationPluginMinVersion': '99.0.0',
        crit: [
          ...(d.protectedHeader.crit as string[]),
          'com.example.policy',
          'io.cncf.notary.verificationPluginMinVersion'
        ]
      })(d)
    )
    await expectRefused(
      bytes,
      'crit',
      "crit names headers this action does not understand: 'com.example.policy', 'io.cncf.notary.verificationPluginMinVersion'"
    )
  })

  it('another verification plugin', async () => {
    const bytes = envelope(
      withHeader({ 'io.cncf.notary.verificationPlugin': 'com.example.other-plugin' })
    )
    await expectRefused(
      bytes,
      'verificationPlugin',
      "io.cncf.notary.verificationPlugin is 'com.example.other-plugin'; this action verifies as 'com.amazonaws.signer.notation.plugin' only"
    )
  })

  it('an expiry not after the signing time', async () => {
    for (const expiry of ['2020-03-01T10:00:00Z', '2026-03-01T10:00:00Z']) {
      await expectRefused(
        envelope(withHeader({ 'io.cncf.notary.expiry': expiry })),
        'expiry',
        `io.cncf.notary.expiry is ${new Date(expiry).toISOString()}, not after the signing time 2026-03-01T10:00:00.000Z`
      )
    }
  })

  it('an expiry already past', async () => {
    const error = await refusal(envelope(), SENT, new Date('2029-03-01T10:00:00Z'))
    expect(error.check).toBe('expiry')
    expect(error.message).toContain(
      'io.cncf.notary.expiry is 2029-03-01T10:00:00.000Z, already past: it is now 2029-03-01T10:00:00.000Z'
    )
  })

  it('a protected header with base64 padding', async () => {
    const bytes = envelope(afterSigning(jws => (jws.protected = `${jws.protected as string}=`)))
    await expectRefused(bytes, 'base64url', 'protected is not unpadded base64url')
  })

  it('a payload in standard base64', async () => {
    const bytes = envelope(
      afterSigning(jws => (jws.payload = Buffer.from('{}>>>?').toString('base64')))
    )
    await expectRefused(bytes, 'base64url', 'payload is not unpadded base64url')
  })

  it('base64url with stray bits in its last character', async () => {
    // 'QQ' and 'QR' both decode to 'A'; only 'QQ' is the canonical form.
    const bytes = envelope(afterSigning(jws => (jws.signature = 'QR')))
    await expectRefused(bytes, 'base64url', "signature is not unpadded base64url: 'QR'")
  })

  it('x5c entries that are not base64 DER certificates', async () => {
    await expectRefused(
      envelope(afterSigning(jws => (jws.header.x5c[1] = 'not base64!'))),
      'x5c',
      'certificate 1 is not base64'
    )
    await expectRefused(
      envelope(
        afterSigning(jws => (jws.header.x5c[0] = Buffer.from('not DER').toString('base64')))
      ),
      'x5c',
      'certificate 0 is not a DER X.509 certificate'
    )
    await expectRefused(
      envelope(afterSigning(jws => (jws.header.x5c = []))),
      'x5c',
      'not a list of certificates'
    )
    await expectRefused(
      envelope(afterSigning(jws => (jws.header.x5c = Array(11).fill(jws.header.x5c[0])))),
      'x5c',
      'holds 11 certificates'
    )
  })

  it('a header without x5c', async () => {
    await expectRefused(
      envelope(afterSigning(jws => (jws.header = {} as { x5c: string[] }))),
      'x5c',
      'header.x5c'
    )
  })

  it('malformed JSON, and JSON that is not a flattened JWS', async () => {
    await expectRefused(Buffer.from('{"payload":'), 'json', 'the envelope is not UTF-8 JSON')
    await expectRefused(Buffer.from('[]'), 'json', 'the envelope is not a JSON object')
    await expectRefused(Buffer.from([0xff, 0xfe, 0x7b, 0x7d]), 'json', 'not UTF-8 JSON')
    await expectRefused(
      envelope(afterSigning(jws => (jws.signatures = []))),
      'json',
      "does not have: 'signatures'"
    )
    const notObject = Buffer.from('"text"').toString('base64url')
    await expectRefused(
      envelope(afterSigning(jws => (jws.protected = notObject))),
      'json',
      'the protected header is not a JSON object'
    )
  })

  it('oversized input, before parsing it', async () => {
    const bytes = Buffer.alloc(MAX_ENVELOPE_BYTES + 1, 0x20)
    await expectRefused(
      bytes,
      'size',
      `${MAX_ENVELOPE_BYTES + 1} bytes, more than ${MAX_ENVELOPE_BYTES}`
    )
  })

  it('escapes what it quotes from the envelope', async () => {
    const error = await refusal(envelope(withHeader({ alg: 'ES384\n::error::forged' })))
    expect(error.message).toContain("alg is 'ES384\\n::error::forged'")
    expect(error.message).not.toContain('\n')
  })
})

describe('checkEnvelope on many envelopes of one chain (each certificate parsed once a step)', () => {
  function flippedSignature(jws: JwsJson): void {
    const signature = Buffer.from(jws.signature as string, 'base64url')
    signature[30] = (signature[30] ?? 0) ^ 0x04
    jws.signature = signature.toString('base64url')
  }

  it('still verifies each signature: a later envelope with the same chain and a bad signature fails', async () => {
    expect((await checkEnvelope(envelope(), SENT, NOW)).thumbprints).toHaveLength(4)
    await expectRefused(envelope(afterSigning(flippedSignature)), 'signature', 'does not verify')
    expect((await checkEnvelope(envelope(), SENT, NOW)).jobArn).toBe(JOB_ARN)
  })

  it('still checks each payload: a later envelope with the same chain for another image fails', async () => {
    await checkEnvelope(envelope(), SENT, NOW)
    await expectRefused(
      envelope(d => ({ ...d, payload: notaryPayload(OTHER_IMAGE) })),
      'payload',
      'it signs another descriptor'
    )
  })

  it('checks a second, distinct chain as its own', async () => {
    await checkEnvelope(envelope(), SENT, NOW)
    const other = (d: EnvelopeDraft): EnvelopeDraft => ({
      ...d,
      certificates: otherChain.certificates,
      signingKey: otherChain.signingKey
    })
    expect((await checkEnvelope(envelope(other), SENT, NOW)).thumbprints[0]).toBe(
      otherChain.leaf.sha256
    )
    // The other chain's certificates with the first chain's signature: not its key.
    await expectRefused(
      envelope(d => ({ ...d, certificates: otherChain.certificates })),
      'signature',
      'does not verify'
    )
    await expectRefused(envelope(afterSigning(flippedSignature)), 'signature', 'does not verify')
  })
})

describe('parseEnvelope', () => {
  it('keeps the encoded parts for the signing input and the decoded ones for reading', async () => {
    const bytes = envelope()
    const jws = JSON.parse(bytes.toString()) as { protected: string; payload: string }
    const parsed = parseEnvelope(bytes)
    expect(parsed.encodedProtected).toBe(jws.protected)
    expect(parsed.encodedPayload).toBe(jws.payload)
    expect(parsed.payload).toEqual(notaryPayload(IMAGE))
    expect(parsed.protectedHeader.alg).toBe('ES384')
    expect(parsed.certificates).toEqual(chain.certificates)
  })
})
