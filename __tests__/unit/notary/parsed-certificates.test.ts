import { beforeAll, describe, expect, it } from '@jest/globals'
import {
  MAX_PARSED_CERTIFICATES,
  parsedCertificate
} from '../../../src/notary/parsed-certificates.js'
import { createCertificateChain, type CertificateChain } from '../../rig/certificate-chain.js'

let chain: CertificateChain

beforeAll(async () => {
  chain = await createCertificateChain()
})

/** The certificate with its last byte (in its signature value) changed: still parseable. */
function withLastByte(der: Buffer, value: number): Buffer {
  const changed = Buffer.from(der)
  changed[changed.length - 1] = value
  return changed
}

describe('parsedCertificate', () => {
  it('parses the same DER once, from whichever buffer it comes', () => {
    const first = parsedCertificate(chain.leaf.der)
    expect(parsedCertificate(Buffer.from(chain.leaf.der))).toBe(first)
    expect(first.x509.subject).toContain('CN=AWS Signer')
    expect(first.publicKey.asymmetricKeyDetails?.namedCurve).toBe('secp384r1')
    expect(first.parts()).toBe(first.parts())
  })

  it('parses a certificate one byte different anew, and its signature no longer verifies', () => {
    const { der } = chain.leaf
    const changed = withLastByte(der, (der.at(-1) ?? 0) ^ 0x01)
    const parsed = parsedCertificate(changed)
    expect(parsed).not.toBe(parsedCertificate(der))
    const issuer = parsedCertificate(chain.regional.der)
    expect(parsedCertificate(der).x509.verify(issuer.publicKey)).toBe(true)
    expect(parsed.x509.verify(issuer.publicKey)).toBe(false)
  })

  it('keeps no failure: bytes that are not a certificate fail every time', () => {
    const notDer = Buffer.from('not DER')
    expect(() => parsedCertificate(notDer)).toThrow()
    expect(() => parsedCertificate(notDer)).toThrow()
  })

  it(`holds at most ${MAX_PARSED_CERTIFICATES} certificates, letting the oldest go`, () => {
    const root = parsedCertificate(chain.root.der)
    const last = chain.root.der.at(-1) ?? 0
    for (let i = 1; i <= MAX_PARSED_CERTIFICATES; i++) {
      parsedCertificate(withLastByte(chain.root.der, (last + i) % 256))
    }
    expect(parsedCertificate(chain.root.der)).not.toBe(root)
  })
})
