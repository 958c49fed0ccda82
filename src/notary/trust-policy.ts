/**
 * The Notation trust policy that verifies what the action signed, as AWS's Developer Guide
 * writes it ("Verify an image"): the signing-authority trust store that AWS's installer sets up
 * with AWS Signer's root, and the signing profile's ARN as the trusted identity, which AWS's
 * plugin matches against every version of the profile.
 */

export interface TrustPolicyDocument {
  version: '1.0'
  trustPolicies: Array<{
    name: string
    registryScopes: string[]
    signatureVerification: { level: 'strict' }
    trustStores: string[]
    trustedIdentities: string[]
  }>
}

// arn:<partition>:signer:<region>:<account>:/signing-profiles/<name>/<version>
const PROFILE_VERSION_ARN =
  /^(arn:(aws[a-z-]*):signer:[a-z0-9-]+:\d{12}:\/signing-profiles\/([A-Za-z0-9_]{2,64}))\/[A-Za-z0-9]{1,64}$/

/** The profile's ARN (every version) from a version's ARN; undefined when it is not one. */
export function profileArnOf(profileVersionArn: string): string | undefined {
  return PROFILE_VERSION_ARN.exec(profileVersionArn)?.[1]
}

/** The trust store AWS's installer provisions for the partition (GovCloud has its own). */
function trustStoreOf(profileArn: string): string {
  return profileArn.startsWith('arn:aws-us-gov:')
    ? 'signingAuthority:aws-us-gov-signer-ts'
    : 'signingAuthority:aws-signer-ts'
}

/**
 * One policy per profile that signed, scoped to the repositories (`registry/repository`) it
 * signed in; undefined when nothing was signed.
 */
export function trustPolicy(
  signed: ReadonlyArray<{ profileVersionArn: string; repository: string }>
): TrustPolicyDocument | undefined {
  const scopes = new Map<string, Set<string>>()
  for (const { profileVersionArn, repository } of signed) {
    const profileArn = profileArnOf(profileVersionArn)
    if (!profileArn) continue
    const repositories = scopes.get(profileArn) ?? new Set<string>()
    repositories.add(repository)
    scopes.set(profileArn, repositories)
  }
  if (scopes.size === 0) return undefined
  return {
    version: '1.0',
    trustPolicies: [...scopes.entries()].map(([profileArn, repositories]) => ({
      name: `aws-signer-${PROFILE_VERSION_ARN.exec(`${profileArn}/v`)?.[3] ?? 'profile'}`,
      registryScopes: [...repositories].sort(),
      signatureVerification: { level: 'strict' },
      trustStores: [trustStoreOf(profileArn)],
      trustedIdentities: [profileArn]
    }))
  }
}
