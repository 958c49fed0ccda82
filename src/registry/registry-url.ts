/**
 * Which URLs the action may talk to for a registry: HTTPS everywhere, plain HTTP only to a
 * registry on this machine (127.0.0.0/8, localhost, ::1), never as a downgrade elsewhere.
 */
import { ActionError } from '../errors.js'
import { singleLine } from '../safe-text.js'

/** The host a request will connect to: WHATWG URL normalization (lower case, `127.1` → `127.0.0.1`). */
function hostnameOf(host: string): string {
  return new URL(`http://${host}`).hostname
}

/** A host (with or without a port) that names this machine's loopback interface. */
export function isLoopbackHost(host: string): boolean {
  let hostname: string
  try {
    hostname = hostnameOf(host)
  } catch {
    return false
  }
  if (hostname === 'localhost' || hostname === '[::1]') return true
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
}

/** `https://host`, or `http://host` for a loopback registry. */
export function registryOrigin(host: string): string {
  return `${isLoopbackHost(host) ? 'http' : 'https'}://${host}`
}

/**
 * A URL a registry pointed us to (token realm, upload location, redirect) checked before any
 * request: HTTPS, or HTTP to a loopback host; and never from HTTPS down to HTTP.
 */
export function checkedUrl(text: string, base: URL, what: string): URL {
  let url: URL
  try {
    url = new URL(text, base)
  } catch {
    throw new ActionError(
      `The registry ${base.host} gave an invalid URL for ${what}: '${singleLine(text).slice(0, 200)}'.`
    )
  }
  const plainHttpAllowed = url.protocol === 'http:' && isLoopbackHost(url.host)
  const downgrade = base.protocol === 'https:' && url.protocol !== 'https:'
  if ((url.protocol !== 'https:' && !plainHttpAllowed) || downgrade) {
    throw new ActionError(
      `The registry ${base.host} sent ${what} to ${singleLine(url.origin)}: refused, only HTTPS is used (plain HTTP only for a registry on this machine, never as a downgrade).`
    )
  }
  return url
}
