/**
 * The `Link` header (RFC 8288) by which a registry pages a listing, `<url>; rel="next"`, and
 * whether its next page may be read. The header is untrusted text: it is parsed strictly, and a
 * next page is read only where the registry's credentials may go and the same listing goes on.
 */
export interface Link {
  /** The URI reference between `<` and `>`, unresolved. */
  target: string
  /** The relation types of its first `rel` parameter, in lower case. */
  rel: string[]
}

/** The next page of a listing, or why it is not read; undefined on the last page. */
export type NextPage = { url: URL } | { refused: string } | undefined

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+"
const LINK_TARGET = /[ \t]*<([^<>]*)>/y
const PARAMETER = new RegExp(
  `[ \\t]*;[ \\t]*(${TOKEN})(?:[ \\t]*=[ \\t]*(?:"((?:[^"\\\\]|\\\\.)*)"|(${TOKEN})))?`,
  'y'
)
const LINK_END = /[ \t]*(?:,|$)/y
/** A list may hold empty elements (`<a>, , <b>`). */
const EMPTY_ELEMENTS = /[ \t,]*/y

/**
 * Every link of a Link header, in order: several links separated by commas, parameters in any
 * order, values quoted or not. Undefined when the header is not written as RFC 8288 writes it.
 */
export function parseLinks(header: string): Link[] | undefined {
  const links: Link[] = []
  let at = 0
  const take = (pattern: RegExp): RegExpExecArray | null => {
    pattern.lastIndex = at
    const found = pattern.exec(header)
    if (found) at = pattern.lastIndex
    return found
  }
  for (take(EMPTY_ELEMENTS); at < header.length; take(EMPTY_ELEMENTS)) {
    const target = take(LINK_TARGET)?.[1]
    if (target === undefined) return undefined
    let rel: string[] | undefined
    for (let parameter = take(PARAMETER); parameter; parameter = take(PARAMETER)) {
      const [, name, quoted, token] = parameter
      // RFC 8288: a second rel is ignored.
      if (name?.toLowerCase() === 'rel' && rel === undefined) {
        const value = quoted?.replace(/\\(.)/g, '$1') ?? token ?? ''
        rel = value
          .toLowerCase()
          .split(/[ \t]+/)
          .filter(Boolean)
      }
    }
    if (!take(LINK_END)) return undefined
    links.push({ target, rel: rel ?? [] })
  }
  return links
}

/**
 * The page a Link header names as next, resolved against the page that carried it, if it may be
 * read: on the registry's origin (scheme, host and port), since the request carries the
 * registry's credentials, and on the listing's own path (the same repository and digest). Its
 * query is the registry's (`n`, `last`, filters).
 */
export function nextPage(header: string | null, page: URL, listing: URL): NextPage {
  if (header === null) return undefined
  const links = parseLinks(header)
  if (links === undefined) return { refused: 'has a Link header that does not parse' }
  const next = links.find(link => link.rel.includes('next'))
  if (next === undefined) return undefined
  let url: URL
  try {
    url = new URL(next.target, page)
  } catch {
    return { refused: 'names a next page that is not a URL' }
  }
  if (url.origin !== listing.origin) {
    return {
      refused: `names its next page on another origin, ${shown(url.origin)}, which would receive the registry's credentials`
    }
  }
  if (url.username || url.password) {
    return { refused: 'names a next page with a user name or password in it' }
  }
  if (url.pathname !== listing.pathname) {
    return { refused: `names a next page outside this listing, ${shown(url.pathname)}` }
  }
  url.hash = ''
  return { url }
}

/** A part of a parsed URL, which has escaped what needs it (percent-encoding, punycode): bounded. */
function shown(part: string): string {
  return part.slice(0, 200)
}
