import * as log from './github/log.js'
import { createClients } from './aws/clients.js'
import { readSigningProfile, type ProfileReading } from './aws/signing-profile.js'
import type { VerifyFileInputs, VerifyInputs } from './github/inputs.js'
import { ignoredVerifyInputsWarning } from './github/inputs-verify.js'
import { setVerifyOutputs } from './github/outputs.js'
import { readSigningResultsFiles } from './github/read-signing-results.js'
import { signedFilesOf } from './github/recorded-files.js'
import { writeFileVerifySummary } from './github/step-summary.js'
import { findFilesToVerify } from './pipeline/find-files.js'
import { signAll } from './pipeline/sign-all.js'
import { verifyFile } from './pipeline/verify-one-file.js'
import { failIfAny } from './step-failure.js'
import { trustedProfilesOf, verifyImages } from './verify-images.js'

/** `mode: verify`: files (`path` and `signing-results`) or container images (`image`). */
export async function verifyArtifacts(inputs: VerifyInputs): Promise<void> {
  const ignored = ignoredVerifyInputsWarning(inputs)
  if (ignored) log.warning(ignored)
  if (inputs.kind === 'images') await verifyImages(inputs)
  else await verifyFiles(inputs)
}

/**
 * inputs → files → the signing record → trusted profiles → verify every file (its record, its
 * job, the signed object in S3) → outputs, summary. Fails unless every file verifies.
 */
async function verifyFiles(inputs: VerifyFileInputs): Promise<void> {
  const files = await findFilesToVerify(inputs.patterns, inputs.workspace)
  const records = await readSigningResultsFiles(inputs.signingResults, inputs.workspace, text => [
    signedFilesOf(text)
  ])
  const recorded = records.flatMap(record => record.files)
  const elsewhere = [...new Set(records.map(record => record.region))].filter(
    region => region !== undefined && region !== inputs.region
  )
  if (elsewhere.length > 0) {
    log.warning(
      `signing-results says its jobs ran in ${elsewhere.join(', ')}; verifying in ${inputs.region} ('region'), where Signer does not know them. Verify each Region's files in a step with its region.`
    )
  }
  log.info(
    `Verifying ${files.length} file${files.length === 1 ? '' : 's'} against the ${recorded.length} signed file${recorded.length === 1 ? '' : 's'} of signing-results, in ${inputs.region}`
  )
  const budgetMs = inputs.timeoutSeconds * 1000
  const clients = createClients({
    region: inputs.region,
    budgetMs,
    expectedBucketOwner: inputs.expectedBucketOwner
  })
  const trustedProfiles = await trustedProfilesOf(inputs, clients.signer)
  // One GetSigningProfile per profile for the step, whichever files share it.
  const profiles = new Map<string, Promise<ProfileReading>>()
  const setup = {
    recorded,
    trustedProfiles,
    region: inputs.region,
    signer: clients.signer,
    s3: clients.s3,
    budgetMs,
    profile: (ref: { profileName: string; profileOwner: string | undefined }) => {
      const key = `${ref.profileOwner ?? ''}/${ref.profileName}`
      let reading = profiles.get(key)
      if (!reading) {
        reading = readSigningProfile(clients.signer, ref)
        profiles.set(key, reading)
      }
      return reading
    }
  }
  const results = await signAll(
    files,
    {
      name: file => file.path,
      sign: (file, log) => verifyFile(file, setup, log),
      outcome: result => ({
        signed: result.status === 'verified',
        error: result.check ? `${result.check}: ${result.reason}` : undefined
      }),
      words: { doing: 'Verifying', done: 'verified' }
    },
    inputs.maxConcurrency
  )
  await setVerifyOutputs(results, 'files')
  if (inputs.summary) await writeFileVerifySummary(results)
  failIfAny({
    failed: results
      .filter(result => result.status === 'failed')
      .map(result => `${result.path}: failed '${result.check}': ${result.reason}`),
    afterSigning: [],
    total: results.length,
    noun: 'file',
    kept: "are listed in 'results'",
    verb: { present: 'verify', past: 'verified', gerund: 'verifying' }
  })
}
