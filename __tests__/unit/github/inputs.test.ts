import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { InputError } from '../../../src/errors.js'
import { isInside } from '../../../src/pipeline/paths.js'
import {
  DEFAULTS,
  Input,
  LIMITS,
  bucketName,
  ignoredInputsWarning,
  readInputs,
  type FileInputs,
  type ImageInputs,
  type RevokeInputs
} from '../../../src/github/inputs.js'
import { thrownBy } from '../helpers.js'

let root: string
let workspace: string
let outside: string

beforeAll(() => {
  root = realpathSync(mkdtempSync(path.join(tmpdir(), 'inputs-test-')))
  workspace = path.join(root, 'workspace')
  outside = path.join(root, 'outside')
  mkdirSync(path.join(workspace, 'build'), { recursive: true })
  mkdirSync(path.join(workspace, 'real-out'), { recursive: true })
  mkdirSync(outside, { recursive: true })
  symlinkSync(outside, path.join(workspace, 'escape'))
  symlinkSync(path.join(workspace, 'real-out'), path.join(workspace, 'inner-link'))
  symlinkSync(workspace, path.join(workspace, 'self'))
  symlinkSync(workspace, path.join(root, 'workspace-link'))
  writeFileSync(path.join(workspace, 'notes.txt'), 'not a directory')
  symlinkSync(path.join(workspace, 'missing'), path.join(workspace, 'dangling'))
})

afterAll(() => {
  rmSync(root, { recursive: true, force: true })
})

type Values = Partial<Record<Input, string>>

const VALID: Values = {
  [Input.ProfileName]: 'my_profile',
  [Input.Path]: 'build/*.zip',
  [Input.SourceBucket]: 'my-source-bucket'
}

function reader(values: Values) {
  return (name: Input): string => values[name] ?? ''
}

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { GITHUB_WORKSPACE: workspace, AWS_REGION: 'us-east-1', ...extra }
}

function read(values: Values, environment: NodeJS.ProcessEnv = env()): FileInputs {
  const inputs = readInputs(reader({ ...VALID, ...values }), environment)
  if (inputs.mode !== 'sign' || inputs.kind !== 'files') {
    throw new Error(`read as ${inputs.mode} ${inputs.kind}`)
  }
  return inputs
}

const inputError = (run: () => unknown): InputError => thrownBy(run, InputError)

