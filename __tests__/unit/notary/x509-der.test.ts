import { describe, expect, it } from '@jest/globals'
import { readCertificateParts } from '../../../src/notary/x509-der.js'
import { createCertificateChain } from '../../rig/certificate-chain.js'

describe('readCertificateParts', () => {
  it('reads the rig’s chain: TBSCertificate, basicConstraints and keyUsage', async () => {
    const chain = await createCertificateChain()
    const [leaf, regional, intermediate, root] = chain.certificates.map(readCertificateParts)
    expect(leaf).toEqual({
      // Long form lengths of two bytes: 30 82 LL LL 30 82 TT TT.
      tbs: chain.leaf.der.subarray(4, 8 + chain.leaf.der.readUInt16BE(6)),
      basicConstraints: { critical: true, ca: false },
      keyUsage: { critical: true, usages: ['digitalSignature'] }
    })
    expect(regional?.basicConstraints).toEqual({ critical: true, ca: true, pathLength: 0 })
    expect(intermediate?.basicConstraints).toEqual({ critical: true, ca: true, pathLength: 1 })
    expect(root?.basicConstraints).toEqual({ critical: true, ca: true })
    expect(root?.keyUsage).toEqual({ critical: true, usages: ['keyCertSign', 'cRLSign'] })
  })

  it('reads keyUsage bits in the second byte (decipherOnly)', () => {
    // SEQUENCE { SEQUENCE { [3] { SEQUENCE { SEQUENCE { OID 2.5.29.15, OCTET STRING { BIT STRING 07 80 80 } } } } } }
    const keyUsage = Buffer.from('0603551d0f' + '0405' + '0303078080', 'hex')
    const extension = Buffer.concat([Buffer.from([0x30, keyUsage.length]), keyUsage])
    const extensions = Buffer.concat([Buffer.from([0x30, extension.length]), extension])
    const wrapper = Buffer.concat([Buffer.from([0xa3, extensions.length]), extensions])
    const tbs = Buffer.concat([Buffer.from([0x30, wrapper.length]), wrapper])
    const certificate = Buffer.concat([Buffer.from([0x30, tbs.length]), tbs])
    expect(readCertificateParts(certificate)).toEqual({
      tbs,
      keyUsage: { critical: false, usages: ['digitalSignature', 'decipherOnly'] }
    })
  })

  it.each([
    ['empty', ''],
    ['not a SEQUENCE', '0400'],
    ['truncated', '30053003'],
    ['followed by other bytes', '3002300000'],
    ['an indefinite length', '30803000'],
    ['a length of five bytes', '308500000000023000'],
    ['a high tag number', '1f0100']
  ])('throws for DER that is %s', (_, hex) => {
    expect(() => readCertificateParts(Buffer.from(hex, 'hex'))).toThrow()
  })

  it('throws for an extension that appears twice', () => {
    const keyUsage = Buffer.from('300b0603551d0f' + '0404' + '03020780', 'hex')
    const extensions = Buffer.concat([Buffer.from([0x30, 2 * keyUsage.length]), keyUsage, keyUsage])
    const wrapper = Buffer.concat([Buffer.from([0xa3, extensions.length]), extensions])
    const tbs = Buffer.concat([Buffer.from([0x30, wrapper.length]), wrapper])
    const certificate = Buffer.concat([Buffer.from([0x30, tbs.length]), tbs])
    expect(() => readCertificateParts(certificate)).toThrow('an extension appears twice')
  })
})
