/**
 * mode: revoke through dist/index.js against the rig: files are signed first (as a release
 * would be), then their jobs revoked by ID, by the signing record a release carries, across
 * accounts, again, with a job missing, with the profile version, and with bad inputs.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import {
  GetSigningProfileCommand,
  RevokeSignatureCommand,
  SignerClient
} from '@aws-sdk/client-signer'
import { startGithubApi, type GithubApi } from '../rig/github-api.js'
import { MOTO_ACCOUNT } from '../rig/moto.js'
import { PROFILE, runSigning, startRig, type Rig } from '../rig/rig.js'
import { runAction, type ActionRun } from '../rig/run-action.js'
import { workspaceWith, zipBytes } from './workspace.js'

const REPOSITORY = 'octo-org/octo-repo'
const OTHER_ACCOUNT = '210987654321'
const REASON = 'build 1.2.3 shipped a compromised dependency'

let rig: Rig
let github: GithubApi
let signer: SignerClient
let seed = 100

beforeAll(async () => {
  rig = await startRig()
  github = await startGithubApi()
  signer = new SignerClient({
    region: 'us-east-1',
    endpoint: rig.signer.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' }
  })
})
afterAll(async () => {
  signer?.destroy()
  await github?.stop()
  await rig?.stop()
})
beforeEach(() => {
  rig.signer.reset()
  rig.signer.jobDurationMs = 0
  github.reset()
})

interface Result {
  jobId: string
  jobOwner: string
  jobArn: string
  status: string
  reason: string
  revokedAt: string
  revokedBy: string
  name: string
  source: string
  profileName: string
  profileVersion: string
  error?: string
}

/** Signs `count` files with `inputs` added; returns each file's result. */
async function signFiles(
  count: number,
  inputs: Record<string, string> = {}
): Promise<{ workspace: string; results: Record<string, string>[] }> {
  const files = Object.fromEntries(
    Array.from({ length: count }, (_, index) => [`build/app-${index}.zip`, zipBytes(seed++)])
  )
  const workspace = workspaceWith(files)
  const run = await runSigning(
    rig,
    workspace,
    { path: 'build/*.zip', ...inputs },
    { env: github.env() }
  )
  expect(run.errors).toEqual([])
  return { workspace, results: JSON.parse(run.outputs.results ?? '[]') }
}

/** The action with mode revoke, as a workflow step would run it. */
function revoke(workspace: string, inputs: Record<string, string>): Promise<ActionRun> {
  return runAction({
    workspace,
    inputs: { mode: 'revoke', reason: REASON, ...inputs },
    env: { ...rig.env, ...github.env() }
  })
}

const resultsOf = (run: ActionRun): Result[] => JSON.parse(run.outputs.results ?? '[]')

/** The revocation the rig's Signer recorded for a job, if any. */
function revocationOf(jobArn: string) {
  return rig.signer.revocations.jobs.get(jobArn)
}

let profiles = 0
/** A profile of its own: a revoked profile stays revoked across tests. */
function newProfile(owner?: string): string {
  profiles += 1
  const name = `revoke_test_${profiles}`
  rig.signer.addProfile({ name, platformId: 'AWSLambda-SHA384-ECDSA', ...(owner && { owner }) })
  return name
}

