import * as core from '@actions/core'
import type { FileResult } from '../pipeline/sign-one-file.js'
import type { ImageResult } from '../pipeline/sign-one-image.js'
import type { FileVerification } from '../pipeline/verify-one-file.js'
import type { ImageVerification } from '../pipeline/verify-one-image.js'
import { trustPolicy } from '../notary/trust-policy.js'
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
  addTable(results, HEADER, result => [cellsOf(result)], 'file')
  if (artifact) {
    core.summary.addLink(escapeHtml(`Artifact ${artifact.name}`), escapeHtml(artifact.url)).addEOL()
  }
  addCodeSigningConfig(results)
  await core.summary.write()
}

const IMAGE_HEADER = [
  'Image',
  'Signed',
  'Signature',
  'Referrers',
  'Job ID',
  'Signature expires',
  'Seconds',
  'Status'
]
/** `notation verify` commands shown; the rest are in the results. */
const MAX_VERIFY_COMMANDS = 20

/**
 * A table of every image signed, then a Notation trust policy that trusts the profile for the
 * repositories signed, and the commands that verify each signed image with it.
 */
export async function writeImageSummary(results: ImageResult[]): Promise<void> {
  addTable(results, IMAGE_HEADER, result => [imageCellsOf(result)], 'image')
  addNotationVerification(results.filter(result => result.status === 'signed'))
  await core.summary.write()
}

const VERIFY_IMAGE_HEADER = [
  'Image',
  'Digest',
  'Signature',
  'Listed by',
  'Job',
  'Signed',
  'Expires',
  'Verdict'
]
const VERIFY_FILE_HEADER = ['File', 'SHA-256', 'Job', 'Profile version', 'Expires', 'Verdict']

/**
 * A row per signature of each image (an image without any, one row that says why), and how many
 * images have a signature that passed every check.
 */
export async function writeImageVerifySummary(results: ImageVerification[]): Promise<void> {
  addTable(results, VERIFY_IMAGE_HEADER, verifyImageRowsOf, 'image', 'verified')
  await core.summary.write()
}

/** A row per file: the job that signed it and the verdict, or the check that failed. */
export async function writeFileVerifySummary(results: FileVerification[]): Promise<void> {
  addTable(
    results,
    VERIFY_FILE_HEADER,
    result => [
      [
        result.path,
        result.sha256 || '—',
        result.jobId || '—',
        result.profileVersionArn || '—',
        result.signatureExpiresAt || '—',
        result.status === 'verified' ? '✅ verified' : `❌ ${result.check}: ${result.reason}`
      ]
    ],
    'file',
    'verified'
  )
  await core.summary.write()
}

function verifyImageRowsOf(result: ImageVerification): string[][] {
  const image = result.image
  const digest = result.digest || '—'
  if (result.signatures.length === 0) {
    return [[image, digest, '—', '—', '—', '—', '—', `❌ ${result.error ?? 'failed'}`]]
  }
  return result.signatures.map(signature => [
    image,
    digest,
    signature.signatureDigest,
    signature.listedBy === 'api' ? 'referrers API' : 'tag',
    signature.jobArn.slice(signature.jobArn.lastIndexOf('/') + 1) || '—',
    signature.signedAt || '—',
    signature.expiresAt || '—',
    signature.verdict === 'valid' ? '✅ valid' : `❌ ${signature.check}: ${signature.reason}`
  ])
}

/**
 * The heading, how many signed (or verified), and as many rows as fit, then how many more there
 * are. Every cell is escaped: a file named `<img src=x onerror=…>.zip` is shown as that text.
 */
function addTable<Result extends { status: string }>(
  results: Result[],
  header: string[],
  rowsOf: (result: Result) => string[][],
  noun: 'file' | 'image',
  done: 'signed' | 'verified' = 'signed'
): void {
  const count = results.filter(result => result.status === done).length
  const rows: string[][] = []
  let shown = 0
  let bytes = 0
  for (const result of results) {
    const resultRows = rowsOf(result).map(row => row.map(escapeHtml))
    // Each cell becomes <td>…</td>, each row <tr>…</tr>.
    const rowBytes = resultRows.reduce(
      (sum, row) => sum + Buffer.byteLength(row.join('')) + row.length * 9 + 9,
      0
    )
    if (bytes + rowBytes > TABLE_BUDGET_BYTES) break
    rows.push(...resultRows)
    bytes += rowBytes
    shown++
  }
  core.summary
    .addHeading('AWS Signer', 3)
    .addRaw(
      `${count} of ${results.length} ${noun}${results.length === 1 ? '' : 's'} ${done}.`,
      true
    )
    .addTable([header.map(data => ({ data, header: true })), ...rows])
  const left = results.length - shown
  if (left > 0) {
    core.summary.addRaw(
      `… and ${left} more ${noun}${left === 1 ? '' : 's'}: every ${noun} is in the <code>${Output.ResultsFile}</code> output's file.`,
      true
    )
  }
}

/** A ready trust policy for Notation with AWS's plugin, and `notation verify` for each image. */
function addNotationVerification(signed: ImageResult[]): void {
  const policy = trustPolicy(
    signed.map(result => ({
      profileVersionArn: result.profileVersionArn,
      repository: result.signedImage.slice(0, result.signedImage.lastIndexOf('@'))
    }))
  )
  if (!policy) return
  const commands = [
    'notation policy import trustpolicy.json',
    ...signed
      .slice(0, MAX_VERIFY_COMMANDS)
      .map(result => `notation verify ${shellWord(result.signedImage)}`)
  ]
  if (signed.length > MAX_VERIFY_COMMANDS) {
    commands.push(`# … and ${signed.length - MAX_VERIFY_COMMANDS} more, listed in the results`)
  }
  core.summary
    .addHeading('Verify with Notation', 4)
    .addRaw(
      "A Notation trust policy that trusts every version of the signing profile for the repositories signed here (<code>trustpolicy.json</code>; the trust store is the one that AWS Signer's installer sets up with its root certificate):",
      true
    )
    .addCodeBlock(escapeLines(JSON.stringify(policy, null, 2).split('\n')), 'json')
    .addRaw(
      "Then, with notation and AWS Signer's plugin installed and logged in to the registry:",
      true
    )
    .addCodeBlock(escapeLines(commands), 'shell')
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

function imageCellsOf(result: ImageResult): string[] {
  return [
    result.platform ? `${result.image} (${result.platform})` : result.image,
    result.digest || '—',
    result.signatureDigest || '—',
    result.referrers === 'api' ? 'referrers API' : result.referrers === 'tag' ? 'tag' : '—',
    result.jobId || '—',
    result.signatureExpiresAt || '—',
    String(result.seconds),
    result.status === 'signed' ? '✅ signed' : `❌ ${result.error ?? 'failed'}`
  ]
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

/**
 * A reference as one shell word: quoted when it holds what a shell would expand, such as an
 * IPv6 registry's brackets (`[::1]:5000/app@sha256:…` is a glob). A parsed reference holds no
 * quote.
 */
function shellWord(reference: string): string {
  return /^[A-Za-z0-9._:/@+-]+$/.test(reference) ? reference : `'${reference}'`
}
