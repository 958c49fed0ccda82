// @peculiar/x509 resolves its parts through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata'
import { webcrypto } from 'node:crypto'
import * as x509 from '@peculiar/x509'

/**
 * A private CA and a server certificate it issued for some host names: what a registry behind a
 * company's own CA serves. The child trusts `caPem` through NODE_EXTRA_CA_CERTS, as a user with
 * such a CA does; nothing else trusts it.
 */
export interface ServerCertificate {
  /** The CA's certificate, PEM: the file NODE_EXTRA_CA_CERTS names. */
  caPem: string
  /** The server's certificate and its private key (PKCS#8), PEM, for https.createServer. */
  certPem: string
  keyPem: string
}

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' }
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' }
const ORGANISATION = 'O=AWS Signer action test rig (not a real CA)'
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1'
const HOUR_MS = 3_600_000

export async function createServerCertificate(hostNames: string[]): Promise<ServerCertificate> {
  const [caKeys, serverKeys] = await Promise.all(
    [0, 1].map(() => webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']))
  )
  if (!caKeys || !serverKeys) throw new Error('no keys')
  const notBefore = new Date(Date.now() - HOUR_MS)
  const notAfter = new Date(Date.now() + 24 * HOUR_MS)
  const caName = `CN=Test registry CA, ${ORGANISATION}`
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: caName,
    keys: caKeys,
    notBefore,
    notAfter,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey)
    ]
  })
  const server = await x509.X509CertificateGenerator.create({
    subject: `CN=${hostNames[0] ?? 'registry'}, ${ORGANISATION}`,
    issuer: caName,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    notBefore,
    notAfter,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([SERVER_AUTH]),
      new x509.SubjectAlternativeNameExtension(
        hostNames.map(name => ({ type: 'dns', value: name }))
      ),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey)
    ]
  })
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', serverKeys.privateKey)
  return {
    caPem: ca.toString('pem'),
    certPem: server.toString('pem'),
    keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY')
  }
}
