/**
 * One line of the `image` input: `registry/repository@sha256:<hex>` or `registry/repository:tag`
 * (distribution's reference grammar, with the registry always written out).
 */
import { InputError } from '../errors.js'
import { singleLine } from '../safe-text.js'
import { SHA256_DIGEST } from './descriptor.js'

export interface ImageReference {
  /** The line as given, for messages (print it through `shownReference`). */
  text: string
  /** The registry as written, host names in lower case: `docker.io`, `ghcr.io`, `127.0.0.1:5000`. */
  registry: string
  /** Where the registry's API answers: `registry-1.docker.io` for `docker.io`, else `registry`. */
  apiHost: string
  /** `team/app`; Docker Hub's official images get their implicit `library/`. */
  repository: string
  tag: string | undefined
  /** `sha256:<hex>`; when a tag is given as well, the digest is what is signed. */
  digest: string | undefined
}

const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io'])
const DOCKER_HUB_API = 'registry-1.docker.io'

// distribution/reference: lower-case alphanumerics joined by `.`, `_`, `__` or dashes.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/
const DOMAIN_COMPONENT = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/
const IPV6 = /^\[[0-9A-Fa-f:.]+\]$/
/** distribution's limit on registry + '/' + repository. */
const NAME_MAX = 255
/** Longer input is refused before any pattern runs. */
const INPUT_MAX = 512

const FORMS = 'registry/repository@sha256:<64 hex digits> or registry/repository:tag'

/** Parses one reference; a malformed one fails naming `inputName`, before any request. */
export function parseImageReference(text: string, inputName: string): ImageReference {
  const refuse = (reason: string): never => {
    throw new InputError(
      inputName,
      `'${shownReference(text)}' is not an image reference: ${reason}. Expected ${FORMS}.`
    )
  }
  if (text === '') refuse('it is empty')
  if (text.length > INPUT_MAX) refuse(`it is longer than ${INPUT_MAX} characters`)
  if (/[^\x21-\x7e]/.test(text)) {
    refuse('it holds a space, a control character or a character outside ASCII')
  }

  let rest = text
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at >= 0) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
    checkDigest(digest, refuse)
  }

  let tag: string | undefined
  const colon = rest.lastIndexOf(':')
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
    if (!TAG.test(tag)) {
      refuse(
        `the tag '${tag}' is not valid (letters, digits, '_', '.' and '-', at most 128, not starting with '.' or '-')`
      )
    }
  }
  if (tag === undefined && digest === undefined) {
    refuse('it names neither a tag nor a digest (add :tag or, better, @sha256:<digest>)')
  }

  const slash = rest.indexOf('/')
  const first = slash >= 0 ? rest.slice(0, slash) : rest
  if (slash < 0 || !looksLikeRegistry(first)) {
    refuse(
      `it has no registry; write it out, e.g. 'docker.io/${slash < 0 ? 'library/' : ''}${text}'`
    )
  }
  const registry = checkRegistry(first, refuse)
  let repository = rest.slice(slash + 1)
  for (const component of repository.split('/')) {
    if (!PATH_COMPONENT.test(component)) {
      const why = /[A-Z]/.test(component)
        ? 'repository names are lower case'
        : "each part is lower-case letters and digits, joined by '.', '_', '__' or '-'"
      refuse(`the repository part '${component}' is not valid (${why})`)
    }
  }
  const dockerHub = DOCKER_HUB.has(registry)
  if (dockerHub && !repository.includes('/')) repository = `library/${repository}`
  if (registry.length + 1 + repository.length > NAME_MAX) {
    refuse(`registry and repository together are longer than ${NAME_MAX} characters`)
  }
  return {
    text,
    registry,
    apiHost: dockerHub ? DOCKER_HUB_API : registry,
    repository,
    tag,
    digest
  }
}

/** docker's rule: the first part is a registry when it has a '.' or a ':', or is localhost. */
function looksLikeRegistry(part: string): boolean {
  return part.includes('.') || part.includes(':') || part === 'localhost' || part.startsWith('[')
}

function checkDigest(digest: string, refuse: (reason: string) => never): void {
  if (SHA256_DIGEST.test(digest)) return
  if (/^sha256:[0-9A-Fa-f]{64}$/.test(digest)) refuse('the digest must be in lower case')
  if (!digest.startsWith('sha256:')) refuse('only sha256 digests are supported')
  refuse('the digest must be sha256: followed by 64 hexadecimal digits')
}

/** host[:port], host a DNS name, an IPv4 address or a bracketed IPv6 address. */
function checkRegistry(part: string, refuse: (reason: string) => never): string {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec(part)
  const host = match?.[1] ?? ''
  const port = match?.[2]
  // The IPv6 pattern lets brackets around what is no address through (`[1.2.3.4]`, `[:]`).
  const hostValid = IPV6.test(host)
    ? URL.canParse(`https://${host}`)
    : host.split('.').every(label => DOMAIN_COMPONENT.test(label))
  if (!match || !hostValid || (port !== undefined && (Number(port) < 1 || Number(port) > 65535))) {
    refuse(`the registry '${part}' is not a valid host[:port]`)
  }
  return part.toLowerCase()
}

/** The reference as safe to print: one line, anything outside printable ASCII escaped, cut short. */
export function shownReference(text: string): string {
  const escaped = singleLine(text).replace(
    /[^\x20-\x7e]/gu,
    character => `\\u{${(character.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}}`
  )
  return escaped.length > 300 ? `${escaped.slice(0, 300)}…` : escaped
}

/** `registry/repository@digest` (with `:tag` before it when known), as people write it. */
export function displayReference(reference: ImageReference, digest = reference.digest): string {
  const name = `${reference.registry}/${reference.repository}`
  const tag = reference.tag === undefined ? '' : `:${reference.tag}`
  return digest === undefined ? `${name}${tag}` : `${name}${tag}@${digest}`
}
