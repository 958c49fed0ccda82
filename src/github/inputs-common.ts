import { DEFAULTS, Input, LIMITS, type InputReader } from './input-names.js'
import {
  ACCOUNT_ID,
  PROFILE_NAME,
  boolean,
  integer,
  matching,
  optional,
  region,
  required,
  resolveWorkspace
} from './input-values.js'

/** What every signing step reads, whether it signs files or container images. */
export interface CommonInputs {
  profileName: string
  /** Account that owns the profile, for cross-account signing. */
  profileOwner: string | undefined
  region: string
  timeoutSeconds: number
  maxConcurrency: number
  summary: boolean
  /** Absolute, symlinks resolved. */
  workspace: string
  /** Inputs given that this kind of step does not use: the step warns about them once. */
  ignored: Input[]
}

/** What every mode reads besides the profile's name: where, how long, how many at once. */
export type StepInputs = Omit<CommonInputs, 'profileName' | 'ignored'>

const PROFILE_NAME_ACCEPTED =
  '2 to 64 characters from A-Z, a-z, 0-9 and _ (the name of a Signer signing profile)'

/** `profile-name`: required to sign; verifying and revoking may do without it. */
export function profileNameInput(read: InputReader): string | undefined {
  return optional(read, Input.ProfileName, value =>
    matching(Input.ProfileName, value, PROFILE_NAME, PROFILE_NAME_ACCEPTED)
  )
}

/** The inputs every mode shares; `unit` names what max-concurrency counts. */
export function stepInputs(read: InputReader, env: NodeJS.ProcessEnv, unit: string): StepInputs {
  return {
    profileOwner: optional(read, Input.ProfileOwner, value =>
      matching(Input.ProfileOwner, value, ACCOUNT_ID, 'a 12-digit AWS account ID')
    ),
    region: region(read, env),
    timeoutSeconds:
      integer(read, Input.TimeoutSeconds, LIMITS.timeoutSeconds, 'seconds') ??
      DEFAULTS.timeoutSeconds,
    maxConcurrency:
      integer(read, Input.MaxConcurrency, LIMITS.maxConcurrency, unit) ?? DEFAULTS.maxConcurrency,
    summary: boolean(read, Input.Summary, true),
    workspace: resolveWorkspace(env)
  }
}

/** The inputs files and images share; `unit` names what max-concurrency counts. */
export function commonInputs(
  read: InputReader,
  env: NodeJS.ProcessEnv,
  unit: string
): Omit<CommonInputs, 'ignored'> {
  return {
    profileName: matching(
      Input.ProfileName,
      required(read, Input.ProfileName),
      PROFILE_NAME,
      PROFILE_NAME_ACCEPTED
    ),
    ...stepInputs(read, env, unit)
  }
}
