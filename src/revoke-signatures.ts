import * as log from './github/log.js'
import { createClients } from './aws/clients.js'
import {
  currentProfileVersion,
  revokeProfileVersion,
  type ProfileVersionOutcome
} from './aws/revoke-profile-version.js'
import { ActionError, InputError, errorMessage } from './errors.js'
import { Input, type RevokeInputs } from './github/inputs.js'
import { setRevocationOutputs } from './github/outputs.js'
import { readSigningResults } from './github/read-signing-results.js'
import { writeRevocationSummary, type ProfileVersionResult } from './github/revocation-summary.js'
import type { RecordedJob } from './github/signing-record.js'
import { quoted } from './notary/untrusted.js'
import { signAll } from './pipeline/sign-all.js'
import { revokeJob, type RevocationResult } from './pipeline/revoke-one-job.js'
import { failIfAny } from './step-failure.js'

/**
 * How far before the step's clock a profile version's revocation takes effect by default.
 * Signer refuses an effective time after its own clock, and a runner's clock may run ahead of
 * it; the margin only widens what is revoked (signatures of the last minutes), never narrows it.
 */
export const EFFECTIVE_TIME_MARGIN_MS = 5 * 60 * 1000

/** inputs → the jobs named → revoke each → the profile versions → outputs, summary. */
export async function revokeSignatures(inputs: RevokeInputs): Promise<void> {
  if (inputs.ignored.length > 0) {
    log.warning(
      `Ignored ${inputs.ignored.map(name => `'${name}'`).join(', ')}: they steer signing, and this step revokes (mode 'revoke').`
    )
  }
  const jobs = await jobsToRevoke(inputs)
  log.info(
    `Revoking the signatures of ${jobs.length} signing job${jobs.length === 1 ? '' : 's'} in ${inputs.region}`
  )
  const clients = createClients({
    region: inputs.region,
    budgetMs: inputs.timeoutSeconds * 1000
  })
  const setup = {
    signer: clients.signer,
    region: inputs.region,
    reason: inputs.reason,
    profileOwner: inputs.profileOwner
  }
  const results = await signAll(
    jobs,
    {
      name: job => (job.name ? `job ${job.jobId} (${job.name})` : `job ${job.jobId}`),
      sign: (job, log) => revokeJob(job, setup, log),
      outcome: result => ({ signed: result.status !== 'failed', error: result.error }),
      words: { doing: 'Revoking', done: 'revoked' }
    },
    inputs.maxConcurrency
  )
  const profiles = inputs.revokeProfileVersion
    ? await revokeProfileVersions(results, inputs, clients.signer)
    : []
  await setRevocationOutputs(results)
  if (inputs.summary) await writeRevocationSummary(results, profiles, inputs.reason)
  failIfAny({
    failed: results
      .filter(result => result.status === 'failed')
      .map(result => `Job ${result.jobId}: ${result.error}`),
    afterSigning: profiles
      .filter(profile => profile.status === 'failed')
      .map(profile => profile.error ?? ''),
    total: results.length,
    noun: 'job',
    kept: "are revoked and listed in 'results'",
    verb: { present: 'be revoked', past: 'revoked', gerund: 'revoking the jobs' }
  })
}

/**
 * The jobs of job-ids, then of each signing-results file, each once (a job named twice keeps
 * what either says of it). A job of another Region is refused: Signer answers about it there.
 */
async function jobsToRevoke(inputs: RevokeInputs): Promise<RecordedJob[]> {
  const named = [
    ...inputs.jobs,
    ...(await readSigningResults(inputs.signingResults, inputs.workspace))
  ]
  const jobs = new Map<string, RecordedJob>()
  for (const job of named) {
    if (job.region && job.region !== inputs.region) {
      throw new InputError(
        job.source === Input.JobIds ? Input.JobIds : Input.SigningResults,
        `job ${job.jobId}${job.source === Input.JobIds ? '' : ` in '${job.source}'`} ran in ${job.region}, and this step calls Signer in ${inputs.region}: set 'region' to ${job.region}, and revoke the jobs of each Region in a step of its own.`
      )
    }
    const earlier = jobs.get(job.jobId)
    jobs.set(job.jobId, earlier ? merged(earlier, job) : job)
  }
  if (jobs.size === 0) {
    throw new InputError(
      Input.SigningResults,
      `names no signing job (${inputs.signingResults.map(pattern => `'${pattern}'`).join(', ')}): every file it lists failed before its job started, so there is nothing to revoke.`
    )
  }
  return [...jobs.values()]
}

function merged(first: RecordedJob, second: RecordedJob): RecordedJob {
  return {
    jobId: first.jobId,
    jobOwner: first.jobOwner ?? second.jobOwner,
    source: first.source,
    name: first.name ?? second.name,
    region: first.region ?? second.region,
    profileName: first.profileName ?? second.profileName,
    profileVersion: first.profileVersion ?? second.profileVersion
  }
}

/** What revoking profile versions reads: profile-name is required with revoke-profile-version. */
type RevokeProfileInputs = Extract<RevokeInputs, { revokeProfileVersion: true }>

/**
 * Revokes each version of `profile-name` that signed the jobs (as DescribeSigningJob says), from
 * `effective-time` or now less the margin; none when Signer names another profile for a job.
 * When no job says which version signed it, the current version of `profile-name`, with a warning.
 */
