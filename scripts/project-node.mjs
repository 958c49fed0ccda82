// The Node the tests and .ci/run use: the major version in .node-version, the one action.yml's
// `runs.using` makes GitHub run the action on. The node running this script when it is that
// major; otherwise a copy fetched once from the npm registry (the package node-<os>-<cpu>, whose
// bin/node is the official build) into .cache/node-<major>/. Run as a script, it prints the path.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** The major version .node-version names ('24' from '24', 'v24' or '24.1.0'). */
export function requiredMajor() {
  const text = readFileSync(path.join(ROOT, '.node-version'), 'utf8').trim()
  const major = /^v?(\d+)/.exec(text)?.[1]
  if (!major) throw new Error(`.node-version must start with a Node major version; got '${text}'`)
  return major
}

/** Absolute path of a node binary of the required major; fetches it once when needed. */
export function projectNode() {
  const major = requiredMajor()
  if (process.versions.node.split('.')[0] === major) return process.execPath
  const pkg = `node-${process.platform}-${process.arch}`
  const cache = path.join(ROOT, '.cache', `node-${major}`)
  const binary = path.join(cache, 'node_modules', pkg, 'bin', 'node')
  if (!existsSync(binary)) fetchNode(major, pkg, cache)
  if (!existsSync(binary)) throw new Error(howToGet(major, `${pkg} has no bin/node`))
  return binary
}

function fetchNode(major, pkg, cache) {
  if (!['linux', 'darwin'].includes(process.platform)) {
    throw new Error(howToGet(major, `no package of it is fetched on ${process.platform}`))
  }
  console.error(`Fetching Node ${major} (${pkg}@${major}) into ${path.relative(ROOT, cache)}/`)
  // Installed beside the cache and renamed into place, so that parallel runs never share a half-installed copy.
  const staging = `${cache}.${process.pid}`
  const npm = spawnSync(
    'npm',
    ['install', '--prefix', staging, '--no-save', '--no-audit', '--no-fund', `${pkg}@${major}`],
    { stdio: ['ignore', 'ignore', 'inherit'] }
  )
  if (npm.error || npm.status !== 0) {
    rmSync(staging, { recursive: true, force: true })
    throw new Error(howToGet(major, `npm install ${pkg}@${major} failed`))
  }
  try {
    renameSync(staging, cache)
  } catch (error) {
    // Another run put its copy in place first.
    rmSync(staging, { recursive: true, force: true })
    if (!existsSync(cache)) throw error
  }
}

function howToGet(major, why) {
  return (
    `This is Node ${process.versions.node}; the tests run on Node ${major} (.node-version), and ${why}. ` +
    `Install Node ${major} (from nodejs.org, or \`fnm use\`, which reads .node-version) and run again.`
  )
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    console.log(projectNode())
  } catch (error) {
    console.error(error instanceof Error ? error.message : error)
    process.exit(1)
  }
}
