import { createHash } from 'node:crypto'
import path from 'node:path'
import { ActionError, errorMessage } from '../errors.js'
import { Input } from './inputs.js'
import type { RunContext } from './run-context.js'
import type { FileResult } from '../pipeline/sign-one-file.js'
import { writeNotFollowing } from './checksums.js'

export interface UploadedArtifact {
  id: string
  name: string
  url: string
}

/**
 * Default artifact name: the job plus a digest of the signed files' paths and contents, so
 * parallel matrix legs of one job, which sign different files, get different names.
 */
export function defaultArtifactName(context: RunContext, signed: FileResult[]): string {
  const digest = createHash('sha256')
  for (const result of signed) digest.update(`${result.signedPath}\0${result.sha256}\n`)
  return `signed-${context.job}-${digest.digest('hex').slice(0, 12)}`
}

/** Uploads the signed files under output-dir as one workflow artifact. */
export async function uploadSignedArtifact(
  signed: FileResult[],
  options: {
    name: string | undefined
    outputDir: string
    workspace: string
    retentionDays: number | undefined
    context: RunContext
    /** Put at the artifact's root as <name>.sha256 (so merged legs' files never collide). */
    checksums: string
  }
): Promise<UploadedArtifact> {
  const name = options.name ?? defaultArtifactName(options.context, signed)
  // Loaded only here: @actions/artifact doubles the start-up time of runs that do not need it.
  const { DefaultArtifactClient } = await import('@actions/artifact')
  try {
    const checksumsFile = path.join(options.outputDir, `${name}.sha256`)
    await writeNotFollowing(checksumsFile, options.checksums)
    const { id } = await new DefaultArtifactClient().uploadArtifact(
      name,
      [...signed.map(result => path.join(options.workspace, result.signedPath)), checksumsFile],
      options.outputDir,
      options.retentionDays === undefined ? {} : { retentionDays: options.retentionDays }
    )
    if (id === undefined) throw new Error('the results service returned no artifact ID')
    const { serverUrl, repository, runId } = options.context
    return {
      id: String(id),
      name,
      url: `${serverUrl}/${repository}/actions/runs/${runId}/artifacts/${id}`
    }
  } catch (error) {
    const message = errorMessage(error)
    if (/\(409\)|already exists/i.test(message)) {
      throw new ActionError(
        `An artifact named '${name}' already exists in this workflow run (${message}). Parallel jobs or matrix legs that sign the same files need distinct names: set the '${Input.ArtifactName}' input, for example 'signed-\${{ matrix.platform }}'.`
      )
    }
    throw new ActionError(`Uploading the signed files as artifact '${name}' failed: ${message}`)
  }
}
