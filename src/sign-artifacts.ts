import path from 'node:path'
import * as log from './github/log.js'
import { createClients, type AwsClients } from './aws/clients.js'
import { checkSizes, preflight, type PreflightFindings } from './aws/preflight.js'
import { errorMessage } from './errors.js'
import {
  defaultArtifactName,
  refuseOverwritingSigned,
  uploadSignedArtifact,
  type UploadedArtifact
} from './github/artifact.js'
import { checksumsOf, writeChecksumsFile } from './github/checksums.js'
import { ignoredInputsWarning, type FileInputs, type SignInputs } from './github/inputs.js'
import { setArtifactOutputs, setOutputs } from './github/outputs.js'
import { attachToRelease, refuseAssetNameClashes } from './github/release-assets.js'
import type { RunContext } from './github/run-context.js'
import {
  signingRecordName,
  signingRecordOf,
  writeSigningRecord,
  type SigningRecord
} from './github/signing-record.js'
import { writeSummary } from './github/step-summary.js'
import { findArtifactFiles, type ArtifactFile } from './pipeline/find-files.js'
import { toPosix } from './pipeline/paths.js'
import { signAll } from './pipeline/sign-all.js'
import { signFile, type FileResult } from './pipeline/sign-one-file.js'
import { signImages } from './sign-images.js'
import { failIfAny } from './step-failure.js'

/** Files (`path`) or container images (`image`): each has its own stages. */
export async function signArtifacts(inputs: SignInputs, context: RunContext): Promise<void> {
  const ignored = ignoredInputsWarning(inputs)
  if (ignored) log.warning(ignored)
  if (inputs.kind === 'images') await signImages(inputs)
  else await signFiles(inputs, context)
}

/** inputs → files → preflight → sign every file → release, outputs, artifact, summary. */
async function signFiles(inputs: FileInputs, context: RunContext): Promise<void> {
  const files = await findArtifactFiles(inputs.patterns, inputs.workspace, inputs.outputDir)
  if (inputs.releaseTag) {
    const recordAsset = inputs.artifactName && signingRecordName(inputs.artifactName)
    refuseAssetNameClashes(files, inputs.outputDir, recordAsset)
  }
  log.info(
    `Signing ${files.length} file${files.length === 1 ? '' : 's'} with profile '${inputs.profileName}' in ${inputs.region}`
  )
  const clients = createClients({
    region: inputs.region,
    budgetMs: inputs.timeoutSeconds * 1000,
    expectedBucketOwner: inputs.expectedBucketOwner
  })
  const findings = await checkBeforeSigning(clients, inputs)
  checkSizes(files, findings)

  const setup = { inputs, context, clients, profile: findings }
  const results = await signAll(
    files,
    {
      name: file => file.path,
      sign: (file, log) => signFile(file, setup, log),
      outcome: result => ({ signed: result.status === 'signed', error: result.error })
    },
    inputs.maxConcurrency
  )
  const afterSigning = await handOver(results, files, inputs, context)
  failIfAny({
    failed: results
      .filter(result => result.status === 'failed')
      .map(
        result => `${result.path}${result.jobId ? ` (job ${result.jobId})` : ''}: ${result.error}`
      ),
    afterSigning,
    total: results.length,
    noun: 'file',
    kept: "are in place and listed in 'results'"
  })
}

async function checkBeforeSigning(
  clients: AwsClients,
  inputs: FileInputs
): Promise<PreflightFindings> {
  const findings = await log.group('Preflight', async () => {
    const found = await preflight(clients, inputs)
    if (!found.skipped.includes('s3:GetBucketVersioning')) {
      log.info(`Source bucket '${inputs.sourceBucket}' is versioned`)
    }
    if (found.platformId) {
      log.info(`Profile '${inputs.profileName}' is Active on platform ${found.platformId}`)
    }
    return found
  })
  if (findings.skipped.length > 0) {
    log.warning(
      `Skipped preflight checks the role may not call (${findings.skipped.join(', ')}); AWS Signer still enforces a versioned source bucket and an Active profile.`
    )
  }
  return findings
}

/**
 * Hands the signed files on: to the release, the outputs, the artifact and the summary, the
 * release and the artifact with the signing record. Returns what failed on the way; the signed
 * files stay in place whatever does.
 */
async function handOver(
  results: FileResult[],
  files: ArtifactFile[],
  inputs: FileInputs,
  context: RunContext
): Promise<string[]> {
  const failures: string[] = []
  const signed = results.filter(result => result.status === 'signed')
  const { releaseTag, githubToken } = inputs
  // One name for the artifact and the record: a release asset <name>.signing.json then says
  // which artifact it describes.
  const name = inputs.artifactName ?? defaultArtifactName(context, signed)
  const record = (): SigningRecord =>
    signingRecordOf(results, {
      region: inputs.region,
      profileName: inputs.profileName,
      profileOwner: inputs.profileOwner,
      context,
      names: new Map(files.map(file => [file.path, toPosix(file.relativePath)]))
    })
  if (releaseTag && githubToken && signed.length > 0) {
    try {
      await log.group(`Attaching ${signed.length} signed file(s) to release ${releaseTag}`, () =>
        attachToRelease(
          signed,
          {
            tag: releaseTag,
            token: githubToken,
            outputDir: inputs.outputDir,
            workspace: inputs.workspace,
            context,
            budgetMs: inputs.timeoutSeconds * 1000
          },
          // Written once the files are attached, so that it holds their asset URLs.
          async () => {
            const file = path.join(inputs.outputDir, signingRecordName(name))
            refuseOverwritingSigned(file, signed, inputs.workspace)
            await writeSigningRecord(file, record())
            return [{ file, name: signingRecordName(name) }]
          }
        )
      )
    } catch (error) {
      failures.push(errorMessage(error))
    }
  }
  const checksums = checksumsOf(signed, inputs.outputDir, inputs.workspace)
  await setOutputs(results, await writeChecksumsFile(checksums))

  let artifact: UploadedArtifact | undefined
  if (inputs.uploadArtifact && signed.length > 0) {
    try {
      artifact = await uploadSignedArtifact(signed, {
        ...inputs,
        name,
        context,
        checksums,
        signingRecord: record()
      })
      setArtifactOutputs(artifact)
      log.info(
        `Uploaded ${signed.length} signed file(s) as artifact '${artifact.name}': ${artifact.url}`
      )
    } catch (error) {
      failures.push(errorMessage(error))
    }
  }
  if (inputs.summary) await writeSummary(results, artifact)
  return failures
}
