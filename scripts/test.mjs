// `npm test`: bundles src/ into dist/ unless dist/ is already its bundle, then runs jest on the
// project's Node (.node-version). The integration tests run dist/index.js as the runner does, so
// the bundle comes first: they then test what src/ says, and dist/ is left ready to commit.
// Whether dist/ is current is read from the digest of the bundle's inputs that `npm run bundle`
// writes to dist/bundle-inputs.sha256 (scripts/bundle-inputs.mjs), not from timestamps, which a
// clone sets arbitrarily: a fresh clone, or a second run without changes, skips the ~50 s bundle.
//
//   node scripts/test.mjs [--bundle | --no-bundle] [jest arguments]
//
// --bundle bundles whatever the digest says (after changing node_modules by hand, say);
// --no-bundle runs against dist/ as it is (for the unit tests).
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'
import { distIsBundleOfSources } from './bundle-inputs.mjs'
import { projectNode } from './project-node.mjs'

const args = process.argv.slice(2)
const jestArgs = args.filter(arg => arg !== '--no-bundle' && arg !== '--bundle')
const bundle =
  args.includes('--bundle') || (!args.includes('--no-bundle') && !distIsBundleOfSources())
if (!bundle && !args.includes('--no-bundle')) {
  console.log('dist/ is the bundle of src/ as it is (dist/bundle-inputs.sha256): not rebuilt.')
} else if (args.includes('--no-bundle') && !distIsBundleOfSources()) {
  console.log(
    '--no-bundle: dist/ is not the bundle of src/ as it is; the tests run the older dist/.'
  )
}

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
