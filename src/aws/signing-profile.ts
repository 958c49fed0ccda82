import { GetSigningProfileCommand, type SignerClient } from '@aws-sdk/client-signer'
import { ActionError, errorMessage, isAccessDenied, isNotFound } from '../errors.js'
import { trustedProfileProblem } from '../notary/trusted-profiles.js'
import { quoted } from '../notary/untrusted.js'

export interface ProfileRef {
  profileName: string
  /** The account that shares the profile, when it is another's. */
  profileOwner: string | undefined
}

/** What verification reads of a signing profile. */
export interface ProfileReading {
  /** The profile's ARN: as a trusted profile, it trusts every version. */
  arn: string
  /** The current version, which a profile revocation names. */
  profileVersion: string | undefined
  /** Signatures made from this time on are revoked (RevokeSigningProfile). */
  revokedFrom: Date | undefined
}

/** One GetSigningProfile, through the step's paced Signer client. */
export async function readSigningProfile(
  signer: SignerClient,
  { profileName, profileOwner }: ProfileRef
): Promise<ProfileReading> {
  const named = `signing profile '${profileName}'${profileOwner ? ` owned by ${profileOwner}` : ''}`
  let answer
  try {
    answer = await signer.send(new GetSigningProfileCommand({ profileName, profileOwner }))
  } catch (error) {
    const hint = isAccessDenied(error)
      ? ' — the role needs signer:GetSigningProfile on the profile.'
      : isNotFound(error)
        ? " — check 'profile-name', 'region' and 'profile-owner'."
        : ''
    throw new ActionError(`GetSigningProfile for ${named} failed: ${errorMessage(error)}${hint}`)
  }
  const arn = answer.arn ?? ''
  const problem = trustedProfileProblem(arn)
  if (problem) {
    throw new ActionError(
      `GetSigningProfile for ${named} answered an arn that is not a profile ARN (${quoted(arn)}).`
    )
  }
  return {
    arn,
    profileVersion: answer.profileVersion,
    revokedFrom: answer.revocationRecord?.revocationEffectiveFrom
  }
}
