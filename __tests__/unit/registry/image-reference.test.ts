import { describe, expect, it } from '@jest/globals'
import { InputError } from '../../../src/errors.js'
import {
  displayReference,
  parseImageReference,
  shownReference
} from '../../../src/registry/image-reference.js'
import { isLoopbackHost, registryOrigin, checkedUrl } from '../../../src/registry/registry-url.js'
import { thrownBy } from '../helpers.js'

const HEX = 'a'.repeat(64)
const DIGEST = `sha256:${HEX}`

describe('parseImageReference', () => {
  it.each([
    [
      `ghcr.io/acme/app@${DIGEST}`,
      {
        registry: 'ghcr.io',
        apiHost: 'ghcr.io',
        repository: 'acme/app',
        tag: undefined,
        digest: DIGEST
      }
    ],
    [
      'ghcr.io/acme/app:v1.2.3',
      {
        registry: 'ghcr.io',
        apiHost: 'ghcr.io',
        repository: 'acme/app',
        tag: 'v1.2.3',
        digest: undefined
      }
    ],
    [
      `ghcr.io/acme/app:v1@${DIGEST}`,
      { registry: 'ghcr.io', repository: 'acme/app', tag: 'v1', digest: DIGEST }
    ],
    [
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/svc:latest',
      {
        registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
        repository: 'team/svc',
        tag: 'latest'
      }
    ],
    [
      'docker.io/library/nginx:1',
      { registry: 'docker.io', apiHost: 'registry-1.docker.io', repository: 'library/nginx' }
    ],
    // Docker Hub's official images: the implicit library/ is added.
    [
      'docker.io/nginx:1',
      { apiHost: 'registry-1.docker.io', repository: 'library/nginx', tag: '1' }
    ],
    ['index.docker.io/acme/app:1', { apiHost: 'registry-1.docker.io', repository: 'acme/app' }],
    [
      'localhost:5000/app:dev',
      { registry: 'localhost:5000', apiHost: 'localhost:5000', repository: 'app' }
    ],
    ['localhost/app:dev', { registry: 'localhost', repository: 'app' }],
    ['127.0.0.1:5000/a/b/c:x', { registry: '127.0.0.1:5000', repository: 'a/b/c', tag: 'x' }],
    ['[::1]:5000/app:dev', { registry: '[::1]:5000', repository: 'app' }],
    ['[::ffff:10.0.0.1]/app:dev', { registry: '[::ffff:10.0.0.1]', repository: 'app' }],
    ['Registry.Example.COM/app:Tag_1', { registry: 'registry.example.com', tag: 'Tag_1' }],
    ['example.com/a.b_c__d--e/f-g:_under', { repository: 'a.b_c__d--e/f-g', tag: '_under' }],
    [`example.com/app:${'t'.repeat(128)}`, { tag: 't'.repeat(128) }]
  ])('parses %s', (text, expected) => {
    expect(parseImageReference(text, 'image')).toMatchObject({ text, ...expected })
  })

  it.each([
    ['', 'it is empty'],
    ['nginx:1', "it has no registry; write it out, e.g. 'docker.io/library/nginx:1'"],
    ['acme/app:1', "e.g. 'docker.io/acme/app:1'"],
    ['ghcr.io/acme/app', 'neither a tag nor a digest'],
    ['ghcr.io/Acme/app:1', 'repository names are lower case'],
    ['ghcr.io/acme/../app:1', "the repository part '..' is not valid"],
    ['ghcr.io/acme//app:1', "the repository part '' is not valid"],
    ['ghcr.io/acme/app.:1', "the repository part 'app.' is not valid"],
    ['ghcr.io/acme/-app:1', "the repository part '-app' is not valid"],
    ['ghcr.io/:1', "the repository part '' is not valid"],
    ['ghcr.io/acme/app:.hidden', "the tag '.hidden' is not valid"],
    [`ghcr.io/acme/app:${'t'.repeat(129)}`, 'is not valid'],
    ['ghcr.io/acme/app:', "the tag '' is not valid"],
    [`ghcr.io/acme/app@sha256:${'A'.repeat(64)}`, 'the digest must be in lower case'],
    [`ghcr.io/acme/app@sha512:${'a'.repeat(128)}`, 'only sha256 digests are supported'],
    ['ghcr.io/acme/app@sha256:abc', 'sha256: followed by 64 hexadecimal digits'],
    [`ghcr.io/acme/app@${DIGEST}@${DIGEST}`, 'sha256: followed by 64'],
    ['ghcr.io:99999/app:1', "the registry 'ghcr.io:99999' is not a valid host[:port]"],
    ['-bad.example.com/app:1', 'is not a valid host[:port]'],
    // Brackets around what is no IPv6 address, which no URL could name.
    ['[1.2.3.4]:5000/app:v1', "the registry '[1.2.3.4]:5000' is not a valid host[:port]"],
    ['[:]/app:v1', "the registry '[:]' is not a valid host[:port]"],
    ['ghcr.io/acme/app:1\n::error::injected', 'a space, a control character'],
    ['ghcr.io/acme/app:1 ', 'a space, a control character'],
    ['ghcr.io/acme/\u202eppa:1', 'outside ASCII'],
    ['ghcr.io/\u0430cme/app:1', 'outside ASCII'],
    [`example.com/${'a/'.repeat(130)}b:1`, 'longer than 255 characters'],
    ['x'.repeat(600), 'longer than 512 characters']
  ])('refuses %j', (text, reason) => {
    const error = thrownBy(() => parseImageReference(text, 'image'), InputError)
    expect(error.input).toBe('image')
    expect(error.message).toContain(reason)
    expect(error.message).toContain('Expected registry/repository@sha256:')
    expect(error.message).not.toMatch(/[\n\r\u202e\u0430]/)
  })

  it('shows the refused reference escaped, on one line', () => {
    const error = thrownBy(
      () => parseImageReference('ghcr.io/a:1\n::set-output name=x::\u202e\u001b', 'image'),
      InputError
    )
    expect(error.message).toContain("'ghcr.io/a:1\\n::set-output name=x::\\u202e\\u001b'")
  })

  it('cuts a long reference short when it shows it', () => {
    expect(shownReference('a'.repeat(1000))).toBe(`${'a'.repeat(300)}…`)
  })

  it('writes a reference back with its tag and the digest it resolved to', () => {
    const reference = parseImageReference('docker.io/nginx:1', 'image')
    expect(displayReference(reference)).toBe('docker.io/library/nginx:1')
    expect(displayReference(reference, DIGEST)).toBe(`docker.io/library/nginx:1@${DIGEST}`)
  })
})

