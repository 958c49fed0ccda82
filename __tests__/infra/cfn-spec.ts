/**
 * Checks a CloudFormation template (JSON form) against the CloudFormation resource specification
 * of `@aws-cdk/cfnspec`: resource types, properties (known, required, primitive types, nested
 * property types), attributes, and every reference to a parameter, resource or condition.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { isPseudoParameter, type Template } from '../../scripts/iam-policy.js'

interface PropertySpec {
  Required?: boolean
  PrimitiveType?: string
  Type?: string
  ItemType?: string
  PrimitiveItemType?: string
}

interface ResourceSpec {
  Properties?: Record<string, PropertySpec>
  Attributes?: Record<string, unknown>
}

export interface Specification {
  ResourceSpecificationVersion: string
  ResourceTypes: Record<string, ResourceSpec>
  PropertyTypes: Record<string, { Properties?: Record<string, PropertySpec> }>
}

export function loadSpecification(): Specification {
  const file = createRequire(import.meta.url).resolve('@aws-cdk/cfnspec/spec/specification.json')
  return JSON.parse(readFileSync(file, 'utf8')) as Specification
}

const TEMPLATE_SECTIONS = new Set([
  'AWSTemplateFormatVersion',
  'Description',
  'Metadata',
  'Parameters',
  'Rules',
  'Mappings',
  'Conditions',
  'Transform',
  'Resources',
  'Outputs'
])
const RESOURCE_KEYS = new Set([
  'Type',
  'Properties',
  'Condition',
  'DependsOn',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'Metadata',
  'CreationPolicy',
  'UpdatePolicy'
])
const PARAMETER_KEYS = new Set([
  'Type',
  'Default',
  'Description',
  'AllowedValues',
  'AllowedPattern',
  'ConstraintDescription',
  'MinLength',
  'MaxLength',
  'MinValue',
  'MaxValue',
  'NoEcho'
])
const PARAMETER_TYPES = /^(String|Number|List<Number>|CommaDelimitedList|AWS::.+|List<AWS::.+>)$/

/** Where a value sits: resources and outputs may refer to resources, conditions and rules not. */
type Scope = 'resources' | 'parameters'

/** `{ "Ref": … }` or `{ "Fn::…": … }`: the name of the function, else undefined. */
function intrinsicName(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined
  const keys = Object.keys(value)
  const [key] = keys
  return keys.length === 1 && key !== undefined && (key === 'Ref' || key.startsWith('Fn::'))
    ? key
    : undefined
}

