import { existsSync, realpathSync } from 'node:fs'
import path from 'node:path'
import { InputError } from '../errors.js'
import { DEFAULTS, Input, type InputReader } from './input-names.js'

export { ACCOUNT_ID } from '../aws/signer-ids.js'

/** The parsers every mode's inputs share: each throws an `InputError` that names the input. */

export const PROFILE_NAME = /^[A-Za-z0-9_]{2,64}$/
const REGION = /^[a-z]{2}(-[a-z0-9]+)+-\d{1,2}$/

/**
 * The value an input has when the workflow leaves it out: the runner fills in action.yml's
 * default, so a value equal to it cannot be told from none.
 */
const UNSET: Partial<Record<Input, readonly string[]>> = {
  [Input.Mode]: ['', DEFAULTS.mode],
  [Input.SourcePrefix]: ['', DEFAULTS.sourcePrefix],
  [Input.DestinationPrefix]: ['', DEFAULTS.destinationPrefix],
  [Input.OutputDir]: ['', DEFAULTS.outputDir],
  [Input.UploadArtifact]: ['', 'false'],
  [Input.DeleteUnsigned]: ['', 'false'],
  [Input.SignPlatformManifests]: ['', 'false'],
  [Input.TrustedRootSha256]: ['', DEFAULTS.trustedRootSha256],
  [Input.RevokeProfileVersion]: ['', 'false']
}

/** The inputs of `names` that the workflow gave. */
export function given(read: InputReader, names: readonly Input[]): Input[] {
  return names.filter(name => {
    const value = read(name).trim()
    return !(UNSET[name] ?? ['']).some(unset => unset.toLowerCase() === value.toLowerCase())
  })
}

export function required(read: InputReader, name: Input): string {
  const value = read(name).trim()
  if (!value) throw new InputError(name, 'is required and was not given.')
  return value
}

export function optional<T>(
  read: InputReader,
  name: Input,
  parse: (value: string) => T
): T | undefined {
  const value = read(name).trim()
  return value ? parse(value) : undefined
}

export function matching(name: Input, value: string, pattern: RegExp, accepted: string): string {
  if (!pattern.test(value)) throw new InputError(name, `must be ${accepted}; got '${value}'.`)
  return value
}

export function integer(
  read: InputReader,
  name: Input,
  range: { min: number; max: number },
  unit: string
): number | undefined {
  const value = read(name).trim()
  if (!value) return undefined
  const number = Number(value)
  if (!/^\d+$/.test(value) || number < range.min || number > range.max) {
    throw new InputError(
      name,
      `must be a whole number of ${unit} from ${range.min} to ${range.max}; got '${value}'.`
    )
  }
  return number
}

export function boolean(read: InputReader, name: Input, fallback: boolean): boolean {
  const value = read(name).trim()
  if (!value) return fallback
  if (/^true$/i.test(value)) return true
  if (/^false$/i.test(value)) return false
  throw new InputError(name, `must be 'true' or 'false'; got '${value}'.`)
}

/** Non-blank lines, trimmed, without `#` comments. */
export function lines(raw: string): string[] {
  return raw
    .split(/\r?\n/)
    .map(line => line.trim())
    .filter(line => line && !line.startsWith('#'))
}

export function resolveWorkspace(env: NodeJS.ProcessEnv): string {
  const workspace = path.resolve(env.GITHUB_WORKSPACE || process.cwd())
  return existsSync(workspace) ? realpathSync(workspace) : workspace
}

/** The input, else AWS_REGION, else AWS_DEFAULT_REGION. */
export function region(read: InputReader, env: NodeJS.ProcessEnv): string {
  const value = read(Input.Region).trim() || env.AWS_REGION || env.AWS_DEFAULT_REGION || ''
  if (!value) {
    throw new InputError(
      Input.Region,
      'no AWS Region was given: set the input, or AWS_REGION (aws-actions/configure-aws-credentials sets it with `aws-region`).'
    )
  }
  if (!REGION.test(value)) {
    throw new InputError(
      Input.Region,
      `must be an AWS Region code such as 'us-east-1'; got '${value}'.`
    )
  }
  return value
}

/** S3's naming rules for general purpose buckets. */
export function bucketName(name: Input, value: string): string {
  if (value.startsWith('s3://') || value.startsWith('arn:')) {
    throw new InputError(
      name,
      `must be a bucket name alone, without s3:// or an ARN; got '${value}'.`
    )
  }
  const valid =
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value) &&
    !value.includes('..') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(value) &&
    !/^(xn--|sthree-|amzn-s3-demo-)/.test(value) &&
    !/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(value)
  if (!valid) {
    throw new InputError(
      name,
      `'${value}' is not a valid S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit.`
    )
  }
  return value
}
