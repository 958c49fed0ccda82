import * as core from '@actions/core'
import type { FileResult } from '../pipeline/sign-one-file.js'

export enum Output {
  JobId = 'job-id',
  SignatureExpiresAt = 'signature-expires-at',
  SignedPath = 'signed-path',
  SignedObject = 'signed-object',
  Results = 'results',
  ArtifactId = 'artifact-id',
  ArtifactUrl = 'artifact-url'
}

/** The single-value outputs describe the first file; `results` describes every file. */
export function setOutputs(results: FileResult[]): void {
  const first = results[0]
  if (first) {
    core.setOutput(Output.JobId, first.jobId)
    core.setOutput(Output.SignatureExpiresAt, first.signatureExpiresAt)
    core.setOutput(Output.SignedPath, first.signedPath)
    core.setOutput(Output.SignedObject, first.signedObject)
  }
  core.setOutput(Output.Results, JSON.stringify(results))
}
