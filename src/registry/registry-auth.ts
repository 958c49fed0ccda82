/**
 * What a registry's 401 asks for, and the Authorization header that answers it: Basic with the
 * credentials, or a Bearer token from the challenge's token service, one per repository scope.
 */
import { mask } from '../github/log.js'
import { chosenChallenge } from './auth-challenge.js'
import type { RequestRate } from '../aws/request-rate.js'
import {
  exchange,
  ExchangeCancelled,
  ExchangeError,
  outOfTime,
  retrying,
  type RetryPolicy
} from './bounded-request.js'
import type { RegistryCredentials } from './credentials.js'
import {
  answerError,
  exchangeFailure,
  protocolError,
  type OperationContext,
  type RegistryAccess
} from './registry-error.js'
import { checkedUrl } from './registry-url.js'

export interface AuthOptions {
  registry: string
  /** The registry's own origin: a realm is checked against it (HTTPS unless loopback). */
  origin: URL
  credentials: RegistryCredentials
  silenceMs: number
  /** How long a token request may keep being retried (timeout-seconds), and how often. */
  budgetMs: number
  maxAttempts: number
  /** The registry's pace, which token requests keep too. */
  rate: RequestRate
  /** The scope tokens are asked for; default: push. */
  access?: RegistryAccess
}

export interface CallBounds {
  /** Absolute time (Date.now()) at which the work is abandoned. */
  deadline: number
  signal?: AbortSignal
  policy: RetryPolicy
}

interface Token {
  header: string
  /** Date.now() after which it is fetched again. */
  renewAt: number
}

/** A token request under way, shared by the requests of a scope that wait for it. */
interface TokenFetch {
  token: Promise<Token>
  /** Callers waiting; when the last of them gives up, the request is abandoned. */
  waiting: number
  abandon: AbortController
}

const TOKEN_ANSWER_LIMIT = 256 * 1024
const TOKEN_LIMIT = 16 * 1024
const TOKEN_MIN = 8
/** The distribution token spec's default lifetime, when the answer names none. */
const DEFAULT_LIFETIME_S = 60
const RENEW_MARGIN_MS = 10_000

export class RegistryAuth {
  private basicChosen = false
  private readonly tokens = new Map<string, Token>()
  private readonly pending = new Map<string, TokenFetch>()
  private readonly basicHeader: string | undefined

  constructor(private readonly options: AuthOptions) {
    const basic = options.credentials.basic
    this.basicHeader = basic
      ? `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}`
      : undefined
  }

  /** The Authorization header for a request in `repository`, when one is known yet. */
  header(repository: string): string | undefined {
    if (this.basicChosen) return this.basicHeader
    const token = this.tokens.get(scopeOf(repository, this.options.access))
    return token && Date.now() < token.renewAt ? token.header : undefined
  }

  /**
   * After a 401 to a request that carried `sent`: learns what the challenge asks for. False when
   * there is nothing better to send, and the 401 stands.
   */
  async answer(
    context: OperationContext,
    wwwAuthenticate: string | null,
    sent: string | undefined,
    bounds: CallBounds
  ): Promise<boolean> {
    const challenge = chosenChallenge(wwwAuthenticate)
    if (!challenge) return false
    if (challenge.scheme === 'basic') {
      if (!this.basicHeader || sent === this.basicHeader) return false
      this.basicChosen = true
      return true
    }
    // A token that was sent and is too weak stays too weak: the 401 is the answer.
    if (sent?.startsWith('Bearer ') && challenge.params.error === 'insufficient_scope') return false
    const scope = scopeOf(context.repository, this.options.access)
    const current = this.tokens.get(scope)
    if (current && current.header !== sent && Date.now() < current.renewAt) return true
    const token = await this.fetchToken(context, scope, challenge.params, bounds)
    return token.header !== sent
  }

  /**
   * A token for `scope`. Requests in flight together share one token request, bounded by none of
   * theirs (a short deadline would fail the others with its timeout); each waits for it only as
   * long as its own deadline and signal allow.
   */
  private fetchToken(
    context: OperationContext,
    scope: string,
    params: Record<string, string>,
    bounds: CallBounds
  ): Promise<Token> {
    const realm = this.realmOf(scope, params)
    const tokenContext = { ...context, operation: `getting a registry token from ${realm.host}` }
    let running = this.pending.get(scope)
    if (!running || running.abandon.signal.aborted) {
      running = this.startFetch(tokenContext, scope, realm)
    }
    return this.awaitFetch(running, tokenContext, realm.host, bounds)
  }

