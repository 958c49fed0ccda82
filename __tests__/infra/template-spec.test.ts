import { describe, expect, it } from '@jest/globals'
import { TEMPLATE_FILE, loadTemplate, resolve, type Template } from '../../scripts/iam-policy.js'
import { loadSpecification, templateProblems } from './cfn-spec.js'

const template = loadTemplate(TEMPLATE_FILE)
const spec = loadSpecification()

type Resources = Template['Resources']
const properties = (resources: Resources, name: string) => {
  const resource = resources[name]
  if (!resource?.Properties) throw new Error(`the template has no ${name} with Properties`)
  return resource.Properties as Record<string, Record<string, unknown>>
}

describe(`${TEMPLATE_FILE} against the CloudFormation resource specification`, () => {
  it('uses only known types, properties and attributes, with every reference resolvable', () => {
    expect(templateProblems(template, spec)).toEqual([])
  })

  it('creates the bucket, its policy, the profiles, the OIDC provider and the role, and outputs what the action needs', () => {
    expect(
      Object.fromEntries(Object.entries(template.Resources).map(([name, r]) => [name, r.Type]))
    ).toEqual({
      SourceBucket: 'AWS::S3::Bucket',
      SourceBucketPolicy: 'AWS::S3::BucketPolicy',
      SigningProfile: 'AWS::Signer::SigningProfile',
      ImageSigningProfile: 'AWS::Signer::SigningProfile',
      GitHubOIDCProvider: 'AWS::IAM::OIDCProvider',
      SigningRole: 'AWS::IAM::Role'
    })
    expect(Object.keys(template.Outputs ?? {})).toEqual([
      'RoleArn',
      'BucketName',
      'ProfileName',
      'ProfileVersionArn',
      'ImageProfileName',
      'ImageProfileArn'
    ])
    expect(template.Parameters?.PlatformId?.Default).toBe('AWSLambda-SHA384-ECDSA')
    expect(template.Resources.ImageSigningProfile?.Properties?.PlatformId).toBe(
      'Notation-OCI-SHA384-ECDSA'
    )
    expect(template.Resources.ImageSigningProfile?.Condition).toBe('ShouldSignImages')
    expect(template.Parameters?.SignImages?.Default).toBe('false')
    expect(template.Parameters?.EcrRepository?.Default).toBe('')
    expect(template.Parameters?.Repository?.Default).toBeUndefined()
  })
})

describe(`${TEMPLATE_FILE} parameters`, () => {
  // moto's CloudFormation checks neither parameter constraints nor Rules: evaluate them here.
  const rules = (template.Rules ?? {}) as Record<
    string,
    { RuleCondition?: unknown; Assertions: { Assert: unknown }[] }
  >
  /** The names of the rules that refuse these parameters. */
  const refused = (parameters: Record<string, string>) => {
    const stack = {
      partition: 'aws',
      region: 'us-east-1',
      accountId: '1',
      refs: {},
      attributes: {}
    }
    const holds = (expression: unknown) =>
      Boolean(resolve(expression, template, { ...stack, parameters }))
    return Object.entries(rules)
      .filter(([, rule]) => rule.RuleCondition === undefined || holds(rule.RuleCondition))
      .filter(([, rule]) => !rule.Assertions.every(assertion => holds(assertion.Assert)))
      .map(([name]) => name)
  }

  it('Repository is owner/repo, without wildcards', () => {
    const pattern = new RegExp(String(template.Parameters?.Repository?.AllowedPattern))
    for (const good of ['octo-org/app', 'me/my_app.js', 'a-b/c-d']) expect(good).toMatch(pattern)
    for (const bad of ['octo-org/*', 'octo-org', 'octo-org/app:ref', '*/*', 'a/b/c']) {
      expect(bad).not.toMatch(pattern)
    }
  })

  it('EcrRepository is a repository name, optionally ending in *, or empty', () => {
    const pattern = new RegExp(String(template.Parameters?.EcrRepository?.AllowedPattern))
    for (const good of ['', 'app', 'team/app', 'team/*', 'my_app.v2', 'a-b/c*']) {
      expect(good).toMatch(pattern)
    }
    for (const bad of ['*', 'App', 'a,b', 'a b', 'team/*/x', '/app', 'arn:aws:ecr:x']) {
      expect(bad).not.toMatch(pattern)
    }
  })

  it('Rules refuse Branch with Environment, and a provider ARN while creating the provider', () => {
    expect(refused({ Repository: 'o/r' })).toEqual([])
    expect(refused({ Branch: 'main' })).toEqual([])
    expect(refused({ Branch: 'main', Environment: 'release' })).toEqual(['BranchOrEnvironment'])
    expect(refused({ CreateOIDCProvider: 'false', ExistingOIDCProviderArn: 'arn' })).toEqual([])
    expect(refused({ ExistingOIDCProviderArn: 'arn' })).toEqual(['ProviderArnOnlyWhenNotCreating'])
  })

  it('Rules refuse an ECR repository without SignImages', () => {
    expect(refused({ SignImages: 'true' })).toEqual([])
    expect(refused({ SignImages: 'true', EcrRepository: 'app' })).toEqual([])
    expect(refused({ EcrRepository: 'app' })).toEqual(['EcrRepositoryOnlyWithImages'])
  })
})

