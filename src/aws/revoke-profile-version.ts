import {
  GetSigningProfileCommand,
  RevokeSigningProfileCommand,
  type GetSigningProfileCommandOutput,
  type SignerClient
} from '@aws-sdk/client-signer'
import { ActionError, errorMessage, isAccessDenied, isNotFound } from '../errors.js'

export interface ProfileVersionRevocation {
  profileName: string
  profileVersion: string
  reason: string
  /** Signatures made with the version from then on are revoked. */
  effectiveTime: Date
}

export type ProfileVersionOutcome =
  | { status: 'revoked'; effectiveFrom: Date }
  /** Revoked before, from this time or an earlier one: nothing to do. */
  | { status: 'already-revoked'; effectiveFrom: Date; revokedAt: Date | undefined }

/**
 * RevokeSigningProfile, unless the version is revoked already from `effectiveTime` or earlier
 * (GetSigningProfile's revocation record; a role that may not read the profile skips the look).
 * A later record is moved earlier: Signer allows that, never the other way. The request names
 * no owner: only the caller's own profiles can be revoked.
 */
export async function revokeProfileVersion(
  signer: SignerClient,
  request: ProfileVersionRevocation
): Promise<ProfileVersionOutcome> {
  const { profileName, profileVersion } = request
  const label = `profile version ${profileName}/${profileVersion}`
  const profile = await readProfile(signer, profileName)
  const record = profile?.revocationRecord
  const from = record?.revocationEffectiveFrom
  if (profile?.profileVersion === profileVersion && from && from <= request.effectiveTime) {
    return { status: 'already-revoked', effectiveFrom: from, revokedAt: record?.revokedAt }
  }
  try {
    await signer.send(
      new RevokeSigningProfileCommand({
        profileName,
        profileVersion,
        reason: request.reason,
        effectiveTime: request.effectiveTime
      })
    )
    return { status: 'revoked', effectiveFrom: request.effectiveTime }
  } catch (error) {
    const hint = isAccessDenied(error)
      ? ` — the role needs signer:RevokeSigningProfile on the profile (arn:aws:signer:<region>:<account>:/signing-profiles/${profileName}).`
      : isNotFound(error)
        ? ` — the caller's account has no profile '${profileName}' at version ${profileVersion} in this Region. RevokeSigningProfile names no owner: a profile shared by another account is revoked with that account's credentials.`
        : ''
    throw new ActionError(`RevokeSigningProfile of ${label} failed: ${errorMessage(error)}${hint}`)
  }
}

/** The profile's current version, for a step whose jobs name none. */
export async function currentProfileVersion(
  signer: SignerClient,
  profileName: string,
  profileOwner: string | undefined
): Promise<string> {
  let profile: GetSigningProfileCommandOutput | undefined
  try {
    profile = await signer.send(new GetSigningProfileCommand({ profileName, profileOwner }))
  } catch (error) {
    throw new ActionError(
      `GetSigningProfile of '${profileName}' failed: ${errorMessage(error)}${isAccessDenied(error) ? ' — the role needs signer:GetSigningProfile on the profile.' : ''}`
    )
  }
  if (!profile.profileVersion) {
    throw new ActionError(`GetSigningProfile of '${profileName}' answered without a profileVersion`)
  }
  return profile.profileVersion
}

/** The profile, or undefined when the role may not read it (the revocation then tells). */
async function readProfile(
  signer: SignerClient,
  profileName: string
): Promise<GetSigningProfileCommandOutput | undefined> {
  try {
    return await signer.send(new GetSigningProfileCommand({ profileName }))
  } catch (error) {
    if (isAccessDenied(error) || isNotFound(error)) return undefined
    throw new ActionError(`GetSigningProfile of '${profileName}' failed: ${errorMessage(error)}`)
  }
}
