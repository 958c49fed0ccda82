import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'
import { mockClient } from 'aws-sdk-client-mock'
import { rejectionOf, sdkError } from '../helpers.js'

const setSecret = jest.fn<(secret: string) => void>()
jest.unstable_mockModule('@actions/core', () => ({ setSecret }))

const { registryCredentials, checkExplicitCredentialsScope } =
  await import('../../../src/registry/credentials.js')
const { namesOwnEcrEndpoint, parseEcrRegistry } = await import('../../../src/registry/ecr-token.js')
const { parseImageReference } = await import('../../../src/registry/image-reference.js')
const { ActionError, InputError } = await import('../../../src/errors.js')

const ecr = mockClient(ECRClient)
let directory: string

beforeEach(() => {
  directory = mkdtempSync(path.join(tmpdir(), 'docker-config-'))
  ecr.reset()
  setSecret.mockClear()
})
afterEach(() => rmSync(directory, { recursive: true, force: true }))

/** Writes `config` as $DOCKER_CONFIG/config.json and returns the environment that points there. */
function dockerConfig(config: unknown): NodeJS.ProcessEnv {
  writeFileSync(
    path.join(directory, 'config.json'),
    typeof config === 'string' ? config : JSON.stringify(config)
  )
  return { DOCKER_CONFIG: directory }
}

const NO_INPUTS = { username: undefined, password: undefined, budgetMs: 5000 }
const base64 = (text: string) => Buffer.from(text).toString('base64')

describe('parseEcrRegistry', () => {
  it.each([
    [
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      { account: '123456789012', region: 'eu-west-1', fips: false, dualStack: false }
    ],
    [
      '123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com',
      { region: 'us-gov-west-1', fips: true }
    ],
    [
      '123456789012.dkr-ecr.us-east-1.on.aws',
      { region: 'us-east-1', fips: false, dualStack: true }
    ],
    [
      '123456789012.dkr-ecr-fips.us-east-1.on.aws',
      { region: 'us-east-1', fips: true, dualStack: true }
    ],
    [
      '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn',
      { region: 'cn-north-1', dualStack: false }
    ],
    [
      '123456789012.dkr-ecr.cn-northwest-1.on.amazonwebservices.com.cn',
      { region: 'cn-northwest-1', dualStack: true }
    ]
  ])('%s is ECR', (host, expected) => {
    expect(parseEcrRegistry(host)).toMatchObject(expected)
  })

  it.each([
    'public.ecr.aws',
    'ghcr.io',
    '12345678901.dkr.ecr.us-east-1.amazonaws.com',
    '123456789012.dkr.ecr.us-east-1.amazonaws.com:443',
    '123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example',
    'x123456789012.dkr.ecr.us-east-1.amazonaws.com'
  ])('%s is not', host => {
    expect(parseEcrRegistry(host)).toBeUndefined()
  })
})

