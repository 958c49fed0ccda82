import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from '@jest/globals'
import {
  README_EXAMPLE,
  README_FILE,
  TEMPLATE_FILE,
  exampleStackValues,
  loadTemplate,
  readmePolicyBlock,
  readmePolicyJson,
  resolve,
  rolePolicyDocument,
  type Template
} from '../../scripts/iam-policy.js'

const template = loadTemplate(TEMPLATE_FILE)
const examplePolicy = resolve(
  rolePolicyDocument(template),
  template,
  exampleStackValues(README_EXAMPLE, template)
) as { Statement: { Sid: string; Action: string[]; Resource: string | string[] }[] }

describe('the README policy', () => {
  it(`is the template role's policy with the README's example names (else run scripts/iam-policy.ts)`, async () => {
    const { text } = readmePolicyBlock(readFileSync(README_FILE, 'utf8'))
    expect(text).toBe(await readmePolicyJson(template))
  })

  it('grants exactly what the action calls, on the narrowest resources IAM offers', () => {
    const bucket = 'arn:aws:s3:::my-versioned-bucket'
    const profile = 'arn:aws:signer:us-east-1:111122223333:/signing-profiles/release_profile'
    const imageProfile = 'arn:aws:signer:us-east-1:111122223333:/signing-profiles/container_profile'
    const repository = 'arn:aws:ecr:us-east-1:111122223333:repository/app'
    expect(examplePolicy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'UploadUnsigned',
          Effect: 'Allow',
          Action: ['s3:PutObject', 's3:GetObjectVersion', 's3:AbortMultipartUpload'],
          Resource: `${bucket}/unsigned/*`
        },
        {
          Sid: 'SignedObjects',
          Effect: 'Allow',
          Action: ['s3:PutObject', 's3:GetObject', 's3:GetObjectVersion'],
          Resource: `${bucket}/signed/*`
        },
        { Sid: 'Sign', Effect: 'Allow', Action: ['signer:StartSigningJob'], Resource: profile },
        {
          Sid: 'WaitForJobs',
          Effect: 'Allow',
          Action: ['signer:DescribeSigningJob'],
          Resource: 'arn:aws:signer:us-east-1:111122223333:/signing-jobs/*'
        },
        {
          Sid: 'SignImages',
          Effect: 'Allow',
          Action: ['signer:SignPayload'],
          Resource: imageProfile
        },
        {
          Sid: 'CheckRevocation',
          Effect: 'Allow',
          Action: ['signer:GetRevocationStatus'],
          Resource: '*'
        },
        { Sid: 'EcrToken', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: '*' },
        {
          Sid: 'EcrSignatures',
          Effect: 'Allow',
          Action: [
            'ecr:BatchGetImage',
            'ecr:BatchCheckLayerAvailability',
            'ecr:InitiateLayerUpload',
            'ecr:UploadLayerPart',
            'ecr:CompleteLayerUpload',
            'ecr:PutImage',
            'ecr:GetDownloadUrlForLayer'
          ],
          Resource: repository
        },
        {
          Sid: 'OptionalPreflight',
          Effect: 'Allow',
          Action: ['s3:GetBucketVersioning', 'signer:GetSigningProfile'],
          Resource: [bucket, profile, imageProfile]
        },
        {
          Sid: 'OptionalPlatformLimits',
          Effect: 'Allow',
          Action: ['signer:GetSigningPlatform'],
          Resource: '*'
        },
        {
          Sid: 'OptionalDeleteUnsigned',
          Effect: 'Allow',
          Action: ['s3:DeleteObjectVersion'],
          Resource: `${bucket}/unsigned/*`
        },
        {
          Sid: 'OptionalRevokeSignatures',
          Effect: 'Allow',
          Action: ['signer:RevokeSignature'],
          Resource: 'arn:aws:signer:us-east-1:111122223333:/signing-jobs/*'
        },
        {
          Sid: 'OptionalRevokeProfileVersion',
          Effect: 'Allow',
          Action: ['signer:RevokeSigningProfile'],
          Resource: [profile, imageProfile]
        },
        {
          Sid: 'OptionalDeleteReplacedReferrersIndex',
          Effect: 'Allow',
          Action: ['ecr:BatchDeleteImage'],
          Resource: repository
        }
      ]
    })
  })

  it('grants nothing for images without SignImages, and nothing in ECR without EcrRepository', () => {
    const policyWith = (parameters: Record<string, string>) =>
      resolve(rolePolicyDocument(template), template, {
        ...exampleStackValues(README_EXAMPLE, template),
        parameters
      }) as typeof examplePolicy
    const inEcr = ['EcrToken', 'EcrSignatures', 'OptionalDeleteReplacedReferrersIndex']
    const revoking = ['OptionalRevokeSignatures', 'OptionalRevokeProfileVersion']
    const images = policyWith({ SignImages: 'true' }).Statement
    expect(images).toEqual(
      examplePolicy.Statement.filter(s => !inEcr.includes(s.Sid) && !revoking.includes(s.Sid))
    )
    expect(policyWith({}).Statement).toEqual(
      images
        .filter(s => s.Sid !== 'SignImages' && s.Sid !== 'CheckRevocation')
        .map(s =>
          s.Sid === 'OptionalPreflight'
            ? { ...s, Resource: (s.Resource as string[]).slice(0, 2) }
            : s
        )
    )
  })

  it('grants revoking only with AllowRevocation, on the profiles the stack made', () => {
    const statements = (parameters: Record<string, string>) =>
      (
        resolve(rolePolicyDocument(template), template, {
          ...exampleStackValues(README_EXAMPLE, template),
          parameters
        }) as typeof examplePolicy
      ).Statement.filter(s => s.Sid.startsWith('OptionalRevoke'))
    expect(statements({ SignImages: 'true' })).toEqual([])
    const filesOnly = statements({ AllowRevocation: 'true' })
    expect(filesOnly.map(s => [s.Sid, s.Resource])).toEqual([
      ['OptionalRevokeSignatures', 'arn:aws:signer:us-east-1:111122223333:/signing-jobs/*'],
      [
        'OptionalRevokeProfileVersion',
        ['arn:aws:signer:us-east-1:111122223333:/signing-profiles/release_profile']
      ]
    ])
  })

  it('grants every AWS call that src/ makes', () => {
    const calls = sdkCalls('src')
    expect(calls).toContain('StartSigningJobCommand')
    expect(ungranted(calls, examplePolicy)).toEqual([])
  })

  it("grants exactly the ECR actions of the registry client's requests", () => {
    const source = readFileSync('src/registry/registry-client.ts', 'utf8')
    const operations = [...source.matchAll(/^ {2}async (\w+)\(/gm)].map(([, name]) => name!)
    expect(operations).toContain('pushBlob')
    expect(operations.filter(name => !(name in ECR_ACTIONS_OF_OPERATIONS))).toEqual([])
    const needed = new Set(operations.flatMap(name => ECR_ACTIONS_OF_OPERATIONS[name]!))
    const granted = examplePolicy.Statement.flatMap(s => s.Action).filter(
      action => action.startsWith('ecr:') && action !== 'ecr:GetAuthorizationToken'
    )
    expect(granted.sort()).toEqual([...needed].sort())
  })

  it('would notice a call it does not know, or one the policy does not grant', () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'src-'))
    try {
      writeFileSync(
        path.join(directory, 'calls.ts'),
        'new ListObjectVersionsCommand({}); new DeleteObjectCommand({}); new Upload({})'
      )
      const withoutDelete = {
        Statement: examplePolicy.Statement.filter(s => s.Sid !== 'OptionalDeleteUnsigned')
      }
      expect(ungranted(sdkCalls(directory), withoutDelete)).toEqual([
        `ListObjectVersionsCommand: add its IAM action to this test and to ${TEMPLATE_FILE}`,
        'DeleteObjectCommand: s3:DeleteObjectVersion'
      ])
    } finally {
      rmSync(directory, { recursive: true, force: true })
    }
  })
})