describe('revoking jobs by ID', () => {
  it('revokes each job of job-ids, in results and the summary, and the signatures are revoked', async () => {
    const { workspace, results } = await signFiles(2)
    const [first, second] = results

    const run = await revoke(workspace, {
      'job-ids': `# the release of 1.2.3\n${first!.jobId}\n${second!.jobArn}`
    })

    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(resultsOf(run)).toEqual(
      [first!, second!].map(signed =>
        expect.objectContaining({
          jobId: signed.jobId,
          jobOwner: MOTO_ACCOUNT,
          jobArn: signed.jobArn,
          status: 'revoked',
          reason: REASON,
          source: 'job-ids',
          profileName: PROFILE,
          profileVersion: signed.profileVersion
        })
      )
    )
    for (const signed of [first!, second!]) {
      expect(revocationOf(signed.jobArn!)).toMatchObject({ reason: REASON })
    }
    // RevokeSignature went to each job once, after a look at whether it was revoked already.
    const calls = rig.signer.requests.map(request => `${request.operation} ${request.jobId ?? ''}`)
    expect(calls.filter(call => call.startsWith('RevokeSignature')).sort()).toEqual(
      [first!.jobId, second!.jobId].map(id => `RevokeSignature ${id}`).sort()
    )
    expect(run.summary).toContain('2 of 2 signing jobs revoked')
    expect(run.summary).toContain(first!.jobId!)
    expect(run.summary).toContain("A revoked job's signature is no longer valid")
    expect(JSON.parse(run.runnerTemp[run.outputs['results-file']!]!.toString())).toEqual(
      resultsOf(run)
    )
  })

  it('counts a job revoked before as revoked, keeping the first record, and sends no second RevokeSignature', async () => {
    const { workspace, results } = await signFiles(1)
    const jobId = results[0]!.jobId!
    const first = await revoke(workspace, { 'job-ids': jobId, reason: 'the first reason' })
    expect(first.exitCode).toBe(0)
    const revokes = () => rig.signer.requests.filter(r => r.operation === 'RevokeSignature').length

    const again = await revoke(workspace, { 'job-ids': jobId })

    expect(again.errors).toEqual([])
    expect(again.exitCode).toBe(0)
    expect(resultsOf(again)).toEqual([
      expect.objectContaining({
        jobId,
        status: 'already-revoked',
        reason: 'the first reason',
        revokedBy: `arn:aws:iam::${MOTO_ACCOUNT}:root`,
        revokedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/)
      })
    ])
    expect(revokes()).toBe(1)
    expect(again.summary).toContain('revoked before')
  })

  it('counts a job revoked by someone else between its look and its revocation as revoked', async () => {
    const { workspace, results } = await signFiles(1)
    const jobId = results[0]!.jobId!
    // Another step revoked the job just after this one looked: the first look shows no record,
    // and the RevokeSignature that follows is refused (the rig's default for a second one).
    await revokeDirectly(jobId, 'revoked by another step')
    let looks = 0
    rig.signer.faults.describeAnswer = answer => {
      looks += 1
      return looks === 1 ? { ...answer, revocationRecord: undefined } : answer
    }

    const run = await revoke(workspace, { 'job-ids': jobId })

    expect(run.errors).toEqual([])
    expect(resultsOf(run)).toEqual([
      expect.objectContaining({ status: 'already-revoked', reason: 'revoked by another step' })
    ])
    expect(looks).toBe(2)
  })

  it('fails a job that does not exist, and still revokes the others', async () => {
    const { workspace, results } = await signFiles(1)
    const missing = '00000000-0000-4000-8000-000000000000'

    const run = await revoke(workspace, { 'job-ids': `${missing}\n${results[0]!.jobId}` })

    expect(run.exitCode).toBe(1)
    expect(resultsOf(run).map(result => [result.jobId, result.status])).toEqual([
      [missing, 'failed'],
      [results[0]!.jobId, 'revoked']
    ])
    expect(resultsOf(run)[0]?.error).toContain(`RevokeSignature of job ${missing} failed`)
    expect(resultsOf(run)[0]?.error).toContain('ResourceNotFoundException')
    expect(run.errors).toEqual([
      expect.stringContaining(`Job ${missing}: RevokeSignature of job ${missing} failed`),
      "1 of 2 jobs failed to be revoked; the 1 revoked job(s) are revoked and listed in 'results'."
    ])
    expect(revocationOf(results[0]!.jobArn!)).toBeDefined()
  })

  it("does not take another job's DescribeSigningJob answer, revoked already, for this job's", async () => {
    const { workspace, results } = await signFiles(2)
    const [a, b] = [results[0]!, results[1]!]
    expect((await revoke(workspace, { 'job-ids': a.jobId! })).exitCode).toBe(0)
    // b is described with a's answer, which carries a's revocation record.
    rig.signer.faults.describeAnswer = (answer, job, describe) => {
      const jobA = rig.signer.jobs.find(other => other.jobId === a.jobId)!
      return job.jobId === b.jobId ? describe(jobA) : answer
    }

    const run = await revoke(workspace, { 'job-ids': b.jobId! })

    expect(run.exitCode).toBe(1)
    expect(resultsOf(run).map(result => [result.jobId, result.status])).toEqual([
      [b.jobId, 'failed']
    ])
    expect(resultsOf(run)[0]?.error).toContain(
      `DescribeSigningJob of job ${b.jobId} answered about another job ('${a.jobId}')`
    )
    expect(revocationOf(b.jobArn!)).toBeUndefined()
  })

  it('says which permission is missing when RevokeSignature is denied', async () => {
    const { workspace, results } = await signFiles(1)
    rig.signer.faults.deny.add('RevokeSignature')

    const run = await revoke(workspace, { 'job-ids': results[0]!.jobId! })

    expect(run.exitCode).toBe(1)
    expect(run.errors).toEqual([
      expect.stringContaining('the role needs signer:RevokeSignature on the job')
    ])
  })
})

