import { describe, expect, it } from '@jest/globals'
import { nextPage, parseLinks } from '../../../src/registry/link-header.js'

const DIGEST = `sha256:${'a'.repeat(64)}`
const LISTING = new URL(`https://registry.example/v2/acme/app/referrers/${DIGEST}`)
const PAGE = new URL(`${LISTING.href}?artifactType=application%2Fvnd.cncf.notary.signature`)
const NEXT_PATH = `/v2/acme/app/referrers/${DIGEST}?n=10&last=sha256:${'b'.repeat(64)}`

describe('parseLinks', () => {
  it('reads a relative next link with a quoted rel, as registries send it', () => {
    expect(parseLinks(`<${NEXT_PATH}>; rel="next"`)).toEqual([{ target: NEXT_PATH, rel: ['next'] }])
  })

  it('reads several links, parameters in any order, rel quoted or not, in any case', () => {
    expect(
      parseLinks(
        '<https://a.example/1>; rel=prev, </2>;title="a, b; c";REL=Next ,<3> ; rel="first Last"'
      )
    ).toEqual([
      { target: 'https://a.example/1', rel: ['prev'] },
      { target: '/2', rel: ['next'] },
      { target: '3', rel: ['first', 'last'] }
    ])
  })

  it('keeps commas and semicolons inside the target, unescapes quoted values, takes the first rel', () => {
    expect(parseLinks('</a,b;c>; rel="n\\ext"; rel=prev, , <d>')).toEqual([
      { target: '/a,b;c', rel: ['next'] },
      { target: 'd', rel: [] }
    ])
  })

  it('reads an empty header as no links', () => {
    expect(parseLinks('')).toEqual([])
    expect(parseLinks(' , ')).toEqual([])
  })

  it.each([
    ['no angle brackets', '/v2/next; rel="next"'],
    ['an unclosed target', '</v2/next; rel="next"'],
    ['an unclosed quote', '</v2/next>; rel="next'],
    ['text after the parameters', '</v2/next>; rel="next" extra'],
    ['a parameter without a value', '</v2/next>; rel='],
    ['no separator between links', '</1>; rel=prev </2>; rel=next']
  ])('refuses a header with %s', (_, header) => {
    expect(parseLinks(header)).toBeUndefined()
  })
})

describe('nextPage', () => {
  it('is undefined without a Link header or without a next link', () => {
    expect(nextPage(null, PAGE, LISTING)).toBeUndefined()
    expect(nextPage('</v2/first>; rel="first"', PAGE, LISTING)).toBeUndefined()
  })

  it('resolves a relative next link against the page, on the listing path with its query', () => {
    const next = nextPage(`<${NEXT_PATH}>; rel="next"`, PAGE, LISTING)
    expect(next).toEqual({ url: new URL(`https://registry.example${NEXT_PATH}`) })
  })

  it('follows an absolute link to the same origin, without its fragment', () => {
    const next = nextPage(`<https://REGISTRY.example:443${NEXT_PATH}#x>; rel=next`, PAGE, LISTING)
    expect(next).toEqual({ url: new URL(`https://registry.example${NEXT_PATH}`) })
  })

  it.each([
    ['another host', `<https://elsewhere.example${NEXT_PATH}>`, 'https://elsewhere.example'],
    [
      'another port',
      `<https://registry.example:8443${NEXT_PATH}>`,
      'https://registry.example:8443'
    ],
    ['another scheme', `<http://registry.example${NEXT_PATH}>`, 'http://registry.example'],
    ['a scheme-relative host', `<//elsewhere.example${NEXT_PATH}>`, 'https://elsewhere.example']
  ])('refuses a next page on %s: it would receive the credentials', (_, link, origin) => {
    expect(nextPage(`${link}; rel="next"`, PAGE, LISTING)).toEqual({
      refused: `names its next page on another origin, ${origin}, which would receive the registry's credentials`
    })
  })

  it.each([
    ['another repository', `/v2/other/app/referrers/${DIGEST}?n=10`],
    ['another digest', `/v2/acme/app/referrers/sha256:${'c'.repeat(64)}`],
    ['another API', `/v2/acme/app/manifests/${DIGEST}`],
    ['a path that climbs out', `/v2/acme/app/referrers/../../other/referrers/${DIGEST}`]
  ])('refuses a next page in %s', (_, path) => {
    expect(nextPage(`<${path}>; rel="next"`, PAGE, LISTING)).toEqual({
      refused: `names a next page outside this listing, ${new URL(path, PAGE).pathname}`
    })
  })

  it('refuses a link with a user name, a header that does not parse, and a target that is not a URL', () => {
    expect(
      nextPage(`<https://user:pw@registry.example${NEXT_PATH}>; rel=next`, PAGE, LISTING)
    ).toEqual({ refused: 'names a next page with a user name or password in it' })
    expect(nextPage(`<${NEXT_PATH}; rel="next"`, PAGE, LISTING)).toEqual({
      refused: 'has a Link header that does not parse'
    })
    expect(nextPage('<https://[bad>; rel="next"', PAGE, LISTING)).toEqual({
      refused: 'names a next page that is not a URL'
    })
  })
})
