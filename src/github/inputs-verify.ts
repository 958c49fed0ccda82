import path from 'node:path'
import { InputError } from '../errors.js'
import { trustedProfileProblem } from '../notary/trusted-profiles.js'
import { isInside } from '../pipeline/paths.js'
import { checkExplicitCredentialsScope } from '../registry/credentials.js'
import {
  displayReference,
  parseImageReference,
  type ImageReference
} from '../registry/image-reference.js'
import { REVOKE_ONLY } from './inputs-revoke.js'
import { DEFAULTS, Input, type InputReader } from './input-names.js'
import { profileNameInput, stepInputs } from './inputs-common.js'
import { ACCOUNT_ID, given, lines, matching, optional } from './input-values.js'

/** What a verifying step reads, whether it verifies files or container images. */
interface VerifyCommonInputs {
  mode: 'verify'
  /** Whose ARN trusted-profiles defaults to; not needed when trusted-profiles is given. */
  profileName: string | undefined
  profileOwner: string | undefined
  region: string
  timeoutSeconds: number
  maxConcurrency: number
  summary: boolean
  /** Absolute, symlinks resolved. */
  workspace: string
  /** trusted-profiles as given; undefined: the ARN of profile-name, read when the step runs. */
  trustedProfiles: string[] | undefined
  /** Inputs given that a verifying step does not use: the step warns about them once. */
  ignored: Input[]
}

/** `image` with `mode: verify`: the images' Notary signatures, found in their registries. */
export interface VerifyImageInputs extends VerifyCommonInputs {
  kind: 'images'
  images: ImageReference[]
  registryCredentials: { username: string; password: string } | undefined
  /** Lowercase hex SHA-256 of each pinned root's DER. */
  trustedRootSha256: string[]
}

/** `path` with `mode: verify`: local files against the signing record and Signer's jobs. */
export interface VerifyFileInputs extends VerifyCommonInputs {
  kind: 'files'
  /** Glob patterns, one per line of `path`, as given. */
  patterns: string[]
  /** Signing records (or signing steps' results-files): paths or glob patterns, as given. */
  signingResults: string[]
  expectedBucketOwner: string | undefined
}

export type VerifyInputs = VerifyImageInputs | VerifyFileInputs

/** What only signing reads: given with `mode: verify`, ignored with a warning. */
const SIGN_ONLY: readonly Input[] = [
  Input.SourceBucket,
  Input.SourcePrefix,
  Input.DestinationBucket,
  Input.DestinationPrefix,
  Input.OutputDir,
  Input.UploadArtifact,
  Input.ArtifactName,
  Input.RetentionDays,
  Input.SseKmsKeyId,
  Input.DeleteUnsigned,
  Input.ReleaseTag,
  Input.SignPlatformManifests
]
const FILES_ONLY: readonly Input[] = [Input.SigningResults, Input.ExpectedBucketOwner]
const IMAGES_ONLY: readonly Input[] = [
  Input.RegistryUsername,
  Input.RegistryPassword,
  Input.TrustedRootSha256
]

/** Inputs only `mode: verify` reads: refused by the other modes, so no one forgets the mode. */
export const VERIFY_ONLY: readonly Input[] = [Input.TrustedProfiles, Input.TrustedRootSha256]

const SHA256_FINGERPRINT = /^[0-9a-f]{64}$/

export function verifyInputs(read: InputReader, env: NodeJS.ProcessEnv): VerifyInputs {
  const [revokeOnly] = given(read, REVOKE_ONLY)
  if (revokeOnly !== undefined) {
    throw new InputError(
      revokeOnly,
      `is not read when verifying: it is for mode 'revoke'. Set 'mode', or remove '${revokeOnly}'.`
    )
  }
  const hasPath = read(Input.Path).trim() !== ''
  const hasImage = read(Input.Image).trim() !== ''
  if (hasPath === hasImage) {
    throw new InputError(
      hasPath ? Input.Image : Input.Path,
      hasPath
        ? "and 'path' are both given: a step verifies either files ('path') or container images ('image'). Verify them in two steps."
        : "is required and was not given: give 'path' (signed files to verify, with 'signing-results') or 'image' (container images to verify)."
    )
  }
  const common = verifyCommon(read, env, hasImage ? 'images at once' : 'files at once')
  return hasImage ? imageVerifyInputs(read, common) : fileVerifyInputs(read, common)
}

