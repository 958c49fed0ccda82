import * as log from './github/log.js'
import { createClients } from './aws/clients.js'
import { checkSizes, preflight } from './aws/preflight.js'
import { ActionError, errorMessage } from './errors.js'
import { uploadSignedArtifact, type UploadedArtifact } from './github/artifact.js'
import { checksumsOf, writeChecksumsFile } from './github/checksums.js'
import type { Inputs } from './github/inputs.js'
import { setArtifactOutputs, setOutputs } from './github/outputs.js'
import { attachToRelease, refuseAssetNameClashes } from './github/release-assets.js'
import type { RunContext } from './github/run-context.js'
import { writeSummary } from './github/step-summary.js'
import { findArtifactFiles } from './pipeline/find-files.js'
import { signAll } from './pipeline/sign-all.js'

/** inputs → files → preflight → sign every file → outputs, artifact, summary. */
export async function signArtifacts(inputs: Inputs, context: RunContext): Promise<void> {
  const files = await findArtifactFiles(inputs.patterns, inputs.workspace, inputs.outputDir)
  if (inputs.releaseTag) refuseAssetNameClashes(files, inputs.outputDir)
  log.info(
    `Signing ${files.length} file${files.length === 1 ? '' : 's'} with profile '${inputs.profileName}' in ${inputs.region}`
  )
  const clients = createClients({
    region: inputs.region,
    budgetMs: inputs.timeoutSeconds * 1000
  })

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
  checkSizes(files, findings)

  const results = await signAll(
    files,
    { inputs, context, clients, profile: findings },
    inputs.maxConcurrency
  )
  const signed = results.filter(result => result.status === 'signed')
  const failures = results
    .filter(result => result.status === 'failed')
    .map(result => `${result.path}${result.jobId ? ` (job ${result.jobId})` : ''}: ${result.error}`)

  const { releaseTag, githubToken } = inputs
  if (releaseTag && githubToken && signed.length > 0) {
    try {
      await log.group(`Attaching ${signed.length} signed file(s) to release ${releaseTag}`, () =>
        attachToRelease(signed, {
          tag: releaseTag,
          token: githubToken,
          outputDir: inputs.outputDir,
          workspace: inputs.workspace,
          context
        })
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
        name: inputs.artifactName,
        context,
        checksums
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

  failIfAny(failures, results.length, signed.length)
}

/**
 * A lone failure (of the only file, or of the artifact upload) is the step's message; otherwise
 * each failure is an error annotation and the step's message counts them.
 */
function failIfAny(failures: string[], files: number, signed: number): void {
  const [first] = failures
  if (first === undefined) return
  if (failures.length === 1 && (files === 1 || signed === files)) throw new ActionError(first)
  failures.forEach(failure => log.error(failure))
  throw new ActionError(
    `${files - signed} of ${files} files failed to sign` +
      (signed > 0 ? `; the ${signed} signed file(s) are in place and listed in 'results'.` : '.')
  )
}
