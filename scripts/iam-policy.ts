/**
 * The action's IAM policy exists once: as the role's policy in infra/signer-setup.yml. This module
 * reads that template and renders the policy with the README's example names into the README's
 * "IAM policy (least privilege)" block; __tests__/infra checks that the block is fresh.
 *
 *   npm run build:scripts && node build/scripts/iam-policy.js          rewrite the README block
 *   npm run build:scripts && node build/scripts/iam-policy.js --check  only compare (exit 1)
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import * as prettier from 'prettier'

export const TEMPLATE_FILE = 'infra/signer-setup.yml'
export const README_FILE = 'README.md'
export const README_POLICY_HEADING = '## IAM policy (least privilege)'

/** A CloudFormation template in its JSON form (short-form tags expanded to `Fn::*` / `Ref`). */
export interface Template {
  Parameters?: Record<string, { Type: string; Default?: string | number } & Record<string, unknown>>
  Conditions?: Record<string, unknown>
  Resources: Record<
    string,
    { Type: string; Properties?: Record<string, unknown> } & Record<string, unknown>
  >
  Outputs?: Record<string, { Value: unknown } & Record<string, unknown>>
  [section: string]: unknown
}

/** The values CloudFormation would supply for one stack. */
export interface StackValues {
  partition: string
  region: string
  accountId: string
  /** Parameter values as CloudFormation passes them (strings); a missing one takes its default. */
  parameters?: Record<string, string>
  /** What `Ref` returns for a resource, by logical ID. */
  refs: Record<string, string>
  /** What `Fn::GetAtt` returns, by `LogicalId.Attribute`. */
  attributes: Record<string, string>
}

/** The names a stack's resources carry, for evaluating its template. */
export interface ExampleNames {
  partition: string
  region: string
  accountId: string
  bucket: string
  /** Each signing profile's name, by logical ID. */
  profileNames: Record<string, string>
  /** Parameter values; a missing one takes its default. */
  parameters?: Record<string, string>
}

/**
 * The example names the README's policy uses, for a stack that signs files and container images,
 * and pushes image signatures to one ECR repository: every statement the template can grant.
 */
export const README_EXAMPLE: ExampleNames = {
  partition: 'aws',
  region: 'us-east-1',
  accountId: '111122223333',
  bucket: 'my-versioned-bucket',
  profileNames: { SigningProfile: 'release_profile', ImageSigningProfile: 'container_profile' },
  parameters: { SignImages: 'true', EcrRepository: 'app', AllowRevocation: 'true' }
}

/**
 * PyYAML with CloudFormation's short-form tags. Timestamps stay strings (as CloudFormation reads
 * them) and a duplicate key is an error (CloudFormation refuses it; PyYAML would keep the last).
 */
const LOAD_TEMPLATE_PY = `
import json, sys, yaml

class Loader(yaml.SafeLoader):
    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f'duplicate key {key!r}', key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

Loader.add_constructor('tag:yaml.org,2002:timestamp', lambda loader, node: loader.construct_scalar(node))

FUNCTIONS = {'Base64', 'Cidr', 'FindInMap', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split',
             'Sub', 'Transform', 'And', 'Equals', 'If', 'Not', 'Or', 'Contains', 'EachMemberEquals',
             'EachMemberIn', 'RefAll', 'ValueOf', 'ValueOfAll', 'Length', 'ToJsonString'}

def short_form(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == 'Ref':
        return {'Ref': value}
    if suffix == 'Condition':
        return {'Condition': value}
    if suffix == 'GetAtt':
        return {'Fn::GetAtt': value.split('.', 1) if isinstance(value, str) else value}
    if suffix in FUNCTIONS:
        return {'Fn::' + suffix: value}
    raise yaml.constructor.ConstructorError(None, None, f'unknown tag !{suffix}', node.start_mark)

Loader.add_multi_constructor('!', short_form)
with open(sys.argv[1], encoding='utf-8') as source:
    print(json.dumps(yaml.load(source, Loader=Loader)))
`

/** Reads a CloudFormation YAML template (python3 with PyYAML, as the rig reads action.yml). */
export function loadTemplate(file: string): Template {
  let json: string
  try {
    json = execFileSync('python3', ['-c', LOAD_TEMPLATE_PY, file], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe']
    })
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? ''
    throw new Error(`could not read ${file} (python3 with PyYAML): ${stderr.trim() || error}`, {
      cause: error
    })
  }
  return JSON.parse(json) as Template
}