/** RevokeSignature straight to the rig, as another step (or the console) would. */
async function revokeDirectly(jobId: string, reason: string): Promise<void> {
  await signer.send(new RevokeSignatureCommand({ jobId, reason }))
}

describe('revoking jobs of a profile another account shares', () => {
  it('revokes a job with its owner: given in job-ids, or read from DescribeSigningJob', async () => {
    const shared = newProfile(OTHER_ACCOUNT)
    const { workspace, results } = await signFiles(2, {
      'profile-name': shared,
      'profile-owner': OTHER_ACCOUNT
    })
    expect(results.map(result => result.jobOwner)).toEqual([OTHER_ACCOUNT, OTHER_ACCOUNT])
    const [given, described] = results

    const run = await revoke(workspace, {
      'job-ids': `${given!.jobId} ${OTHER_ACCOUNT}\n${described!.jobId}`
    })

    expect(run.errors).toEqual([])
    expect(resultsOf(run).map(r => [r.jobOwner, r.status])).toEqual([
      [OTHER_ACCOUNT, 'revoked'],
      [OTHER_ACCOUNT, 'revoked']
    ])
    const bodies = rig.signer.requests
      .filter(request => request.operation === 'RevokeSignature')
      .map(request => request.jobId)
    expect(bodies.sort()).toEqual([given!.jobId, described!.jobId].sort())
    expect(revocationOf(given!.jobArn!)).toBeDefined()
    expect(revocationOf(described!.jobArn!)).toBeDefined()
  })

  it("takes DescribeSigningJob's owner over a wrong one in job-ids, warning of the difference", async () => {
    const shared = newProfile(OTHER_ACCOUNT)
    const { workspace, results } = await signFiles(1, {
      'profile-name': shared,
      'profile-owner': OTHER_ACCOUNT
    })

    const run = await revoke(workspace, { 'job-ids': `${results[0]!.jobId} ${MOTO_ACCOUNT}` })

    expect(run.errors).toEqual([])
    expect(run.warnings).toEqual([
      `Job ${results[0]!.jobId}: job-ids names owner '${MOTO_ACCOUNT}', DescribeSigningJob '${OTHER_ACCOUNT}': Signer's answer is taken`
    ])
    expect(resultsOf(run)).toEqual([
      expect.objectContaining({ jobOwner: OTHER_ACCOUNT, status: 'revoked' })
    ])
    expect(revocationOf(results[0]!.jobArn!)).toBeDefined()
  })

  it('takes profile-owner as the owner when the job cannot be described, and fails without it', async () => {
    const shared = newProfile(OTHER_ACCOUNT)
    const { workspace, results } = await signFiles(2, {
      'profile-name': shared,
      'profile-owner': OTHER_ACCOUNT
    })
    rig.signer.faults.deny.add('DescribeSigningJob')

    const without = await revoke(workspace, { 'job-ids': results[0]!.jobId! })
    const withOwner = await revoke(workspace, {
      'job-ids': results[1]!.jobId!,
      'profile-owner': OTHER_ACCOUNT
    })

    expect(without.exitCode).toBe(1)
    expect(without.errors[0]).toContain('ResourceNotFoundException')
    expect(without.errors[0]).toContain("'<jobId> <jobOwner>' in job-ids, or profile-owner")
    expect(withOwner.errors).toEqual([])
    expect(resultsOf(withOwner)).toEqual([
      expect.objectContaining({ jobOwner: OTHER_ACCOUNT, status: 'revoked' })
    ])
  })
})