describe('readInputs: invalid values', () => {
  const cases: [Input, string][] = [
    // required
    [Input.ProfileName, ''],
    [Input.ProfileName, '   '],
    [Input.Path, ''],
    [Input.Path, '# only a comment\n\n'],
    [Input.SourceBucket, ''],
    // profile name pattern
    [Input.ProfileName, 'a'],
    [Input.ProfileName, 'has-dash'],
    [Input.ProfileName, 'has space'],
    [Input.ProfileName, 'p'.repeat(65)],
    [Input.ProfileName, 'profile.name'],
    // account ids
    [Input.ProfileOwner, '12345678901'],
    [Input.ProfileOwner, '1234567890123'],
    [Input.ProfileOwner, 'abcdefghijkl'],
    [Input.ProfileOwner, '1234-5678-9012'],
    [Input.ExpectedBucketOwner, '12345'],
    [Input.ExpectedBucketOwner, '12345678901x'],
    // bucket names
    [Input.SourceBucket, 'ab'],
    [Input.SourceBucket, 'MyBucket'],
    [Input.SourceBucket, 's3://my-bucket'],
    [Input.SourceBucket, 'arn:aws:s3:::my-bucket'],
    [Input.SourceBucket, '192.168.1.10'],
    [Input.SourceBucket, 'my..bucket'],
    [Input.SourceBucket, '-bucket'],
    [Input.SourceBucket, 'bucket-'],
    [Input.SourceBucket, 'my_bucket'],
    [Input.SourceBucket, 'b'.repeat(64)],
    [Input.SourceBucket, 'xn--bucket'],
    [Input.SourceBucket, 'sthree-bucket'],
    [Input.SourceBucket, 'bucket-s3alias'],
    [Input.DestinationBucket, 'ab'],
    [Input.DestinationBucket, 'Signed-Bucket'],
    [Input.DestinationBucket, 's3://signed'],
    [Input.DestinationBucket, '10.0.0.1'],
    [Input.DestinationBucket, 'signed..bucket'],
    // key prefixes
    [Input.SourcePrefix, '/unsigned/'],
    [Input.SourcePrefix, '../unsigned/'],
    [Input.SourcePrefix, 'a/../b/'],
    [Input.SourcePrefix, 'a/./b/'],
    [Input.SourcePrefix, 'a\u0000b/'],
    [Input.SourcePrefix, 'a\tb/'],
    [Input.SourcePrefix, 'a\u007fb/'],
    [Input.SourcePrefix, 'a\\b/'],
    [Input.SourcePrefix, 'p'.repeat(513)],
    [Input.DestinationPrefix, '/signed/'],
    [Input.DestinationPrefix, 'signed/..'],
    [Input.DestinationPrefix, 'sig\u001bned/'],
    // output-dir
    [Input.OutputDir, '../x'],
    [Input.OutputDir, '/tmp/x'],
    [Input.OutputDir, '.'],
    [Input.OutputDir, './'],
    [Input.OutputDir, 'build/..'],
    [Input.OutputDir, 'escape'],
    [Input.OutputDir, 'escape/signed'],
    [Input.OutputDir, 'escape/deeper/still'],
    [Input.OutputDir, 'notes.txt'],
    [Input.OutputDir, 'notes.txt/signed'],
    [Input.OutputDir, 'dangling'],
    [Input.OutputDir, 'dangling/signed'],
    // path patterns
    [Input.Path, '../a.zip'],
    [Input.Path, '/etc/passwd'],
    [Input.Path, 'build/../../a.zip'],
    [Input.Path, '!../a.zip'],
    [Input.Path, 'build/*.zip\n../other/*.zip'],
    // integers
    [Input.TimeoutSeconds, 'abc'],
    [Input.TimeoutSeconds, '0'],
    [Input.TimeoutSeconds, '-5'],
    [Input.TimeoutSeconds, '1.5'],
    [Input.TimeoutSeconds, '1e3'],
    [Input.TimeoutSeconds, '0x10'],
    [Input.TimeoutSeconds, String(LIMITS.timeoutSeconds.max + 1)],
    [Input.MaxConcurrency, 'four'],
    [Input.MaxConcurrency, '0'],
    [Input.MaxConcurrency, '-1'],
    [Input.MaxConcurrency, '2.5'],
    [Input.MaxConcurrency, String(LIMITS.maxConcurrency.max + 1)],
    [Input.RetentionDays, 'week'],
    [Input.RetentionDays, '0'],
    [Input.RetentionDays, '-7'],
    [Input.RetentionDays, '7.5'],
    [Input.RetentionDays, String(LIMITS.retentionDays.max + 1)],
    // mode
    [Input.Mode, 'signing'],
    [Input.Mode, 'sign verify'],
    // booleans
    [Input.Summary, 'yes'],
    [Input.Summary, '1'],
    [Input.Summary, 'truee'],
    [Input.UploadArtifact, 'no'],
    [Input.UploadArtifact, '0'],
    // region
    [Input.Region, 'US-EAST-1'],
    [Input.Region, 'useast1'],
    [Input.Region, 'us-east-1a'],
    [Input.Region, 'us-east'],
    [Input.Region, 'https://signer.us-east-1.amazonaws.com'],
    // artifact name
    [Input.ArtifactName, 'signed/linux'],
    [Input.ArtifactName, 'signed\\linux'],
    [Input.ArtifactName, 'signed:linux'],
    [Input.ArtifactName, 'signed*'],
    [Input.ArtifactName, 'a|b'],
    // control and invisible characters: a name that displays as another
    [Input.ArtifactName, 'signed\u202egpj'],
    [Input.ArtifactName, 'signed\u200b'],
    [Input.ArtifactName, 'signed\u0007'],
    [Input.ReleaseTag, 'v1.0\u202e'],
    [Input.ReleaseTag, 'v1.0\u200d'],
    [Input.ReleaseTag, 'v1.0\u0085'],
    [Input.SourcePrefix, 'unsigned\u2066/'],
    [Input.DestinationPrefix, 'signed\ufeff/'],
    [Input.OutputDir, 'signed\u202e'],
    [Input.OutputDir, 'sig\tned'],
    // KMS key
    [Input.SseKmsKeyId, 'garbage'],
    [Input.SseKmsKeyId, 'arn:aws:kms:us-east-1:123:key/abc'],
    [Input.SseKmsKeyId, 'arn:aws:s3:::bucket'],
    [Input.SseKmsKeyId, '1234abcd-12ab-34cd-56ef'],
    [Input.SseKmsKeyId, 'alias/with space']
  ]

  it.each(cases)("Input '%s' = %j is refused with an InputError naming it", (name, value) => {
    const error = inputError(() => read({ [name]: value }))
    expect(error.input).toBe(name)
    expect(error.message.startsWith(`Input '${name}'`)).toBe(true)
    expect(error.name).toBe('ActionError')
  })

  it('names the required inputs as missing', () => {
    for (const name of [Input.ProfileName, Input.SourceBucket]) {
      const error = inputError(() => read({ [name]: '' }))
      expect(error.message).toBe(`Input '${name}': is required and was not given.`)
    }
    expect(inputError(() => read({ [Input.Path]: '' })).message).toBe(
      "Input 'path': is required and was not given: give 'path' (files to sign) or 'image' (container images to sign)."
    )
  })

  it('quotes the refused value in the message', () => {
    expect(inputError(() => read({ [Input.TimeoutSeconds]: '1.5' })).message).toContain("'1.5'")
    expect(inputError(() => read({ [Input.SourceBucket]: 'MyBucket' })).message).toContain(
      "'MyBucket'"
    )
    expect(inputError(() => read({ [Input.Path]: '../a.zip' })).message).toContain("'../a.zip'")
  })

  it('refuses an output-dir that is a symlink to the workspace itself', () => {
    const error = inputError(() => read({ [Input.OutputDir]: 'self' }))
    expect(error.input).toBe(Input.OutputDir)
  })

  it('refuses a missing region: no input, no AWS_REGION, no AWS_DEFAULT_REGION', () => {
    const error = inputError(() => read({}, { GITHUB_WORKSPACE: workspace }))
    expect(error.input).toBe(Input.Region)
    expect(error.message).toMatch(/^Input 'region': no AWS Region was given/)
  })

  it('refuses a malformed region that comes from the environment', () => {
    for (const environment of [
      { GITHUB_WORKSPACE: workspace, AWS_REGION: 'Frankfurt' },
      { GITHUB_WORKSPACE: workspace, AWS_DEFAULT_REGION: 'eu_central_1' }
    ]) {
      const error = inputError(() => read({}, environment))
      expect(error.input).toBe(Input.Region)
      expect(error.message).toContain('must be an AWS Region code')
    }
  })
})

