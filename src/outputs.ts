import * as core from '@actions/core'
import type { FileResult } from './sign-file.js'

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

export async function writeSummary(
  results: FileResult[],
  artifact: { name: string; url: string } | undefined
): Promise<void> {
  const signed = results.filter(result => result.status === 'signed').length
  const header = ['File', 'Job ID', 'Signature expires', 'Signed object', 'Seconds', 'Status'].map(
    data => ({ data, header: true })
  )
  const rows = results.map(result => [
    result.signedPath || result.path,
    result.jobId || '—',
    result.signatureExpiresAt || '—',
    result.signedObject || '—',
    String(result.seconds),
    result.status === 'signed' ? '✅ signed' : `❌ ${result.error ?? 'failed'}`
  ])
  core.summary
    .addHeading('AWS Signer', 3)
    .addRaw(`${signed} of ${results.length} file${results.length === 1 ? '' : 's'} signed.`, true)
    .addTable([header, ...rows])
  if (artifact) core.summary.addLink(`Artifact ${artifact.name}`, artifact.url).addEOL()
  await core.summary.write()
}