/**
 * The IAM actions each SDK call needs. lib-storage's Upload sends PutObject, or
 * Create/UploadPart/CompleteMultipartUpload (all s3:PutObject), and aborts a failed upload.
 */
const ACTIONS_OF_CALLS: Record<string, string[]> = {
  Upload: ['s3:PutObject', 's3:AbortMultipartUpload'],
  PutObjectCommand: ['s3:PutObject'],
  // mode verify names the version the signing step recorded.
  GetObjectCommand: ['s3:GetObject', 's3:GetObjectVersion'],
  HeadObjectCommand: ['s3:GetObject', 's3:GetObjectVersion'],
  GetBucketVersioningCommand: ['s3:GetBucketVersioning'],
  // delete-unsigned deletes the uploaded version by its VersionId.
  DeleteObjectCommand: ['s3:DeleteObjectVersion'],
  // Sent when the runner cancels the step mid-upload.
  AbortMultipartUploadCommand: ['s3:AbortMultipartUpload'],
  StartSigningJobCommand: ['signer:StartSigningJob'],
  DescribeSigningJobCommand: ['signer:DescribeSigningJob'],
  GetSigningProfileCommand: ['signer:GetSigningProfile'],
  GetSigningPlatformCommand: ['signer:GetSigningPlatform'],
  SignPayloadCommand: ['signer:SignPayload'],
  GetRevocationStatusCommand: ['signer:GetRevocationStatus'],
  // mode revoke; DescribeSigningJob reads whether a job is revoked already.
  RevokeSignatureCommand: ['signer:RevokeSignature'],
  RevokeSigningProfileCommand: ['signer:RevokeSigningProfile'],
  GetAuthorizationTokenCommand: ['ecr:GetAuthorizationToken']
}

