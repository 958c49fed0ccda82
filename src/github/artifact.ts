import { createHash } from 'node:crypto'
import path from 'node:path'
import { ActionError, errorMessage } from '../errors.js'
import { Input } from './inputs.js'
import type { RunContext } from './run-context.js'
import type { FileResult } from '../pipeline/sign-one-file.js'
import { isSameOnDisk } from '../pipeline/paths.js'
import { singleLine } from '../safe-text.js'
import { writeNotFollowing } from './checksums.js'
import { signingRecordName, writeSigningRecord, type SigningRecord } from './signing-record.js'

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

/**
 * Uploads the signed files under output-dir as one workflow artifact, with the checksums and the
 * signing record at its root as <name>.sha256 and <name>.signing.json (so that merged legs'
 * files never collide).
 */
export async function uploadSignedArtifact(
  signed: FileResult[],
  options: {
    name: string
    outputDir: string
    workspace: string
    retentionDays: number | undefined
    context: RunContext
    checksums: string
    signingRecord: SigningRecord
  }
): Promise<UploadedArtifact> {
  const { name } = options
  // Loaded only here: @actions/artifact doubles the start-up time of runs that do not need it.
  const { DefaultArtifactClient } = await import('@actions/artifact')
  try {
    const checksumsFile = path.join(options.outputDir, `${name}.sha256`)
    const recordFile = path.join(options.outputDir, signingRecordName(name))
    refuseOverwritingSigned(checksumsFile, signed, options.workspace)
    refuseOverwritingSigned(recordFile, signed, options.workspace)
    await writeNotFollowing(checksumsFile, options.checksums)
    await writeSigningRecord(recordFile, options.signingRecord)
    const { id } = await new DefaultArtifactClient().uploadArtifact(
      name,
      [
        ...signed.map(result => path.join(options.workspace, result.signedPath)),
        checksumsFile,
        recordFile
      ],
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

/**
 * A file the step writes beside the signed files in output-dir (the checksums, the signing
 * record) never replaces one of them: a signed file may bear that name.
 */
export function refuseOverwritingSigned(
  file: string,
  signed: FileResult[],
  workspace: string
): void {
  const overwritten = signed.find(result =>
    isSameOnDisk(path.join(workspace, result.signedPath), file)
  )
  if (overwritten) {
    throw new ActionError(
      `${singleLine(path.relative(workspace, file))} would replace the signed file ${singleLine(overwritten.signedPath)}: give ${Input.ArtifactName} a name that no signed file has.`
    )
  }
}
