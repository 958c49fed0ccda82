import * as core from '@actions/core'
import type { FileResult } from '../pipeline/sign-one-file.js'
import { escapeHtml } from '../safe-text.js'
import { Output } from './outputs.js'

/** GitHub rejects a step summary above 1 MiB; the table stops short of it. */
export const SUMMARY_LIMIT_BYTES = 1024 * 1024
const TABLE_BUDGET_BYTES = SUMMARY_LIMIT_BYTES - 32 * 1024

const HEADER = ['File', 'Job ID', 'Signature expires', 'Signed object', 'Seconds', 'Status']

/**
 * A table of every file, as many rows as fit, then how many more there are. Every cell is
 * escaped: a file named `<img src=x onerror=…>.zip` is shown as that text.
 */
export async function writeSummary(
  results: FileResult[],
  artifact: { name: string; url: string } | undefined
): Promise<void> {
  const signed = results.filter(result => result.status === 'signed').length
  const rows: string[][] = []
  let bytes = 0
  for (const result of results) {
    const row = cellsOf(result).map(escapeHtml)
    // Each cell becomes <td>…</td>, each row <tr>…</tr>.
    const rowBytes = Buffer.byteLength(row.join('')) + row.length * 9 + 9
    if (bytes + rowBytes > TABLE_BUDGET_BYTES) break
    rows.push(row)
    bytes += rowBytes
  }
  core.summary
    .addHeading('AWS Signer', 3)
    .addRaw(`${signed} of ${results.length} file${results.length === 1 ? '' : 's'} signed.`, true)
    .addTable([HEADER.map(data => ({ data, header: true })), ...rows])
  const left = results.length - rows.length
  if (left > 0) {
    core.summary.addRaw(
      `… and ${left} more file${left === 1 ? '' : 's'}: every file is in the <code>${Output.ResultsFile}</code> output's file.`,
      true
    )
  }
  if (artifact) {
    core.summary.addLink(escapeHtml(`Artifact ${artifact.name}`), escapeHtml(artifact.url)).addEOL()
  }
  addCodeSigningConfig(results)
  await core.summary.write()
}

/** A CodeSigningConfig lists 1 to 20 publishers. */
const MAX_PUBLISHERS = 20

/**
 * A ready-to-paste Lambda CodeSigningConfig that trusts the profile versions that signed, each
 * listed once: Lambda then deploys only code they signed.
 */
function addCodeSigningConfig(results: FileResult[]): void {
  const arns = [
    ...new Set(
      results.filter(result => result.status === 'signed').map(result => result.profileVersionArn)
    )
  ]
    .filter(Boolean)
    .slice(0, MAX_PUBLISHERS)
  if (arns.length === 0) return
  const cloudFormation = [
    'CodeSigningConfig:',
    '  Type: AWS::Lambda::CodeSigningConfig',
    '  Properties:',
    '    AllowedPublishers:',
    '      SigningProfileVersionArns:',
    ...arns.map(arn => `        - ${arn}`),
    '    CodeSigningPolicies:',
    '      UntrustedArtifactOnDeployment: Enforce'
  ]
  const cli = [
    'aws lambda create-code-signing-config \\',
    `  --allowed-publishers SigningProfileVersionArns=${arns.join(',')} \\`,
    '  --code-signing-policies UntrustedArtifactOnDeployment=Enforce'
  ]
  core.summary
    .addHeading('Lambda code signing', 4)
    .addRaw(
      `To let a Lambda function run only code that ${arns.length === 1 ? 'this profile version' : 'these profile versions'} signed, give it a code signing config:`,
      true
    )
    .addCodeBlock(escapeLines(cloudFormation), 'yaml')
    .addCodeBlock(escapeLines(cli), 'shell')
}

function escapeLines(lines: string[]): string {
  return lines.map(escapeHtml).join('\n')
}

function cellsOf(result: FileResult): string[] {
  return [
    result.signedPath || result.path,
    result.jobId || '—',
    result.signatureExpiresAt || '—',
    result.signedObject || '—',
    String(result.seconds),
    result.status === 'signed' ? '✅ signed' : `❌ ${result.error ?? 'failed'}`
  ]
}
