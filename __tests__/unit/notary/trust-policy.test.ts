import { describe, expect, it } from '@jest/globals'
import { profileArnOf, trustPolicy } from '../../../src/notary/trust-policy.js'

const VERSION_ARN = 'arn:aws:signer:eu-west-1:111122223333:/signing-profiles/container_profile/a1B2'

describe('profileArnOf', () => {
  it('drops the version: the profile ARN trusts every version, as AWS’s plugin compares', () => {
    expect(profileArnOf(VERSION_ARN)).toBe(
      'arn:aws:signer:eu-west-1:111122223333:/signing-profiles/container_profile'
    )
  })

  it('takes nothing that is not a profile version ARN', () => {
    for (const text of [
      'arn:aws:signer:eu-west-1:111122223333:/signing-profiles/container_profile',
      'arn:aws:signer:eu-west-1:111122223333:/signing-jobs/1234',
      `${VERSION_ARN}/extra`,
      ''
    ]) {
      expect(profileArnOf(text)).toBeUndefined()
    }
  })
})

describe('trustPolicy', () => {
  it('scopes one policy per profile to the repositories it signed, each once', () => {
    expect(
      trustPolicy([
        { profileVersionArn: VERSION_ARN, repository: 'ghcr.io/owner/b' },
        { profileVersionArn: VERSION_ARN, repository: 'ghcr.io/owner/a' },
        { profileVersionArn: VERSION_ARN.replace('a1B2', 'c3D4'), repository: 'ghcr.io/owner/a' }
      ])
    ).toEqual({
      version: '1.0',
      trustPolicies: [
        {
          name: 'aws-signer-container_profile',
          registryScopes: ['ghcr.io/owner/a', 'ghcr.io/owner/b'],
          signatureVerification: { level: 'strict' },
          trustStores: ['signingAuthority:aws-signer-ts'],
          trustedIdentities: [
            'arn:aws:signer:eu-west-1:111122223333:/signing-profiles/container_profile'
          ]
        }
      ]
    })
  })

  it("trusts GovCloud's store for a GovCloud profile", () => {
    const policy = trustPolicy([
      {
        profileVersionArn: VERSION_ARN.replace(
          'arn:aws:signer:eu-west-1',
          'arn:aws-us-gov:signer:us-gov-west-1'
        ),
        repository: 'r.example/app'
      }
    ])
    expect(policy?.trustPolicies[0]?.trustStores).toEqual(['signingAuthority:aws-us-gov-signer-ts'])
  })

  it('is undefined when nothing names a profile', () => {
    expect(trustPolicy([])).toBeUndefined()
    expect(trustPolicy([{ profileVersionArn: '', repository: 'r.example/app' }])).toBeUndefined()
  })
})
