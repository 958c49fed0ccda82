// @peculiar/x509 resolves its parts through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata'
import { createHash, KeyObject, webcrypto } from 'node:crypto'
import * as x509 from '@peculiar/x509'

/**
 * The local Signer's certificate chain for Notation signatures, shaped like AWS Signer's: a root
 * ("AWS Signer Code Signing Root CA G1"), an intermediate ("... Int CA G1"), a regional CA ("AWS
 * Signer <region> Code Signing CA G1") and a short-lived leaf ("AWS Signer"), all P-384 and signed
 * ECDSA-SHA384, with the extensions the Notary Project requires of code-signing chains. The
 * organisation says it is the rig's, so no one takes a certificate for AWS's.
 */

export interface RigCertificate {
  /** DER, as x5c carries it. */
  der: Buffer
  /** Lowercase hex SHA-256 of the DER: the thumbprint notation and the manifest use. */
  sha256: string
  subject: string
  notBefore: Date
  notAfter: Date
}

export interface CertificateChain {
  leaf: RigCertificate
  regional: RigCertificate
  intermediate: RigCertificate
  root: RigCertificate
  /** Leaf first, root last: the order of x5c. */
  certificates: Buffer[]
  /** The leaf's private key, which signs envelopes. */
  signingKey: KeyObject
}

export interface ChainOptions {
  region?: string
  /** When the chain is made; every certificate is valid then. */
  now?: Date
  /** How long the leaf lives; AWS's leaves live about three days. */
  leafLifetimeMs?: number
}

const HOUR_MS = 3_600_000
const DAY_MS = 24 * HOUR_MS
const YEAR_MS = 365 * DAY_MS
export const LEAF_LIFETIME_MS = 3 * DAY_MS

const EC_P384 = { name: 'ECDSA', namedCurve: 'P-384' }
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-384' }
const ORGANISATION = 'OU=Cryptography, O=AWS Signer local test rig (not AWS), ST=WA, C=US'
const CODE_SIGNING = '1.3.6.1.5.5.7.3.3'

export async function createCertificateChain(
  options: ChainOptions = {}
): Promise<CertificateChain> {
  const now = options.now ?? new Date()
  const region = options.region ?? 'us-east-1'
  const [rootKeys, intermediateKeys, regionalKeys, leafKeys] = await Promise.all(
    [0, 1, 2, 3].map(() => webcrypto.subtle.generateKey(EC_P384, true, ['sign', 'verify']))
  )
  if (!rootKeys || !intermediateKeys || !regionalKeys || !leafKeys) throw new Error('no keys')
  const from = (earlierMs: number) => new Date(now.getTime() - earlierMs)
  const until = (laterMs: number) => new Date(now.getTime() + laterMs)

  const rootName = `CN=AWS Signer Code Signing Root CA G1, ${ORGANISATION}`
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    name: rootName,
    keys: rootKeys,
    notBefore: from(DAY_MS),
    notAfter: until(100 * YEAR_MS),
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: await caExtensions(rootKeys.publicKey, rootKeys.publicKey)
  })
  const intermediateName = `CN=AWS Signer Code Signing Int CA G1, ${ORGANISATION}`
  const intermediate = await issue({
    subject: intermediateName,
    issuer: rootName,
    keys: intermediateKeys,
    issuerKeys: rootKeys,
    notBefore: from(DAY_MS),
    notAfter: until(5 * YEAR_MS),
    extensions: await caExtensions(intermediateKeys.publicKey, rootKeys.publicKey, 1)
  })
  const regionalName = `CN=AWS Signer ${region} Code Signing CA G1, ${ORGANISATION}`
  const regional = await issue({
    subject: regionalName,
    issuer: intermediateName,
    keys: regionalKeys,
    issuerKeys: intermediateKeys,
    notBefore: from(DAY_MS),
    notAfter: until(YEAR_MS),
    extensions: await caExtensions(regionalKeys.publicKey, intermediateKeys.publicKey, 0)
  })
  const leaf = await issue({
    subject: `CN=AWS Signer, OU=AWS Cryptography, O=AWS Signer local test rig (not AWS), L=Seattle, ST=WA, C=US`,
    issuer: regionalName,
    keys: leafKeys,
    issuerKeys: regionalKeys,
    notBefore: from(HOUR_MS),
    notAfter: until(options.leafLifetimeMs ?? LEAF_LIFETIME_MS),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([CODE_SIGNING]),
      await x509.SubjectKeyIdentifierExtension.create(leafKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(regionalKeys.publicKey)
    ]
  })
  const chain = [leaf, regional, intermediate, root].map(described)
  const [leafCertificate, regionalCertificate, intermediateCertificate, rootCertificate] = chain
  if (!leafCertificate || !regionalCertificate || !intermediateCertificate || !rootCertificate) {
    throw new Error('incomplete chain')
  }
  return {
    leaf: leafCertificate,
    regional: regionalCertificate,
    intermediate: intermediateCertificate,
    root: rootCertificate,
    certificates: chain.map(certificate => certificate.der),
    signingKey: KeyObject.from(leafKeys.privateKey)
  }
}

async function caExtensions(
  publicKey: webcrypto.CryptoKey,
  issuerKey: webcrypto.CryptoKey,
  pathLength?: number
): Promise<x509.Extension[]> {
  return [
    new x509.BasicConstraintsExtension(true, pathLength, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(issuerKey)
  ]
}

async function issue(spec: {
  subject: string
  issuer: string
  keys: webcrypto.CryptoKeyPair
  issuerKeys: webcrypto.CryptoKeyPair
  notBefore: Date
  notAfter: Date
  extensions: x509.Extension[]
}): Promise<x509.X509Certificate> {
  return x509.X509CertificateGenerator.create({
    subject: spec.subject,
    issuer: spec.issuer,
    publicKey: spec.keys.publicKey,
    signingKey: spec.issuerKeys.privateKey,
    notBefore: spec.notBefore,
    notAfter: spec.notAfter,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: spec.extensions
  })
}

function described(certificate: x509.X509Certificate): RigCertificate {
  const der = Buffer.from(certificate.rawData)
  return {
    der,
    sha256: createHash('sha256').update(der).digest('hex'),
    subject: certificate.subject,
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter
  }
}