/** Every problem found, as `path: what is wrong`; an empty list means the template passed. */
export function templateProblems(template: Template, spec: Specification): string[] {
  const problems: string[] = []
  const parameters = template.Parameters ?? {}
  const conditions = template.Conditions ?? {}
  const resources = template.Resources ?? {}
  const problem = (path: string, message: string): void => {
    problems.push(`${path}: ${message}`)
  }

  for (const section of Object.keys(template)) {
    if (!TEMPLATE_SECTIONS.has(section)) problem(section, 'unknown template section')
  }
  for (const [name, parameter] of Object.entries(parameters)) {
    checkParameter(`Parameters.${name}`, parameter, problem)
  }

  // References. `guards` holds the conditions known true where a value sits (inside the true
  // branch of Fn::If, or in a resource or output with that Condition): a reference to a
  // conditional resource is valid only there.
  const referToResource = (path: string, name: string, guards: Set<string>) => {
    const resource = resources[name]
    const condition = resource?.Condition
    if (typeof condition === 'string' && !guards.has(condition)) {
      problem(path, `${name} exists only when ${condition}; guard the reference with Fn::If`)
    }
  }
  const checkRef = (path: string, name: unknown, scope: Scope, guards: Set<string>) => {
    if (typeof name !== 'string') return problem(path, 'Ref takes a name')
    if (isPseudoParameter(name) || name in parameters) return
    if (scope !== 'resources') return problem(path, `Ref ${name}: not a parameter`)
    if (!(name in resources)) return problem(path, `Ref ${name}: no such parameter or resource`)
    referToResource(path, name, guards)
  }
  const checkGetAtt = (
    path: string,
    resourceName: string,
    attribute: string,
    guards: Set<string>
  ) => {
    const resource = resources[resourceName]
    if (!resource) return problem(path, `Fn::GetAtt ${resourceName}.${attribute}: no such resource`)
    const attributes = spec.ResourceTypes[resource.Type]?.Attributes ?? {}
    if (!(attribute in attributes)) {
      const known = Object.keys(attributes).join(', ') || 'none'
      return problem(path, `Fn::GetAtt ${resourceName}.${attribute}: ${resource.Type} has ${known}`)
    }
    referToResource(path, resourceName, guards)
  }
  const checkCondition = (path: string, name: unknown) => {
    if (typeof name !== 'string' || !(name in conditions)) {
      problem(path, `no condition ${String(name)}`)
    }
  }

  const walk = (value: unknown, path: string, scope: Scope, guards: Set<string>): void => {
    if (Array.isArray(value)) {
      value.forEach((item, index) => walk(item, `${path}[${index}]`, scope, guards))
      return
    }
    if (value === null || typeof value !== 'object') return
    const name = intrinsicName(value)
    const argument = name ? (value as Record<string, unknown>)[name] : undefined
    const at = `${path}.${name}`
    switch (name) {
      case 'Ref':
        return checkRef(at, argument, scope, guards)
      case 'Fn::GetAtt': {
        const [resourceName, attribute] = Array.isArray(argument) ? argument : []
        if (typeof resourceName !== 'string' || typeof attribute !== 'string') {
          return problem(at, 'takes [resource, attribute]')
        }
        if (scope !== 'resources') return problem(at, 'not allowed here')
        return checkGetAtt(at, resourceName, attribute, guards)
      }
      case 'Fn::Sub': {
        const [text, variables = {}] = Array.isArray(argument) ? argument : [argument]
        if (typeof text !== 'string') return problem(at, 'takes a string')
        walk(variables, at, scope, guards)
        for (const [, variable] of text.matchAll(/\$\{([^}]*)\}/g)) {
          if (variable === undefined || variable.startsWith('!') || variable in variables) continue
          const dot = variable.indexOf('.')
          if (dot > 0 && !variable.startsWith('AWS::')) {
            checkGetAtt(at, variable.slice(0, dot), variable.slice(dot + 1), guards)
          } else {
            checkRef(at, variable, scope, guards)
          }
        }
        return
      }
      case 'Fn::If': {
        const [test, whenTrue, whenFalse, ...rest] = Array.isArray(argument) ? argument : []
        if (rest.length > 0 || whenFalse === undefined) return problem(at, 'takes 3 items')
        checkCondition(at, test)
        walk(whenTrue, `${at}[1]`, scope, new Set([...guards, String(test)]))
        walk(whenFalse, `${at}[2]`, scope, guards)
        return
      }
      default:
        if (name === undefined) {
          for (const [key, item] of Object.entries(value)) {
            // `{ Condition: name }` inside a condition refers to another condition.
            if (key === 'Condition' && scope === 'parameters' && path.startsWith('Conditions')) {
              checkCondition(`${path}.Condition`, item)
            } else {
              walk(item, `${path}.${key}`, scope, guards)
            }
          }
        } else {
          walk(argument, at, scope, guards)
        }
    }
  }

  for (const [name, expression] of Object.entries(conditions)) {
    walk(expression, `Conditions.${name}`, 'parameters', new Set())
  }
  walk(template.Rules ?? {}, 'Rules', 'parameters', new Set())

  for (const [name, resource] of Object.entries(resources)) {
    const path = `Resources.${name}`
    for (const key of Object.keys(resource)) {
      if (!RESOURCE_KEYS.has(key)) problem(path, `unknown resource attribute ${key}`)
    }
    const guards = new Set<string>()
    if (resource.Condition !== undefined) {
      checkCondition(`${path}.Condition`, resource.Condition)
      guards.add(String(resource.Condition))
    }
    for (const dependency of [resource.DependsOn ?? []].flat()) {
      if (!(String(dependency) in resources)) {
        problem(`${path}.DependsOn`, `no resource ${dependency}`)
      }
    }
    const type = spec.ResourceTypes[resource.Type]
    if (!type) {
      problem(path, `unknown resource type ${resource.Type}`)
      continue
    }
    checkProperties(
      resource.Properties ?? {},
      type.Properties ?? {},
      resource.Type,
      `${path}.Properties`,
      spec,
      problem
    )
    walk(resource.Properties ?? {}, `${path}.Properties`, 'resources', guards)
  }

  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    const guards = new Set<string>()
    if (output.Condition !== undefined) {
      checkCondition(`Outputs.${name}.Condition`, output.Condition)
      guards.add(String(output.Condition))
    }
    if (output.Value === undefined) problem(`Outputs.${name}`, 'has no Value')
    walk(output.Value, `Outputs.${name}.Value`, 'resources', guards)
  }
  return problems
}

type Report = (path: string, message: string) => void