const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::NoValue',
  'AWS::NotificationARNs',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix'
])

export function isPseudoParameter(name: string): boolean {
  return PSEUDO_PARAMETERS.has(name)
}

/** Marks a value that `Ref: AWS::NoValue` removed. */
const NO_VALUE = Symbol('AWS::NoValue')

/**
 * Evaluates the intrinsic functions in `node` as CloudFormation would for a stack with `values`:
 * Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select, Fn::Split, Fn::If (with the template's
 * conditions) and AWS::NoValue. Anything it cannot evaluate throws, naming it.
 */
export function resolve(node: unknown, template: Template, values: StackValues): unknown {
  const parameter = (name: string): string => {
    const given = values.parameters?.[name]
    if (given !== undefined) return given
    const declared = template.Parameters?.[name]
    if (declared?.Default !== undefined) return String(declared.Default)
    throw new Error(`parameter ${name} has no value and no default`)
  }
  const ref = (name: string): string => {
    if (name === 'AWS::Partition') return values.partition
    if (name === 'AWS::Region') return values.region
    if (name === 'AWS::AccountId') return values.accountId
    if (name === 'AWS::URLSuffix')
      return values.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com'
    if (template.Parameters && name in template.Parameters) return parameter(name)
    const resource = values.refs[name]
    if (resource !== undefined) return resource
    throw new Error(`no value for Ref ${name}`)
  }
  const attribute = (name: string): string => {
    const value = values.attributes[name]
    if (value === undefined) throw new Error(`no value for Fn::GetAtt ${name}`)
    return value
  }
  const condition = (name: string): boolean => {
    const expression = template.Conditions?.[name]
    if (expression === undefined) throw new Error(`unknown condition ${name}`)
    return Boolean(evaluate(expression))
  }

  const evaluate = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(evaluate).filter(item => item !== NO_VALUE)
    if (value === null || typeof value !== 'object') return value
    const entries = Object.entries(value)
    const [key, argument] = entries[0] ?? []
    if (entries.length === 1 && key !== undefined) {
      if (key === 'Ref') return argument === 'AWS::NoValue' ? NO_VALUE : ref(String(argument))
      if (key === 'Condition' && typeof argument === 'string') return condition(argument)
      if (key.startsWith('Fn::')) return intrinsic(key, argument)
    }
    const object: Record<string, unknown> = {}
    for (const [name, item] of entries) {
      const evaluated = evaluate(item)
      if (evaluated !== NO_VALUE) object[name] = evaluated
    }
    return object
  }

  const intrinsic = (name: string, argument: unknown): unknown => {
    const args = Array.isArray(argument) ? argument : [argument]
    switch (name) {
      case 'Fn::GetAtt':
        return attribute((args as string[]).join('.'))
      case 'Fn::Sub': {
        const [text, variables = {}] = args as [string, Record<string, unknown>?]
        return substitute(text, variables)
      }
      case 'Fn::Join': {
        const [separator, list] = args as [string, unknown]
        return (evaluate(list) as unknown[]).join(separator)
      }
      case 'Fn::Select': {
        const [index, list] = args as [unknown, unknown]
        return (evaluate(list) as unknown[])[Number(evaluate(index))]
      }
      case 'Fn::Split': {
        const [separator, text] = args as [string, unknown]
        return String(evaluate(text)).split(separator)
      }
      case 'Fn::If': {
        const [test, whenTrue, whenFalse] = args as [string, unknown, unknown]
        return evaluate(condition(test) ? whenTrue : whenFalse)
      }
      case 'Fn::Equals': {
        const [left, right] = (args as unknown[]).map(evaluate)
        return String(left) === String(right)
      }
      case 'Fn::Not':
        return !evaluate(args[0])
      case 'Fn::And':
        return args.every(item => evaluate(item))
      case 'Fn::Or':
        return args.some(item => evaluate(item))
      default:
        throw new Error(`${name} is not evaluated here`)
    }
  }

  const substitute = (text: string, variables: Record<string, unknown>): string =>
    text.replace(/\$\{([^}]*)\}/g, (_, name: string) => {
      if (name.startsWith('!')) return `\${${name.slice(1)}}`
      if (name in variables) return String(evaluate(variables[name]))
      return name.includes('.') && !name.startsWith('AWS::') ? attribute(name) : ref(name)
    })

  return evaluate(node)
}

