// Writes __tests__/jest/durations.json, the duration of each test file in milliseconds, from the
// report of a whole run (`npm test -- --json --outputFile=report.json`), for the sequencer that
// starts the longest files first (__tests__/jest/sequencer.mjs).
//
//   node scripts/test-durations.mjs report.json
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const report = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const durations = Object.fromEntries(
  report.testResults
    .map(result => [
      path.relative(root, result.name).split(path.sep).join('/'),
      // Whole hundreds of milliseconds: only the order matters.
      Math.round((result.endTime - result.startTime) / 100) * 100
    ])
    .sort(([a], [b]) => (a < b ? -1 : 1))
)
writeFileSync(
  path.join(root, '__tests__/jest/durations.json'),
  `${JSON.stringify(durations, null, 2)}\n`
)
