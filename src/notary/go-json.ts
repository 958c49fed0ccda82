/**
 * JSON as Go's encoding/json writes it, which is how notation-go writes the payload and oras-go
 * the signature manifest: compact, and `<`, `>`, `&`, U+2028 and U+2029 escaped as `\uXXXX`. Keys
 * keep the order they are given in (Go writes a struct's fields in declaration order and a map's
 * keys sorted; callers build objects in that order).
 */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    character => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`
  )
}