describe('namesOwnEcrEndpoint', () => {
  it.each([
    [{}, false],
    [{ AWS_ENDPOINT_URL_ECR: 'https://vpce-1.api.ecr.us-east-1.vpce.amazonaws.com' }, true],
    [{ AWS_ENDPOINT_URL: 'https://proxy.example' }, true],
    [{ AWS_ENDPOINT_URL_ECR: '' }, false],
    [
      { AWS_ENDPOINT_URL_ECR: 'https://x.example', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' },
      false
    ]
  ])('%j: %s', (env, expected) => {
    expect(namesOwnEcrEndpoint(env)).toBe(expected)
  })
})

describe('registryCredentials', () => {
  it("takes an ECR registry's token from ecr:GetAuthorizationToken in its Region, whatever else is given", async () => {
    ecr.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [{ authorizationToken: base64('AWS:ecr-password') }]
    })
    const credentials = await registryCredentials('123456789012.dkr.ecr.ap-south-1.amazonaws.com', {
      username: 'octocat',
      password: 'not for ecr',
      budgetMs: 5000,
      env: dockerConfig({ auths: {} })
    })
    expect(credentials).toEqual({
      origin: 'ecr',
      description: 'a token from ecr:GetAuthorizationToken in ap-south-1',
      basic: { username: 'AWS', password: 'ecr-password' }
    })
    const client = ecr.send.getCall(0).thisValue as ECRClient
    expect(await client.config.region()).toBe('ap-south-1')
    expect(await client.config.useFipsEndpoint()).toBe(false)
    expect(await client.config.useDualstackEndpoint()).toBe(false)
    expect(setSecret).toHaveBeenCalledWith('ecr-password')
    expect(setSecret).toHaveBeenCalledWith(base64('AWS:ecr-password'))
  })

  it.each([
    ['no endpoint of its own', undefined, true],
    ['AWS_ENDPOINT_URL_ECR', 'https://vpce-1.api.ecr.us-east-1.vpce.amazonaws.com', false]
  ])(
    "asks for a dual-stack registry's token at ECR's dual-stack endpoint, unless the step names one (%s)",
    async (_case, endpoint, dualStack) => {
      ecr.on(GetAuthorizationTokenCommand).resolves({
        authorizationData: [{ authorizationToken: base64('AWS:ecr-password') }]
      })
      const saved = process.env.AWS_ENDPOINT_URL_ECR
      if (endpoint) process.env.AWS_ENDPOINT_URL_ECR = endpoint
      try {
        await registryCredentials('123456789012.dkr-ecr.us-east-1.on.aws', NO_INPUTS)
      } finally {
        if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_ECR
        else process.env.AWS_ENDPOINT_URL_ECR = saved
      }
      const client = ecr.send.getCall(0).thisValue as ECRClient
      expect(await client.config.useDualstackEndpoint()).toBe(dualStack)
    }
  )

  it('says which permission a refused GetAuthorizationToken needs', async () => {
    ecr
      .on(GetAuthorizationTokenCommand)
      .rejects(sdkError('AccessDeniedException', 400, 'not authorized'))
    const error = await rejectionOf(
      registryCredentials('123456789012.dkr.ecr-fips.us-east-1.amazonaws.com', NO_INPUTS),
      ActionError
    )
    expect(error.message).toBe(
      'Getting a registry token for the ECR registry of account 123456789012 in us-east-1 (ecr:GetAuthorizationToken) failed: AccessDeniedException: not authorized (the role needs ecr:GetAuthorizationToken, on resource "*")'
    )
  })

  it('uses registry-username and registry-password for other registries, before the Docker config', async () => {
    const credentials = await registryCredentials('ghcr.io', {
      username: 'octocat',
      password: 'ghs_token',
      budgetMs: 5000,
      env: dockerConfig({ auths: { 'ghcr.io': { auth: base64('other:secret') } } })
    })
    expect(credentials).toMatchObject({
      origin: 'input',
      basic: { username: 'octocat', password: 'ghs_token' }
    })
    expect(setSecret.mock.calls).toEqual([['ghs_token'], [base64('octocat:ghs_token')]])
    expect(ecr.calls()).toHaveLength(0)
  })

  it.each([
    ['ghcr.io', { 'ghcr.io': { auth: base64('octocat:pa:ss') } }, 'octocat', 'pa:ss'],
    ['ghcr.io', { 'https://ghcr.io': { username: 'u', password: 'p' } }, 'u', 'p'],
    [
      'registry.example.com:5000',
      { 'http://registry.example.com:5000/v2/': { auth: base64('a:b') } },
      'a',
      'b'
    ],
    ['docker.io', { 'https://index.docker.io/v1/': { auth: base64('hub:pw') } }, 'hub', 'pw'],
    [
      'Registry.Example.com'.toLowerCase(),
      { 'REGISTRY.EXAMPLE.COM': { auth: base64('c:d') } },
      'c',
      'd'
    ]
  ])('finds %s in the Docker config', async (registry, auths, username, password) => {
    const credentials = await registryCredentials(registry, {
      ...NO_INPUTS,
      env: dockerConfig({ auths })
    })
    expect(credentials.origin).toBe('docker-config')
    expect(credentials.description).toBe(`the Docker config ${path.join(directory, 'config.json')}`)
    expect(credentials.basic).toEqual({ username, password })
    expect(setSecret).toHaveBeenCalledWith(password)
  })

  it('is anonymous when nothing is found', async () => {
    const missing = { DOCKER_CONFIG: path.join(directory, 'none') }
    expect(await registryCredentials('ghcr.io', { ...NO_INPUTS, env: missing })).toEqual({
      origin: 'none',
      description: 'no credentials',
      basic: undefined
    })
    const other = dockerConfig({
      auths: { 'quay.io': { auth: base64('q:q') } },
      credsStore: 'desktop'
    })
    expect((await registryCredentials('ghcr.io', { ...NO_INPUTS, env: other })).origin).toBe('none')
  })

  it('reads ~/.docker/config.json when DOCKER_CONFIG is not set', async () => {
    const home = { HOME: directory }
    const dotDocker = path.join(directory, '.docker')
    mkdirSync(dotDocker)
    writeFileSync(
      path.join(dotDocker, 'config.json'),
      JSON.stringify({ auths: { 'ghcr.io': { auth: base64('h:p') } } })
    )
    expect((await registryCredentials('ghcr.io', { ...NO_INPUTS, env: home })).basic).toEqual({
      username: 'h',
      password: 'p'
    })
  })

  it.each([
    [
      { auths: { 'ghcr.io': {} }, credsStore: 'desktop' },
      "the credential store 'desktop' (credsStore)"
    ],
    [{ auths: {}, credHelpers: { 'ghcr.io': 'gh' } }, "the credential helper 'gh' (credHelpers)"],
    [{ auths: { 'ghcr.io': { identitytoken: 'x' } } }, 'an identity token (identitytoken)']
  ])('says a credential helper is not run, and what to pass instead', async (config, what) => {
    const error = await rejectionOf(
      registryCredentials('ghcr.io', { ...NO_INPUTS, env: dockerConfig(config) }),
      ActionError
    )
    expect(error.message).toBe(
      `The Docker config ${path.join(directory, 'config.json')} keeps the credentials for ghcr.io in ${what}, which this action does not run: pass registry-username and registry-password instead.`
    )
  })

  it.each([
    ['{not json', 'is not valid JSON'],
    ['[]', 'is not a JSON object'],
    [JSON.stringify({ auths: { 'ghcr.io': 'x' } }), "has an invalid 'auths' entry for ghcr.io"],
    [
      JSON.stringify({ auths: { 'ghcr.io': { auth: base64('no-colon') } } }),
      'not base64 of user:password'
    ]
  ])('refuses a broken Docker config, naming the file', async (text, problem) => {
    const error = await rejectionOf(
      registryCredentials('ghcr.io', { ...NO_INPUTS, env: dockerConfig(text) }),
      ActionError
    )
    expect(error.message).toContain(path.join(directory, 'config.json'))
    expect(error.message).toContain(problem)
  })
})

describe('checkExplicitCredentialsScope', () => {
  const references = (...texts: string[]) => texts.map(text => parseImageReference(text, 'image'))

  it('allows one registry besides any number of ECR ones', () => {
    expect(() =>
      checkExplicitCredentialsScope(
        references(
          'ghcr.io/a/b:1',
          'ghcr.io/c/d:2',
          '123456789012.dkr.ecr.us-east-1.amazonaws.com/e:3'
        ),
        'registry-username'
      )
    ).not.toThrow()
  })

  it("counts Docker Hub's names as one registry", () => {
    expect(() =>
      checkExplicitCredentialsScope(
        references('docker.io/library/a:1', 'index.docker.io/library/b:2'),
        'registry-username'
      )
    ).not.toThrow()
  })

  it('refuses to send one password to two registries', () => {
    expect(() =>
      checkExplicitCredentialsScope(
        references('ghcr.io/a/b:1', 'docker.io/c/d:2'),
        'registry-username'
      )
    ).toThrow(InputError)
  })
})
