import { quoted } from './untrusted.js'

/**
 * Which signing profiles a verifier trusts, as AWS's Notation plugin reads a trust policy's
 * trusted identities (aws-signer-notation-plugin, internal/verifier/verifier.go): a profile ARN
 * trusts every version of the profile, a profile-version ARN that version only, and `*` is
 * refused. Unlike the plugin, ARNs are compared exactly, not case-insensitively: Signer writes the
 * ARN the same way every time, and a profile whose name differs only in case is another profile.
 */

// arn:<partition>:signer:<region>:<account>:/signing-profiles/<name>[/<version>]
const PROFILE_ARN =
  /^arn:aws[a-z-]*:signer:[a-z0-9-]+:\d{12}:\/signing-profiles\/[A-Za-z0-9_]{2,64}(?:\/[A-Za-z0-9]{1,64})?$/

/** What is wrong with a trusted-profile entry, or undefined when nothing is. */
export function trustedProfileProblem(entry: string): string | undefined {
  if (entry === '*') {
    return "'*' would trust every signing profile; name profile ARNs or profile-version ARNs"
  }
  if (!PROFILE_ARN.test(entry)) {
    return `${quoted(entry)} is neither a signing-profile ARN (arn:aws:signer:<region>:<account>:/signing-profiles/<name>) nor a profile-version ARN (…/<name>/<version>)`
  }
  return undefined
}

/**
 * The entry of `trusted` that trusts the profile version a signature names, or undefined: the
 * version ARN itself, or the profile's ARN (the version ARN without its last segment).
 */
export function trustingEntry(
  profileVersionArn: string,
  trusted: readonly string[]
): string | undefined {
  const profileArn = profileVersionArn.slice(0, profileVersionArn.lastIndexOf('/'))
  return trusted.find(entry => entry === profileVersionArn || entry === profileArn)
}
