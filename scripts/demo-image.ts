/**
 * `npm run demo -- --image`: starts moto, the local Signer service (with a profile on platform
 * Notation-OCI-SHA384-ECDSA) and a registry on loopback, pushes a small test image, signs it by
 * digest with dist/index.js exactly as the Actions runner would run it, prints the outputs and
 * where the step summary is, reads the signature back from the registry, and stops the servers.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import {
  dockerRegistryMissing,
  skopeoInspectRaw,
  skopeoMissing
} from '../__tests__/rig/docker-registry.js'
import { startRig } from '../__tests__/rig/rig.js'
import { REPO_ROOT } from '../__tests__/rig/run-action.js'
import { pushTestImage } from '../__tests__/rig/test-images.js'
import {
  CONTAINER_PROFILE,
  addContainerProfile,
  imageResults,
  runImageStep,
  startLocalRegistry,
  type LocalRegistry
} from './image-rig.js'

const REPOSITORY = 'demo/app'
const SUMMARY = path.join(REPO_ROOT, '.rig', 'demo', 'image-step-summary.md')

export async function demoImage(): Promise<number> {
  const started = Date.now()
  const rig = await startRig()
  let registry: LocalRegistry | undefined
  try {
    addContainerProfile(rig)
    // The real registry when it is installed (the referrers tag schema), else the stand-in.
    const missing = dockerRegistryMissing()
    registry = await startLocalRegistry(missing ? 'referrers-api' : 'tag-schema', console.log)
    if (missing) console.log(`docker-registry is not installed (${missing}).`)
    console.log(
      `Servers up: Signer ${rig.signer.endpoint} (profile ${CONTAINER_PROFILE}, platform Notation-OCI-SHA384-ECDSA); registry ${registry.endpoint}: ${registry.label}.`
    )

    const image = await pushTestImage(registry.endpoint, REPOSITORY, {
      tag: 'v1',
      seed: new Date().toISOString()
    })
    const reference = `${registry.host}/${REPOSITORY}@${image.digest}`
    console.log(
      `Pushed a small test image ${REPOSITORY}:v1, ${image.digest} (${image.mediaType}, ${image.size} bytes).`
    )
    if (registry.real) {
      console.log(
        'This registry has no referrers API: the signature is listed in the referrers tag, which the action reads back after a settle of about 10 s, so that matrix legs signing the same image all stay listed (src/registry/referrers.ts).'
      )
    }
    console.log(
      `\nRunning dist/index.js with profile-name=${CONTAINER_PROFILE}, image=${reference}\n`
    )

    const run = await runImageStep(rig, [reference])

    // The runner hides ::debug:: lines unless debug logging is on; so does the demo.
    console.log(
      run.stdout
        .split('\n')
        .filter(line => !line.startsWith('::debug::'))
        .join('\n')
        .trimEnd()
    )
    console.log('\nOutputs (GITHUB_OUTPUT):')
    for (const [name, value] of Object.entries(run.outputs)) {
      // RUNNER_TEMP goes with the step, as on a runner: the same JSON is the results output.
      const gone = name === 'results-file' ? ' (in RUNNER_TEMP, removed after the step)' : ''
      console.log(`  ${name} = ${value}${gone}`)
    }
    mkdirSync(path.dirname(SUMMARY), { recursive: true })
    writeFileSync(SUMMARY, run.summary)
    console.log(
      `\nStep summary (GITHUB_STEP_SUMMARY: the table, a Notation trust policy for the profile and the notation verify command) saved in ${path.relative(process.cwd(), SUMMARY)}`
    )

    const [result] = imageResults(run)
    if (run.exitCode === 0 && result?.signatureDigest) {
      await readBack(registry, image.digest, result.signatureDigest, result.referrers)
    }
    console.log(
      `\nAction wall time ${(run.durationMs / 1000).toFixed(2)} s; demo wall time (servers included) ${((Date.now() - started) / 1000).toFixed(2)} s.`
    )
    return run.exitCode ?? 1
  } finally {
    await registry?.stop()
    await rig.stop()
  }
}

/** The signature manifest and where the image's referrers list it, read from the registry. */
async function readBack(
  registry: LocalRegistry,
  subject: string,
  signature: string,
  referrers: string
): Promise<void> {
  const noSkopeo = skopeoMissing()
  const read = async (reference: string): Promise<string> => {
    const separator = reference.startsWith('sha256:') ? '@' : ':'
    if (noSkopeo) {
      const url = `${registry.endpoint}/v2/${REPOSITORY}/manifests/${reference}`
      console.log(`\n$ curl -H 'Accept: ${MANIFEST_TYPES}' ${url}`)
      return fetchText(url)
    }
    console.log(
      `\n$ skopeo inspect --raw --tls-verify=false docker://${registry.host}/${REPOSITORY}${separator}${reference}`
    )
    return (await skopeoInspectRaw(registry.host, REPOSITORY, reference)).toString('utf8')
  }
  console.log(
    `\nReading the signature back from the registry${noSkopeo ? ` (skopeo is not installed: ${noSkopeo}; plain HTTP instead)` : ' with skopeo'}:`
  )
  console.log(pretty(await read(signature)))
  if (referrers === 'tag') {
    console.log(`\nThe referrers tag ${subject.replace(':', '-')} lists it:`)
    console.log(pretty(await read(subject.replace(':', '-'))))
  } else {
    // skopeo has no referrers command: the API is plain HTTP.
    const url = `${registry.endpoint}/v2/${REPOSITORY}/referrers/${subject}`
    console.log(`\nThe registry's referrers API lists it:\n\n$ curl ${url}`)
    console.log(pretty(await fetchText(url)))
  }
}

const MANIFEST_TYPES =
  'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json'

async function fetchText(url: string): Promise<string> {
  const answer = await fetch(url, { headers: { accept: MANIFEST_TYPES } })
  if (!answer.ok) throw new Error(`GET ${url}: ${answer.status}`)
  return answer.text()
}

function pretty(json: string): string {
  try {
    return JSON.stringify(JSON.parse(json), null, 2)
  } catch {
    return json
  }
}
