/**
 * infra/signer-setup.yml deployed into moto's CloudFormation, through the aws CLI as the README's
 * quick start runs it. moto creates the bucket and the role; the Signer profile and the OIDC
 * provider (which moto's CloudFormation does not create) are dropped, and references to them
 * become stand-ins, so the role's trust and permissions come out of moto's own evaluation of the
 * template's parameters, conditions and references.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  type S3Client
} from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  TEMPLATE_FILE,
  exampleStackValues,
  loadTemplate,
  resolve,
  rolePolicyDocument,
  type StackValues
} from '../../scripts/iam-policy.js'
import { MOTO_ACCOUNT, motoClient, motoServer, type MotoServer } from '../rig/moto.js'
import {
  MOTO_RESOURCE_TYPES,
  awsCli,
  lifecycleForApi,
  policyDocument,
  withoutResources
} from './moto-stack.js'

const REPOSITORY = 'octo-org/app'
const PROFILE = 'moto_profile'
const PROFILE_ARN = `arn:aws:signer:us-east-1:${MOTO_ACCOUNT}:/signing-profiles/${PROFILE}`
const IMAGE_PROFILE = 'moto_image_profile'
const IMAGE_PROFILE_ARN = `arn:aws:signer:us-east-1:${MOTO_ACCOUNT}:/signing-profiles/${IMAGE_PROFILE}`
const CREATED_PROVIDER = `arn:aws:iam::${MOTO_ACCOUNT}:oidc-provider/stand-in-for-GitHubOIDCProvider`
const ACCOUNT_PROVIDER = `arn:aws:iam::${MOTO_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`

const template = loadTemplate(TEMPLATE_FILE)
const motoTemplate = withoutResources(template, MOTO_RESOURCE_TYPES, {
  'SigningProfile.Arn': PROFILE_ARN,
  'SigningProfile.ProfileName': PROFILE,
  'SigningProfile.ProfileVersionArn': `${PROFILE_ARN}/AbCdE12345`,
  'ImageSigningProfile.Arn': IMAGE_PROFILE_ARN,
  'ImageSigningProfile.ProfileName': IMAGE_PROFILE,
  'GitHubOIDCProvider.Arn': CREATED_PROVIDER
})

/** What the template evaluates to in moto's account for a stack whose bucket is `bucket`. */
const motoValues = (bucket: string, parameters: Record<string, string>): StackValues => ({
  ...exampleStackValues(
    {
      partition: 'aws',
      region: 'us-east-1',
      accountId: MOTO_ACCOUNT,
      bucket,
      profileNames: { SigningProfile: PROFILE, ImageSigningProfile: IMAGE_PROFILE }
    },
    template
  ),
  parameters
})

interface Role {
  Arn: string
  AssumeRolePolicyDocument: { Statement: Record<string, unknown>[] }
}

