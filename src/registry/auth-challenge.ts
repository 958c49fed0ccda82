/**
 * The `WWW-Authenticate` header of a registry's 401 (RFC 9110 §11.6.1): one or more challenges,
 * `Basic realm="…"` or `Bearer realm="…",service="…",scope="…"`.
 */

export interface Challenge {
  /** Lower case: 'basic', 'bearer'. */
  scheme: string
  /** Parameter names in lower case; quoted values unescaped. */
  params: Record<string, string>
}

const HEADER_LIMIT = 8 * 1024
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/

/** Every challenge in the header, in order; what cannot be parsed ends the list. */
export function parseChallenges(header: string): Challenge[] {
  const text = header.slice(0, HEADER_LIMIT)
  const challenges: Challenge[] = []
  let at = 0
  const skip = (pattern: RegExp) => {
    const match = pattern.exec(text.slice(at))
    if (match) at += match[0].length
    return match?.[0]
  }
  while (at < text.length) {
    skip(/^[\s,]*/)
    const scheme = skip(TOKEN)
    if (!scheme) break
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: Object.create(null) }
    challenges.push(challenge)
    for (;;) {
      const before = at
      skip(/^[\s,]*/)
      const name = skip(TOKEN)
      if (!name || !skip(/^\s*=\s*/)) {
        // Not a parameter: the next challenge's scheme (or a token68, which registries do not use).
        at = before
        break
      }
      const value = text[at] === '"' ? quoted() : (skip(TOKEN) ?? '')
      challenge.params[name.toLowerCase()] = value
    }
    if (at >= text.length || !/^[\s,]*[!#$%&'*+.^_`|~0-9A-Za-z-]/.test(text.slice(at))) break
  }
  return challenges

  function quoted(): string {
    let value = ''
    for (at++; at < text.length; at++) {
      const character = text[at]!
      if (character === '"') {
        at++
        return value
      }
      if (character === '\\' && at + 1 < text.length) at++
      value += text[at]
    }
    return value
  }
}

/** The challenge to answer: Bearer when offered (it scopes the credentials), else Basic. */
export function chosenChallenge(header: string | null): Challenge | undefined {
  const challenges = parseChallenges(header ?? '')
  return (
    challenges.find(challenge => challenge.scheme === 'bearer' && challenge.params.realm) ??
    challenges.find(challenge => challenge.scheme === 'basic')
  )
}