/** Each breaks the template in one way the check must notice. */
const BREAKAGES: [string, (resources: Resources) => void, RegExp][] = [
  [
    'an unknown resource type',
    r => ((r.SourceBucketPolicy as { Type: string }).Type = 'AWS::S3::BucketPolicyy'),
    /^Resources\.SourceBucketPolicy: unknown resource type AWS::S3::BucketPolicyy$/
  ],
  [
    'an unknown property',
    r => (properties(r, 'SourceBucket').Versioning = { Status: 'Enabled' }),
    /^Resources\.SourceBucket\.Properties: unknown property Versioning/
  ],
  [
    'a missing required property',
    r => delete properties(r, 'SigningProfile').PlatformId,
    /^Resources\.SigningProfile\.Properties: required property PlatformId is missing$/
  ],
  [
    'a missing required property of a nested type',
    r => {
      const rules = properties(r, 'SourceBucket').LifecycleConfiguration?.Rules as {
        NoncurrentVersionExpiration?: object
      }[]
      rules[0]!.NoncurrentVersionExpiration = {}
    },
    /^Resources\.SourceBucket\.Properties\.LifecycleConfiguration\.Rules\[0\]\.NoncurrentVersionExpiration: required property NoncurrentDays is missing$/
  ],
  [
    'a value of the wrong primitive type',
    r =>
      (properties(r, 'SigningProfile').SignatureValidityPeriod = { Value: 'long', Type: 'YEARS' }),
    /SignatureValidityPeriod\.Value: expected Integer, got "long"$/
  ],
  [
    'an attribute the resource type does not have',
    r =>
      (properties(r, 'SigningProfile').PlatformId = { 'Fn::GetAtt': ['SourceBucket', 'Platform'] }),
    /Fn::GetAtt SourceBucket\.Platform: AWS::S3::Bucket has Arn, DomainName/
  ],
  [
    'a Ref to nothing',
    r => (properties(r, 'SigningProfile').PlatformId = { Ref: 'Platform' }),
    /^Resources\.SigningProfile\.Properties\.PlatformId\.Ref: Ref Platform: no such parameter or resource$/
  ],
  [
    'a !Sub variable that names nothing',
    r => (properties(r, 'SigningRole').Description = { 'Fn::Sub': 'signs for ${Repo}' }),
    /Description\.Fn::Sub: Ref Repo: no such parameter or resource$/
  ],
  [
    'a !Sub attribute the resource does not have',
    r => (properties(r, 'SigningRole').Description = { 'Fn::Sub': '${SigningProfile.Name}' }),
    /Fn::GetAtt SigningProfile\.Name: AWS::Signer::SigningProfile has Arn, ProfileName/
  ],
  [
    'an unknown condition',
    r => (properties(r, 'SigningProfile').PlatformId = { 'Fn::If': ['IsLambda', 'a', 'b'] }),
    /^Resources\.SigningProfile\.Properties\.PlatformId\.Fn::If: no condition IsLambda$/
  ],
  [
    'an unguarded reference to a conditional resource',
    r => {
      const trust = properties(r, 'SigningRole').AssumeRolePolicyDocument as {
        Statement: { Principal: Record<string, unknown> }[]
      }
      trust.Statement[0]!.Principal.Federated = { 'Fn::GetAtt': ['GitHubOIDCProvider', 'Arn'] }
    },
    /GitHubOIDCProvider exists only when ShouldCreateOIDCProvider; guard the reference with Fn::If$/
  ]
]

describe('the specification check', () => {
  it.each(BREAKAGES)('finds %s', (_, breakIt, expected) => {
    const broken = structuredClone(template)
    breakIt(broken.Resources)
    expect(templateProblems(broken, spec)).toEqual([expect.stringMatching(expected)])
  })

  it('finds a parameter default that its own constraints refuse', () => {
    const broken = structuredClone(template)
    broken.Parameters!.PlatformId!.AllowedPattern = '^AWSIoT.*$'
    broken.Parameters!.UnsignedRetentionDays!.Default = 0
    expect(templateProblems(broken, spec)).toEqual([
      'Parameters.PlatformId: default "AWSLambda-SHA384-ECDSA" does not match AllowedPattern',
      'Parameters.UnsignedRetentionDays: default 0 is below MinValue'
    ])
  })

  it('finds a Ref to a resource where only parameters are allowed', () => {
    const broken = structuredClone(template)
    broken.Conditions!.HasBranch = { 'Fn::Equals': [{ Ref: 'SourceBucket' }, ''] }
    expect(templateProblems(broken, spec)).toEqual([
      'Conditions.HasBranch.Fn::Equals[0].Ref: Ref SourceBucket: not a parameter'
    ])
  })
})
