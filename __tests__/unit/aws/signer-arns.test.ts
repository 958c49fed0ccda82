import { describe, expect, it } from '@jest/globals'
import {
  parseProfileVersionArn,
  parseSigningJobArn,
  partitionOf,
  profileVersionArn,
  signingJobArn
} from '../../../src/aws/signer-arns.js'

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

describe('reading Signer ARNs back', () => {
  it('reads a job ARN and a profile version ARN that the builders wrote', () => {
    const job = { region: 'us-gov-west-1', owner: '111122223333', jobId: '2a5ea5b1-1' }
    expect(parseSigningJobArn(signingJobArn(job))).toEqual({ ...job, partition: 'aws-us-gov' })
    const version = {
      region: 'us-east-1',
      owner: '111122223333',
      name: 'release_profile',
      version: 'Ab3xYz9Q1k'
    }
    expect(parseProfileVersionArn(profileVersionArn(version))).toEqual(version)
  })

  it.each([
    'arn:aws:signer:us-east-1:111122223333:/signing-profiles/release_profile',
    'arn:aws:signer:us-east-1:1111:/signing-jobs/x',
    'arn:aws:s3:::bucket/signing-jobs/x',
    'job-1',
    ''
  ])("reads '%s' as neither, or not a job", arn => {
    expect(parseSigningJobArn(arn)).toBeUndefined()
    expect(parseProfileVersionArn(arn)).toBeUndefined()
  })
})
