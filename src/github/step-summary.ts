import * as core from '@actions/core'
import type { FileResult } from '../pipeline/sign-one-file.js'

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
