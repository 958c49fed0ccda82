/**
 * The parts of a DER X.509 certificate (RFC 5280 section 4.1) that node's X509Certificate does not
 * expose: the TBSCertificate bytes, which GetRevocationStatus hashes, and the basicConstraints and
 * keyUsage extensions with their criticality, which the Notary Project's certificate requirements
 * read. Node has parsed the certificate already; this walks the same bytes and throws on anything
 * a certificate does not hold.
 */

/** keyUsage's named bits, in order (RFC 5280 section 4.2.1.3). */
export const KEY_USAGES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly'
] as const
export type KeyUsage = (typeof KEY_USAGES)[number]

export interface CertificateParts {
  /** The DER of the TBSCertificate, tag and length included. */
  tbs: Buffer
  basicConstraints?: { critical: boolean; ca: boolean; pathLength?: number }
  keyUsage?: { critical: boolean; usages: KeyUsage[] }
}

const SEQUENCE = 0x30
const BOOLEAN = 0x01
const INTEGER = 0x02
const BIT_STRING = 0x03
const OCTET_STRING = 0x04
const OID = 0x06
const EXTENSIONS = 0xa3 // [3] EXPLICIT
// The DER content of the object identifiers 2.5.29.19 and 2.5.29.15.
const BASIC_CONSTRAINTS_OID = '551d13'
const KEY_USAGE_OID = '551d0f'

interface Element {
  tag: number
  start: number
  contentStart: number
  end: number
}

/** Reads a DER certificate's TBSCertificate and the extensions above; throws if it cannot. */
export function readCertificateParts(der: Buffer): CertificateParts {
  const certificate = expectTag(element(der, 0, der.length), SEQUENCE, 'the certificate')
  if (certificate.end !== der.length) throw new Error('bytes follow the certificate')
  const [tbsElement] = children(der, certificate)
  if (!tbsElement) throw new Error('the certificate is empty')
  const tbs = expectTag(tbsElement, SEQUENCE, 'the TBSCertificate')
  const parts: CertificateParts = { tbs: der.subarray(tbs.start, tbs.end) }
  const wrapper = children(der, tbs).find(child => child.tag === EXTENSIONS)
  if (!wrapper) return parts
  const list = children(der, wrapper)
  if (list.length !== 1 || !list[0]) throw new Error('the extensions are not one SEQUENCE')
  const seen = new Set<string>()
  for (const extension of children(der, expectTag(list[0], SEQUENCE, 'the extensions'))) {
    const fields = children(der, expectTag(extension, SEQUENCE, 'an extension'))
    const [id, second, third] = fields
    if (!id || !second || fields.length > 3) throw new Error('an extension is malformed')
    const oid = content(der, expectTag(id, OID, "an extension's identifier")).toString('hex')
    if (seen.has(oid)) throw new Error('an extension appears twice')
    seen.add(oid)
    const critical = third ? readBoolean(der, second) : false
    const value = expectTag(third ?? second, OCTET_STRING, "an extension's value")
    if (oid === BASIC_CONSTRAINTS_OID) {
      parts.basicConstraints = { critical, ...readBasicConstraints(der, value) }
    } else if (oid === KEY_USAGE_OID) {
      parts.keyUsage = { critical, usages: readKeyUsage(der, value) }
    }
  }
  return parts
}

// BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }
function readBasicConstraints(der: Buffer, value: Element): { ca: boolean; pathLength?: number } {
  const inner = expectTag(element(der, value.contentStart, value.end), SEQUENCE, 'basicConstraints')
  if (inner.end !== value.end) throw new Error('bytes follow basicConstraints')
  let ca = false
  let pathLength: number | undefined
  for (const field of children(der, inner)) {
    if (field.tag === BOOLEAN && pathLength === undefined) ca = readBoolean(der, field)
    else if (field.tag === INTEGER && pathLength === undefined)
      pathLength = readSmallInteger(der, field)
    else throw new Error('basicConstraints is malformed')
  }
  return pathLength === undefined ? { ca } : { ca, pathLength }
}

// KeyUsage ::= BIT STRING: the first content byte counts the unused bits of the last one.
function readKeyUsage(der: Buffer, value: Element): KeyUsage[] {
  const bits = expectTag(element(der, value.contentStart, value.end), BIT_STRING, 'keyUsage')
  if (bits.end !== value.end) throw new Error('bytes follow keyUsage')
  const bytes = content(der, bits)
  if (bytes.length === 0) throw new Error('keyUsage is empty')
  return KEY_USAGES.filter((_, bit) => {
    const byte = 1 + (bit >> 3)
    return byte < bytes.length && (bytes.readUInt8(byte) & (0x80 >> (bit & 7))) !== 0
  })
}

function readBoolean(der: Buffer, field: Element): boolean {
  const bytes = content(der, expectTag(field, BOOLEAN, 'a BOOLEAN'))
  if (bytes.length !== 1) throw new Error('a BOOLEAN is not one byte')
  return bytes.readUInt8(0) !== 0
}

/** A non-negative INTEGER of at most four bytes (a path length). */
function readSmallInteger(der: Buffer, field: Element): number {
  const bytes = content(der, field)
  if (bytes.length === 0 || bytes.length > 4 || (bytes.readUInt8(0) & 0x80) !== 0) {
    throw new Error('a path length is not a small non-negative INTEGER')
  }
  return bytes.readUIntBE(0, bytes.length)
}

/** The element that starts at `offset`, which must end by `limit`. */
function element(der: Buffer, offset: number, limit: number): Element {
  if (offset + 2 > limit) throw new Error('the DER is truncated')
  const tag = der.readUInt8(offset)
  if ((tag & 0x1f) === 0x1f) throw new Error('a tag is in the high-tag-number form')
  const first = der.readUInt8(offset + 1)
  let contentStart = offset + 2
  let length = first
  if (first & 0x80) {
    const count = first & 0x7f
    // 0x80 is BER's indefinite length; DER lengths of certificates fit in 4 bytes.
    if (count === 0 || count > 4 || contentStart + count > limit) {
      throw new Error('a length is not in DER form')
    }
    length = der.readUIntBE(contentStart, count)
    contentStart += count
  }
  const end = contentStart + length
  if (end > limit) throw new Error('the DER is truncated')
  return { tag, start: offset, contentStart, end }
}

function children(der: Buffer, parent: Element): Element[] {
  const found: Element[] = []
  for (let offset = parent.contentStart; offset < parent.end;) {
    const child = element(der, offset, parent.end)
    found.push(child)
    offset = child.end
  }
  return found
}

function content(der: Buffer, of: Element): Buffer {
  return der.subarray(of.contentStart, of.end)
}

function expectTag(found: Element, tag: number, what: string): Element {
  if (found.tag !== tag) throw new Error(`${what} has tag 0x${found.tag.toString(16)}`)
  return found
}
