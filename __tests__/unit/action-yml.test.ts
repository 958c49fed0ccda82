/**
 * action.yml is the interface users see; the `Input` and `Output` enums and `DEFAULTS` are the
 * code's copy of it. These tests fail when the two disagree, in either direction.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from '@jest/globals'
import { DEFAULTS, Input, readInputs } from '../../src/github/inputs.js'
import { Output } from '../../src/github/outputs.js'

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))
const ACTION_YML = fileURLToPath(new URL('../../action.yml', import.meta.url))
const ENV_EXAMPLE = fileURLToPath(new URL('../../.env.example', import.meta.url))

interface Declared {
  description?: string
  required?: string
  default?: string
}

// PyYAML's BaseLoader keeps every scalar as its text, as the runner reads action.yml.
const READ_ACTION_YML = `
import json, sys, yaml
doc = yaml.load(open(sys.argv[1], encoding='utf-8'), Loader=yaml.BaseLoader)
print(json.dumps({'inputs': doc.get('inputs') or {}, 'outputs': doc.get('outputs') or {}}))
`
const action = JSON.parse(
  execFileSync('python3', ['-c', READ_ACTION_YML, ACTION_YML], { encoding: 'utf8' })
) as { inputs: Record<string, Declared>; outputs: Record<string, Declared> }

const sorted = (names: Iterable<string>): string[] => [...names].sort()

describe('action.yml and the source agree', () => {
  it('declares exactly the inputs of the Input enum', () => {
    expect(sorted(Object.keys(action.inputs))).toEqual(sorted(Object.values(Input)))
  })

  it('declares exactly the outputs of the Output enum', () => {
    expect(sorted(Object.keys(action.outputs))).toEqual(sorted(Object.values(Output)))
  })

  it('gives every DEFAULTS entry as the default of its input', () => {
    const mismatches = Object.entries(DEFAULTS)
      .map(([key, value]) => {
        const name = key.replace(/[A-Z]/g, letter => `-${letter.toLowerCase()}`)
        return { name, code: String(value), actionYml: action.inputs[name]?.default }
      })
      .filter(entry => entry.code !== entry.actionYml)
    expect(mismatches).toEqual([])
  })

  it('describes every input and output, and gives no default to a required input', () => {
    const undescribed = [...Object.entries(action.inputs), ...Object.entries(action.outputs)]
      .filter(([, declared]) => !declared.description?.trim())
      .map(([name]) => name)
    expect(undescribed).toEqual([])
    const requiredWithDefault = Object.entries(action.inputs)
      .filter(([, input]) => input.required === 'true' && input.default !== undefined)
      .map(([name]) => name)
    expect(requiredWithDefault).toEqual([])
  })

  it('lists every input, and only those, in .env.example (for npm run local-action)', () => {
    const listed = [...readFileSync(ENV_EXAMPLE, 'utf8').matchAll(/^INPUT_([^=\s]+)=/gm)].map(
      match => match[1] ?? ''
    )
    // The runner's name for an input: upper case, hyphens kept.
    expect(sorted(listed)).toEqual(sorted(Object.keys(action.inputs).map(n => n.toUpperCase())))
  })

  it("reads an empty input as action.yml's default, so a run outside the runner behaves the same", () => {
    const required: Partial<Record<Input, string>> = {
      [Input.ProfileName]: 'release_profile',
      [Input.Path]: 'build/function.zip',
      [Input.SourceBucket]: 'release-unsigned'
    }
    const env = { GITHUB_WORKSPACE: REPO_ROOT, AWS_REGION: 'us-east-1' }
    const withDefaults = readInputs(
      name => required[name] ?? action.inputs[name]?.default ?? '',
      env
    )
    const empty = readInputs(name => required[name] ?? '', env)
    expect(empty).toEqual(withDefaults)
  })
})
