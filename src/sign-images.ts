import * as log from './github/log.js'
import { createClients, type AwsClients } from './aws/clients.js'
import { preflight } from './aws/preflight.js'
import type { ImageInputs } from './github/inputs.js'
import { setImageOutputs } from './github/outputs.js'
import { writeImageSummary } from './github/step-summary.js'
import { NOTATION_PLATFORM } from './notary/payload.js'
import { signAll } from './pipeline/sign-all.js'
import { signImage } from './pipeline/sign-one-image.js'
import { shownReference } from './registry/image-reference.js'
import { RegistryClients } from './registry/registry-clients.js'
import { failIfAny } from './step-failure.js'

/** inputs → preflight → sign every image (and its platform manifests) → outputs, summary. */
export async function signImages(inputs: ImageInputs): Promise<void> {
  const count = inputs.images.length
  log.info(
    `Signing ${count} image${count === 1 ? '' : 's'} with profile '${inputs.profileName}' in ${inputs.region}`
  )
  const budgetMs = inputs.timeoutSeconds * 1000
  const clients = createClients({ region: inputs.region, budgetMs })
  await checkProfile(clients, inputs)

  // One client per registry for the step: credentials found, and an ECR token asked, once.
  const registries = new RegistryClients({
    username: inputs.registryCredentials?.username,
    password: inputs.registryCredentials?.password,
    budgetMs
  })
  const setup = { inputs, signer: clients.signer, registries }
  const perImage = await signAll(
    inputs.images,
    {
      name: reference => shownReference(reference.text),
      sign: (reference, log) => signImage(reference, setup, log),
      outcome: results => ({
        signed: results.every(result => result.status === 'signed'),
        error:
          results.flatMap(result => (result.error ? [result.error] : [])).join(' ') || undefined
      })
    },
    inputs.maxConcurrency
  )
  const results = perImage.flat()
  await setImageOutputs(results)
  if (inputs.summary) await writeImageSummary(results)
  failIfAny({
    failed: results
      .filter(result => result.status === 'failed')
      .map(
        result =>
          `${result.signedImage || shownReference(result.image)}${result.jobId ? ` (job ${result.jobId})` : ''}: ${result.error}`
      ),
    afterSigning: [],
    total: results.length,
    noun: 'image',
    kept: "keep their signatures in the registry and are listed in 'results'"
  })
}

async function checkProfile(clients: AwsClients, inputs: ImageInputs): Promise<void> {
  const findings = await log.group('Preflight', async () => {
    const found = await preflight(clients, inputs)
    if (found.platformId) {
      log.info(`Profile '${inputs.profileName}' is Active on platform ${found.platformId}`)
    }
    return found
  })
  if (findings.skipped.length > 0) {
    log.warning(
      `Skipped preflight checks the role may not call (${findings.skipped.join(', ')}); SignPayload still refuses a profile that is not Active or not on platform ${NOTATION_PLATFORM}.`
    )
  }
}
