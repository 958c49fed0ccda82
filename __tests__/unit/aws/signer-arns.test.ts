import { describe, expect, it } from '@jest/globals'
import { partitionOf, profileVersionArn, signingJobArn } from '../../../src/aws/signer-arns.js'

describe('Signer ARNs', () => {
  it('builds the profile version ARN Lambda lists under AllowedPublishers', () => {
    expect(
      profileVersionArn({
        region: 'us-east-1',
        owner: '111122223333',
        name: 'release_profile',
        version: 'Ab3xYz9Q1k'
      })
    ).toBe('arn:aws:signer:us-east-1:111122223333:/signing-profiles/release_profile/Ab3xYz9Q1k')
  })

  it('builds the job ARN as Lambda reports SigningJobArn', () => {
    expect(signingJobArn({ region: 'eu-west-1', owner: '111122223333', jobId: '2a5ea5b1-1' })).toBe(
      'arn:aws:signer:eu-west-1:111122223333:/signing-jobs/2a5ea5b1-1'
    )
  })

  it.each([
    ['us-east-1', 'aws'],
    ['cn-north-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['ap-southeast-2', 'aws']
  ])('puts %s in partition %s', (region, partition) => {
    expect(partitionOf(region)).toBe(partition)
    expect(signingJobArn({ region, owner: '1', jobId: 'j' })).toMatch(
      new RegExp(`^arn:${partition}:signer:${region}:`)
    )
  })
})
