import { existsSync, realpathSync } from 'node:fs'
import path from 'node:path'
import { InputError } from '../errors.js'
import { isInside, realpathOfExisting } from '../pipeline/paths.js'
import { checkExplicitCredentialsScope } from '../registry/credentials.js'
import {
  displayReference,
  parseImageReference,
  type ImageReference
} from '../registry/image-reference.js'
import { mask } from './log.js'

/** Input names as action.yml declares them. */
export enum Input {
  ProfileName = 'profile-name',
  Path = 'path',
  SourceBucket = 'source-bucket',
  SourcePrefix = 'source-prefix',
  DestinationBucket = 'destination-bucket',
  DestinationPrefix = 'destination-prefix',
  OutputDir = 'output-dir',
  ProfileOwner = 'profile-owner',
  Region = 'region',
  TimeoutSeconds = 'timeout-seconds',
  MaxConcurrency = 'max-concurrency',
  Summary = 'summary',
  UploadArtifact = 'upload-artifact',
  ArtifactName = 'artifact-name',
  RetentionDays = 'retention-days',
  ExpectedBucketOwner = 'expected-bucket-owner',
  SseKmsKeyId = 'sse-kms-key-id',
  DeleteUnsigned = 'delete-unsigned',
  ReleaseTag = 'release-tag',
  GithubToken = 'github-token',
  Image = 'image',
  RegistryUsername = 'registry-username',
  RegistryPassword = 'registry-password',
  SignPlatformManifests = 'sign-platform-manifests'
}

/** What every step reads, whether it signs files or container images. */
interface CommonInputs {
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

/** `path`: files, signed through S3 and StartSigningJob. */
export interface FileInputs extends CommonInputs {
  kind: 'files'
  /** Glob patterns, one per line of `path`, as given (`!` marks an exclusion). */
  patterns: string[]
  sourceBucket: string
  sourcePrefix: string
  destinationBucket: string
  destinationPrefix: string
  /** Absolute path inside the workspace. */
  outputDir: string
  uploadArtifact: boolean
  artifactName: string | undefined
  retentionDays: number | undefined
  expectedBucketOwner: string | undefined
  sseKmsKeyId: string | undefined
  /** Delete the unsigned object version this run uploaded, once its job has ended. */
  deleteUnsigned: boolean
  /** Tag of an existing release that the signed files are attached to. */
  releaseTag: string | undefined
  githubToken: string | undefined
}

/** `image`: container images, signed with SignPayload and stored beside them in the registry. */
export interface ImageInputs extends CommonInputs {
  kind: 'images'
  /** One per line of `image`, parsed, each listed once. */
  images: ImageReference[]
  /** registry-username and registry-password, both or neither (masked on reading). */
  registryCredentials: { username: string; password: string } | undefined
  /** Also sign each platform manifest that an image index lists. */
  signPlatformManifests: boolean
}

/** Every input, validated and typed. Nothing after `readInputs` reads the environment for inputs. */
export type Inputs = FileInputs | ImageInputs

/** Reads one raw input; '' when not set (the runner sets declared defaults itself). */
export type InputReader = (name: Input) => string

export const DEFAULTS = {
  sourcePrefix: 'unsigned/',
  destinationPrefix: 'signed/',
  outputDir: 'signed',
  timeoutSeconds: 600,
  maxConcurrency: 4
} as const

export const LIMITS = {
  timeoutSeconds: { min: 1, max: 21600 },
  maxConcurrency: { min: 1, max: 32 },
  // GitHub caps it further by the repository's own setting.
  retentionDays: { min: 1, max: 400 }
} as const

const PROFILE_NAME = /^[A-Za-z0-9_]{2,64}$/
const ACCOUNT_ID = /^\d{12}$/
const REGION = /^[a-z]{2}(-[a-z0-9]+)+-\d{1,2}$/
const KMS_KEY =
  /^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_+=,.@-]+|alias\/[A-Za-z0-9/_+=,.@-]+|(mrk-)?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}|mrk-[0-9a-f]{32})$/
