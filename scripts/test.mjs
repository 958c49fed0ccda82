// `npm test`: bundles src/ into dist/, then runs jest on the project's Node (.node-version).
// The integration tests run dist/index.js as the runner does, so the bundle comes first: they
// then test what src/ says, and dist/ is left ready to commit. A staleness check instead would
// cost a bundle too (comparing contents) or guess from timestamps, which a clone sets arbitrarily.
//
//   node scripts/test.mjs [--no-bundle] [jest arguments]
//
// --no-bundle runs against dist/ as it is: for the unit tests, and for .ci/run, which has just
// checked that dist/ is the bundle of src/.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'
import { projectNode } from './project-node.mjs'

const args = process.argv.slice(2)
const bundle = !args.includes('--no-bundle')
const jestArgs = args.filter(arg => arg !== '--no-bundle')

let node
try {
  node = projectNode()
} catch (error) {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
}
const env = {
  ...process.env,
  // Whatever runs `node` by name under the tests gets the same Node.
  PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ''}`,
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules`.trim()
}

if (bundle) {
  // npm.cmd on Windows runs only through a shell; the arguments are fixed.
  const npm = spawnSync('npm', ['run', '-s', 'bundle'], {
    stdio: 'inherit',
    env,
    shell: process.platform === 'win32'
  })
  if (npm.status !== 0) process.exit(npm.status ?? 1)
}

const jest = createRequire(import.meta.url).resolve('jest/bin/jest')
const run = spawnSync(node, [jest, ...jestArgs], { stdio: 'inherit', env })
process.exit(run.status ?? 1)
