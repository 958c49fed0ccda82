import { InputError } from '../errors.js'
import { checkExplicitCredentialsScope } from '../registry/credentials.js'
import {
  displayReference,
  parseImageReference,
  type ImageReference
} from '../registry/image-reference.js'
import { commonInputs, type CommonInputs } from './inputs-common.js'
import { Input, type InputReader } from './input-names.js'
import { boolean, given, lines } from './input-values.js'

/** `image`: container images, signed with SignPayload and stored beside them in the registry. */
export interface ImageInputs extends CommonInputs {
  mode: 'sign'
  kind: 'images'
  /** One per line of `image`, parsed, each listed once. */
  images: ImageReference[]
  /** registry-username and registry-password, both or neither (masked on reading). */
  registryCredentials: { username: string; password: string } | undefined
  /** Also sign each platform manifest that an image index lists. */
  signPlatformManifests: boolean
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

export function imageInputs(read: InputReader, env: NodeJS.ProcessEnv): ImageInputs {
  const common = commonInputs(read, env, 'images at once')
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
    mode: 'sign',
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
  for (const text of lines(raw)) {
    const reference = parseImageReference(text, Input.Image)
    const key = displayReference(reference)
    if (!references.has(key)) references.set(key, reference)
  }
  return [...references.values()]
}
