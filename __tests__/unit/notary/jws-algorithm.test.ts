import { constants, generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import { describe, expect, it } from '@jest/globals'
import {
  describeKey,
  isJwsAlgorithm,
  JWS_ALGORITHMS,
  jwsSignatureVerifies,
  jwsSignatureVerifiesConcurrently,
  keyFits,
  requiredKey,
  type JwsAlgorithm
} from '../../../src/notary/jws-algorithm.js'

const INPUT = Buffer.from('eyJhbGciOiJFUzI1NiJ9.eyJ0YXJnZXRBcnRpZmFjdCI6e319', 'ascii')

const ec = (namedCurve: string) => generateKeyPairSync('ec', { namedCurve })
const rsa = (modulusLength: number) => generateKeyPairSync('rsa', { modulusLength })
const KEYS: Record<JwsAlgorithm, { publicKey: KeyObject; privateKey: KeyObject }> = {
  PS256: rsa(2048),
  PS384: rsa(3072),
  PS512: rsa(4096),
  ES256: ec('prime256v1'),
  ES384: ec('secp384r1'),
  ES512: ec('secp521r1')
}
const HASH = { 256: 'sha256', 384: 'sha384', 512: 'sha512' } as const

/** The signature as RFC 7518 defines it, made with node directly. */
function signed(alg: JwsAlgorithm, saltLength = Number(alg.slice(2)) / 8): Buffer {
  const hash = HASH[Number(alg.slice(2)) as 256 | 384 | 512]
  const key = KEYS[alg].privateKey
  return alg.startsWith('PS')
    ? sign(hash, INPUT, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength })
    : sign(hash, INPUT, { key, dsaEncoding: 'ieee-p1363' })
}

describe('the Notary Project’s JWS algorithms', () => {
  it('are the six the signature specification lists', () => {
    expect(JWS_ALGORITHMS).toEqual(['PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'])
    expect(isJwsAlgorithm('ES384')).toBe(true)
    expect(isJwsAlgorithm('RS256')).toBe(false)
    expect(isJwsAlgorithm('none')).toBe(false)
    expect(isJwsAlgorithm('toString')).toBe(false)
  })

  it.each(JWS_ALGORITHMS.map(alg => [alg]))('%s verifies with its key, and fits no other', alg => {
    const publicKey = KEYS[alg].publicKey
    expect(jwsSignatureVerifies(alg, publicKey, INPUT, signed(alg))).toBe(true)
    expect(keyFits(alg, publicKey)).toBe(true)
    for (const other of JWS_ALGORITHMS.filter(name => name !== alg)) {
      expect(keyFits(other, publicKey)).toBe(false)
      expect(jwsSignatureVerifies(other, publicKey, INPUT, signed(alg))).toBe(false)
    }
  })

  it('a changed input or signature does not verify', () => {
    const signature = signed('PS384')
    expect(jwsSignatureVerifies('PS384', KEYS.PS384.publicKey, Buffer.from('x'), signature)).toBe(
      false
    )
    signature[0] = (signature[0] ?? 0) ^ 1
    expect(jwsSignatureVerifies('PS384', KEYS.PS384.publicKey, INPUT, signature)).toBe(false)
  })

  it('PSS with a salt other than the hash’s length does not verify (RFC 7518 3.5)', () => {
    expect(jwsSignatureVerifies('PS256', KEYS.PS256.publicKey, INPUT, signed('PS256', 20))).toBe(
      false
    )
  })

  it('ECDSA in DER form, not IEEE P1363, does not verify', () => {
    const der = sign('sha384', INPUT, KEYS.ES384.privateKey)
    expect(jwsSignatureVerifies('ES384', KEYS.ES384.publicKey, INPUT, der)).toBe(false)
  })

  it('verifies the same on the thread pool: each case above, with the same answer', async () => {
    type Case = [JwsAlgorithm, KeyObject, Buffer, Buffer]
    const cases: Case[] = [
      ...JWS_ALGORITHMS.map((alg): Case => [alg, KEYS[alg].publicKey, INPUT, signed(alg)]),
      ['ES384', KEYS.ES256.publicKey, INPUT, signed('ES256')],
      ['ES384', KEYS.ES384.publicKey, Buffer.from('x'), signed('ES384')],
      ['ES384', KEYS.ES384.publicKey, INPUT, sign('sha384', INPUT, KEYS.ES384.privateKey)],
      ['ES384', KEYS.ES384.publicKey, INPUT, Buffer.alloc(0)],
      ['PS256', KEYS.PS256.publicKey, INPUT, signed('PS256', 20)]
    ]
    const answers = await Promise.all(cases.map(args => jwsSignatureVerifiesConcurrently(...args)))
    expect(answers).toEqual(cases.map(args => jwsSignatureVerifies(...args)))
    expect(answers).toEqual([true, true, true, true, true, true, false, false, false, false, false])
  })

  it('names keys for messages', () => {
    expect(requiredKey('PS384')).toBe('an RSA 3072-bit key')
    expect(requiredKey('ES512')).toBe('a P-521 key')
    expect(describeKey(KEYS.PS256.publicKey)).toBe('an RSA 2048-bit key')
    expect(describeKey(KEYS.ES256.publicKey)).toBe('an EC key on prime256v1')
    expect(describeKey(generateKeyPairSync('ed25519').publicKey)).toBe('a key of type ed25519')
  })
})
