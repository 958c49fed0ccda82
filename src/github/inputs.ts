import { InputError } from '../errors.js'
import { fileInputs, type FileInputs } from './inputs-files.js'
import { imageInputs, type ImageInputs } from './inputs-images.js'
import { verifyInputs, type VerifyInputs } from './inputs-verify.js'
import { DEFAULTS, Input, MODES, type InputReader, type Mode } from './input-names.js'
import { given } from './input-values.js'
import { mask } from './log.js'

export { DEFAULTS, Input, LIMITS, MODES, type InputReader, type Mode } from './input-names.js'
export { bucketName } from './input-values.js'
export type { FileInputs } from './inputs-files.js'
export type { ImageInputs } from './inputs-images.js'
export type { VerifyFileInputs, VerifyImageInputs, VerifyInputs } from './inputs-verify.js'

/** A signing step: files (`path`) or container images (`image`). */
export type SignInputs = FileInputs | ImageInputs

/** Every input, validated and typed. Nothing after `readInputs` reads the environment for inputs. */
export type Inputs = SignInputs | VerifyInputs

/** The entry: `mode` first, then the inputs of that mode. */
export function readInputs(read: InputReader, env: NodeJS.ProcessEnv = process.env): Inputs {
  // Masked before anything can echo it, whichever kind of step this is.
  mask(read(Input.RegistryPassword).trim())
  const mode = readMode(read)
  switch (mode) {
    case 'sign':
      return signInputs(read, env)
    case 'verify':
      return verifyInputs(read, env)
    case 'revoke':
      throw new InputError(Input.Mode, `mode '${mode}' is not available in this version.`)
  }
}

function readMode(read: InputReader): Mode {
  const value = read(Input.Mode).trim().toLowerCase() || DEFAULTS.mode
  const mode = MODES.find(known => known === value)
  if (!mode) {
    throw new InputError(
      Input.Mode,
      `must be one of ${MODES.map(known => `'${known}'`).join(', ')}; got '${read(Input.Mode).trim()}'.`
    )
  }
  return mode
}

/** What only verifying reads: given to a signing step, it means `mode: verify` was left out. */
const NOT_FOR_SIGNING: readonly Input[] = [
  Input.TrustedProfiles,
  Input.TrustedRootSha256,
  Input.SigningResults
]

/** Exactly one of `path` and `image`. */
function signInputs(read: InputReader, env: NodeJS.ProcessEnv): SignInputs {
  const [notForSigning] = given(read, NOT_FOR_SIGNING)
  if (notForSigning !== undefined) {
    throw new InputError(
      notForSigning,
      "is not an input of signing (mode sign, the default): to check signatures, add 'mode: verify'."
    )
  }
  const hasPath = read(Input.Path).trim() !== ''
  const hasImage = read(Input.Image).trim() !== ''
  if (hasPath && hasImage) {
    throw new InputError(
      Input.Image,
      "and 'path' are both given: a step signs either files ('path') or container images ('image'). Sign them in two steps."
    )
  }
  if (!hasPath && !hasImage) {
    throw new InputError(
      Input.Path,
      "is required and was not given: give 'path' (files to sign) or 'image' (container images to sign)."
    )
  }
  return hasImage ? imageInputs(read, env) : fileInputs(read, env)
}

/** The warning for inputs given that this kind of step does not use; undefined when none. */
export function ignoredInputsWarning(inputs: SignInputs): string | undefined {
  if (inputs.ignored.length === 0) return undefined
  const names = inputs.ignored.map(name => `'${name}'`).join(', ')
  return inputs.kind === 'images'
    ? `Ignored ${names}: they steer how files are uploaded to S3, and images are signed without S3 (SignPayload, then the registry).`
    : `Ignored ${names}: they are for container images ('image'), and this step signs files ('path').`
}
