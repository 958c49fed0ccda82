import 'reflect-metadata'
import { createHash, KeyObject, webcrypto } from 'node:crypto'
import { beforeAll, describe, expect, it } from '@jest/globals'
import * as x509 from '@peculiar/x509'
import { ActionError } from '../../../src/errors.js'
import { NOTARY_X509, SIGNING_AUTHORITY, type EnvelopeCheck } from '../../../src/notary/envelope.js'
import { notaryPayload } from '../../../src/notary/payload.js'
import {
  AWS_SIGNER_ROOT_SHA256,
  verifySignature,
  type SignatureVerdict,
  type VerifyOptions
} from '../../../src/notary/verify-signature.js'
import { createCertificateChain, type CertificateChain } from '../../rig/certificate-chain.js'
import { draftEnvelope, writeEnvelope, type EnvelopeDraft } from '../../rig/signer-payload.js'
import { thrownBy } from '../helpers.js'
import { afterSigning, withHeader, withoutHeaders } from './envelope-changes.js'

const IMAGE = {
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${'3c'.repeat(32)}`,
  size: 1778
}
const OTHER_IMAGE = { ...IMAGE, digest: `sha256:${'7e'.repeat(32)}` }
const PROFILE_ARN = 'arn:aws:signer:us-east-2:111122223333:/signing-profiles/release_profile'
const PROFILE_VERSION_ARN = `${PROFILE_ARN}/awUPb84ibN`
const JOB_ARN =
  'arn:aws:signer:us-east-2:111122223333:/signing-jobs/e218ee67-5dd3-4dc4-8caf-224898b12493'
// The chains are made at SIGNED_AT: the leaf is valid from an hour before it to three days after.
const SIGNED_AT = new Date('2026-03-01T10:00:00Z')
const EXPIRES_AT = new Date('2029-03-01T10:00:00Z')
const NOW = new Date('2027-06-01T00:00:00Z')

let chain: CertificateChain
let otherChain: CertificateChain

beforeAll(async () => {
  ;[chain, otherChain] = await Promise.all([
    createCertificateChain({ region: 'us-east-2', now: SIGNED_AT }),
    createCertificateChain({ region: 'us-east-2', now: SIGNED_AT })
  ])
})

function options(changes: Partial<VerifyOptions> = {}): VerifyOptions {
  return {
    subject: IMAGE,
    trustedRootSha256: [chain.root.sha256],
    trustedProfiles: [PROFILE_ARN],
    now: NOW,
    ...changes
  }
}

/** The rig's envelope as AWS would sign it, changed before signing (so signed as changed) or after. */
function envelope(change: (draft: EnvelopeDraft) => EnvelopeDraft | Buffer = d => d): Buffer {
  const changed = change(
    draftEnvelope({
      chain,
      payload: notaryPayload(IMAGE),
      signedAt: SIGNED_AT,
      expiresAt: EXPIRES_AT,
      profileVersionArn: PROFILE_VERSION_ARN,
      jobArn: JOB_ARN
    })
  )
  return Buffer.isBuffer(changed) ? changed : writeEnvelope(changed)
}

function expectInvalid(
  verdict: SignatureVerdict,
  check: EnvelopeCheck,
  reason: string | RegExp
): void {
  if (verdict.verdict !== 'invalid') throw new Error(`expected '${check}' to fail, it passed`)
  expect({ check: verdict.check, reason: verdict.reason }).toEqual({
    check,
    reason:
      typeof reason === 'string' ? expect.stringContaining(reason) : expect.stringMatching(reason)
  })
  expect(verdict.reason).not.toMatch(/[\n\r]/)
}

function sha384Tbs(der: Buffer): string {
  // These certificates are longer than 255 bytes, so both lengths take two bytes: 30 82 LL LL 30 82 TT TT.
  return createHash('sha384')
    .update(der.subarray(4, 8 + der.readUInt16BE(6)))
    .digest('hex')
}

describe('verifySignature accepts AWS’s envelope', () => {
  it('and returns what GetRevocationStatus and the results need', () => {
    const [leaf, regional, intermediate, root] = chain.certificates.map(sha384Tbs)
    expect(verifySignature(envelope(), options())).toEqual({
      verdict: 'valid',
      read: {
        thumbprints: [
          chain.leaf.sha256,
          chain.regional.sha256,
          chain.intermediate.sha256,
          chain.root.sha256
        ],
        certificateHashes: [
          `${leaf}${regional}`,
          `${regional}${intermediate}`,
          `${intermediate}${root}`,
          `${root}${root}`
        ],
        signingScheme: 'notary.x509.signingAuthority',
        signingTime: SIGNED_AT,
        expiry: EXPIRES_AT,
        algorithm: 'ES384',
        profileVersionArn: PROFILE_VERSION_ARN,
        jobArn: JOB_ARN,
        trustedBy: PROFILE_ARN,
        target: IMAGE,
        authentic: true
      }
    })
  })

  it('long after the leaf expired: the chain is checked at the authentic signing time', () => {
    expect(
      verifySignature(envelope(), options({ now: new Date('2029-01-01T00:00:00Z') })).verdict
    ).toBe('valid')
  })

  it('trusting the profile version exactly, or among other profiles and roots', () => {
    const verdict = verifySignature(
      envelope(),
      options({
        trustedProfiles: [PROFILE_ARN.replace('release_profile', 'other'), PROFILE_VERSION_ARN],
        trustedRootSha256: [AWS_SIGNER_ROOT_SHA256, chain.root.sha256]
      })
    )
    expect(verdict.verdict === 'valid' && verdict.read.trustedBy).toBe(PROFILE_VERSION_ARN)
  })

  it('with the profile check skipped explicitly', () => {
    const verdict = verifySignature(envelope(), options({ trustedProfiles: 'skip' }))
    expect(verdict.verdict === 'valid' && verdict.read.trustedBy).toBeUndefined()
  })

  it('without an expiry, and with a payload that carries annotations', () => {
    const annotated = Buffer.from(
      JSON.stringify({ targetArtifact: { ...IMAGE, annotations: { 'io.example.build': '7' } } })
    )
    const bytes = envelope(d => ({
      ...withoutHeaders('io.cncf.notary.expiry')(d),
      payload: annotated
    }))
    const verdict = verifySignature(bytes, options({ now: new Date('2100-01-01T00:00:00Z') }))
    expect(verdict.verdict === 'valid' && verdict.read.expiry).toBeUndefined()
  })

  it('without the verification plugin header or the job ARN', () => {
    const bytes = envelope(
      withoutHeaders('io.cncf.notary.verificationPlugin', 'com.amazonaws.signer.signingJob')
    )
    const verdict = verifySignature(bytes, options())
    expect(verdict.verdict === 'valid' && verdict.read.jobArn).toBeUndefined()
  })

  it('that names AWS Signer Code Signing Root CA G1 by its fingerprint', () => {
    expect(AWS_SIGNER_ROOT_SHA256).toBe(
      '90a87d0543c3f094dbff9589b6649affe2f3d6e0f308799be2258461c686473f'
    )
  })
})

describe('verifySignature refuses a tampered envelope, naming the check', () => {
  it('payload changed after signing', () => {
    const bytes = envelope(
      afterSigning(jws => (jws.payload = notaryPayload(OTHER_IMAGE).toString('base64url')))
    )
    expectInvalid(
      verifySignature(bytes, options()),
      'signature',
      "the ES384 signature does not verify with the key of the first certificate ('CN=AWS Signer"
    )
  })

  it('is read as claims only until the signature verifies to a pinned root', () => {
    const forged = verifySignature(
      envelope(d => ({ ...d, signingKey: otherChain.signingKey })),
      options()
    )
    expect(forged).toMatchObject({ verdict: 'invalid', check: 'signature' })
    expect(forged.read).toMatchObject({ jobArn: JOB_ARN })
    expect(forged.read.authentic).toBeUndefined()
    const otherImage = verifySignature(
      envelope(d => ({ ...d, payload: notaryPayload(OTHER_IMAGE) })),
      options()
    )
    expect(otherImage.read.authentic).toBe(true)
  })

  it('payload signed for another image', () => {
    const bytes = envelope(d => ({ ...d, payload: notaryPayload(OTHER_IMAGE) }))
    const verdict = verifySignature(bytes, options())
    expectInvalid(
      verdict,
      'payload',
      `it signs another descriptor: digest '${OTHER_IMAGE.digest}' (the image has '${IMAGE.digest}')`
    )
    expect(verdict.read.jobArn).toBe(JOB_ARN)
  })

  it('payload with another media type or size', () => {
    expectInvalid(
      verifySignature(envelope(), options({ subject: { ...IMAGE, size: 1779 } })),
      'payload',
      'size 1778 (the image has 1779)'
    )
    expectInvalid(
      verifySignature(
        envelope(),
        options({ subject: { ...IMAGE, mediaType: 'application/vnd.oci.image.index.v1+json' } })
      ),
      'payload',
      "mediaType 'application/vnd.oci.image.manifest.v1+json'"
    )
  })

  it('payload with members a Notary payload does not have', () => {
    const odd = Buffer.from(JSON.stringify({ targetArtifact: { ...IMAGE, urls: ['x'] } }))
    expectInvalid(
      verifySignature(
        envelope(d => ({ ...d, payload: odd })),
        options()
      ),
      'payload',
      "members a Notary payload does not have: 'urls'"
    )
  })

  it('signature with one bit flipped', () => {
    const bytes = envelope(
      afterSigning(jws => {
        const signature = Buffer.from(jws.signature as string, 'base64url')
        signature[20] = (signature[20] ?? 0) ^ 0x80
        jws.signature = signature.toString('base64url')
      })
    )
    expectInvalid(verifySignature(bytes, options()), 'signature', 'does not verify')
  })

  it('signed by another key than the first certificate’s', () => {
    const bytes = envelope(d => ({ ...d, signingKey: otherChain.signingKey }))
    expectInvalid(verifySignature(bytes, options()), 'signature', 'does not verify')
  })

  it('chain reversed, so the first certificate is the root', () => {
    const bytes = envelope(afterSigning(jws => jws.header.x5c.reverse()))
    expectInvalid(
      verifySignature(bytes, options()),
      'signature',
      "first certificate ('CN=AWS Signer Code Signing Root CA G1"
    )
  })

  it('chain with two CAs swapped', () => {
    const bytes = envelope(d => {
      const [leaf, regional, intermediate, root] = d.certificates
      return { ...d, certificates: [leaf, intermediate, regional, root] as Buffer[] }
    })
    expectInvalid(
      verifySignature(bytes, options()),
      'chain',
      /^certificate 0 \('CN=AWS Signer.*'\) is not issued and signed by certificate 1 \('CN=AWS Signer Code Signing Int CA G1/
    )
  })

  it('chain with another chain’s intermediate', () => {
    const bytes = envelope(d => {
      const certificates = [...d.certificates]
      certificates[2] = otherChain.intermediate.der
      return { ...d, certificates }
    })
    expectInvalid(
      verifySignature(bytes, options()),
      'chain',
      /^certificate 1 \('CN=AWS Signer us-east-2 Code Signing CA G1.*'\) is not issued and signed by certificate 2/
    )
  })

  it('chain with another chain’s intermediate, after the whole chain passed', () => {
    // Certificates are parsed once a step; the chain they form is checked for each envelope.
    expect(verifySignature(envelope(), options()).verdict).toBe('valid')
    const bytes = envelope(d => {
      const certificates = [...d.certificates]
      certificates[2] = otherChain.intermediate.der
      return { ...d, certificates }
    })
    expectInvalid(verifySignature(bytes, options()), 'chain', 'is not issued and signed by')
    expect(verifySignature(envelope(), options()).verdict).toBe('valid')
  })

  it('chain without its root', () => {
    const bytes = envelope(d => ({ ...d, certificates: d.certificates.slice(0, 3) }))
    expectInvalid(
      verifySignature(bytes, options()),
      'chain',
      /^the chain ends at certificate 2 \('CN=AWS Signer Code Signing Int CA G1.*'\), which is not a self-signed root$/
    )
  })

  it('chain with a root repeated after the root', () => {
    const bytes = envelope(d => ({ ...d, certificates: [...d.certificates, chain.root.der] }))
    expectInvalid(
      verifySignature(bytes, options()),
      'chain',
      "certificate 3 ('CN=AWS Signer Code Signing Root CA G1, OU=Cryptography, O=AWS Signer local test rig (not AWS), ST=WA, C=US') is self-signed, but only the last certificate may be"
    )
  })

  it('a whole chain whose root is not pinned', () => {
    const bytes = envelope(d => ({
      ...d,
      certificates: otherChain.certificates,
      signingKey: otherChain.signingKey
    }))
    expectInvalid(
      verifySignature(bytes, options()),
      'trustedRoot',
      `the chain ends at certificate 3 ('CN=AWS Signer Code Signing Root CA G1`
    )
    expectInvalid(
      verifySignature(bytes, options()),
      'trustedRoot',
      `SHA-256 ${otherChain.root.sha256}, which is not a trusted root (trusted: ${chain.root.sha256})`
    )
  })

  it('the AWS root pinned, but the rig’s chain', () => {
    expectInvalid(
      verifySignature(envelope(), options({ trustedRootSha256: [AWS_SIGNER_ROOT_SHA256] })),
      'trustedRoot',
      'which is not a trusted root'
    )
  })

  it('signed before the leaf was valid', () => {
    const bytes = envelope(
      withHeader({ 'io.cncf.notary.authenticSigningTime': '2026-03-01T08:00:00Z' })
    )
    expectInvalid(
      verifySignature(bytes, options()),
      'validity',
      /^certificate 0 \('CN=AWS Signer.*'\) is valid from 2026-03-01T09:00:00.000Z to 2026-03-04T10:00:00.000Z, not at 2026-03-01T08:00:00.000Z \(the authentic signing time\)$/
    )
  })

  it('signed after the leaf expired', () => {
    const bytes = envelope(
      withHeader({ 'io.cncf.notary.authenticSigningTime': '2026-03-05T10:00:00Z' })
    )
    expectInvalid(verifySignature(bytes, options()), 'validity', 'certificate 0')
  })

  it('expired', () => {
    const verdict = verifySignature(envelope(), options({ now: EXPIRES_AT }))
    expectInvalid(
      verdict,
      'expired',
      'the signature expired at 2029-03-01T10:00:00.000Z (io.cncf.notary.expiry); it is now 2029-03-01T10:00:00.000Z'
    )
    expect(verdict.read).toMatchObject({ signingTime: SIGNED_AT, expiry: EXPIRES_AT })
  })

  it('an unknown critical header', () => {
    const bytes = envelope(d =>
      withHeader({
        crit: [...(d.protectedHeader.crit as string[]), 'com.example.mustUnderstand'],
        'com.example.mustUnderstand': true
      })(d)
    )
    expectInvalid(
      verifySignature(bytes, options()),
      'crit',
      "crit names headers this action does not understand: 'com.example.mustUnderstand'"
    )
  })

  it('a critical minimum plugin version, which no plugin here has', () => {
    const bytes = envelope(d =>
      withHeader({
        crit: [
          ...(d.protectedHeader.crit as string[]),
          'io.cncf.notary.verificationPluginMinVersion'
        ],
        'io.cncf.notary.verificationPluginMinVersion': '1.0.0'
      })(d)
    )
    expectInvalid(verifySignature(bytes, options()), 'crit', 'verificationPluginMinVersion')
  })

  it('another verification plugin', () => {
    const bytes = envelope(withHeader({ 'io.cncf.notary.verificationPlugin': 'io.example.plugin' }))
    expectInvalid(
      verifySignature(bytes, options()),
      'verificationPlugin',
      "io.cncf.notary.verificationPlugin is 'io.example.plugin'; this action verifies as 'com.amazonaws.signer.notation.plugin' only"
    )
  })

  it('a profile that is not trusted', () => {
    const other = `${PROFILE_ARN}x`
    const verdict = verifySignature(envelope(), options({ trustedProfiles: [other] }))
    expectInvalid(
      verdict,
      'trustedProfile',
      `signing profile version '${PROFILE_VERSION_ARN}' is not among the trusted profiles (${other})`
    )
    expect(verdict.read).toMatchObject({ target: IMAGE, profileVersionArn: PROFILE_VERSION_ARN })
  })

  it('another version of a trusted profile version, or the profile in another case', () => {
    expectInvalid(
      verifySignature(envelope(), options({ trustedProfiles: [`${PROFILE_ARN}/other00001`] })),
      'trustedProfile',
      'is not among the trusted profiles'
    )
    expectInvalid(
      verifySignature(
        envelope(),
        options({ trustedProfiles: [PROFILE_ARN.replace('release_profile', 'Release_Profile')] })
      ),
      'trustedProfile',
      'is not among the trusted profiles'
    )
  })

  it('no profile version header while profiles are to be checked', () => {
    const bytes = envelope(withoutHeaders('com.amazonaws.signer.signingProfileVersion'))
    expectInvalid(
      verifySignature(bytes, options()),
      'trustedProfile',
      'the envelope has no com.amazonaws.signer.signingProfileVersion'
    )
  })

  it('a profile version header that is not an ARN', () => {
    const bytes = envelope(
      withHeader({ 'com.amazonaws.signer.signingProfileVersion': 'release_profile' })
    )
    expectInvalid(
      verifySignature(bytes, options()),
      'signingProfileVersion',
      'not an AWS Signer ARN'
    )
  })

  it('alg none, and alg changed against the key', () => {
    expectInvalid(
      verifySignature(envelope(withHeader({ alg: 'none' })), options()),
      'alg',
      "alg is 'none', expected one of 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'"
    )
    expectInvalid(
      verifySignature(envelope(withHeader({ alg: 'ES256' })), options()),
      'alg',
      "ES256 needs a P-256 key, but the first certificate ('CN=AWS Signer"
    )
  })

  it('a scheme the Notary Project does not define, and the other scheme’s time', () => {
    expectInvalid(
      verifySignature(envelope(withHeader({ 'io.cncf.notary.signingScheme': 'x509' })), options()),
      'signingScheme',
      "is 'x509', expected 'notary.x509.signingAuthority'"
    )
    expectInvalid(
      verifySignature(
        envelope(withHeader({ 'io.cncf.notary.signingScheme': 'notary.x509' })),
        options({ signingSchemes: [SIGNING_AUTHORITY, NOTARY_X509] })
      ),
      'signingScheme',
      'io.cncf.notary.authenticSigningTime is present, which the notary.x509 scheme does not allow'
    )
  })

  it('the notary.x509 scheme, whose signing time is the signer’s claim, unless the caller takes it', () => {
    const bytes = envelope(d =>
      withHeader({
        'io.cncf.notary.signingScheme': 'notary.x509',
        'io.cncf.notary.signingTime': '2026-03-01T10:00:00Z'
      })(withoutHeaders('io.cncf.notary.authenticSigningTime')(d))
    )
    // Within the leaf's validity: under notary.x509 the chain is checked now.
    const now = new Date('2026-03-02T00:00:00Z')
    expectInvalid(
      verifySignature(bytes, options({ now })),
      'signingScheme',
      "io.cncf.notary.signingScheme is 'notary.x509', expected 'notary.x509.signingAuthority'"
    )
    const taken = verifySignature(
      bytes,
      options({ now, signingSchemes: [SIGNING_AUTHORITY, NOTARY_X509] })
    )
    expect(taken.verdict === 'valid' && taken.read.signingScheme).toBe('notary.x509')
  })

  it('not JSON, with nothing read', () => {
    const verdict = verifySignature(Buffer.from('{"payload":'), options())
    expectInvalid(verdict, 'json', 'the envelope is not UTF-8 JSON')
    expect(verdict.read).toEqual({})
  })

  it('escapes what it repeats from the envelope', () => {
    const bytes = envelope(
      withHeader({ 'io.cncf.notary.verificationPlugin': 'x\n::error::y\u202e' })
    )
    expectInvalid(
      verifySignature(bytes, options()),
      'verificationPlugin',
      "'x\\n::error::y\\u202e'"
    )
  })
})

