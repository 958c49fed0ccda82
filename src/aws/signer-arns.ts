/**
 * The ARNs Lambda code signing works with. DescribeSigningJob returns neither, so they are built
 * the way Signer writes them: a CodeSigningConfig trusts `SigningProfileVersionArns`, and Lambda
 * reports `SigningJobArn` for code that a job signed.
 */

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn'
  if (region.startsWith('us-gov-')) return 'aws-us-gov'
  if (region.startsWith('us-iso-')) return 'aws-iso'
  if (region.startsWith('us-isob-')) return 'aws-iso-b'
  return 'aws'
}

export function profileVersionArn(profile: {
  region: string
  owner: string
  name: string
  version: string
}): string {
  return `arn:${partitionOf(profile.region)}:signer:${profile.region}:${profile.owner}:/signing-profiles/${profile.name}/${profile.version}`
}

export function signingJobArn(job: { region: string; owner: string; jobId: string }): string {
  return `arn:${partitionOf(job.region)}:signer:${job.region}:${job.owner}:/signing-jobs/${job.jobId}`
}
