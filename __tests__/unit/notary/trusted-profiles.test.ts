import { describe, expect, it } from '@jest/globals'
import { trustedProfileProblem, trustingEntry } from '../../../src/notary/trusted-profiles.js'

const PROFILE = 'arn:aws:signer:us-east-1:111122223333:/signing-profiles/release_profile'
const VERSION = `${PROFILE}/awUPb84ibN`

describe('trustedProfileProblem', () => {
  it.each([
    PROFILE,
    VERSION,
    'arn:aws-cn:signer:cn-north-1:111122223333:/signing-profiles/p1',
    'arn:aws-us-gov:signer:us-gov-west-1:111122223333:/signing-profiles/p1/v1'
  ])('accepts %s', entry => {
    expect(trustedProfileProblem(entry)).toBeUndefined()
  })

  it('refuses the wildcard, as AWS’s plugin does', () => {
    expect(trustedProfileProblem('*')).toContain("'*' would trust every signing profile")
  })

  it.each([
    'release_profile',
    `${VERSION}/extra`,
    `${PROFILE}/`,
    'arn:aws:signer:us-east-1:111122223333:/signing-jobs/e218ee67',
    'arn:aws:signer:us-east-1:1111:/signing-profiles/release_profile',
    `${PROFILE}\n`
  ])('refuses %j', entry => {
    expect(trustedProfileProblem(entry)).toContain('is neither a signing-profile ARN')
  })
})

describe('trustingEntry', () => {
  it('a profile ARN trusts every version of that profile', () => {
    expect(trustingEntry(VERSION, [PROFILE])).toBe(PROFILE)
    expect(trustingEntry(`${PROFILE}/Zx9Other01`, [PROFILE])).toBe(PROFILE)
  })

  it('a version ARN trusts that version only', () => {
    expect(trustingEntry(VERSION, [VERSION])).toBe(VERSION)
    expect(trustingEntry(`${PROFILE}/Zx9Other01`, [VERSION])).toBeUndefined()
  })

  it('not a profile whose name only starts the same, nor another account, Region or case', () => {
    const prefix = 'arn:aws:signer:us-east-1:111122223333:/signing-profiles/release'
    expect(trustingEntry(VERSION, [prefix])).toBeUndefined()
    expect(
      trustingEntry(VERSION, [PROFILE.replace('111122223333', '444455556666')])
    ).toBeUndefined()
    expect(trustingEntry(VERSION, [PROFILE.replace('us-east-1', 'us-west-2')])).toBeUndefined()
    expect(trustingEntry(VERSION, [PROFILE.replace('release', 'Release')])).toBeUndefined()
  })

  it('returns the first entry that trusts it', () => {
    expect(trustingEntry(VERSION, [VERSION, PROFILE])).toBe(VERSION)
  })
})
