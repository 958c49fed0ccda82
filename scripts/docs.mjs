// `npm run docs`: writes into README.md what comes from elsewhere, so that the two cannot drift:
// - the inputs and outputs tables from action.yml, between the `<!-- inputs:start -->` /
//   `<!-- inputs:end -->` and `<!-- outputs:start -->` / `<!-- outputs:end -->` markers;
// - every figure that comes from a constant in src/ (the poll schedule, the shared request rate,
//   retries, timeouts, the upload's part size, GitHub's limits), between `<!-- src:KEY -->` and
//   `<!-- /src -->`, KEY being one of FIGURES below. Only the figure is generated, not the
//   sentence around it.
// The rest of README.md is left as it is, then the whole file is formatted as `prettier --check`
// expects (a figure in a table may change the table's width).
// `npm run docs -- --check` writes nothing and exits 1 when README.md is not what it would write.
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as prettier from 'prettier'
import { constantOf } from './docs-constants.mjs'

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

const code = value => (value.includes('`') ? `\`\` ${value} \`\`` : `\`${value}\``)

/** A single-quoted literal: 'true', '<hex>  <name>'; not the apostrophe of "the job's". */
const QUOTED = /(?<![\w'])'([^'\n]+?)'(?!\w)/

/**
 * action.yml's text is plain text (the Marketplace shows it so). A single-quoted literal becomes a
 * code span that keeps its spacing as it is (the two spaces of sha256sum's '<hex>  <name>'); in
 * the rest, whitespace is collapsed and what markdown would read as markup is escaped. An
 * underscore inside a word (AWS_REGION) is no markup and stays as it is.
 */
const text = value =>
  value
    .trim()
    .split(QUOTED)
    .map((part, index) =>
      index % 2 === 1
        ? code(part).replace(/\|/g, '\\|') // a code span in a table cell escapes its '|'
        : part
            .replace(/\s+/g, ' ')
            .replace(/[\\`*[\]<|]|(?<!\w)_|_(?!\w)/g, character => `\\${character}`)
    )
    .join('')

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

/** An object constant whose field was renamed in src/ throws instead of reading undefined. */
const strict = (value, where) =>
  typeof value === 'object' && value !== null
    ? new Proxy(value, {
        get(target, field) {
          if (typeof field === 'string' && !Object.hasOwn(target, field))
            throw new Error(`${where} has no ${String(field)}`)
          return strict(target[field], `${where}.${String(field)}`)
        }
      })
    : value
const constant = (file, name) => strict(constantOf(path.join(ROOT, file), name), `${file}: ${name}`)
const POLL = () => constant('src/aws/poll-schedule.ts', 'POLL')
const RATE = () => constant('src/aws/request-rate.ts', 'RATE')
const RETRY = () => constant('src/aws/backoff.ts', 'RETRY')

// Figures read as the prose around them does: '1.5 s', '8 MiB', '10%', 'a tenth', 'two'.
const decimal = value => {
  if (!Number.isFinite(value)) throw new Error(`${value} is not a number`)
  return String(Number(value.toFixed(3)))
}
const seconds = ms => `${decimal(ms / 1000)} s`
const minutes = ms => `${decimal(ms / 60_000)} minute${ms === 60_000 ? '' : 's'}`
const megabytes = bytes => `${decimal(bytes / 1e6)} MB`
const mebibytes = bytes => `${decimal(bytes / 2 ** 20)} MiB`
const kibibytes = bytes => `${decimal(bytes / 2 ** 10)} KiB`
const percent = share => `${decimal(share * 100)}%`
const SHARES = { 2: 'half', 3: 'a third', 4: 'a quarter', 5: 'a fifth', 10: 'a tenth' }
const share = value => SHARES[decimal(1 / value)] ?? percent(value)
const WORDS = ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten']
const count = value => WORDS[value] ?? decimal(value)
const oncePer = ms => (ms === 1000 ? 'once a second' : `once every ${seconds(ms)}`)

/** Figures from src/: each README span `<!-- src:KEY -->…<!-- /src -->` holds FIGURES[KEY](). */
const FIGURES = {
  'part-size': () => mebibytes(constant('src/aws/upload.ts', 'PART_SIZE')),
  'connect-timeout': () => seconds(constant('src/aws/clients.ts', 'CONNECT_TIMEOUT_MS')),
  attempts: () => decimal(constant('src/aws/clients.ts', 'MAX_ATTEMPTS')),
  'poll-second-look': () => seconds(POLL().secondLookMs),
  'poll-min': () => seconds(POLL().minMs),
  'poll-looks-a-second': () => count(1000 / POLL().minMs),
  'poll-grow-from': () => seconds(POLL().growFromMs),
  'poll-growth': () => share(POLL().growth),
  'poll-max': () => seconds(POLL().maxMs),
  'poll-jitter': () => percent(POLL().jitter),
  'rate-decrease': () => oncePer(RATE().decreaseEveryMs),
  'rate-increase': () => decimal(RATE().increasePerSecond),
  'retry-max': () => seconds(RETRY().maxMs),
  'output-limit': () => megabytes(constant('src/github/outputs.ts', 'OUTPUT_LIMIT_BYTES')),
  'summary-limit': () => mebibytes(constant('src/github/step-summary.ts', 'SUMMARY_LIMIT_BYTES')),
  'signature-allowance': () =>
    mebibytes(constant('src/aws/download.ts', 'SIGNATURE_ALLOWANCE_BYTES')),
  'write-time-slack': () => seconds(constant('src/aws/job-write-time.ts', 'WRITE_TIME_SLACK_MS')),
  'github-api-timeout': () => seconds(constant('src/github/release-assets.ts', 'API_TIMEOUT_MS')),
  'transfer-rate': () => megabytes(constant('src/transfer-deadline.ts', 'MIN_BYTES_PER_SECOND')),
  'signatures-at-once': () =>
    decimal(constant('src/pipeline/verify-one-image.ts', 'SIGNATURES_AT_ONCE')),
  'max-signatures': () => decimal(constant('src/registry/find-signatures.ts', 'MAX_SIGNATURES')),
  'referrers-pages': () =>
    decimal(constant('src/registry/find-signatures.ts', 'MAX_REFERRERS_PAGES')),
  'max-envelope': () => kibibytes(constant('src/notary/envelope.ts', 'MAX_ENVELOPE_BYTES')),
  'max-signature-manifest': () =>
    kibibytes(constant('src/notary/signature-manifest.ts', 'MAX_SIGNATURE_MANIFEST_BYTES')),
  'revocation-margin': () =>
    minutes(constant('src/revoke-signatures.ts', 'EFFECTIVE_TIME_MARGIN_MS'))
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
  if (updated.slice(from + start.length, to) !== generated) stale.push(`the ${name} table`)
  updated = updated.slice(0, from + start.length) + generated + updated.slice(to)
}

const figures = new Map()
let spans = 0
updated = updated.replace(
  /<!-- src:([^ ]*) -->([\s\S]*?)<!-- \/src -->/g,
  (_span, key, written) => {
    if (!Object.hasOwn(FIGURES, key)) {
      console.error(
        `README.md: '<!-- src:${key} -->' names no figure; scripts/docs.mjs has ${Object.keys(FIGURES).join(', ')}.`
      )
      process.exit(1)
    }
    if (written.includes('<!--')) {
      console.error(`README.md: '<!-- src:${key} -->' is not closed by '<!-- /src -->'.`)
      process.exit(1)
    }
    spans++
    if (!figures.has(key)) {
      try {
        figures.set(key, FIGURES[key]())
      } catch (error) {
        console.error(
          `README.md: the figure ${key}: ${error.message} (see FIGURES in scripts/docs.mjs).`
        )
        process.exit(1)
      }
    }
    const figure = figures.get(key)
    const change = `${key} (${written} → ${figure})`
    if (written !== figure && !stale.includes(change)) stale.push(change)
    return `<!-- src:${key} -->${figure}<!-- /src -->`
  }
)
if (spans !== readme.split('<!-- src:').length - 1) {
  console.error(`README.md: a '<!-- src:KEY -->' is not closed by '<!-- /src -->'.`)
  process.exit(1)
}
// A figure in a table changes its width; the generated blocks are formatted already.
updated = await prettier.format(updated, prettierOptions)
if (updated !== readme && stale.length === 0) stale.push('its formatting (prettier)')

const done = verb =>
  `the inputs and outputs tables ${verb} action.yml, and its ${spans} figures from src/ ${verb} the constants`

if (check) {
  if (stale.length > 0) {
    console.error(
      `README.md is not what \`npm run docs\` writes from action.yml and src/: ${stale.join(', ')}. Run \`npm run docs\` and commit README.md.`
    )
    process.exit(1)
  }
  console.log(`README.md: ${done('match')}.`)
} else if (updated !== readme) {
  writeFileSync(README, updated)
  console.log(`README.md: wrote ${stale.join(', ')}.`)
} else {
  console.log(`README.md: ${done('already match')}.`)
}