/**
 * The ECR actions that each public operation of src/registry/registry-client.ts needs: ECR
 * authorizes each request of the OCI distribution API as the ECR API action that does the same.
 */
const ECR_ACTIONS_OF_OPERATIONS: Record<string, string[]> = {
  // HEAD of a manifest (a GET when the answer lacks its digest or size).
  resolve: ['ecr:BatchGetImage'],
  getManifest: ['ecr:BatchGetImage'],
  readManifest: ['ecr:BatchGetImage'],
  // HEAD of the blob; when absent, POST of an upload and a PUT that carries the bytes.
  pushBlob: [
    'ecr:BatchCheckLayerAvailability',
    'ecr:InitiateLayerUpload',
    'ecr:UploadLayerPart',
    'ecr:CompleteLayerUpload'
  ],
  putManifest: ['ecr:PutImage'],
  deleteManifest: ['ecr:BatchDeleteImage'],
  // GET /v2/<name>/referrers/<digest>: ECR's ListImageReferrers needs ecr:BatchGetImage.
  listReferrers: ['ecr:BatchGetImage'],
  // GET of a blob: ECR answers with a redirect to the layer's download URL.
  getBlob: ['ecr:GetDownloadUrlForLayer']
}

/** The AWS SDK calls that the .ts files under `directory` make. */
function sdkCalls(directory: string): string[] {
  const calls = new Set<string>()
  const files = readdirSync(directory, { withFileTypes: true, recursive: true }).filter(
    entry => entry.isFile() && entry.name.endsWith('.ts')
  )
  for (const file of files) {
    const source = readFileSync(path.join(file.parentPath, file.name), 'utf8')
    for (const [call] of source.matchAll(/\b[A-Z]\w*Command\b/g)) calls.add(call)
    if (/\bnew Upload\(/.test(source)) calls.add('Upload')
  }
  return [...calls]
}

/** Each call whose IAM actions `policy` does not grant, or that has no known actions. */
function ungranted(calls: string[], policy: { Statement: { Action: string[] }[] }): string[] {
  const granted = new Set(policy.Statement.flatMap(statement => statement.Action))
  return calls.flatMap(call => {
    const actions = ACTIONS_OF_CALLS[call]
    if (!actions) return [`${call}: add its IAM action to this test and to ${TEMPLATE_FILE}`]
    return actions.filter(action => !granted.has(action)).map(action => `${call}: ${action}`)
  })
}

describe('loadTemplate', () => {
  const directory = mkdtempSync(path.join(tmpdir(), 'cfn-yaml-'))
  afterAll(() => rmSync(directory, { recursive: true, force: true }))
  const load = (yaml: string) => {
    const file = path.join(directory, 'template.yml')
    writeFileSync(file, yaml)
    return loadTemplate(file)
  }

  it('expands the short-form tags into the JSON form', () => {
    const loaded = load(
      [
        'Resources:',
        '  A:',
        '    Type: X',
        '    Properties:',
        '      Ref: !Ref P',
        '      Att: !GetAtt B.Arn.Deep',
        "      Sub: !Sub ['${x}', { x: !Ref AWS::Region }]",
        "      If: !If [C, !Join ['-', [!Select [0, !Split [',', a]], b]], !Ref AWS::NoValue]",
        '      Logic: !And [!Equals [a, b], !Or [!Not [!Condition C], !Condition D]]',
        '      Version: 2012-10-17',
        '      Flag: true'
      ].join('\n')
    )
    expect(loaded.Resources.A?.Properties).toEqual({
      Ref: { Ref: 'P' },
      Att: { 'Fn::GetAtt': ['B', 'Arn.Deep'] },
      Sub: { 'Fn::Sub': ['${x}', { x: { Ref: 'AWS::Region' } }] },
      If: {
        'Fn::If': [
          'C',
          { 'Fn::Join': ['-', [{ 'Fn::Select': [0, { 'Fn::Split': [',', 'a'] }] }, 'b']] },
          { Ref: 'AWS::NoValue' }
        ]
      },
      Logic: {
        'Fn::And': [
          { 'Fn::Equals': ['a', 'b'] },
          { 'Fn::Or': [{ 'Fn::Not': [{ Condition: 'C' }] }, { Condition: 'D' }] }
        ]
      },
      Version: '2012-10-17',
      Flag: true
    })
  })

  it('refuses an unknown tag and a duplicate key, as CloudFormation does', () => {
    expect(() => load('Resources: !Refs A\n')).toThrow('unknown tag !Refs')
    expect(() => load('Resources:\n  A: 1\n  A: 2\n')).toThrow("duplicate key 'A'")
  })
})

describe('resolve', () => {
  const tiny: Template = {
    Parameters: { Name: { Type: 'String', Default: '' }, Days: { Type: 'Number', Default: 7 } },
    Conditions: { HasName: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'Name' }, ''] }] } },
    Resources: { Bucket: { Type: 'AWS::S3::Bucket' } }
  }
  const values = {
    partition: 'aws-cn',
    region: 'cn-north-1',
    accountId: '123456789012',
    refs: { Bucket: 'b' },
    attributes: { 'Bucket.Arn': 'arn:aws-cn:s3:::b' }
  }
  const value = {
    Arn: { 'Fn::Sub': '${Bucket.Arn}/${AWS::Region}/${!Literal}/${Days}' },
    Name: { 'Fn::If': ['HasName', { Ref: 'Name' }, { Ref: 'AWS::NoValue' }] },
    List: [{ 'Fn::If': ['HasName', 'named', { Ref: 'AWS::NoValue' }] }, 'x']
  }

  it('evaluates references, !Sub, conditions and AWS::NoValue with the given values and defaults', () => {
    expect(resolve(value, tiny, values)).toEqual({
      Arn: 'arn:aws-cn:s3:::b/cn-north-1/${Literal}/7',
      List: ['x']
    })
    expect(resolve(value, tiny, { ...values, parameters: { Name: 'n', Days: '9' } })).toEqual({
      Arn: 'arn:aws-cn:s3:::b/cn-north-1/${Literal}/9',
      Name: 'n',
      List: ['named', 'x']
    })
  })

  it('throws, naming what it cannot evaluate', () => {
    expect(() => resolve({ Ref: 'Profile' }, tiny, values)).toThrow('no value for Ref Profile')
    expect(() => resolve({ 'Fn::GetAtt': ['Bucket', 'DomainName'] }, tiny, values)).toThrow(
      'no value for Fn::GetAtt Bucket.DomainName'
    )
    expect(() => resolve({ 'Fn::If': ['Nope', 1, 2] }, tiny, values)).toThrow(
      'unknown condition Nope'
    )
    expect(() => resolve({ 'Fn::ImportValue': 'x' }, tiny, values)).toThrow(
      'Fn::ImportValue is not evaluated here'
    )
  })
})