describe('readInputs: accepted values', () => {
  const accepted: [Input, string, keyof FileInputs][] = [
    [Input.ProfileName, 'ab', 'profileName'],
    [Input.ProfileName, 'Release_Profile_2024', 'profileName'],
    [Input.ProfileName, 'p'.repeat(64), 'profileName'],
    [Input.SourceBucket, 'abc', 'sourceBucket'],
    [Input.SourceBucket, 'my.bucket-1', 'sourceBucket'],
    [Input.SourceBucket, 'b'.repeat(63), 'sourceBucket'],
    [Input.ArtifactName, 'signed-linux x64 (release)', 'artifactName'],
    [Input.SseKmsKeyId, '1234abcd-12ab-34cd-56ef-1234567890ab', 'sseKmsKeyId'],
    [Input.SseKmsKeyId, 'mrk-1234abcd12ab34cd56ef1234567890ab', 'sseKmsKeyId'],
    [Input.SseKmsKeyId, 'alias/my-key', 'sseKmsKeyId'],
    [
      Input.SseKmsKeyId,
      'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      'sseKmsKeyId'
    ],
    [Input.SseKmsKeyId, 'arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/my-key', 'sseKmsKeyId']
  ]

  it.each(accepted)("Input '%s' accepts %j", (name, value, field) => {
    expect(read({ [name]: ` ${value} ` })[field]).toBe(value)
  })

  it('accepts the range limits of every integer input', () => {
    const low = read({
      [Input.TimeoutSeconds]: String(LIMITS.timeoutSeconds.min),
      [Input.MaxConcurrency]: String(LIMITS.maxConcurrency.min),
      [Input.RetentionDays]: String(LIMITS.retentionDays.min)
    })
    expect([low.timeoutSeconds, low.maxConcurrency, low.retentionDays]).toEqual([1, 1, 1])
    const high = read({
      [Input.TimeoutSeconds]: ` ${LIMITS.timeoutSeconds.max} `,
      [Input.MaxConcurrency]: String(LIMITS.maxConcurrency.max),
      [Input.RetentionDays]: String(LIMITS.retentionDays.max)
    })
    expect([high.timeoutSeconds, high.maxConcurrency, high.retentionDays]).toEqual([21600, 32, 400])
  })

  it('reads booleans case-insensitively', () => {
    const a = read({ [Input.Summary]: 'FALSE', [Input.UploadArtifact]: 'True' })
    expect([a.summary, a.uploadArtifact]).toEqual([false, true])
    const b = read({ [Input.Summary]: 'true', [Input.UploadArtifact]: 'false' })
    expect([b.summary, b.uploadArtifact]).toEqual([true, false])
  })

  it('accepts 12-digit account IDs', () => {
    const inputs = read({
      [Input.ProfileOwner]: '111122223333',
      [Input.ExpectedBucketOwner]: ' 444455556666 '
    })
    expect(inputs.profileOwner).toBe('111122223333')
    expect(inputs.expectedBucketOwner).toBe('444455556666')
  })

  it('accepts regions of several partitions', () => {
    for (const region of ['eu-central-1', 'us-gov-west-1', 'cn-north-1', 'ap-southeast-5']) {
      expect(read({ [Input.Region]: region }).region).toBe(region)
    }
  })

  it('accepts output-dir through a symlink that stays inside the workspace', () => {
    expect(read({ [Input.OutputDir]: 'inner-link/signed' }).outputDir).toBe(
      path.join(workspace, 'inner-link', 'signed')
    )
  })
})