describe('revoking a release from its signing record', () => {
  it("revokes every job of the record attached to a release, downloaded as 'gh release download' would", async () => {
    const release = github.addRelease(REPOSITORY, 'v1.2.3')
    const token = github.addToken('write')
    const { results } = await signFiles(3, { 'release-tag': 'v1.2.3', 'github-token': token })
    const record = release.assets.find(asset => asset.name.endsWith('.signing.json'))
    expect(record).toBeDefined()
    // The revoking workflow runs elsewhere: a fresh workspace with the downloaded record only.
    const workspace = workspaceWith({})
    mkdirSync(path.join(workspace, 'release'))
    const downloaded = await fetch(
      `${github.url}/${REPOSITORY}/releases/download/v1.2.3/${encodeURIComponent(record!.name)}`
    )
    writeFileSync(path.join(workspace, 'release', record!.name), await downloaded.text())

    const run = await revoke(workspace, { 'signing-results': 'release/*.signing.json' })

    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(resultsOf(run)).toEqual(
      results.map(signed =>
        expect.objectContaining({
          jobId: signed.jobId,
          jobOwner: MOTO_ACCOUNT,
          status: 'revoked',
          name: signed.signedPath!.replace(/^signed\//, ''),
          source: `release/${record!.name}`
        })
      )
    )
    for (const signed of results) expect(revocationOf(signed.jobArn!)).toBeDefined()
  })

  it('revokes the profile version Signer names, not one a record claims, warning of the difference', async () => {
    const profile = newProfile()
    const decoy = newProfile()
    const { workspace, results } = await signFiles(1, { 'profile-name': profile })
    const read = (name: string) => signer.send(new GetSigningProfileCommand({ profileName: name }))
    const decoyVersion = (await read(decoy)).profileVersion
    const claimed = results.map(result => ({
      ...result,
      profileName: decoy,
      profileVersion: decoyVersion
    }))
    writeFileSync(path.join(workspace, 'results.json'), JSON.stringify(claimed))

    const run = await revoke(workspace, {
      'signing-results': 'results.json',
      'profile-name': profile,
      'revoke-profile-version': 'true'
    })

    expect(run.errors).toEqual([])
    const signedBy = results[0]!.profileVersion!
    expect(resultsOf(run)[0]).toMatchObject({
      profileName: profile,
      profileVersion: signedBy,
      status: 'revoked'
    })
    expect(run.warnings).toEqual([
      expect.stringContaining(
        `/${decoyVersion}', DescribeSigningJob '${profile}/${signedBy}': Signer's answer is taken`
      )
    ])
    // The version that signed is revoked; the one the record claimed (another profile's) is not.
    expect((await read(profile)).revocationRecord).toBeDefined()
    expect((await read(decoy)).status).toBe('Active')
  })

  it("revokes the jobs of a step's results-file, with job-ids' too, each once", async () => {
    const { workspace, results } = await signFiles(2)
    writeFileSync(path.join(workspace, 'results.json'), JSON.stringify(results))

    const run = await revoke(workspace, {
      'signing-results': 'results.json',
      'job-ids': results[0]!.jobId!
    })

    expect(run.errors).toEqual([])
    expect(resultsOf(run).map(r => [r.jobId, r.source, r.status])).toEqual([
      [results[0]!.jobId, 'job-ids', 'revoked'],
      [results[1]!.jobId, 'results.json', 'revoked']
    ])
  })
})

describe('revoking the profile version', () => {
  it('revokes the version that signed the jobs from a little before now, and says what that invalidates', async () => {
    const profile = newProfile()
    const { workspace, results } = await signFiles(1, { 'profile-name': profile })
    const before = Date.now()

    const run = await revoke(workspace, {
      'job-ids': results[0]!.jobId!,
      'profile-name': profile,
      'revoke-profile-version': 'true'
    })
    const ended = Date.now()

    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    const answer = await signer.send(new GetSigningProfileCommand({ profileName: profile }))
    expect(answer.status).toBe('Revoked')
    const from = answer.revocationRecord?.revocationEffectiveFrom?.getTime() ?? 0
    // The step's now less five minutes, for clock skew: between the run's start and its end,
    // less five minutes (give or take a second: the wire may carry whole seconds).
    expect(from).toBeGreaterThanOrEqual(before - 5 * 60 * 1000 - 1000)
    expect(from).toBeLessThanOrEqual(ended - 5 * 60 * 1000 + 1000)
    expect(run.summary).toContain(`Profile version ${profile}/${results[0]!.profileVersion}`)
    expect(run.summary).toContain('every signature this profile version made at or after')
    expect(run.summary).toContain('the profile is Revoked')
    expect(run.summary).toContain('less 5 minutes, for clock skew')

    // The profile signs nothing more.
    const after = await runSigning(rig, workspaceWith({ 'build/x.zip': zipBytes(seed++) }), {
      path: 'build/x.zip',
      'profile-name': profile
    })
    expect(after.exitCode).toBe(1)
  })

  it("revokes no profile version when a record adds a job of another profile than 'profile-name'", async () => {
    const profile = newProfile()
    const other = newProfile()
    const mine = await signFiles(1, { 'profile-name': profile })
    const theirs = await signFiles(1, { 'profile-name': other })
    const workspace = mine.workspace
    // One line more in a file anyone with write access may change.
    writeFileSync(
      path.join(workspace, 'results.json'),
      JSON.stringify([...mine.results, ...theirs.results])
    )
    const read = (name: string) => signer.send(new GetSigningProfileCommand({ profileName: name }))

    const run = await revoke(workspace, {
      'signing-results': 'results.json',
      'profile-name': profile,
      'revoke-profile-version': 'true'
    })

    expect(run.exitCode).toBe(1)
    expect((await read(other)).status).toBe('Active')
    // Neither: a record that mixes profiles is checked before anything irreversible is done.
    expect((await read(profile)).status).toBe('Active')
    expect(
      rig.signer.requests.filter(request => request.operation === 'RevokeSigningProfile')
    ).toEqual([])
    const otherJob = theirs.results[0]!
    expect(run.errors).toEqual([
      `revoke-profile-version revoked no profile version: DescribeSigningJob says job ${otherJob.jobId} was signed with '${other}/${otherJob.profileVersion}', not with '${profile}' ('profile-name'). Only the profile you name is revoked; check where the record's jobs come from, and run the step again without the jobs of '${other}'.`
    ])
  })

  it("revokes no profile version of a job whose owner is not 'profile-owner'", async () => {
    const shared = newProfile(OTHER_ACCOUNT)
    const { workspace, results } = await signFiles(1, {
      'profile-name': shared,
      'profile-owner': OTHER_ACCOUNT
    })

    const run = await revoke(workspace, {
      'job-ids': results[0]!.jobId!,
      'profile-name': shared,
      'profile-owner': MOTO_ACCOUNT,
      'revoke-profile-version': 'true'
    })

    expect(run.exitCode).toBe(1)
    expect(run.errors).toEqual([
      expect.stringContaining(
        `job ${results[0]!.jobId} was signed with '${shared}/${results[0]!.profileVersion}' of ${OTHER_ACCOUNT}, not with '${shared}' of ${MOTO_ACCOUNT}`
      )
    ])
    expect(
      rig.signer.requests.filter(request => request.operation === 'RevokeSigningProfile')
    ).toEqual([])
  })

  it('revokes no profile version that only a record names, for a job Signer will not describe, nor the current version of profile-name', async () => {
    const profile = newProfile()
    const { workspace, results } = await signFiles(1, { 'profile-name': profile })
    const read = (name: string) => signer.send(new GetSigningProfileCommand({ profileName: name }))
    writeFileSync(path.join(workspace, 'results.json'), JSON.stringify(results))
    rig.signer.faults.deny.add('DescribeSigningJob')

    const run = await revoke(workspace, {
      'signing-results': 'results.json',
      'profile-name': profile,
      'revoke-profile-version': 'true'
    })

    // The job's signature is revoked; the version it names is not, on a record's word alone.
    const { jobId, jobArn, profileVersion } = results[0]!
    expect(resultsOf(run)).toEqual([
      expect.objectContaining({
        jobId,
        status: 'revoked',
        profileName: profile,
        profileVersion,
        profileFrom: 'record'
      })
    ])
    expect(revocationOf(jobArn!)).toBeDefined()
    expect((await read(profile)).status).toBe('Active')
    expect(run.exitCode).toBe(1)
    expect(run.errors).toEqual([
      `revoke-profile-version revoked no profile version: only a record names one for the jobs, '${profile}/${profileVersion}' (job ${jobId}). DescribeSigningJob did not name it; once checked, revoke it with 'aws signer revoke-signing-profile'.`
    ])
    expect(run.warnings).toEqual([])
  })

  it('takes effective-time when given, and counts an earlier revocation covering it as done', async () => {
    const profile = newProfile()
    const { workspace, results } = await signFiles(2, { 'profile-name': profile })
    const earlier = await revoke(workspace, {
      'job-ids': results[0]!.jobId!,
      'profile-name': profile,
      'revoke-profile-version': 'true',
      'effective-time': '2024-01-01T00:00:00Z'
    })
    expect(earlier.errors).toEqual([])

    const later = await revoke(workspace, {
      'job-ids': results[1]!.jobId!,
      'profile-name': profile,
      'revoke-profile-version': 'true'
    })

    expect(later.errors).toEqual([])
    expect(later.summary).toContain('Revoked before this step, from 2024-01-01T00:00:00.000Z')
    const answer = await signer.send(new GetSigningProfileCommand({ profileName: profile }))
    expect(answer.revocationRecord?.revocationEffectiveFrom).toEqual(
      new Date('2024-01-01T00:00:00Z')
    )
    expect(
      rig.signer.requests.filter(request => request.operation === 'RevokeSigningProfile')
    ).toHaveLength(1)
  })

  it("fails the step when the profile version cannot be revoked, the jobs' revocations kept", async () => {
    const shared = newProfile(OTHER_ACCOUNT)
    const { workspace, results } = await signFiles(1, {
      'profile-name': shared,
      'profile-owner': OTHER_ACCOUNT
    })

    const run = await revoke(workspace, {
      'job-ids': results[0]!.jobId!,
      'profile-name': shared,
      'revoke-profile-version': 'true'
    })

    expect(run.exitCode).toBe(1)
    expect(resultsOf(run)).toEqual([expect.objectContaining({ status: 'revoked' })])
    expect(run.errors).toEqual([
      expect.stringContaining(`RevokeSigningProfile of profile version ${shared}/`)
    ])
    expect(run.errors[0]).toContain('RevokeSigningProfile names no owner')
    expect(run.summary).toContain('Not revoked')
  })
})

describe('bad inputs with mode revoke', () => {
  let workspace: string
  beforeAll(() => {
    workspace = workspaceWith({
      'newer.signing.json': JSON.stringify({ schemaVersion: 2, results: [] }),
      'broken.signing.json': '{"schemaVersion":1,"results":[{"jobId":"../etc"}]}',
      'elsewhere.signing.json': JSON.stringify({
        schemaVersion: 1,
        region: 'eu-west-1',
        profileName: PROFILE,
        results: [{ jobId: 'job-1' }]
      })
    })
  })

  it.each<[string, Record<string, string>, string]>([
    ['no reason', { 'job-ids': 'job-1', reason: '' }, "Input 'reason': is required"],
    ['no job', { 'job-ids': '' }, "Input 'job-ids': and 'signing-results' are both empty"],
    [
      'a malformed job line',
      { 'job-ids': 'job-1 owner' },
      "Input 'job-ids': 'job-1 owner' is not a job"
    ],
    [
      'a record path that matches nothing',
      { 'signing-results': 'missing/*.signing.json' },
      "Input 'signing-results': 'missing/*.signing.json' matches no file"
    ],
    [
      'a record of a newer schema',
      { 'signing-results': 'newer.signing.json' },
      'has schemaVersion 2, which a newer version of the action wrote'
    ],
    [
      'a record with a bad job ID',
      { 'signing-results': 'broken.signing.json' },
      "results[0].jobId '../etc' is not a signing job ID"
    ],
    [
      'a record of another Region',
      { 'signing-results': 'elsewhere.signing.json' },
      "job job-1 in 'elsewhere.signing.json' ran in eu-west-1"
    ],
    [
      'a release tag',
      { 'job-ids': 'job-1', 'release-tag': 'v1' },
      "Input 'release-tag': is not read with mode 'revoke'"
    ],
    [
      'revoke-profile-version without profile-name',
      { 'job-ids': 'job-1', 'revoke-profile-version': 'true' },
      "Input 'profile-name': is required with 'revoke-profile-version: true'"
    ],
    [
      'effective-time in the future',
      {
        'job-ids': 'job-1',
        'profile-name': PROFILE,
        'revoke-profile-version': 'true',
        'effective-time': '2999-01-01T00:00:00Z'
      },
      "Input 'effective-time': '2999-01-01T00:00:00Z' is in the future"
    ],
    [
      'an unknown mode',
      { mode: 'revoked', 'job-ids': 'job-1' },
      "Input 'mode': must be one of 'sign', 'verify', 'revoke'"
    ]
  ])('refuses %s before any request, naming the input', async (_, inputs, message) => {
    const run = await revoke(workspace, inputs)

    expect(run.exitCode).toBe(1)
    expect(run.errors).toEqual([expect.stringContaining(message)])
    expect(rig.signer.requests).toEqual([])
  })

  it('refuses revoke inputs in a signing step, so that a forgotten mode signs nothing', async () => {
    const run = await runSigning(rig, workspaceWith({ 'build/a.zip': zipBytes(seed++) }), {
      path: 'build/a.zip',
      'job-ids': 'job-1',
      reason: REASON
    })

    expect(run.exitCode).toBe(1)
    expect(run.errors).toEqual([
      "Input 'job-ids': is not read when signing: it is for mode 'revoke'. Set 'mode', or remove 'job-ids'."
    ])
    expect(rig.signer.jobs).toEqual([])
  })
})
