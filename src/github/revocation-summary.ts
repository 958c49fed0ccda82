import * as core from '@actions/core'
import type { RevocationResult } from '../pipeline/revoke-one-job.js'
import { escapeHtml } from '../safe-text.js'
import { Output } from './outputs.js'
import { SUMMARY_LIMIT_BYTES } from './step-summary.js'

const TABLE_BUDGET_BYTES = SUMMARY_LIMIT_BYTES - 32 * 1024

const HEADER = ['Job ID', 'Owner', 'Signed', 'Profile version', 'Status']

/** A profile version this step revoked, or found revoked. */
export interface ProfileVersionResult {
  profileName: string
  profileVersion: string
  status: 'revoked' | 'already-revoked' | 'failed'
  /** Signatures the version made from this time on are revoked (ISO-8601). */
  effectiveFrom: string
  /** How the effective time was chosen, for the summary. */
  effectiveTimeFrom: string
  error?: string
}

/**
 * What was revoked and what that means: a table of every job, then each profile version, with
 * what its revocation invalidates (the Developer Guide's "Revoke signatures"). Every cell is
 * escaped.
 */
export async function writeRevocationSummary(
  results: RevocationResult[],
  profiles: ProfileVersionResult[],
  reason: string
): Promise<void> {
  const revoked = results.filter(result => result.status !== 'failed')
  const before = results.filter(result => result.status === 'already-revoked').length
  core.summary
    .addHeading('AWS Signer: revocation', 3)
    .addRaw(
      `${revoked.length} of ${results.length} signing job${results.length === 1 ? '' : 's'} revoked${before > 0 ? ` (${before} of them before this step)` : ''}. Reason: ${escapeHtml(reason)}`,
      true
    )
  addTable(results)
  core.summary.addRaw(
    "A revoked job's signature is no longer valid, irreversibly: Lambda refuses to deploy the package it signed in every Region of the partition (with a code signing config that enforces), and a container image it signed fails verification with AWS Signer's Notation plugin. Other jobs of the same profile are not affected.",
    true
  )
  for (const profile of profiles) addProfileVersion(profile)
  await core.summary.write()
}

function addTable(results: RevocationResult[]): void {
  const rows: string[][] = []
  let bytes = 0
  for (const result of results) {
    const row = cellsOf(result).map(escapeHtml)
    const rowBytes = Buffer.byteLength(row.join('')) + row.length * 9 + 9
    if (bytes + rowBytes > TABLE_BUDGET_BYTES) break
    rows.push(row)
    bytes += rowBytes
  }
  core.summary.addTable([HEADER.map(data => ({ data, header: true })), ...rows])
  const left = results.length - rows.length
  if (left > 0) {
    core.summary.addRaw(
      `… and ${left} more job${left === 1 ? '' : 's'}: every job is in the <code>${Output.ResultsFile}</code> output's file.`,
      true
    )
  }
}

function cellsOf(result: RevocationResult): string[] {
  const status =
    result.status === 'revoked'
      ? '✅ revoked'
      : result.status === 'already-revoked'
        ? `✅ revoked before${result.revokedAt ? ` (${result.revokedAt}${result.revokedBy ? ` by ${result.revokedBy}` : ''})` : ''}`
        : `❌ ${result.error ?? 'failed'}`
  return [
    result.jobId,
    result.jobOwner || '—',
    result.name || '—',
    result.profileName && result.profileVersion
      ? `${result.profileName}/${result.profileVersion}`
      : '—',
    status
  ]
}

function addProfileVersion(profile: ProfileVersionResult): void {
  const version = profile.profileVersion
    ? escapeHtml(`${profile.profileName}/${profile.profileVersion}`)
    : 'not known'
  const from = escapeHtml(profile.effectiveFrom)
  core.summary.addHeading(`Profile version ${version}`, 4)
  if (profile.status === 'failed') {
    core.summary.addRaw(
      `❌ Not revoked: ${escapeHtml(profile.error ?? 'failed')}. The job revocations above stand on their own.`,
      true
    )
    return
  }
  core.summary
    .addRaw(
      profile.status === 'revoked'
        ? `✅ Revoked from ${from} (${escapeHtml(profile.effectiveTimeFrom)}). This invalidates:`
        : `✅ Revoked before this step, from ${from}, which covers the time asked for (${escapeHtml(profile.effectiveTimeFrom)}). This invalidates:`,
      true
    )
    .addList([
      `every signature this profile version made at or after ${from}, by any job: those of this release and of any other signed with it since then;`,
      'all signing with it from now on: the profile is Revoked, and Signer refuses its jobs. Sign with a new profile, and trust its version (Lambda code signing config, Notation trust policy) instead.'
    ])
    .addRaw(
      `Signatures it made before ${from} stay valid unless their job is revoked. A revocation cannot be undone, and its effective time can only move earlier.`,
      true
    )
}
