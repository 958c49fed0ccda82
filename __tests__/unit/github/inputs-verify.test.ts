import { mkdtempSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { InputError } from '../../../src/errors.js'
import {
  DEFAULTS,
  Input,
  readInputs,
  type VerifyFileInputs,
  type VerifyImageInputs
} from '../../../src/github/inputs.js'
import { ignoredVerifyInputsWarning } from '../../../src/github/inputs-verify.js'
import { AWS_SIGNER_ROOT_SHA256 } from '../../../src/notary/verify-signature.js'
import { thrownBy } from '../helpers.js'

let workspace: string
beforeAll(() => {
  workspace = realpathSync(mkdtempSync(path.join(tmpdir(), 'verify-inputs-')))
})
afterAll(() => rmSync(workspace, { recursive: true, force: true }))

type Values = Partial<Record<Input, string>>

const DIGEST = `sha256:${'a'.repeat(64)}`
const PROFILE_ARN = 'arn:aws:signer:us-east-1:111122223333:/signing-profiles/release_profile'
const IMAGE: Values = {
  [Input.Mode]: 'verify',
  [Input.ProfileName]: 'container_profile',
  [Input.Image]: `ghcr.io/owner/app@${DIGEST}`
}
const FILES: Values = {
  [Input.Mode]: 'verify',
  [Input.ProfileName]: 'release_profile',
  [Input.Path]: 'signed/*.zip',
  [Input.SigningResults]: 'signed/release.signing.json'
}

function read(values: Values) {
  return readInputs(name => values[name] ?? '', {
    GITHUB_WORKSPACE: workspace,
    AWS_REGION: 'us-east-1'
  })
}
function readImages(values: Values): VerifyImageInputs {
  const inputs = read({ ...IMAGE, ...values })
  if (inputs.mode !== 'verify' || inputs.kind !== 'images') throw new Error('not image verify')
  return inputs
}
function readFiles(values: Values): VerifyFileInputs {
  const inputs = read({ ...FILES, ...values })
  if (inputs.mode !== 'verify' || inputs.kind !== 'files') throw new Error('not file verify')
  return inputs
}
const inputError = (run: () => unknown) => thrownBy(run, InputError)

describe('readInputs: mode verify', () => {
  it('reads images with the defaults: AWS’s root, the profile’s ARN read later', () => {
    expect(readImages({})).toEqual({
      mode: 'verify',
      kind: 'images',
      profileName: 'container_profile',
      profileOwner: undefined,
      region: 'us-east-1',
      timeoutSeconds: DEFAULTS.timeoutSeconds,
      maxConcurrency: DEFAULTS.maxConcurrency,
      summary: true,
      workspace,
      trustedProfiles: undefined,
      images: [expect.objectContaining({ registry: 'ghcr.io', digest: DIGEST })],
      registryCredentials: undefined,
      trustedRootSha256: [AWS_SIGNER_ROOT_SHA256],
      ignored: []
    })
    expect(DEFAULTS.trustedRootSha256).toBe(AWS_SIGNER_ROOT_SHA256)
  })

  it('reads files with their signing records, one path or pattern a line', () => {
    expect(readFiles({})).toMatchObject({
      kind: 'files',
      patterns: ['signed/*.zip'],
      signingResults: ['signed/release.signing.json'],
      expectedBucketOwner: undefined
    })
    expect(
      readFiles({ [Input.SigningResults]: '/runner/temp/results.json\n*.signing.json' })
        .signingResults
    ).toEqual(['/runner/temp/results.json', '*.signing.json'])
  })

  it('takes trusted-profiles instead of profile-name, one a line, each once', () => {
    const inputs = readImages({
      [Input.ProfileName]: '',
      [Input.TrustedProfiles]: `${PROFILE_ARN}\n\n${PROFILE_ARN}/awUPb84ibN\n${PROFILE_ARN}`
    })
    expect(inputs.profileName).toBeUndefined()
    expect(inputs.trustedProfiles).toEqual([PROFILE_ARN, `${PROFILE_ARN}/awUPb84ibN`])
  })

  it('reads root fingerprints as notation and openssl print them', () => {
    const colons = 'AB:'.repeat(31) + 'AB'
    expect(
      readImages({ [Input.TrustedRootSha256]: `${colons}\n${'cd'.repeat(32)}` }).trustedRootSha256
    ).toEqual(['ab'.repeat(32), 'cd'.repeat(32)])
  })

  it.each<[string, Values, Input, string]>([
    [
      'neither a profile nor trusted profiles',
      { [Input.ProfileName]: '' },
      Input.TrustedProfiles,
      "and 'profile-name' are both empty"
    ],
    [
      '* as a trusted profile',
      { [Input.TrustedProfiles]: '*' },
      Input.TrustedProfiles,
      "'*' would trust every signing profile"
    ],
    [
      'a profile name as a trusted profile',
      { [Input.TrustedProfiles]: 'release_profile' },
      Input.TrustedProfiles,
      'is neither a signing-profile ARN'
    ],
    [
      'a fingerprint of another length',
      { [Input.TrustedRootSha256]: 'abcd' },
      Input.TrustedRootSha256,
      "'abcd' is not the SHA-256 of a certificate"
    ],
    ['both path and image', { [Input.Path]: 'a.zip' }, Input.Image, 'a step verifies either files'],
    [
      'neither path nor image',
      { [Input.Image]: '' },
      Input.Path,
      "give 'path' (signed files to verify, with 'signing-results')"
    ]
  ])('refuses %s, naming the input', (_case, values, input, message) => {
    const error = inputError(() => readImages(values))
    expect(error.input).toBe(input)
    expect(error.message).toContain(message)
  })

  it('needs signing-results with path', () => {
    const error = inputError(() => readFiles({ [Input.SigningResults]: '' }))
    expect(error.input).toBe(Input.SigningResults)
  })

  it('ignores inputs of signing, with one warning', () => {
    const inputs = readImages({
      [Input.SourceBucket]: 'bucket',
      [Input.UploadArtifact]: 'true',
      [Input.SignPlatformManifests]: 'false',
      [Input.SigningResults]: 'x.json'
    })
    expect(inputs.ignored).toEqual([Input.SourceBucket, Input.UploadArtifact, Input.SigningResults])
    expect(ignoredVerifyInputsWarning(inputs)).toBe(
      "Ignored 'source-bucket', 'upload-artifact', 'signing-results': mode verify with 'image' does not use them."
    )
    expect(readFiles({ [Input.TrustedRootSha256]: 'ab'.repeat(32) }).ignored).toEqual([
      Input.TrustedRootSha256
    ])
    // action.yml's default reaches every step: it is no sign of a choice.
    expect(readFiles({ [Input.TrustedRootSha256]: DEFAULTS.trustedRootSha256 }).ignored).toEqual([])
  })
})

describe('readInputs: other modes given what only verifying reads, and the reverse', () => {
  it.each([Input.TrustedProfiles, Input.TrustedRootSha256])(
    'a signing step refuses %s: mode verify was left out',
    input => {
      const error = inputError(() =>
        read({
          [Input.ProfileName]: 'p_1',
          [Input.Image]: `ghcr.io/owner/app@${DIGEST}`,
          [input]: input === Input.TrustedRootSha256 ? 'ab'.repeat(32) : PROFILE_ARN
        })
      )
      expect(error.message).toBe(
        `Input '${input}': is not read when signing: it is for mode 'verify'. Set 'mode', or remove '${input}'.`
      )
    }
  )

  it.each([Input.TrustedProfiles, Input.TrustedRootSha256])(
    'a revoking step refuses %s, but not the default root every step is given',
    input => {
      const revoke = {
        [Input.Mode]: 'revoke',
        [Input.JobIds]: 'e218ee67-5dd3-4dc4-8caf-224898b12493',
        [Input.Reason]: 'bad build'
      }
      const error = inputError(() =>
        read({
          ...revoke,
          [input]: input === Input.TrustedRootSha256 ? 'ab'.repeat(32) : PROFILE_ARN
        })
      )
      expect(error.message).toContain("it is for mode 'verify'")
      expect(read({ ...revoke, [Input.TrustedRootSha256]: DEFAULTS.trustedRootSha256 }).mode).toBe(
        'revoke'
      )
    }
  )

  it.each([Input.JobIds, Input.Reason])('a verifying step refuses %s, of mode revoke', input => {
    const error = inputError(() => readImages({ [input]: 'x' }))
    expect(error.message).toBe(
      `Input '${input}': is not read when verifying: it is for mode 'revoke'. Set 'mode', or remove '${input}'.`
    )
  })
})
