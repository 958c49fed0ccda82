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

/** The partition and Region any Signer ARN names; undefined for anything else. */
export function signerArnPlace(arn: string): { partition: string; region: string } | undefined {
  const match = /^arn:([a-z-]+):signer:([a-z0-9-]*):/.exec(arn)
  if (!match) return undefined
  const [, partition = '', region = ''] = match
  return { partition, region }
}

/**
 * Where a Signer ARN points when that is not the step's Region and partition, as words for a
 * message ('us-west-2 (partition aws)', 'no Region'); undefined when it is the step's.
 */
export function elsewhereThan(arn: string, region: string): string | undefined {
  const place = signerArnPlace(arn)
  if (place?.region === region && place.partition === partitionOf(region)) return undefined
  return place ? `${place.region} (partition ${place.partition})` : 'no Region'
}

/** A signing job ARN's parts; undefined for anything else. */
export function parseSigningJobArn(
  arn: string
): { partition: string; region: string; owner: string; jobId: string } | undefined {
  const match = /^arn:(aws[a-z-]*):signer:([a-z0-9-]+):(\d{12}):\/signing-jobs\/([^/\s]+)$/.exec(
    arn
  )
  if (!match) return undefined
  const [, partition = '', region = '', owner = '', jobId = ''] = match
  return { partition, region, owner, jobId }
}

/** A profile version ARN's parts; undefined for anything else (a profile ARN without version). */
export function parseProfileVersionArn(
  arn: string
): { region: string; owner: string; name: string; version: string } | undefined {
  const match =
    /^arn:aws[a-z-]*:signer:([a-z0-9-]+):(\d{12}):\/signing-profiles\/([A-Za-z0-9_]{2,64})\/([A-Za-z0-9]{10})$/.exec(
      arn
    )
  if (!match) return undefined
  const [, region = '', owner = '', name = '', version = ''] = match
  return { region, owner, name, version }
}
