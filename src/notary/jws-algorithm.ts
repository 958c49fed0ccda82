import { constants, verify, type KeyObject } from 'node:crypto'

/**
 * The JWS algorithms a Notary Project signature may use, each tied to the one signing key that
 * selects it (signature-specification.md, "Algorithm Selection"; signature-envelope-jws.md: the
 * verifier must match `alg` with the signing key, against algorithm substitution). AWS Signer's
 * Notation platform signs ES384; the others are for envelopes other signers make.
 */
export type JwsAlgorithm = 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512'

interface AlgorithmSpec {
  hash: 'sha256' | 'sha384' | 'sha512'
  keyType: 'rsa' | 'ec'
  /** RSA modulus length in bits, or the EC curve as node names it. */
  size: number | string
  /** The key, as a message names it. */
  key: string
}

const SPECS: Readonly<Record<JwsAlgorithm, AlgorithmSpec>> = {
  PS256: { hash: 'sha256', keyType: 'rsa', size: 2048, key: 'an RSA 2048-bit key' },
  PS384: { hash: 'sha384', keyType: 'rsa', size: 3072, key: 'an RSA 3072-bit key' },
  PS512: { hash: 'sha512', keyType: 'rsa', size: 4096, key: 'an RSA 4096-bit key' },
  ES256: { hash: 'sha256', keyType: 'ec', size: 'prime256v1', key: 'a P-256 key' },
  ES384: { hash: 'sha384', keyType: 'ec', size: 'secp384r1', key: 'a P-384 key' },
  ES512: { hash: 'sha512', keyType: 'ec', size: 'secp521r1', key: 'a P-521 key' }
}

export const JWS_ALGORITHMS = Object.keys(SPECS) as readonly JwsAlgorithm[]

export function isJwsAlgorithm(value: unknown): value is JwsAlgorithm {
  return typeof value === 'string' && Object.hasOwn(SPECS, value)
}

/** The key `alg` needs, as a message says it ('a P-384 key'). */
export function requiredKey(alg: JwsAlgorithm): string {
  return SPECS[alg].key
}

/** Whether `key` is the key that selects `alg`: its type, and its modulus length or curve. */
export function keyFits(alg: JwsAlgorithm, key: KeyObject): boolean {
  const spec = SPECS[alg]
  const details = key.asymmetricKeyDetails
  const size = spec.keyType === 'rsa' ? details?.modulusLength : details?.namedCurve
  return key.asymmetricKeyType === spec.keyType && size === spec.size
}

/** A key as a message names it: 'an RSA 2048-bit key', 'an EC key on prime256v1'. */
export function describeKey(key: KeyObject): string {
  const details = key.asymmetricKeyDetails
  if (key.asymmetricKeyType === 'rsa') return `an RSA ${details?.modulusLength ?? '?'}-bit key`
  if (key.asymmetricKeyType === 'ec') return `an EC key on ${details?.namedCurve ?? '?'}`
  return `a key of type ${key.asymmetricKeyType ?? 'unknown'}`
}

/**
 * Whether `signature` is `alg`'s signature of `signingInput` under `key` (RFC 7518 section 3):
 * RSASSA-PSS with MGF1 over the same hash and a salt as long as the hash; ECDSA with r and s as two
 * fixed-size integers (IEEE P1363), not DER. A signature of the wrong form does not verify.
 */
export function jwsSignatureVerifies(
  alg: JwsAlgorithm,
  key: KeyObject,
  signingInput: Buffer,
  signature: Buffer
): boolean {
  try {
    return verify(SPECS[alg].hash, signingInput, verifyOptions(alg, key), signature)
  } catch {
    return false
  }
}

/** jwsSignatureVerifies on libuv's thread pool, off the event loop. */
export function jwsSignatureVerifiesConcurrently(
  alg: JwsAlgorithm,
  key: KeyObject,
  signingInput: Buffer,
  signature: Buffer
): Promise<boolean> {
  return new Promise(resolve => {
    try {
      verify(SPECS[alg].hash, signingInput, verifyOptions(alg, key), signature, (error, valid) =>
        resolve(!error && valid)
      )
    } catch {
      resolve(false)
    }
  })
}

function verifyOptions(alg: JwsAlgorithm, key: KeyObject) {
  return SPECS[alg].keyType === 'rsa'
    ? {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST
      }
    : { key, dsaEncoding: 'ieee-p1363' as const }
}