describe(`${TEMPLATE_FILE} in moto's CloudFormation`, () => {
  let moto: MotoServer
  let s3: S3Client
  let directory: string
  let templateFile: string
  const aws = (...args: string[]) => awsCli(moto.endpoint, args)

  beforeAll(async () => {
    moto = await motoServer()
    s3 = motoClient(moto.endpoint)
    directory = mkdtempSync(path.join(tmpdir(), 'signer-setup-'))
    templateFile = path.join(directory, 'signer-setup.json')
    writeFileSync(templateFile, JSON.stringify(motoTemplate, null, 2))
  })
  afterAll(async () => {
    s3?.destroy()
    await moto?.stop()
    if (directory) rmSync(directory, { recursive: true, force: true })
  })

  /** Creates a stack with create-stack (moto reports outputs only for those) and returns them. */
  const createStack = async (name: string, parameters: Record<string, string>) => {
    await aws(
      'cloudformation',
      'create-stack',
      '--stack-name',
      name,
      '--template-body',
      `file://${templateFile}`,
      '--capabilities',
      'CAPABILITY_NAMED_IAM',
      '--parameters',
      ...Object.entries(parameters).map(([k, v]) => `ParameterKey=${k},ParameterValue=${v}`)
    )
    const described = (await aws('cloudformation', 'describe-stacks', '--stack-name', name)) as {
      Stacks: { StackStatus: string; Outputs?: { OutputKey: string; OutputValue: string }[] }[]
    }
    const stack = described.Stacks[0]
    expect(stack?.StackStatus).toBe('CREATE_COMPLETE')
    return Object.fromEntries((stack?.Outputs ?? []).map(o => [o.OutputKey, o.OutputValue]))
  }
  const role = async (name: string) =>
    ((await aws('iam', 'get-role', '--role-name', name)) as { Role: Role }).Role
  const trust = (federated: string, subject: string) => ({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRoleWithWebIdentity',
        Principal: { Federated: federated },
        Condition: {
          StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
          StringLike: { 'token.actions.githubusercontent.com:sub': subject }
        }
      }
    ]
  })

  it("the quick start's deploy command creates a role that only the repository may assume, with the README's policy", async () => {
    await aws(
      'cloudformation',
      'deploy',
      '--template-file',
      templateFile,
      '--stack-name',
      'quick-start',
      '--parameter-overrides',
      `Repository=${REPOSITORY}`,
      '--capabilities',
      'CAPABILITY_NAMED_IAM'
    )
    const { StackResourceSummaries: resources } = (await aws(
      'cloudformation',
      'list-stack-resources',
      '--stack-name',
      'quick-start'
    )) as { StackResourceSummaries: { LogicalResourceId: string; PhysicalResourceId: string }[] }
    const physical = (logical: string) =>
      resources.find(r => r.LogicalResourceId === logical)?.PhysicalResourceId ?? ''
    const [bucket, roleName] = [physical('SourceBucket'), physical('SigningRole')]

    await s3.send(new HeadBucketCommand({ Bucket: bucket }))
    const created = await role(roleName)
    expect(created.AssumeRolePolicyDocument).toEqual(
      trust(CREATED_PROVIDER, `repo:${REPOSITORY}:*`)
    )
    const { PolicyDocument } = (await aws(
      'iam',
      'get-role-policy',
      '--role-name',
      roleName,
      '--policy-name',
      'sign-artifacts'
    )) as { PolicyDocument: unknown }
    // The README's block is this same evaluation with its example names and image parameters.
    expect(policyDocument(PolicyDocument)).toEqual(
      resolve(rolePolicyDocument(template), template, motoValues(bucket, {}))
    )
  })

  it.each([
    [
      'an environment and the account provider',
      { Environment: 'release', CreateOIDCProvider: 'false' },
      ACCOUNT_PROVIDER,
      `repo:${REPOSITORY}:environment:release`
    ],
    [
      'a branch glob and a given provider',
      {
        Branch: 'release/*',
        CreateOIDCProvider: 'false',
        ExistingOIDCProviderArn: `${ACCOUNT_PROVIDER}-elsewhere`
      },
      `${ACCOUNT_PROVIDER}-elsewhere`,
      `repo:${REPOSITORY}:ref:refs/heads/release/*`
    ]
  ])(
    'trusts %s; the outputs name the role, bucket and profile',
    async (_, parameters, provider, subject) => {
      const stackName = `stack-${Object.keys(parameters)[0]?.toLowerCase()}`
      const outputs = await createStack(stackName, { Repository: REPOSITORY, ...parameters })

      expect(Object.keys(outputs).sort()).toEqual([
        'BucketName',
        'ProfileName',
        'ProfileVersionArn',
        'RoleArn'
      ])
      const roleName = outputs.RoleArn?.split('/').pop() ?? ''
      const created = await role(roleName)
      expect(created.Arn).toBe(outputs.RoleArn)
      expect(created.AssumeRolePolicyDocument).toEqual(trust(provider, subject))
      await s3.send(new HeadBucketCommand({ Bucket: outputs.BucketName }))
      expect(outputs.ProfileName).toBe(PROFILE)
    }
  )

  it('with SignImages and EcrRepository, outputs the image profile and grants signing it and pushing signatures to the repository', async () => {
    const parameters = { Repository: REPOSITORY, SignImages: 'true', EcrRepository: 'team/app' }
    const outputs = await createStack('images', parameters)
    expect(Object.keys(outputs).sort()).toEqual([
      'BucketName',
      'ImageProfileArn',
      'ImageProfileName',
      'ProfileName',
      'ProfileVersionArn',
      'RoleArn'
    ])
    expect(outputs.ImageProfileName).toBe(IMAGE_PROFILE)
    expect(outputs.ImageProfileArn).toBe(IMAGE_PROFILE_ARN)
    const roleName = outputs.RoleArn?.split('/').pop() ?? ''
    const { PolicyDocument } = (await aws(
      'iam',
      'get-role-policy',
      '--role-name',
      roleName,
      '--policy-name',
      'sign-artifacts'
    )) as { PolicyDocument: unknown }
    const expected = resolve(
      rolePolicyDocument(template),
      template,
      motoValues(outputs.BucketName ?? '', parameters)
    ) as { Statement: { Sid: string; Resource: unknown }[] }
    expect(policyDocument(PolicyDocument)).toEqual(expected)
    expect(expected.Statement.find(s => s.Sid === 'EcrSignatures')?.Resource).toBe(
      `arn:aws:ecr:us-east-1:${MOTO_ACCOUNT}:repository/team/app`
    )
  })

  it('the bucket is encrypted as created; its versioning, lifecycle, public access block and TLS policy are valid S3 configuration with the retention applied', async () => {
    const parameters = { Repository: REPOSITORY, UnsignedRetentionDays: '9' }
    const { BucketName: bucket = '' } = await createStack('bucket', parameters)
    const encryption = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }))
    expect(encryption.ServerSideEncryptionConfiguration?.Rules).toEqual([
      expect.objectContaining({ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } })
    ])

    // moto 5.2's CloudFormation creates the bucket without VersioningConfiguration,
    // LifecycleConfiguration and PublicAccessBlockConfiguration, and no AWS::S3::BucketPolicy:
    // put the template's values (evaluated for this stack) through the S3 API, as CloudFormation
    // would, so that S3's own rules (such as no ExpiredObjectDeleteMarker beside Days) judge them.
    const values = motoValues(bucket, parameters)
    const bucketProperties = resolve(
      template.Resources.SourceBucket?.Properties,
      template,
      values
    ) as {
      VersioningConfiguration: { Status: 'Enabled' }
      LifecycleConfiguration: { Rules: Record<string, unknown>[] }
      PublicAccessBlockConfiguration: Record<string, boolean>
    }
    const policy = resolve(
      template.Resources.SourceBucketPolicy?.Properties?.PolicyDocument,
      template,
      values
    )
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: bucket,
        VersioningConfiguration: bucketProperties.VersioningConfiguration
      })
    )
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket,
        LifecycleConfiguration: lifecycleForApi(bucketProperties.LifecycleConfiguration)
      })
    )
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: bucket,
        PublicAccessBlockConfiguration: bucketProperties.PublicAccessBlockConfiguration
      })
    )
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }))

    const versioning = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))
    expect(versioning.Status).toBe('Enabled')
    const lifecycle = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))
    expect(lifecycle.Rules).toEqual([
      {
        ID: 'ExpireUnsignedUploads',
        Status: 'Enabled',
        Filter: { Prefix: 'unsigned/' },
        Expiration: { Days: 9 },
        NoncurrentVersionExpiration: { NoncurrentDays: 9 },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }
      },
      {
        ID: 'RemoveExpiredDeleteMarkers',
        Status: 'Enabled',
        Filter: { Prefix: 'unsigned/' },
        Expiration: { ExpiredObjectDeleteMarker: true }
      }
    ])
    const block = await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }))
    expect(block.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true
    })
    const stored = await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))
    expect(JSON.parse(stored.Policy ?? '{}')).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } }
        }
      ]
    })
  })
})
