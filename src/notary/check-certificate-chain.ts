import { createHash, type KeyObject, type X509Certificate } from 'node:crypto'
import { EnvelopeError, sha256Hex } from './envelope.js'
import { quotedName } from './untrusted.js'
import { parsedCertificate } from './parsed-certificates.js'
import type { CertificateParts, KeyUsage } from './x509-der.js'

/**
 * The checks on an envelope's certificate chain (x5c, signing certificate first), each refusing
 * with its own check name: that each certificate is issued and signed by the next and the last is
 * a self-signed root, the Notary Project's certificate requirements (signature-specification.md,
 * "Certificate Requirements", as notation-core-go applies them), that the root is one the caller
 * pins by the SHA-256 of its DER, and that every certificate is valid at a given time.
 */

export interface ChainCertificate {
  der: Buffer
  x509: X509Certificate
  parts: CertificateParts
}

/** The chain read for checking; a certificate whose DER cannot be walked fails 'x5c'. */
export function readChain(certificates: readonly Buffer[]): ChainCertificate[] {
  return certificates.map((der, index) => {
    try {
      const { x509, parts } = parsedCertificate(der)
      return { der, x509, parts: parts() }
    } catch (error) {
      throw new EnvelopeError(
        'x5c',
        `certificate ${index} cannot be read: ${(error as Error).message}`
      )
    }
  })
}

/**
 * GetRevocationStatus's `certificateHashes`, as AWS's plugin computes them: for each certificate,
 * the hex SHA-384 of its TBSCertificate followed by that of the next one (the last one's twice).
 */
export function revocationCertificateHashes(chain: readonly ChainCertificate[]): string[] {
  const hashes = chain.map(certificate =>
    createHash('sha384').update(certificate.parts.tbs).digest('hex')
  )
  return hashes.map((hash, index) => hash + (hashes[index + 1] ?? hash))
}

// Certificate signature algorithms that are still sound: RSA PKCS #1 v1.5 and PSS with SHA-2,
// ECDSA with SHA-2, Ed25519. SHA-1 and MD5 are refused (the spec names SHA-1; Go refuses both).
const SOUND_SIGNATURE_ALGORITHMS = new Set([
  '1.2.840.113549.1.1.10', // RSASSA-PSS
  '1.2.840.113549.1.1.11', // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12', // sha384WithRSAEncryption
  '1.2.840.113549.1.1.13', // sha512WithRSAEncryption
  '1.2.840.10045.4.3.2', // ecdsa-with-SHA256
  '1.2.840.10045.4.3.3', // ecdsa-with-SHA384
  '1.2.840.10045.4.3.4', // ecdsa-with-SHA512
  '1.3.101.112' // Ed25519
])

// Extended key usages a code-signing certificate must not have (notation-core-go's list).
const FORBIDDEN_EXTENDED_USAGES: Readonly<Record<string, string>> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning'
}

const LEAF_FORBIDDEN_USAGES: readonly KeyUsage[] = [
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly'
]

/**
 * The certificate requirements: the signing certificate (also when it is the only one) is not a
 * CA, has a critical keyUsage with digitalSignature and none of the usages for other purposes, and
 * no extended key usage for another purpose; every other certificate is a CA whose path length, if
 * it states one, allows the CAs below it, with a critical keyUsage that has keyCertSign; no
 * certificate is signed with SHA-1 or MD5.
 */
export function checkCertificateRequirements(chain: readonly ChainCertificate[]): void {
  chain.forEach((certificate, index) => {
    const problem =
      signatureAlgorithmProblem(certificate) ??
      (index === 0 ? leafProblem(certificate) : caProblem(certificate, index - 1))
    if (problem) throw new EnvelopeError('certificate', `${named(certificate, index)} ${problem}`)
  })
}

function signatureAlgorithmProblem(certificate: ChainCertificate): string | undefined {
  const oid = certificate.x509.signatureAlgorithmOid
  return SOUND_SIGNATURE_ALGORITHMS.has(oid)
    ? undefined
    : `is signed with ${certificate.x509.signatureAlgorithm ?? oid}, which is not accepted`
}

function leafProblem(certificate: ChainCertificate): string | undefined {
  const { basicConstraints, keyUsage } = certificate.parts
  if (basicConstraints?.ca)
    return 'is a CA (basicConstraints cA is true), not a signing certificate'
  const usageProblem = criticalKeyUsageProblem(keyUsage)
  if (usageProblem) return usageProblem
  if (!keyUsage?.usages.includes('digitalSignature')) {
    return 'has a keyUsage without digitalSignature'
  }
  const forbidden = keyUsage.usages.filter(usage => LEAF_FORBIDDEN_USAGES.includes(usage))
  if (forbidden.length > 0)
    return `has keyUsage ${forbidden.join(', ')}, which signing does not use`
  const extended = (certificate.x509.keyUsage ?? [])
    .map(oid => FORBIDDEN_EXTENDED_USAGES[oid])
    .filter(name => name !== undefined)
  if (extended.length > 0) return `has extended key usage ${extended.join(', ')}`
  return undefined
}