function verifyCommon(
  read: InputReader,
  env: NodeJS.ProcessEnv,
  unit: string
): Omit<VerifyCommonInputs, 'ignored'> {
  const profileName = profileNameInput(read)
  const trustedProfiles = optional(read, Input.TrustedProfiles, trustedProfileArns)
  if (!profileName && !trustedProfiles) {
    throw new InputError(
      Input.TrustedProfiles,
      "and 'profile-name' are both empty: name the signing profiles whose signatures to accept (trusted-profiles: profile or profile-version ARNs, one a line), or give profile-name to accept every version of that profile."
    )
  }
  return {
    mode: 'verify',
    profileName,
    ...stepInputs(read, env, unit),
    trustedProfiles
  }
}

function imageVerifyInputs(
  read: InputReader,
  common: Omit<VerifyCommonInputs, 'ignored'>
): VerifyImageInputs {
  const images = new Map<string, ImageReference>()
  for (const text of lines(read(Input.Image))) {
    const reference = parseImageReference(text, Input.Image)
    const key = displayReference(reference)
    if (!images.has(key)) images.set(key, reference)
  }
  const username = read(Input.RegistryUsername).trim()
  const password = read(Input.RegistryPassword).trim()
  if (Boolean(username) !== Boolean(password)) {
    throw new InputError(
      username ? Input.RegistryPassword : Input.RegistryUsername,
      `is empty while '${username ? Input.RegistryUsername : Input.RegistryPassword}' is given: give both, or neither to use the Docker config (docker/login-action).`
    )
  }
  if (username) checkExplicitCredentialsScope([...images.values()], Input.RegistryUsername)
  return {
    ...common,
    kind: 'images',
    images: [...images.values()],
    registryCredentials: username ? { username, password } : undefined,
    trustedRootSha256: rootFingerprints(read(Input.TrustedRootSha256)),
    ignored: given(read, [...SIGN_ONLY, ...FILES_ONLY])
  }
}

function fileVerifyInputs(
  read: InputReader,
  common: Omit<VerifyCommonInputs, 'ignored'>
): VerifyFileInputs {
  const { workspace } = common
  const patterns = lines(read(Input.Path))
  for (const pattern of patterns) {
    if (!isInside(workspace, path.resolve(workspace, pattern.replace(/^!+/, '')))) {
      throw new InputError(
        Input.Path,
        `'${pattern}' points outside the workspace (${workspace}); give paths relative to the workspace, without '../'.`
      )
    }
  }
  const signingResults = lines(read(Input.SigningResults))
  if (signingResults.length === 0) {
    throw new InputError(
      Input.SigningResults,
      "is required with 'path' and mode verify: give the signing record of the files (<artifact-name>.signing.json, from the signing step's artifact or release), or a signing step's results-file."
    )
  }
  return {
    ...common,
    kind: 'files',
    patterns,
    signingResults,
    expectedBucketOwner: optional(read, Input.ExpectedBucketOwner, value =>
      matching(Input.ExpectedBucketOwner, value, ACCOUNT_ID, 'a 12-digit AWS account ID')
    ),
    ignored: given(read, [...SIGN_ONLY, ...IMAGES_ONLY])
  }
}

/** One ARN a line, each a profile or profile-version ARN, each listed once. */
function trustedProfileArns(raw: string): string[] {
  const entries = [...new Set(lines(raw))]
  for (const entry of entries) {
    const problem = trustedProfileProblem(entry)
    if (problem) throw new InputError(Input.TrustedProfiles, `${problem}.`)
  }
  return entries
}

/** One fingerprint a line, as notation or openssl print it (colons, either case). */
function rootFingerprints(raw: string): string[] {
  const given = lines(raw)
  const roots = (given.length > 0 ? given : [DEFAULTS.trustedRootSha256]).map(line => {
    const fingerprint = line.replace(/[:\s]/g, '').toLowerCase()
    if (!SHA256_FINGERPRINT.test(fingerprint)) {
      throw new InputError(
        Input.TrustedRootSha256,
        `'${line}' is not the SHA-256 of a certificate: 64 hex digits (colons allowed), one a line.`
      )
    }
    return fingerprint
  })
  return [...new Set(roots)]
}

/** The warning for inputs given that a verifying step does not use; undefined when none. */
export function ignoredVerifyInputsWarning(inputs: VerifyInputs): string | undefined {
  if (inputs.ignored.length === 0) return undefined
  const names = inputs.ignored.map(name => `'${name}'`).join(', ')
  return `Ignored ${names}: mode verify ${inputs.kind === 'images' ? "with 'image'" : "with 'path'"} does not use them.`
}
