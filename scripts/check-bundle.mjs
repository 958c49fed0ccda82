// Fails `npm run bundle` when the bundle lost the shape that keeps the action's start fast, read
// from ncc's module stats (as licenses.mjs reads them):
// - @actions/core's OIDC client and the HTTP stack it pulls in (@actions/http-client, undici,
//   tunnel) stay out of the main chunk (the oidc-utils.js stand-in takes its place);
// - the AWS SDK comes from its ES modules (dist-es), which webpack can prune, not dist-cjs.
// Checked here rather than in the tests, which then need no stats file: a fresh clone's dist/
// is the bundle of its sources (dist/bundle-inputs.sha256) and passed this check when built.
//
//   node scripts/check-bundle.mjs build/ncc-stats.json
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const OFF_THE_START =
  /node_modules\/(@actions\/core\/lib\/oidc-utils\.js|(@actions\/http-client|undici|tunnel)\/)/
const SDK = /node_modules\/@(aws-sdk|smithy)\//

/** What is wrong with the bundle the stats describe; empty when nothing is. */
export function bundleShapeProblems(stats) {
  const mainChunk = stats.chunks?.find(chunk => chunk.files?.includes('index.js'))?.id
  if (mainChunk === undefined) return ['no chunk holds index.js']
  const bundled = modulesWithChunks(stats.modules)
  const problems = []
  const started = bundled.filter(module => module.chunks.includes(mainChunk))
  for (const module of started.filter(module => OFF_THE_START.test(module.name))) {
    problems.push(`the main chunk holds ${module.name}, which only the OIDC client needs`)
  }
  if (!started.some(module => /@actions\/core\/lib\/core\.js/.test(module.name))) {
    problems.push('the main chunk does not hold @actions/core')
  }
  const sdk = bundled.filter(module => SDK.test(module.name))
  if (sdk.length < 100) problems.push(`only ${sdk.length} AWS SDK modules are bundled`)
  for (const module of sdk.filter(module => module.name.includes('/dist-cjs/'))) {
    problems.push(`the AWS SDK's CommonJS build is bundled: ${module.name}`)
  }
  return problems
}

/** Every bundled module (concatenated ones too) with the chunks it is in. */
function modulesWithChunks(modules) {
  const all = []
  const collect = (list, chunks) => {
    for (const module of list ?? []) {
      const own = module.chunks?.length ? module.chunks : chunks
      all.push({ name: module.name ?? '', chunks: own })
      collect(module.modules, own)
    }
  }
  collect(modules, [])
  return all.filter(module => module.chunks.length > 0)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const problems = bundleShapeProblems(JSON.parse(readFileSync(process.argv[2], 'utf8')))
  for (const problem of problems) console.error(`check-bundle: ${problem}`)
  process.exit(problems.length === 0 ? 0 : 1)
}
