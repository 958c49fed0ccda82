import { InputError } from '../errors.js'
import { fileInputs, type FileInputs } from './inputs-files.js'
import { imageInputs, type ImageInputs } from './inputs-images.js'
import { REVOKE_ONLY, revokeInputs, type RevokeInputs } from './inputs-revoke.js'
import { VERIFY_ONLY, verifyInputs, type VerifyInputs } from './inputs-verify.js'
import { DEFAULTS, Input, MODES, type InputReader, type Mode } from './input-names.js'
import { given } from './input-values.js'
import { mask } from './log.js'

export { DEFAULTS, Input, LIMITS, MODES, type InputReader, type Mode } from './input-names.js'
export { bucketName } from './input-values.js'
export type { FileInputs } from './inputs-files.js'
export type { ImageInputs } from './inputs-images.js'
export type { RevokeInputs } from './inputs-revoke.js'
export type { VerifyFileInputs, VerifyImageInputs, VerifyInputs } from './inputs-verify.js'

/** A signing step: files (`path`) or container images (`image`). */
export type SignInputs = FileInputs | ImageInputs

/** Every input, validated and typed. Nothing after `readInputs` reads the environment for inputs. */
export type Inputs = SignInputs | VerifyInputs | RevokeInputs

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
      return revokeInputs(read, env)
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

/** Exactly one of `path` and `image`. */
function signInputs(read: InputReader, env: NodeJS.ProcessEnv): SignInputs {
  const [other] = given(read, [...REVOKE_ONLY, ...VERIFY_ONLY, Input.SigningResults])
  if (other !== undefined) {
    const mode =
      other === Input.SigningResults
        ? "mode 'verify' or 'revoke'"
        : VERIFY_ONLY.includes(other)
          ? "mode 'verify'"
          : "mode 'revoke'"
    throw new InputError(
      other,
      `is not read when signing: it is for ${mode}. Set 'mode', or remove '${other}'.`
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
