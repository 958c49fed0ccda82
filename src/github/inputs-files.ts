import path from 'node:path'
import { InputError } from '../errors.js'
import { directoryProblem, isInside, realpathOfExisting } from '../pipeline/paths.js'
import { hasControlCharacter, hasInvisibleCharacter } from '../safe-text.js'
import { commonInputs, type CommonInputs } from './inputs-common.js'
import { DEFAULTS, Input, LIMITS, type InputReader } from './input-names.js'
import {
  ACCOUNT_ID,
  boolean,
  bucketName,
  given,
  integer,
  lines,
  matching,
  optional,
  required
} from './input-values.js'

/** `path`: files, signed through S3 and StartSigningJob. */
export interface FileInputs extends CommonInputs {
  mode: 'sign'
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

const KMS_KEY =
  /^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_+=,.@-]+|alias\/[A-Za-z0-9/_+=,.@-]+|(mrk-)?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}|mrk-[0-9a-f]{32})$/
// What `git check-ref-format` refuses in a tag, in short: no blanks, controls, ~^:?*[\ or '..'.
// What git accepts in a tag name, less the characters that make one name display as another.
const RELEASE_TAG =
  // eslint-disable-next-line no-control-regex
  /^(?!\.|-|\/)(?!.*(\.\.|\/\/|@\{|\.lock$|\/$|\.$))(?!.*[\p{Cf}\p{Default_Ignorable_Code_Point}])[^\u0000-\u0020\u007f-\u009f~^:?*[\\]{1,250}$/u
// Characters that @actions/artifact refuses in a name.
const ARTIFACT_NAME_FORBIDDEN = /[":<>|*?\r\n\\/]/

/** Inputs only a step that signs images reads: ignored here, with a warning. */
const IMAGE_ONLY: readonly Input[] = [
  Input.RegistryUsername,
  Input.RegistryPassword,
  Input.SignPlatformManifests
]

export function fileInputs(read: InputReader, env: NodeJS.ProcessEnv): FileInputs {
  const common = commonInputs(read, env, 'files at once')
  const { workspace } = common
  const patterns = pathPatterns(required(read, Input.Path), workspace)
  const sourceBucket = bucketName(Input.SourceBucket, required(read, Input.SourceBucket))
  return {
    mode: 'sign',
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
      'the tag of an existing release, such as v1.2.3 (no spaces, control or invisible characters, ~ ^ : ? * [ \\ or ..)'
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

/** A key prefix for S3: no leading slash, no `..` segments, no control characters. */
function keyPrefix(name: Input, raw: string, fallback: string): string {
  const value = raw.trim() || fallback
  const unsafe =
    value.startsWith('/') ||
    value.split('/').some(segment => segment === '..' || segment === '.') ||
    /\\/.test(value) ||
    hasControlCharacter(value) ||
    hasInvisibleCharacter(value) ||
    value.length > 512
  if (unsafe) {
    throw new InputError(
      name,
      `must be an S3 key prefix such as '${fallback}': no leading '/', no '.' or '..' segments, no backslashes, control or invisible characters; got '${value}'.`
    )
  }
  return value
}

/** Patterns stay relative to the workspace; one that climbs out of it is refused. */
function pathPatterns(raw: string, workspace: string): string[] {
  const patterns = lines(raw)
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
  if (hasControlCharacter(raw) || hasInvisibleCharacter(raw)) {
    throw new InputError(
      Input.OutputDir,
      `'${raw}' holds a control or invisible character: give a plain directory name, such as 'signed'.`
    )
  }
  const resolved = path.resolve(workspace, raw)
  const real = realpathOfExisting(resolved)
  if (!isInside(workspace, resolved) || !isInside(workspace, real) || real === workspace) {
    throw new InputError(
      Input.OutputDir,
      `must be a directory inside the workspace, such as 'signed'; '${raw}' resolves to ${resolved}, outside ${workspace} or the workspace itself.`
    )
  }
  // Found now, not after every file's job has run and its download cannot make the directory.
  const problem = directoryProblem(resolved, workspace)
  if (problem) {
    throw new InputError(
      Input.OutputDir,
      `'${raw}' cannot hold the signed files: ${problem}. Give a directory, or a name that does not exist yet.`
    )
  }
  return resolved
}

function artifactName(value: string): string {
  if (ARTIFACT_NAME_FORBIDDEN.test(value)) {
    throw new InputError(
      Input.ArtifactName,
      `'${value}' contains a character that artifact names cannot hold (" : < > | * ? \\ / or a line break).`
    )
  }
  if (hasControlCharacter(value) || hasInvisibleCharacter(value)) {
    throw new InputError(
      Input.ArtifactName,
      `'${value}' holds a control or invisible character, which would make it display as another name.`
    )
  }
  return value
}
