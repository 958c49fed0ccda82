// Longest test files first, so that no worker is left with a long file while the others are
// done. Jest orders by the durations it cached on earlier runs; without them (a fresh clone, a
// fresh machine: CI) it falls back to file size, which put files such as trust-hangs.test.ts,
// small but 35 s long, at the end of a run. The durations committed in durations.json stand in
// for a missing cache; `node scripts/test-durations.mjs <jest --json output>` refreshes them.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../..')
const committed = JSON.parse(readFileSync(path.join(here, 'durations.json'), 'utf8'))
const Sequencer = createRequire(import.meta.url)('@jest/test-sequencer').default

export default class LongestFirst extends Sequencer {
  time(test) {
    const relative = path.relative(root, test.path).split(path.sep).join('/')
    return super.time(test) ?? committed[relative]
  }
}