// What `git check-ref-format` refuses in a tag, in short: no blanks, controls, ~^:?*[\ or '..'.
const RELEASE_TAG =
  // eslint-disable-next-line no-control-regex
  /^(?!\.|-|\/)(?!.*(\.\.|\/\/|@\{|\.lock$|\/$|\.$))[^\u0000-\u0020\u007f~^:?*[\\]{1,250}$/
// Characters that @actions/artifact refuses in a name.
const ARTIFACT_NAME_FORBIDDEN = /[":<>|*?\r\n\\/]/

export function readInputs(read: InputReader, env: NodeJS.ProcessEnv = process.env): Inputs {
  // Masked before anything can echo it, whichever kind of step this is.
  mask(read(Input.RegistryPassword).trim())
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
  const workspace = resolveWorkspace(env)
  const common: Omit<CommonInputs, 'ignored'> = {
    profileName: matching(
      Input.ProfileName,
      required(read, Input.ProfileName),
      PROFILE_NAME,
      '2 to 64 characters from A-Z, a-z, 0-9 and _ (the name of a Signer signing profile)'
    ),
    profileOwner: optional(read, Input.ProfileOwner, value =>
      matching(Input.ProfileOwner, value, ACCOUNT_ID, 'a 12-digit AWS account ID')
    ),
    region: region(read(Input.Region).trim() || env.AWS_REGION || env.AWS_DEFAULT_REGION || ''),
    timeoutSeconds:
      integer(read, Input.TimeoutSeconds, LIMITS.timeoutSeconds, 'seconds') ??
      DEFAULTS.timeoutSeconds,
    maxConcurrency:
      integer(
        read,
        Input.MaxConcurrency,
        LIMITS.maxConcurrency,
        hasImage ? 'images at once' : 'files at once'
      ) ?? DEFAULTS.maxConcurrency,
    summary: boolean(read, Input.Summary, true),
    workspace
  }
  return hasImage ? imageInputs(read, common) : fileInputs(read, common)
}

function fileInputs(read: InputReader, common: Omit<CommonInputs, 'ignored'>): FileInputs {
  const { workspace } = common
  const patterns = pathPatterns(required(read, Input.Path), workspace)
  const sourceBucket = bucketName(Input.SourceBucket, required(read, Input.SourceBucket))
  return {
    kind: 'files',
    ...common,
    patterns,
    sourceBucket,
    sourcePrefix: keyPrefix(Input.SourcePrefix, read(Input.SourcePrefix), DEFAULTS.sourcePrefix),
    destinationBucket:
      optional(read, Input.DestinationBucket, value =>
        bucketName(Input.DestinationBucket, value)
      ) ?? sourceBucket,
    destinationPrefix: keyPrefix(
      Input.DestinationPrefix,
      read(Input.DestinationPrefix),
      DEFAULTS.destinationPrefix
    ),
    outputDir: outputDirectory(read(Input.OutputDir).trim() || DEFAULTS.outputDir, workspace),
    uploadArtifact: boolean(read, Input.UploadArtifact, false),
    artifactName: optional(read, Input.ArtifactName, artifactName),
    retentionDays: integer(read, Input.RetentionDays, LIMITS.retentionDays, 'days'),
    expectedBucketOwner: optional(read, Input.ExpectedBucketOwner, value =>
      matching(Input.ExpectedBucketOwner, value, ACCOUNT_ID, 'a 12-digit AWS account ID')
    ),
    sseKmsKeyId: optional(read, Input.SseKmsKeyId, value =>
      matching(
        Input.SseKmsKeyId,
        value,
        KMS_KEY,
        'a KMS key ID, key ARN, alias name (alias/...) or alias ARN'
      )
    ),
    deleteUnsigned: boolean(read, Input.DeleteUnsigned, false),
    ...release(read),
    ignored: given(read, IMAGE_ONLY)
  }
}

/**
 * Inputs of the file route whose effect a later step or a person would look for (signed files,
 * an artifact, release assets): given with `image`, they are refused, since nothing would come
 * of them. The others only steer the S3 route, which images do not take: ignored with a warning.
 */
const REFUSED_WITH_IMAGE: readonly Input[] = [
  Input.OutputDir,
  Input.UploadArtifact,
  Input.ArtifactName,
  Input.RetentionDays,
  Input.ReleaseTag
]
const IGNORED_WITH_IMAGE: readonly Input[] = [
  Input.SourceBucket,
  Input.SourcePrefix,
  Input.DestinationBucket,
  Input.DestinationPrefix,
  Input.ExpectedBucketOwner,
  Input.SseKmsKeyId,
  Input.DeleteUnsigned
]
const IMAGE_ONLY: readonly Input[] = [
  Input.RegistryUsername,
  Input.RegistryPassword,
  Input.SignPlatformManifests
]

/**
 * The value an input has when the workflow leaves it out: the runner fills in action.yml's
 * default, so a value equal to it cannot be told from none.
 */
const UNSET: Partial<Record<Input, readonly string[]>> = {
  [Input.SourcePrefix]: ['', DEFAULTS.sourcePrefix],
  [Input.DestinationPrefix]: ['', DEFAULTS.destinationPrefix],
  [Input.OutputDir]: ['', DEFAULTS.outputDir],
  [Input.UploadArtifact]: ['', 'false'],
  [Input.DeleteUnsigned]: ['', 'false'],
  [Input.SignPlatformManifests]: ['', 'false']
}

/** The inputs of `names` that the workflow gave. */
function given(read: InputReader, names: readonly Input[]): Input[] {
  return names.filter(name => {
    const value = read(name).trim()
    return !(UNSET[name] ?? ['']).some(unset => unset.toLowerCase() === value.toLowerCase())
  })
}

function imageInputs(read: InputReader, common: Omit<CommonInputs, 'ignored'>): ImageInputs {
  const refused = given(read, REFUSED_WITH_IMAGE)
  const [first] = refused
  if (first !== undefined) {
    throw new InputError(
      first,
      `is for files and was given with 'image': images are signed in their registry, and no signed file, artifact or release asset is made for them. Remove ${refused.map(name => `'${name}'`).join(', ')}, or sign files in a step of their own.`
    )
  }
  const images = imageReferences(read(Input.Image))
  const username = read(Input.RegistryUsername).trim()
  const password = read(Input.RegistryPassword).trim()
  if (Boolean(username) !== Boolean(password)) {
    throw new InputError(
      username ? Input.RegistryPassword : Input.RegistryUsername,
      `is empty while '${username ? Input.RegistryUsername : Input.RegistryPassword}' is given: give both (for GHCR: \${{ github.actor }} and \${{ secrets.GITHUB_TOKEN }}), or neither to use the Docker config (docker/login-action).`
    )
  }
  if (username) checkExplicitCredentialsScope(images, Input.RegistryUsername)
  return {
    kind: 'images',
    ...common,
    images,
    registryCredentials: username ? { username, password } : undefined,
    signPlatformManifests: boolean(read, Input.SignPlatformManifests, false),
    ignored: given(read, IGNORED_WITH_IMAGE)
  }
}

/** One reference a line; blank lines and `#` comments skipped; a repeated image listed once. */
function imageReferences(raw: string): ImageReference[] {
  const references = new Map<string, ImageReference>()
  for (const line of raw.split(/\r?\n/)) {
    const text = line.trim()
    if (!text || text.startsWith('#')) continue
    const reference = parseImageReference(text, Input.Image)
    const key = displayReference(reference)
    if (!references.has(key)) references.set(key, reference)
  }
  return [...references.values()]
}

/** The warning for inputs given that this kind of step does not use; undefined when none. */
export function ignoredInputsWarning(inputs: Inputs): string | undefined {
  if (inputs.ignored.length === 0) return undefined
  const names = inputs.ignored.map(name => `'${name}'`).join(', ')
  return inputs.kind === 'images'
    ? `Ignored ${names}: they steer how files are uploaded to S3, and images are signed without S3 (SignPayload, then the registry).`
    : `Ignored ${names}: they are for container images ('image'), and this step signs files ('path').`
}

/** A tag name git accepts, and a token to reach its release with. */
function release(read: InputReader): Pick<FileInputs, 'releaseTag' | 'githubToken'> {
  // The runner evaluates `${{ github.token }}`; outside it (local runs) the text is no token.
  const token = read(Input.GithubToken).trim()
  const githubToken = token && !token.startsWith('${{') ? token : undefined
  const releaseTag = optional(read, Input.ReleaseTag, value =>
    matching(
      Input.ReleaseTag,
      value,
      RELEASE_TAG,
      'the tag of an existing release, such as v1.2.3 (no spaces, control characters, ~ ^ : ? * [ \\ or ..)'
    )
  )
  if (releaseTag && !githubToken) {
    throw new InputError(
      Input.GithubToken,
      `is empty, and release-tag '${releaseTag}' needs a token that may write releases: leave github-token at its default (\${{ github.token }}) and grant the job 'permissions: contents: write'.`
    )
  }
  return { releaseTag, githubToken }
}

function required(read: InputReader, name: Input): string {
  const value = read(name).trim()
  if (!value) throw new InputError(name, 'is required and was not given.')
  return value
}

function optional<T>(read: InputReader, name: Input, parse: (value: string) => T): T | undefined {
  const value = read(name).trim()
  return value ? parse(value) : undefined
}

function matching(name: Input, value: string, pattern: RegExp, accepted: string): string {
  if (!pattern.test(value)) throw new InputError(name, `must be ${accepted}; got '${value}'.`)
  return value
}

function integer(
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

function boolean(read: InputReader, name: Input, fallback: boolean): boolean {
  const value = read(name).trim()
  if (!value) return fallback
  if (/^true$/i.test(value)) return true
  if (/^false$/i.test(value)) return false
  throw new InputError(name, `must be 'true' or 'false'; got '${value}'.`)
}

function resolveWorkspace(env: NodeJS.ProcessEnv): string {
  const workspace = path.resolve(env.GITHUB_WORKSPACE || process.cwd())
  return existsSync(workspace) ? realpathSync(workspace) : workspace
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

/** A key prefix for S3: no leading slash, no `..` segments, no control characters. */
function keyPrefix(name: Input, raw: string, fallback: string): string {
  const value = raw.trim() || fallback
  const unsafe =
    value.startsWith('/') ||
    value.split('/').some(segment => segment === '..' || segment === '.') ||
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f\\]/.test(value) ||
    value.length > 512
  if (unsafe) {
    throw new InputError(
      name,
      `must be an S3 key prefix such as '${fallback}': no leading '/', no '.' or '..' segments, no backslashes or control characters; got '${value}'.`
    )
  }
  return value
}

/** Patterns stay relative to the workspace; one that climbs out of it is refused. */
function pathPatterns(raw: string, workspace: string): string[] {
  const patterns = raw
    .split(/\r?\n/)
    .map(line => line.trim())
    .filter(line => line && !line.startsWith('#'))
  if (patterns.length === 0) throw new InputError(Input.Path, 'is required and was not given.')
  for (const pattern of patterns) {
    const body = pattern.replace(/^!+/, '')
    if (!isInside(workspace, path.resolve(workspace, body))) {
      throw new InputError(
        Input.Path,
        `'${pattern}' points outside the workspace (${workspace}); give paths relative to the workspace, without '../'.`
      )
    }
  }
  return patterns
}

function outputDirectory(raw: string, workspace: string): string {
  const resolved = path.resolve(workspace, raw)
  const real = realpathOfExisting(resolved)
  if (!isInside(workspace, resolved) || !isInside(workspace, real) || real === workspace) {
    throw new InputError(
      Input.OutputDir,
      `must be a directory inside the workspace, such as 'signed'; '${raw}' resolves to ${resolved}, outside ${workspace} or the workspace itself.`
    )
  }
  return resolved
}

function region(value: string): string {
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

function artifactName(value: string): string {
  if (ARTIFACT_NAME_FORBIDDEN.test(value)) {
    throw new InputError(
      Input.ArtifactName,
      `'${value}' contains a character that artifact names cannot hold (" : < > | * ? \\ / or a line break).`
    )
  }
  return value
}