/** The one inline policy of the template's one IAM role, as the template declares it. */
export function rolePolicyDocument(template: Template): unknown {
  const roles = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Role')
  if (roles.length !== 1) throw new Error(`expected one AWS::IAM::Role, found ${roles.length}`)
  const [name, role] = roles[0] as [string, { Properties?: Record<string, unknown> }]
  const policies = role.Properties?.Policies
  if (!Array.isArray(policies) || policies.length !== 1) {
    throw new Error(`expected one inline policy in ${name}.Properties.Policies`)
  }
  return (policies[0] as { PolicyDocument: unknown }).PolicyDocument
}

/** What the template's bucket and profiles evaluate to when they carry these names. */
export function exampleStackValues(names: ExampleNames, template: Template): StackValues {
  const { partition, region, accountId, bucket, profileNames, parameters } = names
  const refs: Record<string, string> = {}
  const attributes: Record<string, string> = {}
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type === 'AWS::S3::Bucket') {
      refs[logicalId] = bucket
      attributes[`${logicalId}.Arn`] = `arn:${partition}:s3:::${bucket}`
    }
    if (resource.Type === 'AWS::Signer::SigningProfile') {
      const profileName = profileNames[logicalId]
      if (profileName === undefined) throw new Error(`no example name for profile ${logicalId}`)
      attributes[`${logicalId}.Arn`] =
        `arn:${partition}:signer:${region}:${accountId}:/signing-profiles/${profileName}`
      attributes[`${logicalId}.ProfileName`] = profileName
    }
  }
  return { partition, region, accountId, refs, attributes, ...(parameters && { parameters }) }
}

/** The role's policy with the README's example names, as the README shows it. */
export async function readmePolicyJson(template: Template): Promise<string> {
  const policy = resolve(
    rolePolicyDocument(template),
    template,
    exampleStackValues(README_EXAMPLE, template)
  )
  const options = (await prettier.resolveConfig(README_FILE)) ?? {}
  return prettier.format(JSON.stringify(policy, null, 2), { ...options, parser: 'json' })
}

/** Where the policy's JSON sits in the README: the first json block under the heading. */
export function readmePolicyBlock(readme: string): { start: number; end: number; text: string } {
  const heading = readme.indexOf(`\n${README_POLICY_HEADING}\n`)
  if (heading < 0) throw new Error(`${README_FILE} has no "${README_POLICY_HEADING}" section`)
  const nextSection = readme.indexOf('\n## ', heading + 1)
  const sectionEnd = nextSection < 0 ? readme.length : nextSection
  const fence = '```json\n'
  const opening = readme.indexOf(fence, heading)
  const start = opening + fence.length
  const end = readme.indexOf('```\n', start)
  if (opening < 0 || end < 0 || end > sectionEnd) {
    throw new Error(`${README_FILE}: no \`\`\`json block in "${README_POLICY_HEADING}"`)
  }
  return { start, end, text: readme.slice(start, end) }
}

/** Writes the template's policy into the README; returns whether the block changed. */
export async function updateReadme(root = process.cwd(), check = false): Promise<boolean> {
  const readmePath = path.join(root, README_FILE)
  const readme = readFileSync(readmePath, 'utf8')
  const block = readmePolicyBlock(readme)
  const policy = await readmePolicyJson(loadTemplate(path.join(root, TEMPLATE_FILE)))
  if (block.text === policy) return false
  if (!check)
    writeFileSync(readmePath, readme.slice(0, block.start) + policy + readme.slice(block.end))
  return true
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const check = process.argv.includes('--check')
  const changed = await updateReadme(process.cwd(), check)
  if (check && changed) {
    console.error(`${README_FILE}'s IAM policy differs from ${TEMPLATE_FILE}; run without --check`)
    process.exitCode = 1
  } else {
    console.log(
      changed ? `${README_FILE}: IAM policy updated` : `${README_FILE}: IAM policy is current`
    )
  }
}