  private startFetch(context: OperationContext, scope: string, realm: URL): TokenFetch {
    const abandon = new AbortController()
    const deadline = Date.now() + this.options.budgetMs
    const bounds: CallBounds = {
      deadline,
      signal: abandon.signal,
      policy: { maxAttempts: this.options.maxAttempts, deadline, rate: this.options.rate }
    }
    const token = this.requestToken(context, realm, bounds).then(token => {
      this.tokens.set(scope, token)
      return token
    })
    const running: TokenFetch = { token, waiting: 0, abandon }
    // An abandoned request may still be pending when its successor starts: only its own entry goes.
    const forget = () => {
      if (this.pending.get(scope) === running) this.pending.delete(scope)
    }
    token.then(forget, forget)
    this.pending.set(scope, running)
    return running
  }

  private awaitFetch(
    running: TokenFetch,
    context: OperationContext,
    host: string,
    bounds: CallBounds
  ): Promise<Token> {
    running.waiting++
    return new Promise<Token>((resolve, reject) => {
      let left = false
      const leave = (gaveUp: boolean, settle: () => void) => {
        if (left) return
        left = true
        clearTimeout(timer)
        bounds.signal?.removeEventListener('abort', cancel)
        if (--running.waiting === 0 && gaveUp) running.abandon.abort()
        settle()
      }
      const giveUp = (error: ExchangeError) =>
        leave(true, () => reject(exchangeFailure(context, error)))
      const cancel = () => giveUp(new ExchangeCancelled(host))
      const timer = setTimeout(
        () => giveUp(outOfTime(host)),
        Math.max(0, bounds.deadline - Date.now())
      )
      bounds.signal?.addEventListener('abort', cancel, { once: true })
      if (bounds.signal?.aborted) cancel()
      running.token.then(
        token => leave(false, () => resolve(token)),
        (error: unknown) => leave(false, () => reject(error))
      )
    })
  }

  /** The token service's URL, checked as any URL a registry names, asking for `scope`. */
  private realmOf(scope: string, params: Record<string, string>): URL {
    const realm = checkedUrl(params.realm ?? '', this.options.origin, 'the token service')
    if (params.service) realm.searchParams.set('service', params.service)
    realm.searchParams.append('scope', scope)
    for (const asked of (params.scope ?? '').split(' ')) {
      if (asked && asked !== scope) realm.searchParams.append('scope', asked)
    }
    return realm
  }

  private async requestToken(
    context: OperationContext,
    realm: URL,
    bounds: CallBounds
  ): Promise<Token> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (this.basicHeader) headers.authorization = this.basicHeader
    return retrying(bounds.policy, async () => {
      let answer
      try {
        answer = await exchange(
          { method: 'GET', url: realm, headers, bodyLimit: TOKEN_ANSWER_LIMIT },
          { silenceMs: this.options.silenceMs, deadline: bounds.deadline, signal: bounds.signal }
        )
      } catch (error) {
        if (error instanceof ExchangeError) throw exchangeFailure(context, error)
        throw error
      }
      if (answer.status !== 200) {
        throw answerError(context, answer.status, answer.body, this.options.credentials)
      }
      return this.tokenOf(context, answer.body)
    })
  }

  private tokenOf(context: OperationContext, body: Buffer): Token {
    let parsed: Record<string, unknown>
    try {
      parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>
    } catch {
      throw protocolError(context, 'the token service answered with something other than JSON')
    }
    const token = [parsed.token, parsed.access_token].find(
      value => typeof value === 'string' && value !== ''
    ) as string | undefined
    if (!token || token.length > TOKEN_LIMIT || !/^[\x21-\x7e]+$/.test(token)) {
      throw protocolError(context, 'the token service answered without a usable token')
    }
    // Masked, a token of a few characters would hide every such string in the rest of the log.
    if (token.length < TOKEN_MIN) {
      throw protocolError(
        context,
        `the token service answered with a token of ${token.length} character${token.length === 1 ? '' : 's'}, too short to be one; refused`
      )
    }
    mask(token)
    const lifetime =
      typeof parsed.expires_in === 'number' && parsed.expires_in > 0
        ? parsed.expires_in
        : DEFAULT_LIFETIME_S
    return {
      header: `Bearer ${token}`,
      renewAt: Date.now() + Math.max(lifetime * 1000 - RENEW_MARGIN_MS, lifetime * 500)
    }
  }
}

/**
 * The scope a token is asked for: signing pulls and pushes, so one token serves every operation;
 * verifying only pulls, and asks for no more (a read-only token gets what it asks for).
 */
export function scopeOf(repository: string, access: RegistryAccess = 'push'): string {
  return `repository:${repository}:${access === 'pull' ? 'pull' : 'pull,push'}`
}
