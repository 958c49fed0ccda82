// `npm run docs`: writes the README's inputs and outputs tables from action.yml, between the
// `<!-- inputs:start -->` / `<!-- inputs:end -->` and `<!-- outputs:start -->` /
// `<!-- outputs:end -->` markers; the rest of README.md is left as it is.
// `npm run docs -- --check` writes nothing and exits 1 when README.md is not what it would write.
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as prettier from 'prettier'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const ACTION_YML = path.join(ROOT, 'action.yml')
const README = path.join(ROOT, 'README.md')
const check = process.argv.includes('--check')

// PyYAML's BaseLoader keeps every scalar as its text, as the runner reads action.yml (the test
// rig and __tests__/unit/action-yml.test.ts read it the same way).
const READ_ACTION_YML = `
import json, sys, yaml
doc = yaml.load(open(sys.argv[1], encoding='utf-8'), Loader=yaml.BaseLoader)
print(json.dumps({'inputs': doc.get('inputs') or {}, 'outputs': doc.get('outputs') or {}}))
`
const action = JSON.parse(
  execFileSync('python3', ['-c', READ_ACTION_YML, ACTION_YML], { encoding: 'utf8' })
)

const NOTE =
  '<!-- Generated from action.yml by `npm run docs`: edit action.yml, not this table. -->'

/**
 * action.yml's text is plain text (the Marketplace shows it so): what markdown would read as markup
 * is escaped. An underscore inside a word (AWS_REGION) is no markup and stays as it is.
 */
const text = value =>
  value
    .trim()
    .replace(/\s+/g, ' ')
    .replace(/[\\`*[\]<|]|(?<!\w)_|_(?!\w)/g, character => `\\${character}`)

const code = value => (value.includes('`') ? `\`\` ${value} \`\`` : `\`${value}\``)

function defaultCell(input) {
  if (input.required === 'true') return 'required'
  if (input.default === undefined) return ''
  return input.default === '' ? "`''`" : code(input.default)
}

function table(header, rows) {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map(row => `| ${row.join(' | ')} |`)
  ].join('\n')
}

const blocks = {
  inputs: table(
    ['input', 'default', 'description'],
    Object.entries(action.inputs).map(([name, input]) => [
      code(name),
      defaultCell(input),
      text(input.description ?? '')
    ])
  ),
  outputs: table(
    ['output', 'description'],
    Object.entries(action.outputs).map(([name, output]) => [
      code(name),
      text(output.description ?? '')
    ])
  )
}

const prettierOptions = { ...(await prettier.resolveConfig(README)), parser: 'markdown' }
const readme = readFileSync(README, 'utf8')
let updated = readme
const stale = []
for (const [name, block] of Object.entries(blocks)) {
  const start = `<!-- ${name}:start -->`
  const end = `<!-- ${name}:end -->`
  const from = updated.indexOf(start)
  const to = updated.indexOf(end)
  if (from < 0 || to < from) {
    console.error(`README.md has no '${start}' ... '${end}' block.`)
    process.exit(1)
  }
  // Formatted as `prettier --check` expects it, so the two checks agree.
  const generated = `\n${await prettier.format(`${NOTE}\n\n${block}\n`, prettierOptions)}\n`
  if (updated.slice(from + start.length, to) !== generated) stale.push(name)
  updated = updated.slice(0, from + start.length) + generated + updated.slice(to)
}

if (check) {
  if (stale.length > 0) {
    console.error(
      `README.md: the ${stale.join(' and ')} table${stale.length > 1 ? 's are' : ' is'} not what action.yml says: run \`npm run docs\` and commit README.md.`
    )
    process.exit(1)
  }
  console.log('README.md: the inputs and outputs tables match action.yml.')
} else if (updated !== readme) {
  writeFileSync(README, updated)
  console.log(`README.md: wrote the ${stale.join(' and ')} table from action.yml.`)
} else {
  console.log('README.md: the inputs and outputs tables already match action.yml.')
}
