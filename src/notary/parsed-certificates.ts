import { X509Certificate, type KeyObject } from 'node:crypto'
import { readCertificateParts, type CertificateParts } from './x509-der.js'

/**
 * DER certificates parsed once a step. Every envelope of one profile carries the same chain, and
 * parsing it anew for each image cost about as much as verifying the image's signature. Keyed by
 * the DER itself: a certificate that differs by one byte is parsed (and so checked) anew. What
 * is kept is only what parsing yields; every check that uses it still runs for each envelope.
 */

export interface ParsedCertificate {
  x509: X509Certificate
  /** The certificate's public key (node makes a new KeyObject at each `publicKey` read). */
  publicKey: KeyObject
  /** What node does not expose; read on first use, since signing never needs it. */
  parts(): CertificateParts
}

/** A step sees a chain or two; more than this is not one profile's chain coming back. */
export const MAX_PARSED_CERTIFICATES = 64

const parsed = new Map<string, ParsedCertificate>()

/** The certificate, parsed by node; throws as `new X509Certificate` does, and keeps no failure. */
export function parsedCertificate(der: Buffer): ParsedCertificate {
  // latin1 maps each byte to one character: a key as exact as the bytes, and cheap to make.
  const key = der.toString('latin1')
  const known = parsed.get(key)
  if (known) return known
  const x509 = new X509Certificate(der)
  let parts: CertificateParts | undefined
  const certificate: ParsedCertificate = {
    x509,
    publicKey: x509.publicKey,
    parts: () => (parts ??= readCertificateParts(der))
  }
  if (parsed.size >= MAX_PARSED_CERTIFICATES) {
    // Maps iterate in insertion order: the oldest goes.
    const [oldest] = parsed.keys()
    if (oldest !== undefined) parsed.delete(oldest)
  }
  parsed.set(key, certificate)
  return certificate
}
