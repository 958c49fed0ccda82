// The digest of everything `npm run bundle` reads from the repository: src/, the TypeScript and
// npm configuration (package-lock.json pins node_modules), the licence script and the shape check. The bundle
// writes it to dist/bundle-inputs.sha256, so that `npm test` can tell, without bundling, that
// dist/ was built from these sources (a fresh clone's dist/ is; .ci/run rebuilds dist/ anyway
// and fails if it differs from the committed one).
//
//   node scripts/bundle-inputs.mjs --write FILE   writes the digest to FILE (the bundle takes it
//                                                 before ncc runs, and copies it into dist/ last:
//                                                 a source saved meanwhile then bundles again)
//   node scripts/bundle-inputs.mjs --check        exit 0 when dist/'s digest is the sources'
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const INPUTS = [
  'src',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'scripts/licenses.mjs',
  'scripts/check-bundle.mjs'
]
export const DIGEST_FILE = path.join(ROOT, 'dist', 'bundle-inputs.sha256')

/** SHA-256 over each input file's repository path and content, in path order. */
export function bundleInputsDigest() {
  const digest = createHash('sha256')
  for (const file of INPUTS.flatMap(filesUnder).sort()) {
    const content = readFileSync(path.join(ROOT, file))
    digest.update(`${file}\0${createHash('sha256').update(content).digest('hex')}\n`)
  }
  return digest.digest('hex')
}

/** Whether dist/ says it was bundled from the sources as they are now. */
export function distIsBundleOfSources() {
  try {
    return readFileSync(DIGEST_FILE, 'utf8').trim() === bundleInputsDigest()
  } catch {
    return false
  }
}

/** The file at a repository path, or the files under it, as '/'-separated paths relative to the root. */
function filesUnder(relative) {
  if (statSync(path.join(ROOT, relative)).isFile()) return [relative]
  const entries = readdirSync(path.join(ROOT, relative), { withFileTypes: true, recursive: true })
  return entries
    .filter(entry => entry.isFile())
    .map(entry => path.relative(ROOT, path.join(entry.parentPath ?? entry.path, entry.name)))
    .map(file => file.split(path.sep).join('/'))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const write = process.argv.indexOf('--write')
  if (write > 0 && process.argv[write + 1]) {
    writeFileSync(process.argv[write + 1], `${bundleInputsDigest()}\n`)
  } else if (process.argv.includes('--check')) process.exit(distIsBundleOfSources() ? 0 : 1)
  else {
    console.error('usage: node scripts/bundle-inputs.mjs --write FILE | --check')
    process.exit(2)
  }
}