describe('verifySignature checks the certificates as the Notary Project requires', () => {
  const P384 = { name: 'ECDSA', namedCurve: 'P-384' }
  const SIGNED_WITH = { name: 'ECDSA', hash: 'SHA-384' }
  const LEAF_USAGE = new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)
  const CA_CONSTRAINTS = new x509.BasicConstraintsExtension(true, undefined, true)
  const CA_USAGE = new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)
  const CA: x509.Extension[] = [CA_CONSTRAINTS, CA_USAGE]

  /**
   * An envelope from a chain made here: a leaf with these extensions under CAs with these (the
   * root's first), the root pinned.
   */
  async function verifyWithChain(
    leafExtensions: x509.Extension[],
    caExtensions: x509.Extension[][] = [CA]
  ) {
    const validity = {
      notBefore: new Date(SIGNED_AT.getTime() - 3_600_000),
      notAfter: new Date(SIGNED_AT.getTime() + 3_600_000),
      signingAlgorithm: SIGNED_WITH
    }
    const newKeys = () => webcrypto.subtle.generateKey(P384, true, ['sign', 'verify'])
    let issuerKeys = await newKeys()
    let issuer = await x509.X509CertificateGenerator.createSelfSigned({
      name: 'CN=test CA 0',
      keys: issuerKeys,
      extensions: caExtensions[0] ?? [],
      ...validity
    })
    const issued = [issuer]
    for (const [index, extensions] of [...caExtensions.slice(1), leafExtensions].entries()) {
      const keys = await newKeys()
      issuer = await x509.X509CertificateGenerator.create({
        subject: index === caExtensions.length - 1 ? 'CN=test leaf' : `CN=test CA ${index + 1}`,
        issuer: issuer.subject,
        publicKey: keys.publicKey,
        signingKey: issuerKeys.privateKey,
        extensions,
        ...validity
      })
      issued.unshift(issuer)
      issuerKeys = keys
    }
    const certificates = issued.map(certificate => Buffer.from(certificate.rawData))
    const bytes = envelope(d => ({
      ...d,
      certificates,
      signingKey: KeyObject.from(issuerKeys.privateKey)
    }))
    const root = certificates[certificates.length - 1] as Buffer
    const pinned = createHash('sha256').update(root).digest('hex')
    return verifySignature(bytes, options({ trustedRootSha256: [pinned] }))
  }

  it('passes a chain that meets them, to show the others fail for one extension alone', async () => {
    expect((await verifyWithChain([LEAF_USAGE])).verdict).toBe('valid')
  })

  it('a leaf that is a CA', async () => {
    expectInvalid(
      await verifyWithChain([
        new x509.BasicConstraintsExtension(true, undefined, true),
        LEAF_USAGE
      ]),
      'certificate',
      "certificate 0 ('CN=test leaf') is a CA (basicConstraints cA is true)"
    )
  })

  it('a leaf without keyUsage, with it not critical, or for encipherment', async () => {
    expectInvalid(await verifyWithChain([]), 'certificate', 'has no keyUsage extension')
    expectInvalid(
      await verifyWithChain([
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, false)
      ]),
      'certificate',
      'has a keyUsage extension that is not marked critical'
    )
    expectInvalid(
      await verifyWithChain([
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
          true
        )
      ]),
      'certificate',
      'has keyUsage keyEncipherment, which signing does not use'
    )
  })

  it('a leaf for TLS servers', async () => {
    expectInvalid(
      await verifyWithChain([
        LEAF_USAGE,
        new x509.ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.1'])
      ]),
      'certificate',
      'has extended key usage serverAuth'
    )
  })

  it('a root that is not a CA, or may not sign certificates', async () => {
    expectInvalid(
      await verifyWithChain([LEAF_USAGE], [[CA_USAGE]]),
      'certificate',
      "certificate 1 ('CN=test CA 0') issues a certificate but is not a CA"
    )
    expectInvalid(
      await verifyWithChain(
        [LEAF_USAGE],
        [[CA_CONSTRAINTS, new x509.KeyUsagesExtension(x509.KeyUsageFlags.cRLSign, true)]]
      ),
      // Node's issuance check (OpenSSL's X509_check_issued) refuses such an issuer first.
      'chain',
      "certificate 0 ('CN=test leaf') is not issued and signed by certificate 1 ('CN=test CA 0')"
    )
  })

  it('a CA whose path length does not allow the CAs below it', async () => {
    const allowsNone = [new x509.BasicConstraintsExtension(true, 0, true), CA_USAGE]
    expect((await verifyWithChain([LEAF_USAGE], [CA, allowsNone])).verdict).toBe('valid')
    expectInvalid(
      await verifyWithChain([LEAF_USAGE], [allowsNone, CA]),
      'certificate',
      "certificate 2 ('CN=test CA 0') allows 0 CA certificates below it, but 1 follow"
    )
  })
})

describe('verifySignature refuses options it cannot verify with', () => {
  it.each([
    [{ trustedRootSha256: [] }, 'trustedRootSha256 is empty'],
    [{ trustedRootSha256: ['90:A8'] }, "Trusted root '90:A8' is not a SHA-256 fingerprint"],
    [{ trustedProfiles: [] }, "No trusted profiles: name at least one, or 'skip'"],
    [{ trustedProfiles: ['*'] }, "'*' would trust every signing profile"],
    [
      { trustedProfiles: ['release_profile'] },
      "'release_profile' is neither a signing-profile ARN"
    ],
    [{ subject: { ...IMAGE, digest: 'sha256:x' } }, "digest 'sha256:x' is not sha256:"],
    [{ now: new Date(NaN) }, 'not a date']
  ] as [Partial<VerifyOptions>, string][])('%j', (changes, message) => {
    const error = thrownBy(() => verifySignature(envelope(), options(changes)), ActionError)
    expect(error.message).toContain(message)
  })
})