function caProblem(certificate: ChainCertificate, casBelow: number): string | undefined {
  const { basicConstraints, keyUsage } = certificate.parts
  if (!basicConstraints?.ca) return 'issues a certificate but is not a CA (basicConstraints cA)'
  const { pathLength } = basicConstraints
  if (pathLength !== undefined && pathLength < casBelow) {
    return `allows ${pathLength} CA certificates below it, but ${casBelow} follow`
  }
  const usageProblem = criticalKeyUsageProblem(keyUsage)
  if (usageProblem) return usageProblem
  if (!keyUsage?.usages.includes('keyCertSign')) return 'has a keyUsage without keyCertSign'
  return undefined
}

function criticalKeyUsageProblem(keyUsage: CertificateParts['keyUsage']): string | undefined {
  if (!keyUsage) return 'has no keyUsage extension'
  if (!keyUsage.critical) return 'has a keyUsage extension that is not marked critical'
  return undefined
}

/**
 * Each certificate is issued (names match, and node's key identifier and key usage checks) and
 * signed by the next; no certificate before the last is self-signed; the last is a self-signed
 * root. A single certificate is its own root (a signing certificate without keyCertSign, so
 * self-signed means what notation-core-go checks: its subject is its issuer, its key signed it).
 */
export function checkIssuance(chain: readonly ChainCertificate[]): void {
  const last = chain.length - 1
  chain.forEach((certificate, index) => {
    const selfSigned = isSelfSigned(certificate.x509)
    if (index === last) {
      if (!selfSigned) {
        throw new EnvelopeError(
          'chain',
          `the chain ends at ${named(certificate, index)}, which is not a self-signed root`
        )
      }
      return
    }
    if (selfSigned) {
      throw new EnvelopeError(
        'chain',
        `${named(certificate, index)} is self-signed, but only the last certificate may be`
      )
    }
    const next = chain[index + 1]
    if (next && !issuedBy(certificate.x509, next.x509)) {
      throw new EnvelopeError(
        'chain',
        `${named(certificate, index)} is not issued and signed by ${named(next, index + 1)}`
      )
    }
  })
}

function isSelfSigned(certificate: X509Certificate): boolean {
  return (
    certificate.subject === certificate.issuer && verifiesWith(certificate, certificate.publicKey)
  )
}

function issuedBy(subject: X509Certificate, issuer: X509Certificate): boolean {
  return subject.checkIssued(issuer) && verifiesWith(subject, issuer.publicKey)
}

function verifiesWith(certificate: X509Certificate, key: KeyObject): boolean {
  try {
    return certificate.verify(key)
  } catch {
    return false
  }
}

/** The chain's last certificate is one of the pinned roots, by the SHA-256 of its DER. */
export function checkPinnedRoot(
  chain: readonly ChainCertificate[],
  trustedRootSha256: readonly string[]
): void {
  const index = chain.length - 1
  const root = chain[index]
  if (!root) throw new EnvelopeError('x5c', 'header.x5c holds no certificate')
  const fingerprint = sha256Hex(root.der)
  if (!trustedRootSha256.includes(fingerprint)) {
    throw new EnvelopeError(
      'trustedRoot',
      `the chain ends at ${named(root, index)}, SHA-256 ${fingerprint}, which is not a trusted root (trusted: ${trustedRootSha256.join(', ')})`
    )
  }
}

/**
 * Every certificate is valid at `time` (from notBefore to notAfter, both included; the spec does
 * not ask validity periods to nest). `when` says which time it is, for the message.
 */
export function checkValidity(chain: readonly ChainCertificate[], time: Date, when: string): void {
  chain.forEach((certificate, index) => {
    const { validFromDate: from, validToDate: to } = certificate.x509
    if (time < from || time > to) {
      throw new EnvelopeError(
        'validity',
        `${named(certificate, index)} is valid from ${from.toISOString()} to ${to.toISOString()}, not at ${time.toISOString()} (${when})`
      )
    }
  })
}

/** 'certificate 1 ('CN=…')', the subject escaped. */
function named(certificate: ChainCertificate, index: number): string {
  return `certificate ${index} (${quotedName(certificate.x509.subject)})`
}
