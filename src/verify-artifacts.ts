import { readFile, stat } from 'node:fs/promises'
import * as log from './github/log.js'
import { createClients } from './aws/clients.js'
import { readSigningProfile, type ProfileReading } from './aws/signing-profile.js'
import { InputError } from './errors.js'
import { Input, type VerifyFileInputs, type VerifyInputs } from './github/inputs.js'
import { ignoredVerifyInputsWarning } from './github/inputs-verify.js'
import { setVerifyOutputs } from './github/outputs.js'
import { readSigningResults, type SigningResults } from './github/recorded-files.js'
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

/** A signing record of a million files is about 1 GB; one a thousandth of that is plenty. */
const MAX_RECORD_BYTES = 64 * 1024 * 1024

/**
 * inputs → files → the signing record → trusted profiles → verify every file (its record, its
 * job, the signed object in S3) → outputs, summary. Fails unless every file verifies.
 */
async function verifyFiles(inputs: VerifyFileInputs): Promise<void> {
  const files = await findFilesToVerify(inputs.patterns, inputs.workspace)
  const record = await readRecord(inputs.signingResults)
  if (record.region && record.region !== inputs.region) {
    log.warning(
      `The signing record says its jobs ran in ${record.region}; verifying in ${inputs.region} ('region'), where Signer will not know them. Set region: ${record.region}.`
    )
  }
  log.info(
    `Verifying ${files.length} file${files.length === 1 ? '' : 's'} against ${record.files.length} signed file${record.files.length === 1 ? '' : 's'} in ${inputs.signingResults}, in ${inputs.region}`
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
    recorded: record.files,
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
      words: { doing: 'Verifying', done: 'Verified' }
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
    verb: 'verify'
  })
}

async function readRecord(file: string): Promise<SigningResults> {
  const size = await stat(file).then(
    stats => (stats.isFile() ? stats.size : -1),
    () => undefined
  )
  if (size === undefined) {
    throw new InputError(
      Input.SigningResults,
      `${file} does not exist: download the signing record first (actions/download-artifact, or the release asset <artifact-name>.signing.json).`
    )
  }
  if (size < 0 || size > MAX_RECORD_BYTES) {
    throw new InputError(
      Input.SigningResults,
      `${file} is not a regular file of at most ${MAX_RECORD_BYTES} bytes.`
    )
  }
  try {
    return readSigningResults(await readFile(file, 'utf8'))
  } catch (error) {
    throw new InputError(
      Input.SigningResults,
      `${file} ${error instanceof Error ? error.message : String(error)}.`
    )
  }
}