describe('registry URLs', () => {
  it.each([
    ['127.0.0.1:5000', true],
    ['127.3.4.5', true],
    ['127.1:5000', true], // fetch connects to 127.0.0.1
    ['localhost:5000', true],
    ['LOCALHOST', true],
    ['[::1]:5000', true],
    ['[0:0:0:0:0:0:0:1]', true],
    ['128.0.0.1', false],
    ['localhost.example.com', false],
    ['127.0.0.1.nip.io', false],
    ['[::2]', false],
    ['ghcr.io', false]
  ])('%s is on this machine: %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback)
    expect(registryOrigin(host)).toBe(`${loopback ? 'http' : 'https'}://${host}`)
  })

  it('accepts HTTPS anywhere and HTTP only to a loopback host, never as a downgrade', () => {
    const tls = new URL('https://ghcr.io/v2/')
    const local = new URL('http://127.0.0.1:5000/v2/')
    expect(checkedUrl('https://ghcr.io/token', tls, 'x').href).toBe('https://ghcr.io/token')
    expect(checkedUrl('/v2/a/blobs/uploads/1', local, 'x').href).toBe(
      'http://127.0.0.1:5000/v2/a/blobs/uploads/1'
    )
    expect(checkedUrl('https://auth.example.com/t', local, 'x').host).toBe('auth.example.com')
    expect(() => checkedUrl('http://ghcr.io/token', tls, 'the token service')).toThrow(
      /only HTTPS is used/
    )
    expect(() => checkedUrl('http://127.0.0.1:1/token', tls, 'x')).toThrow(/never as a downgrade/)
    expect(() => checkedUrl('http://auth.example.com/t', local, 'x')).toThrow(/only HTTPS/)
    expect(() => checkedUrl('ftp://x/y', tls, 'x')).toThrow(/only HTTPS/)
  })
})
