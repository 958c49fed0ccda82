import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'
import { error, json, type Answer } from './registry-answers.js'

/**
 * Who the stand-in registry lets in, and its token service.
 * 'basic': the user with Basic. 'bearer': a token from `/token`, which takes the user with Basic
 * (pull and push) or no one (pull only), as distribution's token auth does. 'ecr': Basic
 * `AWS:<password>` with the password that moto's ecr:GetAuthorizationToken hands out.
 */
export type StandInAuth = 'none' | 'basic' | 'bearer' | 'ecr'

export interface AuthSettings {
  mode: StandInAuth
  user: { username: string; password: string } | undefined
  /** What moto hands out, for 'ecr'. */
  ecrPassword: string | undefined
  /** The registry's host, named in ECR's Basic realm. */
  host: string
  /** The token service Bearer challenges send clients to. */
  realm: string
  tokenField: 'token' | 'access_token' | 'both'
  /** The token handed out; default: 24 random bytes, base64url. */
  tokenValue: string | undefined
}

export const SERVICE = 'registry-stand-in'

interface Grant {
  /** repository → allowed actions */
  access: Map<string, Set<string>>
  expiresAt: number
}

/** The password moto's ecr:GetAuthorizationToken hands out, asked of moto itself. */
export async function motoEcrPassword(motoEndpoint: string, region = 'us-east-1'): Promise<string> {
  const client = new ECRClient({
    endpoint: motoEndpoint,
    region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' }
  })
  try {
    const answer = await client.send(new GetAuthorizationTokenCommand({}))
    const token = answer.authorizationData?.[0]?.authorizationToken ?? ''
    const [user, password] = Buffer.from(token, 'base64').toString('utf8').split(/:(.*)/s)
    if (user !== 'AWS' || !password) throw new Error('moto handed out an unexpected token')
    return password
  } finally {
    client.destroy()
  }
}

function basicCredentials(header: string): { user?: string; password?: string } {
  if (!header.startsWith('Basic ')) return {}
  const [user, password] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(/:(.*)/s)
  return { user, password }
}

export class StandInAuthority {
  private readonly grants = new Map<string, Grant>()

  /** undefined when the request may go on; else the 401 with this mode's challenge. */
  check(
    settings: AuthSettings,
    req: IncomingMessage,
    name: string | undefined,
    action: 'pull' | 'push'
  ): Answer | undefined {
    const { mode } = settings
    if (mode === 'none') return undefined
    const header = req.headers.authorization ?? ''
    if (mode === 'basic' || mode === 'ecr') {
      const { user, password } = basicCredentials(header)
      const valid =
        mode === 'ecr'
          ? user === 'AWS' && password !== undefined && password === settings.ecrPassword
          : user === settings.user?.username && password === settings.user?.password
      if (valid) return undefined
      const challenge =
        mode === 'ecr'
          ? `Basic realm="https://${settings.host}/",service="ecr.amazonaws.com"`
          : `Basic realm="${SERVICE}"`
      return error(401, 'UNAUTHORIZED', 'authentication required', undefined, {
        'www-authenticate': challenge
      })
    }
    const grant = header.startsWith('Bearer ') ? this.grants.get(header.slice(7)) : undefined
    const live = grant !== undefined && grant.expiresAt > Date.now()
    if (live && (name === undefined || grant.access.get(name)?.has(action))) return undefined
    const scope =
      name === undefined
        ? ''
        : `,scope="repository:${name}:${action === 'push' ? 'pull,push' : 'pull'}"`
    const insufficient = live ? ',error="insufficient_scope"' : ''
    return error(401, 'UNAUTHORIZED', 'authentication required', undefined, {
      'www-authenticate': `Bearer realm="${settings.realm}",service="${SERVICE}"${scope}${insufficient}`
    })
  }

  /** Every token handed out so far expires now. */
  expireAll(): void {
    this.grants.clear()
  }

  /** The token service: the user gets pull and push, anyone else pull. */
  token(settings: AuthSettings, req: IncomingMessage, url: URL): Answer {
    const header = req.headers.authorization
    let granted = ['pull']
    if (header) {
      const { user, password } = basicCredentials(header)
      if (user !== settings.user?.username || password !== settings.user?.password) {
        return error(401, 'UNAUTHORIZED', 'invalid username or password')
      }
      granted = ['pull', 'push']
    }
    if (url.searchParams.get('service') !== SERVICE) {
      return error(400, 'DENIED', 'unknown service')
    }
    const access = new Map<string, Set<string>>()
    for (const scope of url.searchParams.getAll('scope')) {
      const [type, name, actions] = scope.split(':')
      if (type !== 'repository' || !name) continue
      // Several scopes for one repository add up.
      const allowed = access.get(name) ?? new Set<string>()
      for (const action of (actions ?? '').split(',')) {
        if (granted.includes(action)) allowed.add(action)
      }
      access.set(name, allowed)
    }
    const value = settings.tokenValue ?? randomBytes(24).toString('base64url')
    this.grants.set(value, { access, expiresAt: Date.now() + 300_000 })
    const fields = settings.tokenField
    return json(200, {
      ...(fields !== 'access_token' ? { token: value } : {}),
      ...(fields !== 'token' ? { access_token: value } : {}),
      expires_in: 300
    })
  }
}