describe('readInputs: mode', () => {
  it.each(['', 'sign', 'SIGN', ' sign '])("reads mode '%s' as sign", mode => {
    expect(read({ [Input.Mode]: mode }).mode).toBe('sign')
  })

  it.each([Input.JobIds, Input.Reason, Input.RevokeProfileVersion, Input.SigningResults])(
    "refuses '%s' when signing, naming the mode it is for",
    name => {
      const error = inputError(() =>
        read({ [name]: name === Input.RevokeProfileVersion ? 'true' : 'x' })
      )
      expect(error.input).toBe(name)
      expect(error.message).toContain(
        name === Input.SigningResults ? "mode 'verify' or 'revoke'" : "mode 'revoke'"
      )
    }
  )

  it('names the modes it accepts', () => {
    expect(inputError(() => read({ [Input.Mode]: 'sigh' })).message).toBe(
      "Input 'mode': must be one of 'sign', 'verify', 'revoke'; got 'sigh'."
    )
  })
})

describe('readInputs: defaults and fallbacks', () => {
  it('fills every optional input with its default', () => {
    const inputs = read({}, env())
    expect(inputs).toEqual({
      mode: 'sign',
      kind: 'files',
      profileName: 'my_profile',
      profileOwner: undefined,
      patterns: ['build/*.zip'],
      sourceBucket: 'my-source-bucket',
      sourcePrefix: DEFAULTS.sourcePrefix,
      destinationBucket: 'my-source-bucket',
      destinationPrefix: DEFAULTS.destinationPrefix,
      outputDir: path.join(workspace, DEFAULTS.outputDir),
      region: 'us-east-1',
      timeoutSeconds: DEFAULTS.timeoutSeconds,
      maxConcurrency: DEFAULTS.maxConcurrency,
      summary: true,
      uploadArtifact: false,
      artifactName: undefined,
      retentionDays: undefined,
      expectedBucketOwner: undefined,
      sseKmsKeyId: undefined,
      deleteUnsigned: false,
      releaseTag: undefined,
      githubToken: undefined,
      workspace,
      ignored: []
    })
  })

  it('treats blank values like absent ones', () => {
    const inputs = read({
      [Input.DestinationBucket]: '  ',
      [Input.SourcePrefix]: ' ',
      [Input.OutputDir]: '  ',
      [Input.TimeoutSeconds]: ' ',
      [Input.Summary]: ' ',
      [Input.ArtifactName]: ' '
    })
    expect(inputs.destinationBucket).toBe('my-source-bucket')
    expect(inputs.sourcePrefix).toBe('unsigned/')
    expect(inputs.outputDir).toBe(path.join(workspace, 'signed'))
    expect(inputs.timeoutSeconds).toBe(600)
    expect(inputs.summary).toBe(true)
    expect(inputs.artifactName).toBeUndefined()
  })

  it('uses the given destination bucket and prefixes', () => {
    const inputs = read({
      [Input.DestinationBucket]: 'signed-bucket',
      [Input.SourcePrefix]: 'ci/in/',
      [Input.DestinationPrefix]: 'ci/out'
    })
    expect(inputs.destinationBucket).toBe('signed-bucket')
    expect(inputs.sourcePrefix).toBe('ci/in/')
    expect(inputs.destinationPrefix).toBe('ci/out')
  })

  it('takes the region from the input, then AWS_REGION, then AWS_DEFAULT_REGION', () => {
    const both = { GITHUB_WORKSPACE: workspace, AWS_REGION: 'eu-west-1' }
    expect(read({ [Input.Region]: 'ap-south-1' }, both).region).toBe('ap-south-1')
    expect(read({}, { ...both, AWS_DEFAULT_REGION: 'us-west-2' }).region).toBe('eu-west-1')
    expect(read({}, { GITHUB_WORKSPACE: workspace, AWS_DEFAULT_REGION: 'us-west-2' }).region).toBe(
      'us-west-2'
    )
  })

  it('resolves output-dir to an absolute path inside the workspace', () => {
    const inputs = read({ [Input.OutputDir]: 'out/signed/' })
    expect(path.isAbsolute(inputs.outputDir)).toBe(true)
    expect(inputs.outputDir).toBe(path.join(workspace, 'out', 'signed'))
    expect(read({ [Input.OutputDir]: path.join(workspace, 'abs') }).outputDir).toBe(
      path.join(workspace, 'abs')
    )
  })

  it('keeps one pattern per line, exclusions included, without comments and blank lines', () => {
    const inputs = read({
      [Input.Path]: 'build/*.zip\r\n  !build/skip.zip  \n# a comment\n\n dist/**/*.jar\n'
    })
    expect(inputs.patterns).toEqual(['build/*.zip', '!build/skip.zip', 'dist/**/*.jar'])
  })

  it("accepts a pattern whose first directory name starts with '..' ('..build/a.zip')", () => {
    expect(read({ [Input.Path]: '..build/a.zip' }).patterns).toEqual(['..build/a.zip'])
  })

  it('accepts an absolute pattern inside the workspace', () => {
    const pattern = path.join(workspace, 'build', '*.zip')
    expect(read({ [Input.Path]: pattern }).patterns).toEqual([pattern])
  })

  it('resolves the workspace through symlinks', () => {
    const inputs = read({}, env({ GITHUB_WORKSPACE: path.join(root, 'workspace-link') }))
    expect(inputs.workspace).toBe(workspace)
    expect(inputs.outputDir).toBe(path.join(workspace, 'signed'))
  })
})

