import { writeEnvelope, type EnvelopeDraft } from '../../rig/signer-payload.js'

/** A flattened JWS as JSON, for changing after signing. */
export type JwsJson = Record<string, unknown> & { header: { x5c: string[] } }

/** A draft whose protected header has these members set, or removed when undefined. */
export function withHeader(changes: Record<string, unknown>) {
  return (d: EnvelopeDraft): EnvelopeDraft => {
    const header = { ...d.protectedHeader, ...changes }
    for (const [name, value] of Object.entries(changes))
      if (value === undefined) delete header[name]
    return { ...d, protectedHeader: header }
  }
}

/** A draft without these headers, neither in the protected header nor in crit. */
export function withoutHeaders(...names: string[]) {
  return (d: EnvelopeDraft): EnvelopeDraft => {
    const crit = (d.protectedHeader.crit as string[]).filter(name => !names.includes(name))
    return withHeader({ crit, ...Object.fromEntries(names.map(name => [name, undefined])) })(d)
  }
}

/** The written envelope's JSON, changed after signing. */
export function afterSigning(change: (jws: JwsJson) => void) {
  return (d: EnvelopeDraft): Buffer => changedJws(writeEnvelope(d), change)
}

/** An envelope's JSON, changed (its signature is left as it was). */
export function changedJws(bytes: Uint8Array, change: (jws: JwsJson) => void): Buffer {
  const jws = JSON.parse(Buffer.from(bytes).toString()) as JwsJson
  change(jws)
  return Buffer.from(JSON.stringify(jws))
}

/** The protected header of a JWS in JSON form, decoded. */
export function protectedHeaderOf(jws: JwsJson): Record<string, unknown> {
  return JSON.parse(Buffer.from(jws.protected as string, 'base64url').toString()) as Record<
    string,
    unknown
  >
}

/** Sets a JWS's protected header (the signature no longer covers it). */
export function setProtectedHeader(jws: JwsJson, header: Record<string, unknown>): void {
  jws.protected = Buffer.from(JSON.stringify(header)).toString('base64url')
}
