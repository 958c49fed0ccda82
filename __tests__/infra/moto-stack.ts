/**
 * What the moto deployment test needs besides the rig's moto: the template cut down to what moto's
 * CloudFormation creates, the aws CLI pointed at moto, and the S3 API form of bucket properties.
 */
import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'
import type { BucketLifecycleConfiguration, LifecycleRule } from '@aws-sdk/client-s3'
import type { Template } from '../../scripts/iam-policy.js'

/** The resource types moto's CloudFormation creates (moto 5.2: not the Signer profile, not the OIDC provider, not the bucket policy). */
export const MOTO_RESOURCE_TYPES = new Set(['AWS::S3::Bucket', 'AWS::IAM::Role'])

/**
 * The template with only the resources of `keep` types; every reference to a dropped resource
 * (`Ref`, `Fn::GetAtt`, `${…}` in `Fn::Sub`) becomes its stand-in, keyed `Logical` or
 * `Logical.Attribute`. A reference without a stand-in throws, naming it.
 */
export function withoutResources(
  template: Template,
  keep: Set<string>,
  standIns: Record<string, string>
): Template {
  const dropped = new Set(
    Object.entries(template.Resources)
      .filter(([, resource]) => !keep.has(resource.Type))
      .map(([name]) => name)
  )
  const standIn = (key: string): string => {
    const value = standIns[key]
    if (value === undefined) throw new Error(`no stand-in for ${key}, a dropped resource`)
    return value
  }
  const replace = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(replace)
    if (node === null || typeof node !== 'object') return node
    const object = node as Record<string, unknown>
    const keys = Object.keys(object)
    if (keys.length === 1) {
      const ref = object.Ref
      if (typeof ref === 'string' && dropped.has(ref)) return standIn(ref)
      const getAtt = object['Fn::GetAtt']
      if (Array.isArray(getAtt) && dropped.has(String(getAtt[0]))) return standIn(getAtt.join('.'))
      const sub = object['Fn::Sub']
      if (sub !== undefined) {
        const [text, variables] = Array.isArray(sub) ? sub : [sub]
        const replaced = String(text).replace(/\$\{([^}!][^}]*)\}/g, (whole, name: string) =>
          dropped.has(name.split('.')[0] ?? '') ? standIn(name) : whole
        )
        return { 'Fn::Sub': variables === undefined ? replaced : [replaced, replace(variables)] }
      }
    }
    return Object.fromEntries(keys.map(key => [key, replace(object[key])]))
  }
  const resources = Object.fromEntries(
    Object.entries(template.Resources).filter(([name]) => !dropped.has(name))
  )
  return replace({ ...template, Resources: resources }) as Template
}

/**
 * Runs the aws CLI against `endpoint` with throw-away credentials and no user configuration;
 * returns its parsed JSON output (undefined when it prints nothing).
 */
export async function awsCli(endpoint: string, args: string[]): Promise<unknown> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    AWS_PAGER: ''
  }
  delete env.AWS_PROFILE
  delete env.AWS_SESSION_TOKEN
  try {
    const { stdout } = await promisify(execFile)(
      'aws',
      ['--endpoint-url', endpoint, '--output', 'json', ...args],
      { env }
    )
    return stdout.trim().startsWith('{') ? JSON.parse(stdout) : undefined
  } catch (error) {
    const { stderr = '', code } = error as { stderr?: string; code?: string | number }
    const hint = code === 'ENOENT' ? ' (the aws CLI is not on PATH: pip install awscli)' : ''
    throw new Error(`aws ${args.slice(0, 2).join(' ')} failed${hint}: ${stderr.trim() || error}`, {
      cause: error
    })
  }
}

/**
 * An IAM policy document as the aws CLI printed it. moto 5.2 stores a role's inline policy that
 * CloudFormation created as Python's repr of the dict (it JSON-encodes only the trust policy), so
 * a string that is not JSON is read as a Python literal. moto also leaves an `AWS::NoValue` item
 * of a list (from `Fn::If`) as null, where CloudFormation drops the item: nulls leave the lists.
 */
export function policyDocument(value: unknown): unknown {
  return withoutNullItems(parsed(value))
}

function parsed(value: unknown): unknown {
  if (typeof value !== 'string') return value
  try {
    return JSON.parse(value)
  } catch {
    const json = execFileSync(
      'python3',
      ['-c', 'import ast, json, sys; print(json.dumps(ast.literal_eval(sys.stdin.read())))'],
      { input: value, encoding: 'utf8' }
    )
    return JSON.parse(json)
  }
}

function withoutNullItems(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter(item => item !== null).map(withoutNullItems)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, withoutNullItems(item)])
  )
}

/** The API form of an `AWS::S3::Bucket` LifecycleConfiguration, as CloudFormation sends it. */
export function lifecycleForApi(configuration: {
  Rules: Record<string, unknown>[]
}): BucketLifecycleConfiguration {
  return {
    Rules: configuration.Rules.map(rule => {
      const api: LifecycleRule = { Status: rule.Status as LifecycleRule['Status'] }
      for (const [key, value] of Object.entries(rule)) {
        const days = (object: unknown, field: string) =>
          Number((object as Record<string, unknown>)[field])
        switch (key) {
          case 'Status':
            break
          case 'Id':
            api.ID = String(value)
            break
          case 'Prefix':
            api.Filter = { Prefix: String(value) }
            break
          case 'ExpirationInDays':
            api.Expiration = { ...api.Expiration, Days: Number(value) }
            break
          case 'ExpiredObjectDeleteMarker':
            api.Expiration = { ...api.Expiration, ExpiredObjectDeleteMarker: value === true }
            break
          case 'NoncurrentVersionExpiration':
            api.NoncurrentVersionExpiration = { NoncurrentDays: days(value, 'NoncurrentDays') }
            break
          case 'AbortIncompleteMultipartUpload':
            api.AbortIncompleteMultipartUpload = {
              DaysAfterInitiation: days(value, 'DaysAfterInitiation')
            }
            break
          default:
            throw new Error(`lifecycle rule property ${key}: add its API form to lifecycleForApi`)
        }
      }
      return api
    })
  }
}