function checkParameter(path: string, parameter: Record<string, unknown>, problem: Report) {
  for (const key of Object.keys(parameter)) {
    if (!PARAMETER_KEYS.has(key)) problem(path, `unknown parameter attribute ${key}`)
  }
  if (typeof parameter.Type !== 'string' || !PARAMETER_TYPES.test(parameter.Type)) {
    return problem(path, `unknown parameter type ${String(parameter.Type)}`)
  }
  if (parameter.Default === undefined) return
  const value = String(parameter.Default)
  const allowed = parameter.AllowedValues
  if (Array.isArray(allowed) && !allowed.map(String).includes(value)) {
    problem(path, `default ${value} is not among AllowedValues`)
  }
  if (typeof parameter.AllowedPattern === 'string') {
    if (!new RegExp(`^(?:${parameter.AllowedPattern})$`).test(value)) {
      problem(path, `default ${JSON.stringify(value)} does not match AllowedPattern`)
    }
  }
  if (parameter.Type === 'Number') {
    const number = Number(value)
    if (Number.isNaN(number)) problem(path, `default ${value} is not a number`)
    if (typeof parameter.MinValue === 'number' && number < parameter.MinValue) {
      problem(path, `default ${value} is below MinValue`)
    }
    if (typeof parameter.MaxValue === 'number' && number > parameter.MaxValue) {
      problem(path, `default ${value} is above MaxValue`)
    }
  }
}

function checkProperties(
  properties: unknown,
  specs: Record<string, PropertySpec>,
  resourceType: string,
  path: string,
  spec: Specification,
  problem: Report
) {
  if (intrinsicName(properties)) return
  if (properties === null || typeof properties !== 'object' || Array.isArray(properties)) {
    return problem(path, 'expected an object')
  }
  for (const [name, propertySpec] of Object.entries(specs)) {
    if (propertySpec.Required && !(name in properties))
      problem(path, `required property ${name} is missing`)
  }
  for (const [name, value] of Object.entries(properties)) {
    const propertySpec = specs[name]
    if (!propertySpec) {
      problem(path, `unknown property ${name} (known: ${Object.keys(specs).join(', ')})`)
      continue
    }
    checkValue(value, propertySpec, resourceType, `${path}.${name}`, spec, problem)
  }
}

function checkValue(
  value: unknown,
  propertySpec: PropertySpec,
  resourceType: string,
  path: string,
  spec: Specification,
  problem: Report
) {
  const intrinsic = intrinsicName(value)
  if (intrinsic === 'Fn::If') {
    // Each branch must be a valid value (or AWS::NoValue).
    const branches = ((value as Record<string, unknown[]>)['Fn::If'] ?? []).slice(1)
    branches.forEach((branch, index) => {
      const noValue =
        intrinsicName(branch) === 'Ref' && (branch as { Ref: string }).Ref === 'AWS::NoValue'
      if (!noValue)
        checkValue(branch, propertySpec, resourceType, `${path}[${index + 1}]`, spec, problem)
    })
    return
  }
  if (intrinsic) return
  if (propertySpec.PrimitiveType)
    return checkPrimitive(value, propertySpec.PrimitiveType, path, problem)
  if (propertySpec.Type === 'List' || propertySpec.Type === 'Map') {
    const isList = propertySpec.Type === 'List'
    if (isList && !Array.isArray(value)) return problem(path, 'expected a list')
    if (!isList && (value === null || typeof value !== 'object' || Array.isArray(value))) {
      return problem(path, 'expected a map')
    }
    for (const [key, item] of Object.entries(value as object)) {
      const itemPath = isList ? `${path}[${key}]` : `${path}.${key}`
      const itemSpec: PropertySpec = propertySpec.PrimitiveItemType
        ? { PrimitiveType: propertySpec.PrimitiveItemType }
        : { Type: propertySpec.ItemType }
      checkValue(item, itemSpec, resourceType, itemPath, spec, problem)
    }
    return
  }
  const typeName = propertySpec.Type ?? ''
  const propertyType =
    spec.PropertyTypes[`${resourceType}.${typeName}`] ?? spec.PropertyTypes[typeName]
  if (!propertyType) return problem(path, `the specification has no property type ${typeName}`)
  checkProperties(value, propertyType.Properties ?? {}, resourceType, path, spec, problem)
}

function checkPrimitive(value: unknown, primitive: string, path: string, problem: Report) {
  const text = typeof value === 'string' ? value : undefined
  const ok = {
    String: typeof value === 'string' || typeof value === 'number',
    Integer: Number.isInteger(value) || (text !== undefined && /^-?\d+$/.test(text)),
    Long: Number.isInteger(value) || (text !== undefined && /^-?\d+$/.test(text)),
    Double:
      typeof value === 'number' ||
      (text !== undefined && text.trim() !== '' && !Number.isNaN(Number(text))),
    Boolean: typeof value === 'boolean' || text === 'true' || text === 'false',
    Timestamp: typeof value === 'string',
    Json: value !== null && typeof value === 'object'
  }[primitive]
  if (ok === undefined) return problem(path, `unknown primitive type ${primitive}`)
  if (!ok) problem(path, `expected ${primitive}, got ${JSON.stringify(value)}`)
}
