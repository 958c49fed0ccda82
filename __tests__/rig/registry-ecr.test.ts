import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { motoServer, type MotoServer } from './moto.js'
import { startRegistryStandIn, type RegistryStandIn } from './registry-stand-in.js'
import { rejectionOf } from '../unit/helpers.js'

/**
 * ECR as a user meets it: the real ECR client, pointed at moto by AWS_ENDPOINT_URL_ECR, gets the
 * token; the stand-in, in ECR's Basic mode, accepts exactly what moto hands out.
 */

const setSecret = jest.fn<(secret: string) => void>()
jest.unstable_mockModule('@actions/core', () => ({ setSecret }))

const { registryCredentials } = await import('../../src/registry/credentials.js')
const { RegistryClient } = await import('../../src/registry/registry-client.js')
const { RegistryError } = await import('../../src/registry/registry-error.js')

const ECR_HOST = '123456789012.dkr.ecr.eu-central-1.amazonaws.com'
const SAVED = ['AWS_ENDPOINT_URL_ECR', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const

let moto: MotoServer
let standIn: RegistryStandIn
const saved: Partial<Record<(typeof SAVED)[number], string>> = {}

beforeAll(async () => {
  moto = await motoServer()
  standIn = await startRegistryStandIn({ auth: 'ecr', motoEndpoint: moto.endpoint })
  for (const name of SAVED) saved[name] = process.env[name]
  process.env.AWS_ENDPOINT_URL_ECR = moto.endpoint
  process.env.AWS_ACCESS_KEY_ID = 'test'
  process.env.AWS_SECRET_ACCESS_KEY = 'test'
}, 60_000)
afterAll(async () => {
  for (const name of SAVED) {
    if (saved[name] === undefined) delete process.env[name]
    else process.env[name] = saved[name]
  }
  await standIn?.stop()
  await moto?.stop()
})

/** A client for the ECR registry, whose API is served by the stand-in on loopback. */
function ecrClient(credentials: Awaited<ReturnType<typeof registryCredentials>>) {
  return new RegistryClient({
    registry: ECR_HOST,
    apiHost: standIn.host,
    credentials,
    budgetMs: 10_000
  })
}

describe('an ECR registry', () => {
  it('is reached with the token from ecr:GetAuthorizationToken, with no docker login', async () => {
    const credentials = await registryCredentials(ECR_HOST, {
      username: undefined,
      password: undefined,
      budgetMs: 10_000,
      env: { DOCKER_CONFIG: '/nonexistent' }
    })
    expect(credentials.origin).toBe('ecr')
    const pushed = await ecrClient(credentials).pushBlob(
      'team/app',
      Buffer.from('ecr blob'),
      'application/octet-stream'
    )
    expect(pushed.size).toBe(8)
    expect(standIn.requests.map(r => [r.method, r.status, r.auth])).toEqual([
      ['HEAD', 401, undefined],
      ['HEAD', 404, 'Basic'],
      ['POST', 202, 'Basic'],
      ['PUT', 201, 'Basic']
    ])
    const password = credentials.basic!.password
    expect(setSecret).toHaveBeenCalledWith(password)
    expect(JSON.stringify(standIn.requests)).not.toContain(password)
  })

  it('a token the registry refuses is named as the ECR token, with what to check', async () => {
    const refused = await rejectionOf(
      ecrClient({
        origin: 'ecr',
        description: 'a token from ecr:GetAuthorizationToken in eu-central-1',
        basic: { username: 'AWS', password: 'expired' }
      }).resolve('team/app', 'v1'),
      RegistryError
    )
    expect(refused.message).toContain(
      `the registry refused the token from ecr:GetAuthorizationToken: the step's AWS credentials must belong to an account that may use this registry (check the account and Region in '${ECR_HOST}')`
    )
  })
})