describe('readInputs: container images', () => {
  const DIGEST = `sha256:${'a'.repeat(64)}`
  const IMAGE: Values = {
    [Input.ProfileName]: 'container_profile',
    [Input.Image]: `ghcr.io/owner/app@${DIGEST}`
  }
  const readImage = (values: Values): ImageInputs => {
    const inputs = readInputs(reader({ ...IMAGE, ...values }), env())
    if (inputs.mode !== 'sign' || inputs.kind !== 'images') {
      throw new Error(`read as ${inputs.mode} ${inputs.kind}`)
    }
    return inputs
  }
  const imageError = (values: Values): InputError => inputError(() => readImage(values))

  it('reads one reference a line, skipping blanks and comments, each image once', () => {
    const inputs = readImage({
      [Input.Image]: `# built above\n ghcr.io/owner/app@${DIGEST} \r\n\n127.0.0.1:5000/team/api:1.4.0\nghcr.io/owner/app@${DIGEST}\n`
    })
    expect(inputs.kind).toBe('images')
    expect(
      inputs.images.map(image => [image.registry, image.repository, image.tag, image.digest])
    ).toEqual([
      ['ghcr.io', 'owner/app', undefined, DIGEST],
      ['127.0.0.1:5000', 'team/api', '1.4.0', undefined]
    ])
    expect(inputs).toMatchObject({
      profileName: 'container_profile',
      registryCredentials: undefined,
      signPlatformManifests: false,
      maxConcurrency: DEFAULTS.maxConcurrency,
      timeoutSeconds: DEFAULTS.timeoutSeconds,
      ignored: []
    })
  })

  it('takes the file inputs left at their defaults as not given', () => {
    const inputs = readImage({
      [Input.SourcePrefix]: 'unsigned/',
      [Input.DestinationPrefix]: 'signed/',
      [Input.OutputDir]: 'signed',
      [Input.UploadArtifact]: 'false',
      [Input.DeleteUnsigned]: 'false',
      [Input.GithubToken]: 'ghs_token'
    })
    expect(inputs.ignored).toEqual([])
  })

  it('refuses path and image together, and neither, naming the inputs', () => {
    expect(imageError({ [Input.Path]: 'build/*.zip' }).message).toBe(
      "Input 'image': and 'path' are both given: a step signs either files ('path') or container images ('image'). Sign them in two steps."
    )
    expect(imageError({ [Input.Image]: '' }).input).toBe(Input.Path)
  })

  it('refuses a malformed reference before anything else, showing it escaped', () => {
    const error = imageError({ [Input.Image]: `ghcr.io/owner/app@${DIGEST}\nghcr.io/Owner/app:1` })
    expect(error.input).toBe(Input.Image)
    expect(error.message).toContain("'ghcr.io/Owner/app:1' is not an image reference")
    const hostile = imageError({ [Input.Image]: 'ghcr.io/app\u001b[31m:1' })
    expect(hostile.message).toContain("'ghcr.io/app\\u001b[31m:1'")
    expect(hostile.message).not.toContain('\u001b')
  })

  it.each([
    [Input.OutputDir, 'out'],
    [Input.UploadArtifact, 'true'],
    [Input.ArtifactName, 'signed-images'],
    [Input.RetentionDays, '3'],
    [Input.ReleaseTag, 'v1.0.0']
  ])("refuses '%s' with image: nothing would come of it", (name, value) => {
    const error = imageError({ [name]: value })
    expect(error.input).toBe(name)
    expect(error.message).toContain(`is for files and was given with 'image'`)
  })

  it('ignores the inputs that only steer the S3 route, with one warning naming them', () => {
    const inputs = readImage({
      [Input.SourceBucket]: 'release-unsigned',
      [Input.DestinationPrefix]: 'out/',
      [Input.ExpectedBucketOwner]: '111122223333',
      [Input.DeleteUnsigned]: 'true'
    })
    expect(inputs.ignored).toEqual([
      Input.SourceBucket,
      Input.DestinationPrefix,
      Input.ExpectedBucketOwner,
      Input.DeleteUnsigned
    ])
    expect(ignoredInputsWarning(inputs)).toBe(
      "Ignored 'source-bucket', 'destination-prefix', 'expected-bucket-owner', 'delete-unsigned': they steer how files are uploaded to S3, and images are signed without S3 (SignPayload, then the registry)."
    )
  })

  it('ignores the image inputs in a step that signs files, with a warning', () => {
    const inputs = read({ [Input.SignPlatformManifests]: 'true', [Input.RegistryUsername]: 'me' })
    expect(inputs.ignored).toEqual([Input.RegistryUsername, Input.SignPlatformManifests])
    expect(ignoredInputsWarning(inputs)).toContain("this step signs files ('path')")
    expect(ignoredInputsWarning(read({}))).toBeUndefined()
  })

  it('takes registry-username and registry-password as a pair', () => {
    const inputs = readImage({
      [Input.RegistryUsername]: ' octocat ',
      [Input.RegistryPassword]: 'pw'
    })
    expect(inputs.registryCredentials).toEqual({ username: 'octocat', password: 'pw' })
    expect(imageError({ [Input.RegistryUsername]: 'octocat' }).input).toBe(Input.RegistryPassword)
    expect(imageError({ [Input.RegistryPassword]: 'pw' }).input).toBe(Input.RegistryUsername)
  })

  it('refuses explicit credentials that would reach two registries', () => {
    const error = imageError({
      [Input.Image]: `ghcr.io/owner/app@${DIGEST}\nquay.io/owner/app@${DIGEST}`,
      [Input.RegistryUsername]: 'octocat',
      [Input.RegistryPassword]: 'pw'
    })
    expect(error.input).toBe(Input.RegistryUsername)
    expect(error.message).toContain('ghcr.io, quay.io')
  })

  it('masks registry-password on reading, whatever else is wrong', () => {
    const written: string[] = []
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation(chunk => {
      written.push(String(chunk))
      return true
    })
    try {
      inputError(() => readImage({ [Input.RegistryPassword]: 's3cret', [Input.Path]: 'a.zip' }))
    } finally {
      spy.mockRestore()
    }
    expect(written.join('')).toContain('::add-mask::s3cret')
  })

  it('reads sign-platform-manifests, and says images in the max-concurrency message', () => {
    expect(readImage({ [Input.SignPlatformManifests]: 'TRUE' }).signPlatformManifests).toBe(true)
    expect(imageError({ [Input.SignPlatformManifests]: 'yes' }).input).toBe(
      Input.SignPlatformManifests
    )
    expect(imageError({ [Input.MaxConcurrency]: '0' }).message).toContain('images at once')
  })
})

