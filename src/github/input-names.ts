/** Input names as action.yml declares them. */
export enum Input {
  Mode = 'mode',
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
  SignPlatformManifests = 'sign-platform-manifests',
  TrustedProfiles = 'trusted-profiles',
  TrustedRootSha256 = 'trusted-root-sha256',
  JobIds = 'job-ids',
  SigningResults = 'signing-results',
  Reason = 'reason',
  RevokeProfileVersion = 'revoke-profile-version',
  EffectiveTime = 'effective-time'
}

/** What the step does: sign, verify or revoke (`mode`). */
export const MODES = ['sign', 'verify', 'revoke'] as const
export type Mode = (typeof MODES)[number]

/** Reads one raw input; '' when not set (the runner sets declared defaults itself). */
export type InputReader = (name: Input) => string

export const DEFAULTS = {
  mode: 'sign',
  sourcePrefix: 'unsigned/',
  destinationPrefix: 'signed/',
  outputDir: 'signed',
  timeoutSeconds: 600,
  maxConcurrency: 4,
  // AWS Signer Code Signing Root CA G1 (notary/verify-signature.ts AWS_SIGNER_ROOT_SHA256).
  trustedRootSha256: '90a87d0543c3f094dbff9589b6649affe2f3d6e0f308799be2258461c686473f'
} as const

export const LIMITS = {
  timeoutSeconds: { min: 1, max: 21600 },
  maxConcurrency: { min: 1, max: 32 },
  // GitHub caps it further by the repository's own setting.
  retentionDays: { min: 1, max: 400 },
  // RevokeSignature's and RevokeSigningProfile's reason (the API reference).
  reason: { min: 1, max: 500 }
} as const