async function revokeProfileVersions(
  results: RevocationResult[],
  inputs: RevokeProfileInputs,
  signer: Parameters<typeof revokeProfileVersion>[0]
): Promise<ProfileVersionResult[]> {
  const effectiveTime = inputs.effectiveTime ?? new Date(Date.now() - EFFECTIVE_TIME_MARGIN_MS)
  const chosen = inputs.effectiveTime
    ? "the time 'effective-time' gives"
    : `the step's clock less ${EFFECTIVE_TIME_MARGIN_MS / 60_000} minutes, for clock skew`
  let versions: { profileName: string; profileVersion: string }[]
  try {
    versions = await profileVersionsOf(results, inputs, signer)
  } catch (error) {
    // The jobs are revoked whatever happens here: their results still go out.
    return [
      {
        profileName: inputs.profileName,
        profileVersion: '',
        status: 'failed',
        effectiveFrom: effectiveTime.toISOString(),
        effectiveTimeFrom: chosen,
        error: errorMessage(error)
      }
    ]
  }
  const outcomes: ProfileVersionResult[] = []
  for (const { profileName, profileVersion } of versions) {
    const result: ProfileVersionResult = {
      profileName,
      profileVersion,
      status: 'failed',
      effectiveFrom: effectiveTime.toISOString(),
      effectiveTimeFrom: chosen
    }
    await log.group(`Revoking profile version ${profileName}/${profileVersion}`, async () => {
      try {
        const outcome: ProfileVersionOutcome = await revokeProfileVersion(signer, {
          profileName,
          profileVersion,
          reason: inputs.reason,
          effectiveTime
        })
        result.status = outcome.status
        result.effectiveFrom = outcome.effectiveFrom.toISOString()
        log.info(
          outcome.status === 'revoked'
            ? `revoked: signatures it made from ${result.effectiveFrom} on are no longer valid, and it signs nothing more`
            : `revoked before, from ${result.effectiveFrom}: nothing to do`
        )
      } catch (error) {
        result.error = errorMessage(error)
        log.info(result.error)
      }
    })
    outcomes.push(result)
  }
  return outcomes
}

async function profileVersionsOf(
  results: RevocationResult[],
  inputs: RevokeProfileInputs,
  signer: Parameters<typeof currentProfileVersion>[0]
): Promise<{ profileName: string; profileVersion: string }[]> {
  refuseOtherProfiles(results, inputs)
  const versions = new Map<string, { profileName: string; profileVersion: string }>()
  // A record is a file anyone may have written, and a revoked version stays revoked: only
  // DescribeSigningJob's word is acted on.
  const recordedOnly = new Map<string, string[]>()
  for (const { jobId, profileName, profileVersion, profileFrom } of results) {
    const key = `${profileName}/${profileVersion}`
    if (profileFrom === 'signer') versions.set(key, { profileName, profileVersion })
    if (profileFrom === 'record') recordedOnly.set(key, [...(recordedOnly.get(key) ?? []), jobId])
  }
  for (const key of versions.keys()) recordedOnly.delete(key)
  const onRecordOnly = [...recordedOnly].map(
    ([key, jobs]) => `${quoted(key)} (job ${jobs.join(', job ')})`
  )
  const them = onRecordOnly.length === 1 ? 'it' : 'them'
  const byHand = `DescribeSigningJob did not name ${them}; once checked, revoke ${them} with 'aws signer revoke-signing-profile'.`
  if (versions.size > 0) {
    if (onRecordOnly.length > 0) {
      log.warning(
        `revoke-profile-version leaves alone what only a record names as a job's profile version: ${onRecordOnly.join(', ')}. ${byHand}`
      )
    }
    return [...versions.values()]
  }
  if (onRecordOnly.length > 0) {
    // Not the current version of profile-name either: that may not be the one that signed.
    throw new ActionError(
      `revoke-profile-version revoked no profile version: only a record names one for the jobs, ${onRecordOnly.join(', ')}. ${byHand}`
    )
  }
  const { profileName, profileOwner } = inputs
  const profileVersion = await currentProfileVersion(signer, profileName, profileOwner)
  log.warning(
    `No job says which profile version signed it: revoking the current version of '${profileName}', ${profileVersion}.`
  )
  return [{ profileName, profileVersion }]
}

/**
 * Throws, before any version is revoked, when DescribeSigningJob says a job was signed with
 * another profile than profile-name (or, with profile-owner, another account's): a record may
 * list any job, and the other profile's revocation could not be undone.
 */
function refuseOtherProfiles(results: RevocationResult[], inputs: RevokeProfileInputs): void {
  const { profileName, profileOwner } = inputs
  const named = profileOwner ? `'${profileName}' of ${profileOwner}` : `'${profileName}'`
  const others = results.filter(
    result =>
      result.profileFrom === 'signer' &&
      (result.profileName !== profileName || (profileOwner && result.jobOwner !== profileOwner))
  )
  if (others.length === 0) return
  const said = others.map(
    ({ jobId, jobOwner, profileName: name, profileVersion }) =>
      `job ${jobId} was signed with ${quoted(`${name}/${profileVersion}`)}${profileOwner ? ` of ${jobOwner || 'an unnamed owner'}` : ''}`
  )
  const otherNames = [...new Set(others.map(result => quoted(result.profileName)))]
  throw new ActionError(
    `revoke-profile-version revoked no profile version: DescribeSigningJob says ${said.join(', ')}, not with ${named} ('profile-name'${profileOwner ? ", 'profile-owner'" : ''}). Only the profile you name is revoked; check where the record's jobs come from, and run the step again without the jobs of ${otherNames.join(', ')}.`
  )
}
