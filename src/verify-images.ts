import type { SignerClient } from '@aws-sdk/client-signer'
import * as log from './github/log.js'
import { createClients } from './aws/clients.js'
import { readSigningProfile } from './aws/signing-profile.js'
import type { VerifyImageInputs, VerifyInputs } from './github/inputs.js'
import { setVerifyOutputs } from './github/outputs.js'
import { writeImageVerifySummary } from './github/step-summary.js'
import { signAll } from './pipeline/sign-all.js'
import { verifyImage } from './pipeline/verify-one-image.js'
import { shownReference } from './registry/image-reference.js'
import { RegistryClients } from './registry/registry-clients.js'
import { failIfAny } from './step-failure.js'

/**
 * inputs → trusted profiles → verify every image (its signatures, each checked, then
 * GetRevocationStatus) → outputs, summary. Fails unless every image has a valid signature.
 */
export async function verifyImages(inputs: VerifyImageInputs): Promise<void> {
  const count = inputs.images.length
  log.info(
    `Verifying the signatures of ${count} image${count === 1 ? '' : 's'} in ${inputs.region}`
  )
  const budgetMs = inputs.timeoutSeconds * 1000
  const clients = createClients({ region: inputs.region, budgetMs })
  const trustedProfiles = await trustedProfilesOf(inputs, clients.signer)
  log.info(`Trusted roots (SHA-256): ${inputs.trustedRootSha256.join(', ')}`)

  const setup = {
    trust: { trustedRootSha256: inputs.trustedRootSha256, trustedProfiles },
    signer: clients.signer,
    region: inputs.region,
    registries: new RegistryClients({
      username: inputs.registryCredentials?.username,
      password: inputs.registryCredentials?.password,
      budgetMs,
      access: 'pull'
    }),
    warn: log.warning
  }
  const results = await signAll(
    inputs.images,
    {
      name: reference => shownReference(reference.text),
      sign: (reference, log) => verifyImage(reference, setup, log),
      outcome: result => ({ signed: result.status === 'verified', error: result.error }),
      words: { doing: 'Verifying', done: 'verified' }
    },
    inputs.maxConcurrency
  )
  await setVerifyOutputs(results, 'images')
  if (inputs.summary) await writeImageVerifySummary(results)
  failIfAny({
    failed: results
      .filter(result => result.status === 'failed')
      .map(result => `${result.verifiedImage || shownReference(result.image)}: ${result.error}`),
    afterSigning: [],
    total: results.length,
    noun: 'image',
    kept: "are listed in 'results'",
    verb: { present: 'verify', past: 'verified', gerund: 'verifying' }
  })
}

/**
 * The signing profiles a verifying step trusts: trusted-profiles as given, else the ARN of
 * profile-name (GetSigningProfile), which trusts every version of that profile.
 */
export async function trustedProfilesOf(
  inputs: Pick<VerifyInputs, 'trustedProfiles' | 'profileName' | 'profileOwner'>,
  signer: SignerClient
): Promise<string[]> {
  if (inputs.trustedProfiles) {
    log.info(`Trusted profiles: ${inputs.trustedProfiles.join(', ')}`)
    return inputs.trustedProfiles
  }
  const profileName = inputs.profileName as string
  const { arn } = await readSigningProfile(signer, {
    profileName,
    profileOwner: inputs.profileOwner
  })
  log.info(`Trusted profiles: ${arn} (every version of profile-name '${profileName}')`)
  return [arn]
}