describe('bucketName and isInside', () => {
  it('returns a valid bucket name unchanged', () => {
    expect(bucketName(Input.DestinationBucket, 'a.b-c')).toBe('a.b-c')
  })

  it('tells containment by path segments, not string prefixes', () => {
    expect(isInside('/w/ws', '/w/ws')).toBe(true)
    expect(isInside('/w/ws', '/w/ws/a/b')).toBe(true)
    expect(isInside('/w/ws', '/w/ws-other/a')).toBe(false)
    expect(isInside('/w/ws', '/w')).toBe(false)
    expect(isInside('/w/ws', '/w/ws/../ws2')).toBe(false)
  })

  it("counts a child whose name starts with '..' (such as '..foo') as inside", () => {
    expect(isInside('/w/ws', '/w/ws/..foo')).toBe(true)
  })
})

describe('readInputs: mode revoke', () => {
  const REVOKE: Values = {
    [Input.Mode]: 'revoke',
    [Input.JobIds]: 'job-1',
    [Input.Reason]: 'key compromised'
  }
  function revoke(values: Values, environment: NodeJS.ProcessEnv = env()): RevokeInputs {
    const inputs = readInputs(reader({ ...REVOKE, ...values }), environment)
    if (inputs.mode !== 'revoke') throw new Error(`read as ${inputs.mode}`)
    return inputs
  }
  const PROFILE_VERSION: Values = {
    [Input.RevokeProfileVersion]: 'true',
    [Input.ProfileName]: 'release_profile'
  }
  const job = (jobId: string, jobOwner?: string, region?: string) => ({
    jobId,
    jobOwner,
    region,
    source: Input.JobIds,
    name: undefined,
    profileName: undefined,
    profileVersion: undefined
  })

  it('reads job IDs, with their owner or as ARNs, each once; defaults for the rest', () => {
    const inputs = revoke({
      [Input.JobIds]: [
        '# the release of 1.2.3',
        'job-1',
        '  job-2   111122223333 ',
        'arn:aws:signer:us-east-1:444455556666:/signing-jobs/job-3',
        '',
        'job-1'
      ].join('\n')
    })
    expect(inputs).toEqual({
      mode: 'revoke',
      kind: 'jobs',
      jobs: [job('job-1'), job('job-2', '111122223333'), job('job-3', '444455556666', 'us-east-1')],
      signingResults: [],
      reason: 'key compromised',
      revokeProfileVersion: false,
      effectiveTime: undefined,
      profileName: undefined,
      profileOwner: undefined,
      region: 'us-east-1',
      timeoutSeconds: DEFAULTS.timeoutSeconds,
      maxConcurrency: DEFAULTS.maxConcurrency,
      summary: true,
      workspace,
      ignored: []
    })
  })

  it('reads signing-results paths, profile-version revocation with its time, and the profile', () => {
    const inputs = revoke({
      [Input.JobIds]: '',
      [Input.SigningResults]: 'release/*.signing.json\n# comment\nother.json',
      [Input.RevokeProfileVersion]: 'true',
      [Input.EffectiveTime]: '2024-05-01T12:00:00+02:00',
      [Input.ProfileName]: 'release_profile',
      [Input.ProfileOwner]: '111122223333'
    })
    expect(inputs.signingResults).toEqual(['release/*.signing.json', 'other.json'])
    expect(inputs.effectiveTime).toEqual(new Date('2024-05-01T10:00:00Z'))
    expect(inputs.revokeProfileVersion).toBe(true)
    expect(inputs.profileName).toBe('release_profile')
    expect(inputs.profileOwner).toBe('111122223333')
  })

  it('warns about the inputs that only steer signing', () => {
    const inputs = revoke({
      [Input.SourceBucket]: 'my-bucket',
      [Input.UploadArtifact]: 'true',
      [Input.OutputDir]: 'signed',
      [Input.DeleteUnsigned]: 'false'
    })
    expect(inputs.ignored).toEqual([Input.SourceBucket, Input.UploadArtifact])
  })

  it.each<[string, Values, Input, string]>([
    ['no job at all', { [Input.JobIds]: '' }, Input.JobIds, 'are both empty'],
    ['no reason', { [Input.Reason]: ' ' }, Input.Reason, 'is required'],
    ['a reason over 500 characters', { [Input.Reason]: 'r'.repeat(501) }, Input.Reason, '1 to 500'],
    [
      'a job ID with a space',
      { [Input.JobIds]: 'job 1 2' },
      Input.JobIds,
      "'job 1 2' is not a job"
    ],
    [
      'an owner of 11 digits',
      { [Input.JobIds]: 'job-1 11112222333' },
      Input.JobIds,
      'is not a job'
    ],
    ['a path', { [Input.Path]: 'build/a.zip' }, Input.Path, 'not files'],
    ['an image', { [Input.Image]: 'ghcr.io/a/b:1' }, Input.Image, 'not images'],
    ['a release tag', { [Input.ReleaseTag]: 'v1' }, Input.ReleaseTag, 'gh release download'],
    [
      'effective-time without revoke-profile-version',
      { [Input.EffectiveTime]: '2024-05-01T12:00:00Z' },
      Input.EffectiveTime,
      "only with 'revoke-profile-version: true'"
    ],
    [
      'effective-time without an offset',
      { ...PROFILE_VERSION, [Input.EffectiveTime]: '2024-05-01T12:00:00' },
      Input.EffectiveTime,
      'with its offset'
    ],
    [
      'effective-time on a day that does not exist',
      { ...PROFILE_VERSION, [Input.EffectiveTime]: '2025-02-30T00:00:00Z' },
      Input.EffectiveTime,
      "'2025-02-30T00:00:00Z' names a day or time of day that does not exist"
    ],
    [
      'effective-time at hour 24',
      { ...PROFILE_VERSION, [Input.EffectiveTime]: '2025-01-01T24:00+01:00' },
      Input.EffectiveTime,
      'does not exist'
    ],
    [
      'effective-time in the future',
      { ...PROFILE_VERSION, [Input.EffectiveTime]: '2999-01-01T00:00:00Z' },
      Input.EffectiveTime,
      'is in the future'
    ],
    [
      'revoke-profile-version without profile-name',
      { [Input.RevokeProfileVersion]: 'true' },
      Input.ProfileName,
      "is required with 'revoke-profile-version: true': only versions of the profile you name"
    ],
    [
      'a job ARN whose job ID is not one',
      { [Input.JobIds]: 'arn:aws:signer:us-east-1:111122223333:/signing-jobs/..' },
      Input.JobIds,
      "'arn:aws:signer:us-east-1:111122223333:/signing-jobs/..' is not a job: give one a line"
    ],
    [
      'revoke-profile-version not a boolean',
      { [Input.RevokeProfileVersion]: 'yes' },
      Input.RevokeProfileVersion,
      "'true' or 'false'"
    ],
    ['a bad profile-owner', { [Input.ProfileOwner]: '123' }, Input.ProfileOwner, '12-digit']
  ])('refuses %s, naming the input', (_, values, input, text) => {
    const error = inputError(() => revoke(values))
    expect(error.input).toBe(input)
    expect(error.message).toContain(text)
  })
})
